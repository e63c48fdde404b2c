// Where a streaming tspub or tssub spends its CPU time: runs each case once under
// `node --cpu-prof` against a private broker and prints, per case, the wall and CPU time, the
// peak RSS, and the self time grouped by where the code lives (our bundle's own modules,
// MQTT.js and mqtt-packet, Node's streams and sockets, the garbage collector), then the top
// functions. The bundle is built with names kept (no minifying) into a temp dir for this.
// Usage: node bench/profile.mjs [--lines N] [--case NAME]...
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleOptions, root } from '../scripts/bundle-options.mjs';
import { need, startBroker } from './lib.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const LINES = arg('--lines', 200000);
const only = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--case' ? [a] : []));
need(['mosquitto', 'mosquitto_pub', 'mosquitto_sub']);

const dir = mkdtempSync(join(tmpdir(), 'tsmqtt-profile-'));
// The tools with readable names: the same bundle options, minifying off.
await build({
  ...bundleOptions({
    entryPoints: { tspub: join(root, 'src/tspub.ts'), tssub: join(root, 'src/tssub.ts') },
    outdir: join(dir, 'dist'),
  }),
  minify: false,
  keepNames: true,
});
mkdirSync(join(dir, 'bin'));
copyFileSync(join(root, 'bin', 'launch.cjs'), join(dir, 'bin', 'launch.cjs'));
const launcher = (tool) => {
  const f = join(dir, `${tool}.cjs`);
  writeFileSync(f, `require('./bin/launch.cjs')('${tool}');\n`);
  return f;
};
const input = join(dir, 'lines');
writeFileSync(
  input,
  Array.from({ length: LINES }, (_, i) => `${i + 1} 0123456789abcdef0123456789abcdef`).join('\n') + '\n',
);

function timed(args, opts = {}) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('/usr/bin/time', ['-f', '%U %S %M', ...args], {
      stdio: [opts.stdin ?? 'ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.once('close', (code) => {
      const [u, s, kb] = err.trim().split('\n').pop().split(' ').map(Number);
      resolve({ code, wall: Number(process.hrtime.bigint() - t0) / 1e6, cpu: (u + s) * 1000, rssMb: kb / 1024 });
    });
  });
}

/**
 * Where a line of the bundle comes from: esbuild marks each module's start in an unminified
 * bundle with a comment naming its path ("// src/publish.ts", "// node_modules/mqtt/...").
 */
const modulesOf = new Map();
function moduleAt(url, line) {
  if (!url.endsWith('.cjs') || !url.includes(dir)) return undefined;
  let marks = modulesOf.get(url);
  if (marks === undefined) {
    marks = [];
    readFileSync(url.replace(/^file:\/\//, ''), 'utf8')
      .split('\n')
      .forEach((text, i) => {
        const m = /^\s*\/\/ ((?:src|node_modules|scripts)\/\S+)$/.exec(text);
        if (m) marks.push([i, m[1]]);
      });
    modulesOf.set(url, marks);
  }
  let found;
  for (const [at, path] of marks) {
    if (at > line) break;
    found = path;
  }
  return found;
}

function groupOf(url, line) {
  const path = moduleAt(url, line) ?? url;
  if (path.startsWith('src/') || path.includes('/src/')) return `ours: ${path.split('src/').pop()}`;
  if (path.includes('scripts/shims/')) return `shim: ${path.split('/').pop()}`;
  if (path.includes('node_modules/mqtt-packet')) return 'mqtt-packet';
  if (path.includes('node_modules/mqtt/')) return 'MQTT.js';
  if (path.includes('node_modules/')) return `other: ${path.split('node_modules/')[1].split('/')[0]}`;
  if (path === '') return 'native/GC';
  return `node: ${path
    .replace(/^node:/, '')
    .split('/')
    .pop()}`;
}

function summarise(file) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const groups = new Map();
  const fns = new Map();
  const total = p.timeDeltas.reduce((a, b) => a + b, 0);
  p.samples.forEach((id, i) => {
    const n = byId.get(id);
    const t = p.timeDeltas[i] ?? 0;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') return;
    const g = name.startsWith('(') ? name : groupOf(n.callFrame.url, n.callFrame.lineNumber);
    groups.set(g, (groups.get(g) ?? 0) + t);
    const k = `${name} (${g})`;
    fns.set(k, (fns.get(k) ?? 0) + t);
  });
  const top = (m, n) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([k, v]) => `    ${(v / 1000).toFixed(0).padStart(6)} ms ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`,
      )
      .join('\n');
  return `  by place:\n${top(groups, 10)}\n  top functions:\n${top(fns, Number(process.env.TOP ?? 16))}`;
}

