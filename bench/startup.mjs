// One-shot start-up: a QoS 1 publish from start to exit (`tspub -q 1 -t T -m M`) against a
// private mosquitto, timed beside the floors it is made of and beside mosquitto_pub, every
// command once per round, the rounds taking turns so that a machine that slows down part-way
// slows every command alike (other developers load this machine: use many rounds):
//   node -e 0          Node's own start and exit: what any Node CLI pays
//   node TCP connect   the same plus a TCP connect and close to the broker: any Node network CLI
//   MQTT.js publish    a minimal MQTT.js publish, bundled and launched as tspub is (any MQTT.js CLI)
//   tspub              bin/tspub of this checkout
//   tspub(before)      DIR/bin/tspub with --before DIR (a built checkout of an earlier version)
//   mosquitto_pub
// Node reads the certificates NODE_EXTRA_CA_CERTS names at every start, so the rounds run each
// command with it (as this shell has it, when set) and without it (a plain environment), one
// after the other. Prints each command's median, its ratio to `node -e 0` in the same
// environment, and the ratios the target is stated in (tspub <= 1.25x node -e 0 without extra
// certificates).
// Usage: node bench/startup.mjs [--runs N] [--before DIR] [--no-floors]
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  await build(bundleOptions({ entryPoints: { 'mqttjs-publish': join(ROOT, 'bench', 'mqttjs-publish.ts') }, outdir: join(dir, 'dist') }));
  return join(dir, 'bin', 'mqttjs-publish');
}

/**
 * Times the one-shot publish against the broker on `port`: `runs` rounds after two to warm
 * up, each round every command in every environment. `before`: another checkout's root.
 */
export async function oneShot(port, { runs = 20, before, floors = true } = {}) {
  const scratch = mkdtempSync(join(tmpdir(), 'tsmqtt-startup-'));
  const publish = ['-h', '127.0.0.1', '-p', String(port), '-t', 'bench/one', '-m', 'hello', '-q', '1'];
  const commands = [
    ['node -e 0', process.execPath, ['-e', '0']],
    ...(floors ? [
      ['node TCP connect', process.execPath, ['-e', `require('net').connect(${port},'127.0.0.1').on('connect',function(){this.end()})`]],
      ['MQTT.js publish', process.execPath, [await mqttjsFloor(scratch), String(port)]],
    ] : []),
    ['tspub', bin('tspub'), publish],
    ...(before ? [['tspub(before)', join(before, 'bin', 'tspub'), publish]] : []),
    ['mosquitto_pub', 'mosquitto_pub', publish],
  ];
  const { NODE_EXTRA_CA_CERTS, ...plain } = process.env;
  const envs = [['NODE_EXTRA_CA_CERTS unset', plain]];
  if (NODE_EXTRA_CA_CERTS) envs.push([`NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS}`, process.env]);
  const times = envs.map(() => Object.fromEntries(commands.map(([name]) => [name, []])));
  for (let round = 0; round < runs + 2; round++) {
    for (const [e, [, env]] of envs.entries()) {
      for (const [name, cmd, args] of commands) {
        const r = await timed(cmd, args, { env });
        if (r.code !== 0) throw new Error(`${name} exited ${r.code}: ${r.err}`);
        if (round >= 2) times[e][name].push(r.ms);
      }
    }
  }
  for (const [e, [label]] of envs.entries()) {
    const m = Object.fromEntries(Object.entries(times[e]).map(([k, v]) => [k, median(v)]));
    console.log(`one-shot publish, QoS 1, median of ${runs} rounds (${label})`);
    for (const [name] of commands) console.log(`  ${name.padEnd(17)} ${fmt(m[name]).padStart(6)} ms  ${fmt(m[name] / m['node -e 0'], 2)}x node -e 0`);
    console.log(`  ratio tspub / node -e 0:          ${fmt(m.tspub / m['node -e 0'], 2)}x${e === 0 ? '  (target <= 1.25)' : ''}`);
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
  const option = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
  need(['mosquitto', 'mosquitto_pub']);
  const broker = await startBroker();
  try {
    await oneShot(broker.port, { runs: Number(option('--runs') ?? 20), before: option('--before'), floors: !process.argv.includes('--no-floors') });
  } finally {
    await broker.stop();
  }
}
