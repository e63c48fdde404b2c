// A TCP proxy on 127.0.0.1 in front of a broker port, for fault-injection tests: it forwards
// bytes untouched, decodes what passes (mqtt-packet) to count PUBLISHes and the packet ids
// still in flight, and on command cuts every live connection (FIN or RST), refuses new ones,
// or stalls the live ones. Every control returns what it did, so a test can check that each
// fault hit a live stream.
//
// Refusing: a connection that arrives while refusal is on is accepted and reset at once
// (RST), rather than the listener being closed: the port stays ours (nothing else can take
// it meanwhile) and each attempt is counted, so a test knows its tool tried and was turned
// away. A connection that arrives while the broker does not listen is reset the same way
// (`unreachable`).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import mqttPacket, { type Packet } from 'mqtt-packet';

/** up: client to broker; down: broker to client. */
export type Dir = 'up' | 'down';
const other = (d: Dir): Dir => (d === 'up' ? 'down' : 'up');

/** One packet as forwarded (recorded when the proxy is started with `trace`). */
export interface PacketNote {
  /** Milliseconds since the proxy started. */
  ms: number;
  conn: number;
  dir: Dir;
  cmd: string;
  id?: number;
  qos?: number;
  dup?: boolean;
  /** PUBLISH payload as text (the tests' payloads are short decimal numbers). */
  payload?: string;
  /** CONNECT's client id and clean flag, CONNACK's session-present flag and code. */
  clientId?: string;
  clean?: boolean;
  sessionPresent?: boolean;
  code?: number;
}

export interface Conn {
  /** 1 for the first connection accepted and joined to the broker, then 2, ... */
  id: number;
  client: Socket;
  upstream: Socket;
  bytes: Record<Dir, number>;
  publishes: Record<Dir, number>;
  /** Ids of QoS 1/2 PUBLISHes forwarded in each direction and not yet completed (PUBACK or
   * PUBCOMP forwarded back) on this connection. */
  inflight: Record<Dir, Set<number>>;
  /** SUBACKs and CONNACKs forwarded to the client. */
  subacks: number;
  connacks: number;
  /** Frozen by stall(true). */
  stalled: boolean;
  /** Cut by cut(): nothing more is forwarded. */
  cut: boolean;
  /** Both sockets closed. */
  open: boolean;
  /** How each side ended: 'end' (FIN), 'reset' (error, e.g. ECONNRESET), or 'proxy' (we cut it). */
  ended: Partial<Record<'client' | 'upstream', string>>;
  closed: Promise<void>;
}

/** What a connection had carried when a fault hit it. */
export interface FaultReport {
  conn: number;
  bytes: Record<Dir, number>;
  publishes: Record<Dir, number>;
  inflight: Record<Dir, number>;
}

export interface ProxyOptions {
  /** Keep a note of every packet forwarded (for traces; costs memory on long streams). */
  trace?: boolean;
}

/**
 * Resets a socket (RST), or only destroys it once end() has been called on it (by us or by
 * Node when the peer ended first): Node 20's resetAndDestroy() while the FIN's shutdown is
 * still pending fails inside libuv yet marks the handle closing, and the process can then
 * never exit (it spins in its exit-time cleanup). Reproduced: end() then resetAndDestroy()
 * on the next tick, 50 sockets, and node does not exit.
 */
function reset(s: Socket): void {
  if (s.destroyed) return;
  if (s.writableEnded) s.destroy();
  else s.resetAndDestroy();
}

/** What a connection has carried so far. */
export const faultReport = (c: Conn): FaultReport => ({
  conn: c.id,
  bytes: { ...c.bytes },
  publishes: { ...c.publishes },
  inflight: { up: c.inflight.up.size, down: c.inflight.down.size },
});

export class FaultProxy extends EventEmitter {
  readonly port: number;
  readonly target: number;
  private readonly server: Server;
  private readonly started = Date.now();
  private refusing = false;
  /** Connections accepted and joined to the broker. */
  accepted = 0;
  /** Connections reset on arrival because refusal was on. */
  refused = 0;
  /** Connections reset on arrival because the broker did not accept them. */
  unreachable = 0;
  /** Totals over every connection. */
  readonly bytes: Record<Dir, number> = { up: 0, down: 0 };
  readonly publishes: Record<Dir, number> = { up: 0, down: 0 };
  readonly conns: Conn[] = [];
  readonly packets: PacketNote[] | null;

  private constructor(server: Server, port: number, target: number, opts: ProxyOptions) {
    super();
    this.setMaxListeners(100);
    this.server = server;
    this.port = port;
    this.target = target;
    this.packets = opts.trace ? [] : null;
    server.on('connection', (s) => this.arrive(s));
  }