// QoS 0 messages are queued for the away subscriber too (the tssub cases drain a session).
const broker = await startBroker(['queue_qos0_messages true']);
const c = ['-h', '127.0.0.1', '-p', String(broker.port)];
const CASES = {
  'tspub -l -q 0': { tool: 'tspub', args: ['-t', 'prof/l', '-l', '-q', '0'], stdin: true },
  'tspub -l -q 1': { tool: 'tspub', args: ['-t', 'prof/l', '-l', '-q', '1'], stdin: true },
  'tspub -l -q 2': {
    tool: 'tspub',
    args: ['-t', 'prof/l', '-l', '-q', '2'],
    stdin: true,
    lines: Math.min(LINES, 50000),
  },
  'tspub --repeat': { tool: 'tspub', args: ['-t', 'prof/r', '-m', 'x', '--repeat', String(Math.min(LINES, 100000))] },
  'tssub default': { tool: 'tssub', args: ['-t', 'prof/s', '-q', '0'], sub: 0 },
  'tssub -v -q 1': { tool: 'tssub', args: ['-t', 'prof/s', '-q', '1', '-v'], sub: 1 },
  'tssub -F %j -q 2': { tool: 'tssub', args: ['-t', 'prof/s', '-q', '2', '-F', '%j'], sub: 2 },
};
for (const [name, k] of Object.entries(CASES)) {
  if (only.length && !only.includes(name)) continue;
  const profDir = join(dir, `prof-${readdirSync(dir).length}`);
  const node = ['node', '--cpu-prof', `--cpu-prof-dir=${profDir}`, launcher(k.tool), ...c];
  let r;
  if (k.sub !== undefined) {
    // A persistent session filled while away, then drained: receiving alone is measured.
    const id = ['-c', '-i', 'prof-sub', '-q', String(k.sub)];
    await timed(['mosquitto_sub', ...c, ...id, '-t', 'prof/s', '-E']);
    const n = Math.min(LINES, 100000);
    // Filled by tspub: mosquitto_pub 2.0.11 drops unacknowledged messages at the end of input.
    await timed(['node', launcher('tspub'), ...c, '-t', 'prof/s', '-l', '-q', String(k.sub)], {
      stdin: await openInput(n),
    });
    r = await timed([...node, ...id.filter((a) => a !== '-q' && a !== String(k.sub)), ...k.args, '-C', String(n)]);
    r.messages = n;
  } else {
    const n = k.lines ?? (k.stdin ? LINES : Math.min(LINES, 100000));
    r = await timed([...node, ...k.args], { stdin: k.stdin ? await openInput(n) : 'ignore' });
    r.messages = n;
  }
  const prof = readdirSync(profDir).map((f) => join(profDir, f))[0];
  console.log(
    `\n${name}: ${r.messages} messages, status ${r.code}, wall ${r.wall.toFixed(0)} ms, CPU ${r.cpu.toFixed(0)} ms (${((1000 * r.cpu) / r.messages).toFixed(2)} µs/msg), peak RSS ${r.rssMb.toFixed(0)} MiB`,
  );
  console.log(summarise(prof));
}
await broker.stop();
rmSync(dir, { recursive: true, force: true });

async function openInput(n) {
  const { openSync } = await import('node:fs');
  if (n === LINES) return openSync(input, 'r');
  const f = join(dir, `lines-${n}`);
  writeFileSync(f, Array.from({ length: n }, (_, i) => `${i + 1} 0123456789abcdef0123456789abcdef`).join('\n') + '\n');
  return openSync(f, 'r');
}
