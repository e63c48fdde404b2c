// Fault injection (issue 19): a stream of numbered lines at ~2,000 lines/s through a proxy
// that cuts the connection five times (FIN and RST, refusing new connections for about a
// second after two of the cuts), or a persistent mosquitto stopped (SIGTERM, SIGKILL) and
// restarted mid-stream, or a connection stalled until the client's keep-alive gives up on
// it. Our tool and mosquitto's run side by side through the same schedule, each through its
// own proxy; what arrived is counted independently: a persistent-session mosquitto_sub
// registered before the stream and drained after it, on the broker's own port (tspub), or
// tssub's own stdout (tssub, fed by a QoS 2 source whose stream a counter checks too).
// Assertions are on our tools only; mosquitto's figures are printed beside ours
// (t.diagnostic). Ours: every fault landed and was followed by a reconnection, status 0;
// at QoS 1/2 (pub) or with -c (sub) nothing lost and first occurrences in order; at QoS 2
// with -c nothing twice; with -C N exactly N lines.
//
// Every fault fires from inside the proxy's packet event, in the same tick as a PUBLISH of
// the stream is forwarded, and the proxy reports what the connection had carried and how
// many ids were in flight at that moment: each fault is checked to have hit a live stream
// (and the input goes on until every fault has fired). Waits end on events; their only
// bound is IDLE_MS without any progress at all (a hang).
//
// FAULT_LINES=n changes the least stream length (20000); FAULT_TRACE=dir writes each
// proxy's packet trace and what was counted there; FAULT_SUMMARY=1 prints the figures to
// stderr too; FAULT_DEBUG=1 prints the steps of the tssub cases.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import {
  startPersistentBroker,
  needMosquitto,
  MOSQUITTO_PUB,
  MOSQUITTO_SUB,
  type PersistentBroker,
} from '../helpers/broker.ts';
import { FaultProxy, faultReport, formatNote, type Dir, type FaultReport } from '../helpers/faultproxy.ts';
import { bin, run } from '../helpers/run.ts';

const skip = needMosquitto;
const LINES = Number(process.env.FAULT_LINES ?? 20000);
const RATE = 2000;
const TRACE_DIR = process.env.FAULT_TRACE;
/** No process may outlive this, whatever happens. */
const HARD_MS = 240_000;
/** A wait gives up when nothing at all has moved (no byte forwarded, no line printed, no
 * connection attempt) for this long: a hang, not slowness. */
const IDLE_MS = 20_000;
/** Each connection carries this many PUBLISHes of the stream before it is cut: five cuts
 * land well before the end of the input. */
const GAP = Math.floor(LINES / 10);

const debug = (what: string) => {
  if (process.env.FAULT_DEBUG) process.stderr.write(`# ${new Date().toISOString().slice(11, 23)} ${what}\n`);
};
const line = (i: number) => String(i).padStart(6, '0');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------
// Processes, each with a hard timeout, all stopped by pid at the end of their test.

interface Proc {
  name: string;
  child: ChildProcess;
  lines: string[];
  /** How many 'END' lines (the end marker) it printed. */
  ends: () => number;
  err: () => string;
  done: () => boolean;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Killed by a bound (hard timeout or idleness), not ended by itself or by the test's signal. */
  hung: boolean;
}

const running = new Set<Proc>();
/** The input pacers' timers (stopped with everything else at the end of a test). */
const pacers = new Set<NodeJS.Timeout>();