  /** Listens on an ephemeral 127.0.0.1 port and forwards to 127.0.0.1:target. */
  static async start(target: number, opts: ProxyOptions = {}): Promise<FaultProxy> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (!addr || typeof addr !== 'object') throw new Error('proxy has no address');
    return new FaultProxy(server, addr.port, target, opts);
  }

  /** Connections still open (cut or stalled ones included until they close). */
  live(): Conn[] {
    return this.conns.filter((c) => c.open);
  }

  /** The newest connection, if it is still open and not cut. */
  current(): Conn | undefined {
    const c = this.conns.at(-1);
    return c?.open && !c.cut ? c : undefined;
  }

  /** Bytes and packets forwarded, everything counted: a test's measure of progress. */
  activity(): number {
    return this.bytes.up + this.bytes.down + this.accepted + this.refused + this.unreachable;
  }

  /**
   * Cuts every live connection (or those whose ids are given): 'fin' ends both sockets
   * (pending bytes flushed, then FIN) and stops forwarding; 'rst' resets both at once
   * (SO_LINGER 0: what is queued in the kernel is dropped; a side that has already sent its
   * FIN is only closed, see reset()). The sockets are cut before this
   * returns its promise; the promise resolves when both sides have closed, with what each
   * connection had carried.
   */
  cut(kind: 'fin' | 'rst', ids?: number[]): Promise<FaultReport[]> {
    const hit = this.conns.filter((c) => c.open && !c.cut && (!ids || ids.includes(c.id)));
    const reports = hit.map(faultReport);
    for (const c of hit) {
      c.cut = true;
      c.ended.client ??= 'proxy';
      c.ended.upstream ??= 'proxy';
      if (kind === 'rst') {
        reset(c.client);
        reset(c.upstream);
      } else {
        c.client.end();
        c.upstream.end();
        // Read (and drop) what the peers still send until they close; a peer that never
        // closes its side is destroyed later, so cut() cannot wait for ever.
        c.client.resume();
        c.upstream.resume();
        const t = setTimeout(() => {
          c.client.destroy();
          c.upstream.destroy();
        }, 5000);
        void c.closed.then(() => clearTimeout(t));
      }
    }
    this.emit('cut', kind, reports);
    return Promise.all(hit.map((c) => c.closed)).then(() => reports);
  }

  /**
   * While on, each new connection is accepted and reset at once (counted in `refused`).
   * Returns how many connections have been refused so far.
   */
  refuse(on: boolean): Promise<number> {
    this.refusing = on;
    return Promise.resolve(this.refused);
  }

  /**
   * stall(true) freezes every live connection: nothing is read from either socket, so
   * nothing is forwarded and TCP's windows fill, while the sockets stay open (a network that
   * black-holes a path). Connections accepted later flow normally. stall(false) lets the
   * frozen connections that are still open flow again. Returns the frozen connections (on)
   * or the ones let go (off).
   */
  stall(on: boolean): Promise<FaultReport[]> {
    const hit = this.conns.filter((c) => c.open && !c.cut && c.stalled !== on);
    for (const c of hit) {
      c.stalled = on;
      if (on) {
        c.client.pause();
        c.upstream.pause();
      } else {
        if (!c.upstream.writableNeedDrain) c.client.resume();
        if (!c.client.writableNeedDrain) c.upstream.resume();
      }
    }
    return Promise.resolve(hit.map(faultReport));
  }

  /** Resolves with the first connection joined after `after` connections (default: now). */
  nextConnection(after = this.accepted): Promise<Conn> {
    if (this.accepted > after) return Promise.resolve(this.conns[after]!);
    return new Promise((resolve) => {
      const on = () => {
        if (this.accepted > after) {
          this.off('connection', on);
          resolve(this.conns[after]!);
        }
      };
      this.on('connection', on);
    });
  }

  /** Closes the listener and resets whatever is still connected. */
  async close(): Promise<void> {
    this.refusing = true;
    for (const c of this.conns) {
      reset(c.client);
      reset(c.upstream);
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private arrive(client: Socket): void {
    client.on('error', () => {});
    if (this.refusing) {
      this.refused++;
      reset(client);
      this.emit('refused', this.refused);
      return;
    }
    client.pause();
    const upstream = connect({ port: this.target, host: '127.0.0.1', noDelay: true });
    let connected = false;
    upstream.on('error', () => {});
    upstream.once('connect', () => {
      connected = true;
      if (client.destroyed || this.refusing) {
        reset(upstream);
        reset(client);
        return;
      }
      this.join(client, upstream);
    });
    upstream.once('close', () => {
      if (connected) return;
      this.unreachable++;
      reset(client);
      this.emit('unreachable', this.unreachable);
    });
  }

  private join(client: Socket, upstream: Socket): void {
    let closedSockets = 0;
    let markClosed!: () => void;
    const c: Conn = {
      id: this.conns.length + 1,
      client,
      upstream,
      bytes: { up: 0, down: 0 },
      publishes: { up: 0, down: 0 },
      inflight: { up: new Set(), down: new Set() },
      subacks: 0,
      connacks: 0,
      stalled: false,
      cut: false,
      open: true,
      ended: {},
      closed: new Promise<void>((resolve) => {
        markClosed = resolve;
      }),
    };
    this.conns.push(c);
    this.accepted++;
    const closed = () => {
      if (++closedSockets < 2) return;
      c.open = false;
      markClosed();
      this.emit('close', c);
    };
    this.wire(c, client, upstream, 'up', 'client');
    this.wire(c, upstream, client, 'down', 'upstream');
    client.once('close', closed);
    upstream.once('close', closed);
    this.emit('connection', c);
    client.resume();
  }

  /** Forwards from → to, counting and decoding; an end or a reset on `from` goes on to `to`. */
  private wire(c: Conn, from: Socket, to: Socket, dir: Dir, side: 'client' | 'upstream'): void {
    let parser: ReturnType<typeof mqttPacket.parser> | null = null;
    const makeParser = (protocolVersion: number) => {
      const p = mqttPacket.parser({ protocolVersion });
      p.on('packet', (pk: Packet) => this.seen(c, dir, pk));
      p.on('error', () => {
        parser = null;
      });
      return p;
    };
    // The client's first packet (CONNECT) tells the version; the broker's direction is set
    // up when that CONNECT passes.
    if (dir === 'up') parser = makeParser(4);
    else
      this.once(`connect:${c.id}`, (v: number) => {
        parser = makeParser(v);
      });
    from.on('data', (chunk: Buffer) => {
      if (c.cut) return;
      this.bytes[dir] += chunk.length;
      c.bytes[dir] += chunk.length;
      if (!to.write(chunk)) from.pause();
      parser?.parse(chunk);
    });
    to.on('drain', () => {
      if (!c.stalled && !c.cut) from.resume();
    });
    from.once('end', () => {
      c.ended[side] ??= 'end';
      if (!c.cut) to.end();
    });
    from.once('error', () => {
      c.ended[side] ??= 'reset';
      if (!c.cut) reset(to);
    });
    from.once('close', () => {
      // Closed without an end or an error seen (destroyed here): close the other side too.
      if (!c.cut && !c.ended[side]) {
        c.ended[side] = 'closed';
        to.destroy();
      }
    });
  }

  private seen(c: Conn, dir: Dir, pk: Packet): void {
    if (c.cut) return;
    const id = pk.messageId;
    switch (pk.cmd) {
      case 'connect':
        this.emit(`connect:${c.id}`, pk.protocolVersion ?? 4);
        break;
      case 'connack':
        c.connacks++;
        break;
      case 'suback':
        c.subacks++;
        break;
      case 'publish':
        this.publishes[dir]++;
        c.publishes[dir]++;
        if (pk.qos > 0 && id !== undefined) c.inflight[dir].add(id);
        break;
      case 'puback':
      case 'pubcomp':
        if (id !== undefined) c.inflight[other(dir)].delete(id);
        break;
      default:
        break;
    }
    if (this.packets) {
      const note: PacketNote = { ms: Date.now() - this.started, conn: c.id, dir, cmd: pk.cmd };
      if (id !== undefined) note.id = id;
      if (pk.cmd === 'publish') {
        note.qos = pk.qos;
        note.dup = pk.dup;
        note.payload = Buffer.isBuffer(pk.payload) ? pk.payload.toString('latin1') : String(pk.payload);
      } else if (pk.cmd === 'connect') {
        note.clientId = pk.clientId;
        note.clean = pk.clean;
      } else if (pk.cmd === 'connack') {
        note.sessionPresent = pk.sessionPresent;
        note.code = pk.returnCode ?? pk.reasonCode;
      }
      this.packets.push(note);
    }
    this.emit('packet', c, dir, pk);
  }
}

/** A packet note as one line of text: `+1234ms #2 down PUBLISH m17 q2 d1 "000123"`. */
export function formatNote(n: PacketNote): string {
  const parts = [`+${n.ms}ms`, `#${n.conn}`, n.dir.padEnd(4), n.cmd.toUpperCase()];
  if (n.id !== undefined) parts.push(`m${n.id}`);
  if (n.qos !== undefined) parts.push(`q${n.qos}`, `d${n.dup ? 1 : 0}`);
  if (n.payload !== undefined) parts.push(JSON.stringify(n.payload));
  if (n.clientId !== undefined) parts.push(`id=${n.clientId}`, `clean=${n.clean ? 1 : 0}`);
  if (n.sessionPresent !== undefined) parts.push(`sp=${n.sessionPresent ? 1 : 0}`, `rc=${n.code}`);
  return parts.join(' ');
}
