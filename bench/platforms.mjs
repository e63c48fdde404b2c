// Start-up of each Linux build of the release, in one run taking turns: for every platform its
// own Node (the pinned binary the executable is made from) running `-e 0`, the single
// executable's `tspub --version`, and a one-shot QoS 1 publish to a mosquitto here, with
// NODE_EXTRA_CA_CERTS and without when it is set. The ARM builds run under qemu-user on this
// x86-64 machine: their times are EMULATED, not an ARM board's, so ratios are only taken
// between commands run the same way (each build against its own Node under the same
// emulator), never across platforms. Builds each platform's executables into a scratch folder.
// Usage: node bench/platforms.mjs [--runs N] [--target T ...]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSea, bundleSea } from '../scripts/sea.mjs';
import { TARGETS, isNative, nodeBinary, runner, runnerPackages } from '../scripts/targets.mjs';
import { need, startBroker, timed, median, fmt } from './lib.mjs';

const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1] || 11) || 11;
const asked = process.argv.flatMap((a, i) => (a === '--target' ? [process.argv[i + 1]] : []));
const targets = (asked.length ? asked : Object.keys(TARGETS).filter((t) => TARGETS[t].os === 'linux')).filter((t) => {
  if (runner(t) !== undefined) return true;
  console.log(`${t}: skipped, its programs cannot run here (apt-get install ${runnerPackages(t).join(' ')})`);
  return false;
});
need(['mosquitto']);

const scratch = mkdtempSync(join(tmpdir(), 'tsmqtt-bench-platforms-'));
const bundle = await bundleSea(join(scratch, 'bundle'));
const broker = await startBroker();
const publish = ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'bench/one', '-m', 'hello', '-q', '1'];
const COMMANDS = [];
for (const t of targets) {
  const dir = join(scratch, t);
  await buildSea(dir, undefined, t, bundle);
  const on = (program, args) => {
    const [cmd, ...pre] = [...runner(t), program];
    return [cmd, [...pre, ...args]];
  };
  const how = isNative(t) ? 'native' : 'EMULATED (qemu-user)';
  COMMANDS.push(
    { target: t, how, name: 'node -e 0', ok: 0, run: on(nodeBinary(t), ['-e', '0']) },
    { target: t, how, name: 'tspub --version', ok: 1, run: on(join(dir, 'tspub'), ['--version']) },
    { target: t, how, name: 'tspub publish', ok: 0, run: on(join(dir, 'tspub'), publish) },
  );
}

const { NODE_EXTRA_CA_CERTS: extra, ...plain } = process.env;
const envs = [['NODE_EXTRA_CA_CERTS unset', plain]];
if (extra) envs.push([`NODE_EXTRA_CA_CERTS=${extra}`, process.env]);
for (const [label, env] of envs) {
  console.log(`start-up, median of ${RUNS} runs taking turns (${label})`);
  const times = COMMANDS.map(() => []);
  for (let round = 0; round < RUNS + 1; round++) {
    for (const [i, c] of COMMANDS.entries()) {
      const r = await timed(c.run[0], c.run[1], { env });
      if (r.code !== c.ok) throw new Error(`${c.target} ${c.name} exited ${r.code}: ${r.err}`);
      if (round >= 1) times[i].push(r.ms);
    }
  }
  for (const t of targets) {
    const rows = COMMANDS.map((c, i) => [c, median(times[i])]).filter(([c]) => c.target === t);
    const node = rows[0][1];
    console.log(`  ${t} (${rows[0][0].how})`);
    for (const [c, ms] of rows)
      console.log(`    ${c.name.padEnd(16)} ${fmt(ms).padStart(8)} ms  ${fmt(ms / node, 2)}x its node -e 0`);
  }
}
await broker.stop();
rmSync(scratch, { recursive: true, force: true });
