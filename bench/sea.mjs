// Start-up of a one-shot QoS 1 publish: the single executable against the npm package's
// bin/tspub and the floors, in one run taking turns (a machine that slows down part-way slows
// every command alike):
//   node -e 0                  Node's own start and exit (what any Node CLI pays)
//   empty single executable    the same for a single executable with nothing in it
//   node TCP connect           node -e 0 plus a TCP connect and close to the broker
//   sea --version              the single executable: start-up, the tool's modules, no network
//   sea publish                the single executable (dist/sea/tspub, as npm run sea builds it)
//   <start> publish            the same built with another start-up (--start, see below)
//   npm bin/tspub              bin/tspub of the npm package installed into a scratch prefix
//   mosquitto_pub
// with and without NODE_EXTRA_CA_CERTS when it is set (Node loads those certificates at each
// start), with the machine as it is and with one core kept busy by a spinning process (the
// other core is what the commands get); medians, ratios, binary sizes and each command's peak
// RSS (/usr/bin/time).
// Usage: node bench/sea.mjs [--runs N] [--start codecache,plain] [--load idle,busy]
//   --start: also build the single executable with these start-ups (scripts/sea.mjs --start)
//   and time each (a build the same as dist/sea's is left out).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSea, makeExecutable, DEFAULT_START } from '../scripts/sea.mjs';
import { ROOT, need, startBroker, timed, median, fmt } from './lib.mjs';

const option = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(option('--runs', 15));
const STARTS = option('--start', '')
  .split(',')
  .filter((s) => s && s !== DEFAULT_START);
const LOADS = option('--load', 'idle,busy').split(',');
need(['mosquitto', 'mosquitto_pub']);
const sea = join(ROOT, 'dist', 'sea');
if (!existsSync(join(sea, 'tspub'))) await buildSea(sea);

const scratch = mkdtempSync(join(tmpdir(), 'tsmqtt-bench-sea-'));
// The floor of a single executable: one with an empty script.
writeFileSync(join(scratch, 'empty.cjs'), '0\n');
makeExecutable(join(scratch, 'empty.cjs'), join(scratch, 'empty-sea'), 'plain');
const others = [];
for (const start of STARTS) {
  const dir = join(scratch, `sea-${start}`);
  await buildSea(dir, start);
  others.push([start, dir]);
}
// The npm package as a user installs it.
const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], {
  cwd: ROOT,
  encoding: 'utf8',
});
const tarball = join(scratch, JSON.parse(packed.stdout)[0].filename);
const prefix = join(scratch, 'prefix');
const inst = spawnSync(
  'npm',
  ['install', '-g', '--prefix', prefix, '--ignore-scripts', '--offline', '--no-audit', '--no-fund', tarball],
  { encoding: 'utf8' },
);
if (inst.status !== 0) throw new Error(inst.stderr);
const npmTspub = join(prefix, 'bin', 'tspub');
// Warm the installed bundle's code cache (bin/launch.cjs writes it on first run where missing).
spawnSync(npmTspub, ['--help']);

const broker = await startBroker();
const conn = ['-h', '127.0.0.1', '-p', String(broker.port)];
const publish = [...conn, '-t', 'bench/one', '-m', 'hello', '-q', '1'];
const COMMANDS = [
  ['node -e 0', process.execPath, ['-e', '0']],
  ['empty single exe', join(scratch, 'empty-sea'), []],
  [
    'node TCP connect',
    process.execPath,
    ['-e', `require('net').connect(${broker.port},'127.0.0.1').on('connect',function(){this.end()})`],
  ],
  ['sea --version', join(sea, 'tspub'), ['--version']],
  [`sea publish`, join(sea, 'tspub'), publish],
  ...others.map(([start, dir]) => [`sea ${start} publish`, join(dir, 'tspub'), publish]),
  ['npm bin/tspub', npmTspub, publish],
  ['bin/tspub --version', npmTspub, ['--version']],
  ['mosquitto_pub', 'mosquitto_pub', publish],
];
const OK = { 'sea --version': 1, 'bin/tspub --version': 1 };

