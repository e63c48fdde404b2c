// One-shot start-up: a QoS 1 publish from start to exit (`tspub -q 1 -t T -m M`) against a
// private mosquitto, timed beside the floors it is made of and beside mosquitto_pub, every
// command once per round, the rounds taking turns so that a machine that slows down part-way
// slows every command alike (other developers load this machine: use many rounds):
//   node -e 0          Node's own start and exit: what any Node CLI pays
//   node TCP connect   the same plus a TCP connect and close to the broker: any Node network CLI
//   MQTT.js publish    a minimal MQTT.js publish, bundled and launched as tspub is (any MQTT.js CLI)
//   tspub --version    bin/tspub's launcher, its bundle and the command line, no network: what
//                      start-up costs before the first byte is sent
//   tspub              bin/tspub of this checkout
//   tspub(before)      DIR/bin/tspub with --before DIR (a built checkout of an earlier version)
//   mosquitto_pub
// Node reads the certificates NODE_EXTRA_CA_CERTS names at every start, so the rounds run each
// command with it (as this shell has it, when set) and without it (a plain environment), one
// after the other. Prints each command's median, its ratio to `node -e 0` in the same
// environment, and the ratios the target is stated in (tspub <= 1.25x node -e 0 without extra
// certificates).
// --cpu: each command also runs under `perf stat -e task-clock` (perf must be installed), and
// its CPU time (all its processes and threads) is shown beside the wall time. Where other work
// loads the machine, wall times swing by tens of ms between runs while CPU times hold: read
// the CPU ratios then (perf's own start-up is in every wall time alike).
// Usage: node bench/startup.mjs [--runs N] [--before DIR] [--no-floors] [--cpu]
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleOptions } from '../scripts/bundle-options.mjs';
import { ROOT, bin, fmt, median, need, startBroker, timed } from './lib.mjs';

/** The MQTT.js floor, bundled and launched as the tools are, in a scratch dir; returns its launcher. */
async function mqttjsFloor(dir) {
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin', 'launch.cjs'), join(dir, 'bin', 'launch.cjs'));
  writeFileSync(join(dir, 'bin', 'package.json'), '{"type":"commonjs"}\n');
  writeFileSync(join(dir, 'bin', 'mqttjs-publish'), "require('./launch.cjs')('mqttjs-publish');\n");
  await build(
    bundleOptions({
      entryPoints: { 'mqttjs-publish': join(ROOT, 'bench', 'mqttjs-publish.ts') },
      outdir: join(dir, 'dist'),
    }),
  );
  return join(dir, 'bin', 'mqttjs-publish');
}

/**
 * Times the one-shot publish against the broker on `port`: `runs` rounds after two to warm
 * up, each round every command in every environment. `before`: another checkout's root.
 */
export async function oneShot(port, { runs = 20, before, floors = true, cpu = false } = {}) {
  const scratch = mkdtempSync(join(tmpdir(), 'tsmqtt-startup-'));
  const publish = ['-h', '127.0.0.1', '-p', String(port), '-t', 'bench/one', '-m', 'hello', '-q', '1'];
  const commands = [
    ['node -e 0', process.execPath, ['-e', '0']],
    ...(floors
      ? [
          [
            'node TCP connect',
            process.execPath,
            ['-e', `require('net').connect(${port},'127.0.0.1').on('connect',function(){this.end()})`],
          ],
          ['MQTT.js publish', process.execPath, [await mqttjsFloor(scratch), String(port)]],
          // mosquitto's tools exit 1 after --version.
          ['tspub --version', bin('tspub'), ['--version'], 1],
        ]
      : []),
    ['tspub', bin('tspub'), publish],
    ...(before ? [['tspub(before)', join(before, 'bin', 'tspub'), publish]] : []),
    ['mosquitto_pub', 'mosquitto_pub', publish],
  ];
  const { NODE_EXTRA_CA_CERTS, ...plain } = process.env;
  const envs = [['NODE_EXTRA_CA_CERTS unset', plain]];
  if (NODE_EXTRA_CA_CERTS) envs.push([`NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS}`, process.env]);
  const times = envs.map(() => Object.fromEntries(commands.map(([name]) => [name, []])));
  const cpuTimes = envs.map(() => Object.fromEntries(commands.map(([name]) => [name, []])));
  const perfOut = join(scratch, 'perf');
  for (let round = 0; round < runs + 2; round++) {
    for (const [e, [, env]] of envs.entries()) {
      for (const [name, cmd, args, status = 0] of commands) {
        const r = cpu
          ? await timed('perf', ['stat', '-x,', '-e', 'task-clock', '-o', perfOut, '--', cmd, ...args], { env })
          : await timed(cmd, args, { env });
        if (r.code !== status) throw new Error(`${name} exited ${r.code}: ${r.err}`);
        if (round < 2) continue;
        times[e][name].push(r.ms);
        if (cpu)
          cpuTimes[e][name].push(
            Number(
              readFileSync(perfOut, 'utf8')
                .split('\n')
                .find((l) => l.includes('task-clock'))
                .split(',')[0],
            ),
          );
      }
    }
  }
  for (const [e, [label]] of envs.entries()) {
    const m = Object.fromEntries(Object.entries(times[e]).map(([k, v]) => [k, median(v)]));
    const c = Object.fromEntries(Object.entries(cpuTimes[e]).map(([k, v]) => [k, median(v)]));
    console.log(`one-shot publish, QoS 1, median of ${runs} rounds (${label})`);
    for (const [name] of commands) {
      const cpuPart = cpu ? `   CPU ${fmt(c[name]).padStart(6)} ms  ${fmt(c[name] / c['node -e 0'], 2)}x` : '';
      console.log(
        `  ${name.padEnd(17)} ${fmt(m[name]).padStart(6)} ms  ${fmt(m[name] / m['node -e 0'], 2)}x node -e 0${cpuPart}`,
      );
    }
    if (cpu) {
      console.log(`  CPU ratio tspub / node -e 0:      ${fmt(c.tspub / c['node -e 0'], 2)}x`);
      if (before) console.log(`  CPU ratio tspub / tspub(before):  ${fmt(c.tspub / c['tspub(before)'], 2)}x`);
    }
    console.log(
      `  ratio tspub / node -e 0:          ${fmt(m.tspub / m['node -e 0'], 2)}x${e === 0 ? '  (target <= 1.25)' : ''}`,
    );
    if (floors) console.log(`  ratio tspub / MQTT.js publish:    ${fmt(m.tspub / m['MQTT.js publish'], 2)}x`);
    console.log(`  ratio tspub / mosquitto_pub:      ${fmt(m.tspub / m.mosquitto_pub, 2)}x`);
    if (before) {
      console.log(`  ratio tspub(before) / node -e 0:  ${fmt(m['tspub(before)'] / m['node -e 0'], 2)}x`);
      console.log(`  ratio tspub / tspub(before):      ${fmt(m.tspub / m['tspub(before)'], 2)}x`);
    }
  }
  rmSync(scratch, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const option = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  need(['mosquitto', 'mosquitto_pub']);
  const broker = await startBroker();
  try {
    if (process.argv.includes('--cpu')) need(['perf']);
    await oneShot(broker.port, {
      runs: Number(option('--runs') ?? 20),
      before: option('--before'),
      floors: !process.argv.includes('--no-floors'),
      cpu: process.argv.includes('--cpu'),
    });
  } finally {
    await broker.stop();
  }
}