function launch(name: string, cmd: string, args: string[], stdin: 'pipe' | 'ignore' = 'ignore'): Proc {
  const child = spawn(cmd, args, { stdio: [stdin, 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let err = '';
  let finished = false;
  let ends = 0;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    const parts = (partial + d).split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      lines.push(p);
      if (p === 'END') ends++;
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  child.stdin?.on('error', () => {});
  const p: Proc = {
    name,
    child,
    lines,
    ends: () => ends,
    err: () => err,
    done: () => finished,
    hung: false,
    exit: new Promise((resolve) =>
      child.once('close', (code, signal) => {
        finished = true;
        if (partial) lines.push(partial);
        clearTimeout(hard);
        running.delete(p);
        resolve({ code, signal });
      }),
    ),
  };
  const hard = setTimeout(() => {
    p.hung = true;
    child.kill('SIGKILL');
  }, HARD_MS);
  running.add(p);
  return p;
}

async function stopAll(): Promise<void> {
  for (const t of pacers) clearInterval(t);
  pacers.clear();
  const left = [...running];
  for (const p of left) p.child.kill('SIGKILL');
  await Promise.all(left.map((p) => p.exit));
}

/**
 * Waits until `ready()` holds. Gives up (returns false) when `abort()` holds or when
 * `activity()` has not changed for IDLE_MS.
 */
async function until(
  ready: () => boolean,
  activity: () => number,
  abort: () => boolean = () => false,
): Promise<boolean> {
  let last = activity();
  let since = Date.now();
  for (;;) {
    if (ready()) return true;
    if (abort()) return false;
    const now = activity();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since > IDLE_MS) {
      return false;
    }
    await sleep(10);
  }
}

/** Waits for `p` to exit; kills it (and marks it hung) once nothing has moved for IDLE_MS. */
async function finish(p: Proc, activity: () => number): Promise<string> {
  if (!(await until(p.done, activity))) {
    p.hung = true;
    p.child.kill('SIGKILL');
  }
  const { code, signal } = await p.exit;
  return p.hung ? 'hung' : String(code ?? signal);
}

// ---------------------------------------------------------------------------------------
// The input: numbered lines at RATE lines/s, at least `min` of them, and more for as long as
// `more()` holds (not every fault has fired yet), so every fault lands while input is still
// being given. The stream's length is what was given in the end.

interface Input {
  /** Lines given so far (the stream's length once `ended`). */
  given(): number;
  ended(): boolean;
}

/** Calls `give(from, to)` for the lines due at RATE/s; `blocked()` pauses the pace (and the
 * pace starts again from where it stopped). Stops after `min` lines once `more()` is false,
 * or when `gone()`; `end(complete)` is called once. */
function pace(
  min: number,
  more: () => boolean,
  give: (from: number, to: number) => void,
  blocked: () => boolean,
  gone: () => boolean,
  end: (complete: boolean) => void,
): Input {
  let given = 0;
  let over = false;
  let base = Date.now();
  let paused = false;
  const stop = (complete: boolean) => {
    over = true;
    clearInterval(timer);
    pacers.delete(timer);
    end(complete);
  };
  const timer = setInterval(() => {
    if (gone()) return stop(false);
    if (blocked()) {
      paused = true;
      return;
    }
    if (paused) {
      paused = false;
      base = Date.now() - (given * 1000) / RATE;
    }
    if (given >= min && !more()) return stop(true);
    const target = Math.floor(((Date.now() - base) * RATE) / 1000);
    if (target <= given) return;
    give(given + 1, target);
    given = target;
  }, 5);
  pacers.add(timer);
  return { given: () => given, ended: () => over };
}

/** Writes the lines to a tool's stdin; a full pipe (the tool reads no more for now: its
 * window is full, or it is away) pauses the pace. */
function feed(p: Proc, min: number, more: () => boolean): Input {
  const stdin = p.child.stdin!;
  let full = false;
  return pace(
    min,
    more,
    (from, to) => {
      let chunk = '';
      for (let i = from; i <= to; i++) chunk += line(i) + '\n';
      if (!stdin.write(chunk)) {
        full = true;
        stdin.once('drain', () => {
          full = false;
        });
      }
    },
    () => full,
    () => p.done() || stdin.destroyed,
    () => stdin.end(),
  );
}

// ---------------------------------------------------------------------------------------
// The source for tssub's cases: an MQTT.js client in this process publishing at QoS 2 on a
// persistent session through its own proxy (so that a SIGKILL can be made to lose nothing it
// was told was received). Like libmosquitto it keeps at most 20 messages in flight (mosquitto
// disconnects a client that sends more QoS 2 PUBLISHes than its max_inflight_messages); lines
// produced meanwhile, or while it is away, wait in order. After a reconnection it publishes
// nothing new until what it had in flight is acknowledged (MQTT.js sends it again), so its
// order holds; a counter checks the stream as the broker took it.

const SOURCE_WINDOW = 20;

class Source {
  private client: mqtt.MqttClient;
  private pending = new Set<number>();
  private waiting: number[] = [];
  private next = 0;
  private resending = false;
  private input: Input | null = null;
  acked = 0;

  constructor(
    port: number,
    readonly topic: string,
  ) {
    this.client = mqtt.connect({
      host: '127.0.0.1',
      port,
      clientId: `source-${process.pid}`,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      keepalive: 60,
      connectTimeout: 10000,
    });
    this.client.on('error', () => {});
    this.client.on('close', () => {
      if (this.pending.size > 0) this.resending = true;
    });
    this.client.on('connect', () => this.pump());
  }

  connected(): boolean {
    return this.client.connected;
  }

  start(min: number, more: () => boolean): Input {
    this.input = pace(
      min,
      more,
      (from, to) => {
        for (let i = from; i <= to; i++) this.waiting.push(i);
        this.pump();
      },
      () => false,
      () => false,
      () => {},
    );
    return this.input;
  }

  private pump(): void {
    while (
      this.client.connected &&
      !this.resending &&
      this.pending.size < SOURCE_WINDOW &&
      this.next < this.waiting.length
    ) {
      const i = this.waiting[this.next++]!;
      this.pending.add(i);
      this.client.publish(this.topic, line(i), { qos: 2 }, (e) => {
        if (e) return;
        this.pending.delete(i);
        this.acked++;
        if (this.pending.size === 0) this.resending = false;
        this.pump();
      });
    }
  }

  /** Everything given has been acknowledged. */
  done(): boolean {
    return this.input?.ended() === true && this.acked === this.input.given();
  }

  /** Publishes the end marker at QoS 2 and resolves once it is acknowledged. */
  async end(): Promise<void> {
    await this.client.publishAsync(this.topic, 'END', { qos: 2 });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

// ---------------------------------------------------------------------------------------
// The independent counter for tspub's cases: a persistent mosquitto_sub session on the
// broker's own port (not through the proxy) registered before the stream, drained after it
// up to an end marker. mosquitto persists its queue across restarts.

const conn = (port: number) => ['-h', '127.0.0.1', '-p', String(port)];

async function counterSubscribe(port: number, id: string, topic: string): Promise<void> {
  const r = await run(MOSQUITTO_SUB!, [...conn(port), '-c', '-i', id, '-q', '1', '-t', topic, '-E'], {
    timeoutMs: 30000,
  });
  assert.equal(r.code, 0, `counter ${id} subscribed: ${r.stderr}`);
}

/**
 * Takes everything queued for the counter, up to an end marker published at QoS `marker`
 * once the counter is connected (null: the stream ends with its own). The marker of a QoS 0
 * stream is QoS 0 too: mosquitto 2.0.11 sends a resumed session its queued QoS 0 messages
 * but leaves a QoS 1 message queued behind them until something else arrives for it.
 */
async function counterDrain(
  broker: PersistentBroker,
  id: string,
  topic: string,
  marker: 0 | 1 | null,
): Promise<string[]> {
  const connected = new RegExp(`New client connected from .* as ${id} `);
  const before = broker.count(connected);
  const p = launch(`counter ${id}`, MOSQUITTO_SUB!, [...conn(broker.port), '-c', '-i', id, '-q', '1', '-t', topic]);
  if (marker !== null) {
    assert.ok(
      await until(
        () => broker.count(connected) > before,
        () => p.lines.length,
        p.done,
      ),
      `counter ${id} connected (${p.err()})`,
    );
    const r = await run(MOSQUITTO_PUB!, [...conn(broker.port), '-q', String(marker), '-t', topic, '-m', 'END'], {
      timeoutMs: 30000,
    });
    assert.equal(r.code, 0, `end marker published: ${r.stderr}`);
  }
  const got = await until(
    () => p.ends() > 0,
    () => p.lines.length,
    p.done,
  );
  p.child.kill(got ? 'SIGINT' : 'SIGKILL');
  await p.exit;
  assert.ok(got, `counter ${id} reached the end marker (${p.lines.length} lines; ${p.err()})`);
  return p.lines.slice(0, p.lines.indexOf('END'));
}

// ---------------------------------------------------------------------------------------
// Figures: what was lost, duplicated, reordered (first occurrences out of order).

interface Figures {
  got: number;
  lost: number;
  dup: number;
  reordered: number;
  other: number;
  ends: number;
}

function figures(lines: string[], n: number): Figures {
  const seen = new Uint8Array(n + 1);
  let dup = 0;
  let reordered = 0;
  let other = 0;
  let ends = 0;
  let max = 0;
  let got = 0;
  for (const l of lines) {
    const i = /^\d{6}$/.test(l) ? Number(l) : 0;
    if (i < 1 || i > n) {
      if (l === 'END') ends++;
      else other++;
      continue;
    }
    got++;
    if (seen[i]) {
      dup++;
      continue;
    }
    seen[i] = 1;
    if (i < max) reordered++;
    else max = i;
  }
  let lost = 0;
  for (let i = 1; i <= n; i++) if (!seen[i]) lost++;
  return { got, lost, dup, reordered, other, ends };
}

const show = (f: Figures, status: string) =>
  `lost ${f.lost} dup ${f.dup} reord ${f.reordered}${f.other ? ` other ${f.other}` : ''}${f.ends ? ` END ${f.ends}` : ''} status ${status}`;

// ---------------------------------------------------------------------------------------
// The faults.

type CutKind = 'fin' | 'rst' | 'fin+refuse' | 'rst+refuse';
const CUTS: CutKind[] = ['fin', 'rst+refuse', 'fin+refuse', 'rst', 'fin'];

interface Landed {
  kind: string;
  report: FaultReport;
  /** The input had not all been given to the tool yet. */
  live: boolean;
  /** Connection attempts refused during the refusal window. */
  refused?: number;
  /** A new connection came after the fault. */
  reconnected: boolean;
}

interface Stream {
  proxy: FaultProxy;
  /** The stream's direction through the proxy: up for a publisher, down for a subscriber. */
  dir: Dir;
  /** The input has not all been given yet. */
  live: () => boolean;
  /** The tool has exited. */
  gone: () => boolean;
  activity: () => number;
}

/**
 * Fires `action` from inside the packet event of the PUBLISH that makes `ready` hold on
 * every stream (each checked on its newest connection). Resolves with what `action`
 * returned, or null if a tool left or nothing moved for IDLE_MS first.
 */
function whenPublishes<T>(streams: Stream[], ready: (s: Stream) => boolean, action: () => T): Promise<T | null> {
  return new Promise((resolve) => {
    let over = false;
    const check = () => {
      if (over || !streams.every(ready)) return;
      over = true;
      for (const s of streams) s.proxy.off('packet', onPacket);
      resolve(action());
    };
    const onPacket = (_c: unknown, _d: Dir, pk: { cmd: string }) => {
      if (pk.cmd === 'publish') check();
    };
    for (const s of streams) s.proxy.on('packet', onPacket);
    void until(
      () => over,
      () => streams.reduce((a, s) => a + s.activity(), 0),
      () => streams.some((s) => s.gone()),
    ).then(() => {
      if (over) return;
      over = true;
      for (const s of streams) s.proxy.off('packet', onPacket);
      resolve(null);
    });
  });
}

/** Five cuts on one stream, each once the newest connection has carried GAP PUBLISHes.
 * `fired()` is called as each fault fires. */
async function runCuts(s: Stream, fired: () => void): Promise<Landed[]> {
  const landed: Landed[] = [];
  let lastCut = 0;
  for (const kind of CUTS) {
    const hit = await whenPublishes(
      [s],
      (x) => {
        const c = x.proxy.current();
        return c !== undefined && c.id > lastCut && c.publishes[x.dir] >= GAP;
      },
      () => {
        const live = s.live();
        const refusing = kind.endsWith('+refuse');
        const cut = s.proxy.cut(kind.startsWith('fin') ? 'fin' : 'rst');
        if (refusing) void s.proxy.refuse(true);
        return { live, cut, refusing, refusedBefore: s.proxy.refused, accepted: s.proxy.accepted };
      },
    );
    if (!hit) break;
    fired();
    const reports = await hit.cut;
    const entry: Landed = { kind, report: reports[0]!, live: hit.live, reconnected: false };
    landed.push(entry);
    lastCut = entry.report.conn;
    if (hit.refusing) {
      // The window lasts until the tool has tried once and been turned away (about a second
      // with a 1 s reconnect delay).
      await until(() => s.proxy.refused > hit.refusedBefore, s.activity, s.gone);
      entry.refused = s.proxy.refused - hit.refusedBefore;
      await s.proxy.refuse(false);
    }
    entry.reconnected = await until(() => s.proxy.accepted > hit.accepted, s.activity, s.gone);
    if (!entry.reconnected) break;
  }
  return landed;
}

type Restart = 'SIGTERM' | 'SIGKILL';

/**
 * Stops the broker once every stream has carried `at` PUBLISHes, and starts it again on the
 * same port with the same persistence.
 *
 * SIGTERM: mosquitto writes its database on the way out, so whatever it acknowledged
 * survives.
 * SIGKILL: mosquitto keeps only what its last save holds (autosave_interval 0: saved on
 * SIGUSR1 or exit only). So that the broker can lose nothing it acknowledged, every proxy in
 * front of it is stalled (and refuses new connections) in the tick the fault fires, the
 * database is saved (SIGUSR1, waiting for the new file), mosquitto is killed, and the
 * stalled connections are reset: whatever the broker answered after the stall, it answered
 * into the void. The tools see a connection reset mid-stream with messages in flight.
 */
async function runRestart(
  broker: PersistentBroker,
  how: Restart,
  streams: Stream[],
  extra: FaultProxy[],
  at: number,
  qos: number,
  fired: () => void,
): Promise<Landed[] | null> {
  const all = [...streams.map((s) => s.proxy), ...extra];
  // Every stream has carried `at` PUBLISHes and (QoS 1/2) has some in flight right now.
  const ready = (s: Stream) => {
    const c = s.proxy.current();
    return s.proxy.publishes[s.dir] >= at && c !== undefined && (qos === 0 || c.inflight[s.dir].size > 0);
  };
  const hit = await whenPublishes(streams, ready, () => {
    const reports = streams.map((s) => ({
      report: faultReport(s.proxy.current()!),
      live: s.live(),
      accepted: s.proxy.accepted,
    }));
    let stopped: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
    if (how === 'SIGKILL') {
      for (const p of all) {
        void p.refuse(true);
        void p.stall(true);
      }
    } else {
      stopped = broker.stop('SIGTERM');
    }
    return { reports, stopped };
  });
  if (!hit) return null;
  for (const _ of streams) fired();
  const { reports } = hit;
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  if (how === 'SIGKILL') {
    await broker.save();
    exit = await broker.stop('SIGKILL');
    await Promise.all(all.map((p) => p.cut('rst')));
    for (const p of all) await p.refuse(false);
  } else {
    exit = (await hit.stopped)!;
  }
  // mosquitto ends 0 on SIGTERM (database written); SIGKILL leaves no choice.
  assert.deepEqual(
    exit,
    how === 'SIGKILL' ? { code: null, signal: 'SIGKILL' } : { code: 0, signal: null },
    `mosquitto's exit on ${how}`,
  );
  await broker.start();
  const landed: Landed[] = [];
  for (const [i, s] of streams.entries()) {
    const r = reports[i]!;
    landed.push({
      kind: how,
      report: r.report,
      live: r.live,
      reconnected: await until(() => s.proxy.accepted > r.accepted, s.activity, s.gone),
    });
  }
  return landed;
}

/**
 * A stall: once the stream's connection has carried `at` PUBLISHes it is frozen (nothing
 * forwarded either way, sockets open) until the tool gives up on it (keep-alive) and
 * connects again; the frozen connection is then reset.
 */
async function runStall(s: Stream, at: number, fired: () => void): Promise<Landed[]> {
  const hit = await whenPublishes(
    [s],
    (x) => (x.proxy.current()?.publishes[x.dir] ?? 0) >= at,
    () => {
      const live = s.live();
      const accepted = s.proxy.accepted;
      return { live, accepted, frozen: s.proxy.stall(true) };
    },
  );
  if (!hit) return [];
  fired();
  const [report] = await hit.frozen;
  const reconnected = await until(() => s.proxy.accepted > hit.accepted, s.activity, s.gone);
  await s.proxy.cut('rst', [report!.conn]);
  return [{ kind: 'stall', report: report!, live: hit.live, reconnected }];
}

/** Every fault hit a stream that was flowing: PUBLISHes on the connection, ids in flight
 * (QoS 1/2), input not all given yet; and the tool connected again after it. */
function landedLive(landed: Landed[], dir: Dir, qos: number): boolean {
  return landed.every(
    (l) => l.live && l.report.publishes[dir] > 0 && (qos === 0 || l.report.inflight[dir] > 0) && l.reconnected,
  );
}

const describeFaults = (landed: Landed[], dir: Dir) =>
  landed
    .map(
      (l) =>
        `${l.kind}${l.refused ? `(${l.refused} refused)` : ''} on conn ${l.report.conn} after ${l.report.publishes[dir]} pub, ${l.report.inflight[dir]} in flight${l.live ? '' : ' [input over]'}${l.reconnected ? '' : ' [no reconnection]'}`,
    )
    .join('; ');

/** With FAULT_TRACE=dir: the proxy's packets in dir/name.trace, and what was counted
 * (tssub's stdout, or the counter's) in dir/name.out. */
function saveTrace(name: string, proxy: FaultProxy, lines?: string[]): void {
  if (!TRACE_DIR || !proxy.packets) return;
  mkdirSync(TRACE_DIR, { recursive: true });
  const base = join(TRACE_DIR, name.replace(/[^\w.-]+/g, '_'));
  writeFileSync(`${base}.trace`, proxy.packets.map(formatNote).join('\n') + '\n');
  if (lines) writeFileSync(`${base}.out`, lines.join('\n') + '\n');
}

// ---------------------------------------------------------------------------------------
// The cases: our tool and mosquitto's side by side, each through its own proxy, the same
// schedule on each.

type Fault = 'cuts' | Restart | 'stall';
const faultName: Record<Fault, string> = {
  cuts: '5 cuts',
  SIGTERM: 'broker SIGTERM + restart',
  SIGKILL: 'broker SIGKILL + restart',
  stall: 'stalled until keep-alive gives up',
};

/** The least input for a case: a restart or a stall needs one live fault, not five. */
const lengthOf = (fault: Fault) => (fault === 'cuts' ? LINES : Math.max(2000, Math.floor(LINES / 2)));

/** Starts the case's faults on the streams. `fired()` once every fault has been fired (or
 * the schedule gave up): the input need not go on for the faults' sake after that. */
function schedule(
  fault: Fault,
  broker: PersistentBroker,
  streams: Stream[],
  extra: FaultProxy[],
  min: number,
  qos: number,
): { fired: () => boolean; landed: Promise<Landed[][]> } {
  let over = false;
  let count = 0;
  const one = () => {
    count++;
  };
  const faults = streams.length * (fault === 'cuts' ? CUTS.length : 1);
  let landed: Promise<Landed[][]>;
  if (fault === 'cuts') landed = Promise.all(streams.map((s) => runCuts(s, one)));
  else if (fault === 'stall') landed = Promise.all(streams.map((s) => runStall(s, Math.floor(min / 4), one)));
  else
    landed = runRestart(broker, fault, streams, extra, Math.floor(min / 3), qos, one).then((l) =>
      l ? l.map((x) => [x]) : streams.map(() => []),
    );
  landed = landed.finally(() => {
    over = true;
  });
  return { fired: () => over || count >= faults, landed };
}

interface Side {
  name: 'ours' | 'mosquitto';
  label: string;
  proc: Proc;
  proxy: FaultProxy;
  stream: Stream;
}

/** Launches each tool through a proxy of its own (added to `proxies`) and waits until it is
 * connected (and subscribed, for a subscriber). `input()` is the side's input once it exists. */
async function startSides(
  broker: PersistentBroker,
  proxies: FaultProxy[],
  tools: Array<{ name: 'ours' | 'mosquitto'; label: string; cmd: string; args: string[] }>,
  dir: Dir,
  input: (name: string) => Input | null,
  prepare: (name: string) => Promise<void>,
): Promise<Side[]> {
  const sides = await Promise.all(
    tools.map(async (tool) => {
      await prepare(tool.name);
      const proxy = await FaultProxy.start(broker.port, { trace: Boolean(TRACE_DIR) });
      proxies.push(proxy);
      const proc = launch(tool.label, tool.cmd, [...conn(proxy.port), ...tool.args], dir === 'up' ? 'pipe' : 'ignore');
      const stream: Stream = {
        proxy,
        dir,
        live: () => !(input(tool.name)?.ended() ?? false),
        gone: proc.done,
        // What the tool does (not what it is given, which goes on regardless).
        activity: () => proxy.activity() + proc.lines.length,
      };
      return { name: tool.name, label: tool.label, proc, proxy, stream };
    }),
  );
  for (const s of sides) {
    const ready = () => {
      const c = s.proxy.conns[0];
      return c !== undefined && (dir === 'up' ? c.connacks : c.subacks) > 0;
    };
    const ok = await until(ready, s.stream.activity, s.proc.done);
    assert.ok(ok, `${s.label} ${dir === 'up' ? 'connected' : 'subscribed'} through the proxy (${s.proc.err()})`);
  }
  return sides;
}

interface Outcome {
  label: string;
  n: number;
  figures: Figures;
  status: string;
  landed: Landed[];
  stderr: string;
}

async function collectOutcome(
  s: Side,
  n: number,
  lines: string[],
  status: string,
  landed: Landed[],
  tag: string,
): Promise<Outcome> {
  saveTrace(`${tag}-${s.name}`, s.proxy, lines);
  return { label: s.label, n, figures: figures(lines, n), status, landed, stderr: s.proc.err() };
}

interface Rules {
  lossless: boolean;
  exactlyOnce: boolean;
  faults: number;
  printed?: number;
}

/** Prints both tools' figures, then asserts on ours. */
function judge(
  t: TestContext,
  title: string,
  [ours, theirs]: Outcome[],
  dir: Dir,
  qos: number,
  rules: Rules,
  started: number,
): void {
  const side = (o: Outcome) => `${o.label} ${show(o.figures, o.status)}`;
  const summary = `${title}, ${ours!.n}${ours!.n === theirs!.n ? '' : `/${theirs!.n}`} lines: ours ${side(ours!).replace(/^\S+ /, '')} | ${side(theirs!)}`;
  t.diagnostic(summary);
  t.diagnostic(`  faults on ${ours!.label}: ${describeFaults(ours!.landed, dir) || 'none'}`);
  t.diagnostic(`  faults on ${theirs!.label}: ${describeFaults(theirs!.landed, dir) || 'none'}`);
  t.diagnostic(`  took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (process.env.FAULT_SUMMARY) process.stderr.write(`# ${summary}\n`);
  const f = ours!.figures;
  const want: Record<string, unknown> = { faultsLanded: rules.faults, allLive: true, status: '0' };
  const got: Record<string, unknown> = {
    faultsLanded: ours!.landed.length,
    allLive: landedLive(ours!.landed, dir, qos),
    status: ours!.status,
  };
  if (rules.lossless)
    Object.assign(want, { lost: 0, reordered: 0 }), Object.assign(got, { lost: f.lost, reordered: f.reordered });
  if (rules.exactlyOnce) (want.dup = 0), (got.dup = f.dup);
  if (rules.printed !== undefined) (want.printed = rules.printed), (got.printed = f.got + f.ends + f.other);
  assert.deepEqual(
    got,
    want,
    `${title}: ${show(f, ours!.status)}; faults: ${describeFaults(ours!.landed, dir)}; stderr: ${ours!.stderr.slice(0, 500)}`,
  );
}

async function pubCase(t: TestContext, qos: 0 | 1 | 2, session: boolean, fault: Fault): Promise<void> {
  const started = Date.now();
  const min = lengthOf(fault);
  const broker = await startPersistentBroker({ extra: ['queue_qos0_messages true'] });
  const proxies: FaultProxy[] = [];
  try {
    const inputs = new Map<string, Input>();
    const args = (name: string) => [
      '-t',
      `faults/${name}`,
      '-l',
      '-q',
      String(qos),
      ...(session ? ['-c', '-i', `pub-${name}`] : []),
      ...(fault === 'stall' ? ['-k', '5'] : []),
    ];
    const sides = await startSides(
      broker,
      proxies,
      [
        { name: 'ours', label: 'tspub', cmd: bin('tspub'), args: args('ours') },
        { name: 'mosquitto', label: 'mosquitto_pub', cmd: MOSQUITTO_PUB!, args: args('mosquitto') },
      ],
      'up',
      (name) => inputs.get(name) ?? null,
      (name) => counterSubscribe(broker.port, `counter-${name}`, `faults/${name}`),
    );
    const plan = schedule(
      fault,
      broker,
      sides.map((s) => s.stream),
      [],
      min,
      qos,
    );
    for (const s of sides)
      inputs.set(
        s.name,
        feed(s.proc, min, () => !plan.fired()),
      );
    const landed = await plan.landed;
    const outcomes: Outcome[] = [];
    for (const [i, s] of sides.entries()) {
      const input = inputs.get(s.name)!;
      await until(() => input.ended(), s.stream.activity);
      const status = await finish(s.proc, s.stream.activity);
      const got = await counterDrain(broker, `counter-${s.name}`, `faults/${s.name}`, qos === 0 ? 0 : 1);
      outcomes.push(
        await collectOutcome(
          s,
          Math.max(min, input.given()),
          got,
          status,
          landed[i]!,
          `pub-q${qos}${session ? '-c' : ''}-${fault}`,
        ),
      );
    }
    judge(
      t,
      `${outcomes[0]!.label} -l -q ${qos}${session ? ' -c -i ID' : ''}, ${faultName[fault]}`,
      outcomes,
      'up',
      qos,
      { lossless: qos >= 1, exactlyOnce: qos === 2 && session, faults: fault === 'cuts' ? CUTS.length : 1 },
      started,
    );
  } finally {
    await stopAll();
    for (const p of proxies) await p.close();
    await broker.close();
  }
}

/**
 * mosquitto_sub's figures at QoS 2 with -c, read with a packet trace (FAULT_TRACE) and its
 * -d output: the duplicates are libmosquitto's (a PUBLISH the broker sends again with DUP
 * after a cut, for an id still waiting for PUBREL, is stored a second time; a PUBREL sent
 * again later prints that copy), and so is the rare loss (when writing PUBCOMP fails because
 * the connection has just dropped, the message is discarded unprinted; the broker sends
 * PUBREL again on the next connection and finds nothing). mosquitto 2.0.11 itself sends
 * every PUBLISH and PUBREL again as it should, though after a session resumes it sends
 * hundreds to thousands of QoS 1/2 PUBLISHes without waiting for acknowledgements.
 */
async function subCase(t: TestContext, qos: 1 | 2, session: boolean, fault: Fault, count = false): Promise<void> {
  const started = Date.now();
  const min = lengthOf(fault);
  const topic = 'faults/sub';
  const broker = await startPersistentBroker();
  const proxies: FaultProxy[] = [];
  let source: Source | null = null;
  try {
    await counterSubscribe(broker.port, 'counter-source', topic);
    let input: Input | null = null;
    const args = (name: string) => [
      '-t',
      topic,
      '-q',
      String(qos),
      ...(session ? ['-c', '-i', `sub-${name}`] : []),
      ...(count ? ['-C', String(min)] : []),
      ...(fault === 'stall' ? ['-k', '5'] : []),
    ];
    const sides = await startSides(
      broker,
      proxies,
      [
        { name: 'ours', label: 'tssub', cmd: bin('tssub'), args: args('ours') },
        { name: 'mosquitto', label: 'mosquitto_sub', cmd: MOSQUITTO_SUB!, args: args('mosquitto') },
      ],
      'down',
      () => input,
      async () => {},
    );
    const srcProxy = await FaultProxy.start(broker.port, { trace: Boolean(TRACE_DIR) });
    proxies.push(srcProxy);
    const src = new Source(srcProxy.port, topic);
    source = src;
    assert.ok(
      await until(
        () => src.connected(),
        () => srcProxy.activity(),
      ),
      'the source connected',
    );
    const plan = schedule(
      fault,
      broker,
      sides.map((s) => s.stream),
      [srcProxy],
      min,
      qos,
    );
    input = src.start(min, () => !plan.fired());
    const landed = await plan.landed;
    debug(`faults done; source given ${input.given()} acked ${src.acked}`);
    const srcDone = await until(
      () => src.done(),
      () => srcProxy.activity() + src.acked,
    );
    assert.ok(srcDone, `the source published everything (${src.acked}/${input.given()} acknowledged)`);
    const n = count ? min : input.given();
    // The end marker goes out once each subscriber still running is connected and
    // subscribed again after its last fault (a clean session would miss it otherwise).
    for (const s of sides) {
      await until(
        () => {
          const c = s.proxy.current();
          return c !== undefined && c.subacks > 0;
        },
        s.stream.activity,
        s.proc.done,
      );
    }
    debug('subscribers ready for the end marker');
    await src.end();
    debug('end marker published');
    saveTrace('source', srcProxy);
    const outcomes: Outcome[] = [];
    for (const [i, s] of sides.entries()) {
      if (!count && (await until(() => s.proc.ends() > 0, s.stream.activity, s.proc.done))) s.proc.child.kill('SIGINT');
      const status = await finish(s.proc, s.stream.activity);
      debug(`${s.label} finished: ${status}`);
      outcomes.push(
        await collectOutcome(
          s,
          n,
          s.proc.lines,
          status,
          landed[i]!,
          `sub-q${qos}${session ? '-c' : ''}${count ? '-C' : ''}-${fault}`,
        ),
      );
    }
    // The source itself must be whole: what the broker took, exactly once and in order.
    const whole = figures(await counterDrain(broker, 'counter-source', topic, null), input.given());
    assert.deepEqual(
      whole,
      { got: input.given(), lost: 0, dup: 0, reordered: 0, other: 0, ends: 0 },
      'the source stream as the broker took it',
    );
    // With -C N, a tool that lost m messages prints the end marker among its N lines (and
    // waits for ever if m > 1).
    judge(
      t,
      `${outcomes[0]!.label} -q ${qos}${session ? ' -c -i ID' : ''}${count ? ` -C ${min}` : ''}, ${faultName[fault]}`,
      outcomes,
      'down',
      qos,
      {
        lossless: session,
        exactlyOnce: session && qos === 2,
        faults: fault === 'cuts' ? CUTS.length : 1,
        ...(count ? { printed: min } : {}),
      },
      started,
    );
  } finally {
    await source?.close();
    await stopAll();
    for (const p of proxies) await p.close();
    await broker.close();
  }
}

const opts = { skip, timeout: 300_000 };

for (const session of [false, true]) {
  for (const qos of [0, 1, 2] as const) {
    test(
      `tspub -l -q ${qos}${session ? ' -c -i ID' : ''} through 5 cuts: ${qos === 0 ? 'no hang, status 0' : `nothing lost${qos === 2 && session ? ' or repeated' : ''}, order kept, status 0`}`,
      opts,
      (t) => pubCase(t, qos, session, 'cuts'),
    );
  }
}

const subCases: Array<[1 | 2, boolean, boolean]> = [
  [1, false, false],
  [2, false, false],
  [1, true, false],
  [2, true, false],
  [2, true, true],
];
for (const [qos, session, count] of subCases) {
  const what = !session
    ? 'no hang, status 0'
    : count
      ? 'exits 0 by itself after each message once, in order'
      : `nothing lost${qos === 2 ? ' or repeated' : ''}, order kept, status 0`;
  test(`tssub -q ${qos}${session ? ' -c -i ID' : ''}${count ? ' -C N' : ''} through 5 cuts: ${what}`, opts, (t) =>
    subCase(t, qos, session, 'cuts', count),
  );
}

const restarts: Array<['pub' | 'sub', 0 | 1 | 2, boolean, Restart, boolean]> = [
  ['pub', 0, false, 'SIGTERM', false],
  ['pub', 1, false, 'SIGTERM', false],
  ['pub', 2, true, 'SIGTERM', false],
  ['sub', 2, true, 'SIGTERM', false],
  ['pub', 1, true, 'SIGKILL', false],
  ['pub', 2, true, 'SIGKILL', false],
  ['sub', 1, true, 'SIGKILL', false],
  ['sub', 2, true, 'SIGKILL', true],
];
for (const [tool, qos, session, how, count] of restarts) {
  const name = tool === 'pub' ? `tspub -l -q ${qos}` : `tssub -q ${qos}`;
  test(
    `${name}${session ? ' -c -i ID' : ''}${count ? ' -C N' : ''}, broker ${how} and restarted mid-stream: ${qos === 0 ? 'no hang, status 0' : `nothing lost${qos === 2 && session ? ' or repeated' : ''}, order kept, status 0`}`,
    opts,
    (t) => (tool === 'pub' ? pubCase(t, qos, session, how) : subCase(t, qos as 1 | 2, session, how, count)),
  );
}

test(
  'tspub -l -q 1 -c -i ID -k 5, connection stalled until keep-alive gives up on it: nothing lost, status 0',
  opts,
  (t) => pubCase(t, 1, true, 'stall'),
);
test(
  'tssub -q 2 -c -i ID -k 5, connection stalled until keep-alive gives up on it: nothing lost or repeated, status 0',
  opts,
  (t) => subCase(t, 2, true, 'stall'),
);