const envs = [['NODE_EXTRA_CA_CERTS unset', withoutExtraCerts()]];
if (process.env.NODE_EXTRA_CA_CERTS) envs.push([`NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}`, process.env]);

console.log(`dist/sea built with the ${DEFAULT_START} start-up`);
for (const load of LOADS) {
  // One core spinning for the whole measurement: a process that never sleeps, stopped by pid.
  const spinner = load === 'busy' ? spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }) : undefined;
  for (const [label, env] of envs) {
    console.log(
      `one-shot publish, QoS 1, median of ${RUNS} runs taking turns (${label}; ${load === 'busy' ? 'the other core busy' : 'machine as it is'})`,
    );
    const times = Object.fromEntries(COMMANDS.map(([name]) => [name, []]));
    for (let round = 0; round < RUNS + 2; round++) {
      for (const [name, cmd, args] of COMMANDS) {
        const r = await timed(cmd, args, { env });
        if (r.code !== (OK[name] ?? 0)) throw new Error(`${name} exited ${r.code}: ${r.err}`);
        if (round >= 2) times[name].push(r.ms);
      }
    }
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    const node = m['node -e 0'];
    for (const [name] of COMMANDS)
      console.log(`  ${name.padEnd(22)} ${fmt(m[name]).padStart(6)} ms  ${fmt(m[name] / node, 2)}x node -e 0`);
    console.log(`  single executable / npm bin/tspub:     ${fmt(m['sea publish'] / m['npm bin/tspub'], 2)}x`);
    for (const [start] of others)
      console.log(
        `  sea ${start} / sea (${DEFAULT_START}):${' '.repeat(Math.max(1, 18 - start.length - DEFAULT_START.length))}${fmt(m[`sea ${start} publish`] / m['sea publish'], 2)}x`,
      );
    console.log(`  single executable / node TCP connect: ${fmt(m['sea publish'] / m['node TCP connect'], 2)}x`);
    console.log(`  single executable / empty one:        ${fmt(m['sea publish'] / m['empty single exe'], 2)}x`);
    console.log(`  single executable / mosquitto_pub:    ${fmt(m['sea publish'] / m.mosquitto_pub, 2)}x`);
  }
  if (spinner) {
    spinner.kill('SIGKILL');
    await new Promise((r) => spinner.once('exit', r));
  }
}

console.log('peak RSS (median of 5, /usr/bin/time)');
for (const [name, cmd, args] of COMMANDS) {
  const kb = [];
  for (let i = 0; i < 5; i++) {
    const out = join(scratch, 'rss');
    spawnSync('/usr/bin/time', ['-f', '%M', '-o', out, cmd, ...args], { env: withoutExtraCerts(), stdio: 'ignore' });
    kb.push(Number(readFileSync(out, 'utf8').trim().split('\n').pop()));
  }
  console.log(`  ${name.padEnd(22)} ${fmt(median(kb) / 1024).padStart(6)} MB`);
}
console.log('sizes');
const size = (p) => `${fmt(statSync(p).size / 1e6)} MB`;
console.log(`  dist/sea/tsmqtt (every tool)  ${size(join(sea, 'tsmqtt'))}`);
for (const [start, dir] of others)
  console.log(`  ${start} build${' '.repeat(Math.max(1, 24 - start.length))}${size(join(dir, 'tsmqtt'))}`);
console.log(`  empty single executable       ${size(join(scratch, 'empty-sea'))}`);
console.log(`  node                          ${size(process.execPath)}`);
console.log(`  npm tarball                   ${fmt(statSync(tarball).size / 1e3)} kB`);
await broker.stop();
rmSync(scratch, { recursive: true, force: true });

function withoutExtraCerts() {
  const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
  return env;
}
