// Start-up of a one-shot QoS 1 publish, the single executable against its floors, in one run
// taking turns (a machine that slows down part-way slows every command alike):
//   node -e 0                  Node's own start and exit (what any Node CLI pays)
//   empty single executable    the same for a single executable with nothing in it
//   node TCP connect           node -e 0 plus a TCP connect and close to the broker
//   sea --version              the single executable: start-up, the tool's modules, no network
//   sea publish                the single executable (dist/sea/tspub)
//   npm bin/tspub              bin/tspub of the npm package installed into a scratch prefix
//   mosquitto_pub
// with and without NODE_EXTRA_CA_CERTS when it is set (Node loads those certificates at each
// start); medians, ratios, binary sizes and each command's peak RSS (/usr/bin/time).
// Builds dist/sea/ when it is not there. Usage: node bench/sea.mjs [--runs N] [--also DIR ...]
//   --also DIR: another build of the executables (node scripts/sea.mjs --out DIR --start codecache)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSea, makeExecutable } from '../scripts/sea.mjs';
import { ROOT, need, startBroker, timed, median, fmt } from './lib.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const RUNS = arg('--runs', 15);
const also = process.argv.flatMap((a, i) => (a === '--also' ? [process.argv[i + 1]] : []));
need(['mosquitto', 'mosquitto_pub']);
const sea = join(ROOT, 'dist', 'sea');
if (!existsSync(join(sea, 'tspub'))) await buildSea(sea, 'snapshot');

const scratch = mkdtempSync(join(tmpdir(), 'tsmqtt-bench-sea-'));
// The floor of a single executable: one with an empty script.
writeFileSync(join(scratch, 'empty.cjs'), '0\n');
makeExecutable(join(scratch, 'empty.cjs'), join(scratch, 'empty-sea'), 'plain');
// The npm package as a user installs it.
const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: ROOT, encoding: 'utf8' });
const tarball = join(scratch, JSON.parse(packed.stdout)[0].filename);
const prefix = join(scratch, 'prefix');
const inst = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--ignore-scripts', '--offline', '--no-audit', '--no-fund', tarball], { encoding: 'utf8' });
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
  ['node TCP connect', process.execPath, ['-e', `require('net').connect(${broker.port},'127.0.0.1').on('connect',function(){this.end()})`]],
  ['sea --version', join(sea, 'tspub'), ['--version']],
  ['sea publish', join(sea, 'tspub'), publish],
  ...also.map((dir) => [`${dir.split('/').pop()} publish`, join(dir, 'tspub'), publish]),
  ['npm bin/tspub', npmTspub, publish],
  ['bin/tspub --version', npmTspub, ['--version']],
  ['mosquitto_pub', 'mosquitto_pub', publish],
];
const OK = { 'sea --version': 1, 'bin/tspub --version': 1 };

const envs = [['NODE_EXTRA_CA_CERTS unset', withoutExtraCerts()]];
if (process.env.NODE_EXTRA_CA_CERTS) envs.push([`NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}`, process.env]);

for (const [label, env] of envs) {
  console.log(`one-shot publish, QoS 1, median of ${RUNS} runs taking turns (${label})`);
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
  for (const [name] of COMMANDS) console.log(`  ${name.padEnd(22)} ${fmt(m[name]).padStart(6)} ms  ${fmt(m[name] / node, 2)}x node -e 0`);
  console.log(`  single executable / node -e 0:        ${fmt(m['sea publish'] / node, 2)}x  (target <= 1.25)`);
  console.log(`  single executable / node TCP connect: ${fmt(m['sea publish'] / m['node TCP connect'], 2)}x  (target <= 1.10)`);
  console.log(`  single executable / empty one:        ${fmt(m['sea publish'] / m['empty single exe'], 2)}x`);
  console.log(`  npm bin/tspub / node -e 0:            ${fmt(m['npm bin/tspub'] / node, 2)}x  (target <= 1.5)`);
  console.log(`  single executable / mosquitto_pub:    ${fmt(m['sea publish'] / m.mosquitto_pub, 2)}x`);
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
console.log(`  empty single executable       ${size(join(scratch, 'empty-sea'))}`);
console.log(`  node                          ${size(process.execPath)}`);
const archive = spawnSync('sh', ['-c', `ls ${ROOT}/dist/tsmqtt-*-linux-x64.tar.gz 2>/dev/null`], { encoding: 'utf8' }).stdout.trim();
if (archive) console.log(`  ${archive.split('/').pop()}  ${size(archive)}`);
console.log(`  npm tarball                   ${fmt(statSync(tarball).size / 1e3)} kB`);
await broker.stop();
rmSync(scratch, { recursive: true, force: true });

function withoutExtraCerts() {
  const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
  return env;
}
