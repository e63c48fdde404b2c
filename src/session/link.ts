// One network connection of a session: the transport's stream, the packets written to it
// (mqtt-packet's encoder into a PacketWriter), the receive path (receive.ts), the
// keep-alive and the -d trace. It knows nothing of what the packets mean to the session;
// it tells the session what arrived and how the connection ended.
import type { Duplex } from 'node:stream';
import mqttPacket, { type Packet } from 'mqtt-packet';
import type { ClientConfig } from '../config.ts';
import type { Tracer } from '../trace.ts';
import { needsPreparing, openTransport, type Prepared } from '../transport/index.ts';
import type { ConnectError } from '../transport/errors.ts';
import { KeepAlive } from './keepalive.ts';
import { Receiver, type TraceItem } from './receive.ts';
import { PacketWriter } from './writer.ts';

// mqtt-packet otherwise builds a 65536-entry Buffer cache on the first packet: ~50 ms of
// start-up for nothing a command-line tool needs.
(mqttPacket.writeToStream as unknown as { cacheNumbers: boolean }).cacheNumbers = false;

/** How a connection ended: libmosquitto's code when the receive path or the keep-alive ended
 * it, the transport's error when the network did, neither for a plain close. */
export interface LinkEnd {
  code?: number;
  transport?: ConnectError;
}

export interface LinkHooks {
  /** The TCP (or unix) connection is made, to the broker or to the proxy. */
  connected?(): void;
  /** Each packet received, checked and traced, in order. */
  packet(p: Packet): void;
  /** The QoS of our message awaiting acknowledgement with this id (for the receive checks). */
  outgoingQos(mid: number): number | undefined;
  /** The connection is closed, for whatever reason; called once. */
  closed(end: LinkEnd): void;
}

export class Link {
  private readonly stream: Duplex;
  private readonly writer: PacketWriter;
  private readonly receiver: Receiver;
  private readonly keepalive: KeepAlive;
  private readonly opts: { protocolVersion: number };
  private up = false;
  /** CONNECT, written before the connection is up: libmosquitto traces it once it is. */
  private connectTrace: Packet | undefined;
  private end: LinkEnd = {};
  /** DISCONNECT has been written. */
  private disconnectSent = false;
  private isClosed = false;
  private closeWaiters: Array<() => void> = [];

  constructor(
    cfg: ClientConfig,
    prepared: Prepared,
    private readonly tracer: Tracer | undefined,
    private readonly hooks: LinkHooks,
    /** Whether CONNECT names a client id (then CONNACK must assign none). */
    hasId: boolean,
  ) {
    this.opts = { protocolVersion: cfg.protocolVersion };
    this.keepalive = new KeepAlive(
      cfg.keepalive,
      () => this.send({ cmd: 'pingreq' }),
      (code) => this.fail(code),
    );
    this.receiver = new Receiver(cfg.protocolVersion, hasId, this.keepalive, {
      packet: (p) => {
        this.tracer?.received(p);
        this.hooks.packet(p);
      },
      trace: (item: TraceItem) => {
        if (!this.tracer) return;
        if (typeof item === 'string') this.tracer.note(item);
        else this.tracer.received(item);
      },
      fail: (code) => this.fail(code),
      send: (p) => this.send(p),
      outgoingQos: (mid) => this.hooks.outgoingQos(mid),
    });
    this.stream = openTransport(cfg, prepared, {
      connected: hooks.connected,
      up: () => this.transportUp(),
      failed: (err) => {
        // After DISCONNECT, whatever the layers below say is no failure of the session:
        // mosquitto 2.1.2's WebSocket listener, say, answers DISCONNECT on a wss:// connection
        // with a close frame outside TLS ("wrong version number"), and mosquitto's clients
        // print nothing after DISCONNECT.
        if (this.end.transport || this.end.code !== undefined || this.disconnectSent) return;
        this.end.transport = err;
        // Lost before Node said it was connected (a reset at once): libmosquitto had sent CONNECT.
        if (err.lost && !this.up && this.connectTrace && !needsPreparing(cfg)) this.tracer?.sent(this.connectTrace);
        if (this.tracer) for (const line of err.traceLines) this.tracer.note(line.replace(/\n$/, ''));
      },
    });
    this.writer = new PacketWriter(this.stream);
    // Errors reach the transport's hooks (above); the stream's own are its layers' echoes.
    this.stream.on('error', () => {});
    this.stream.on('data', (chunk: Buffer) => this.receiver.feed(chunk));
    this.stream.once('close', () => this.closed());
  }

  private transportUp(): void {
    if (this.up || this.isClosed) return;
    this.up = true;
    this.keepalive.start();
    if (this.connectTrace) this.tracer?.sent(this.connectTrace);
  }

  /**
   * Encodes and writes a packet (traced first, as libmosquitto logs before it writes).
   * Returns false when the stream wants a 'drain' before more is written. Throws
   * mqtt-packet's error for a packet it cannot encode (nothing of it is written).
   */
  send(packet: Packet): boolean {
    if (this.isClosed || this.stream.destroyed) return false;
    if (packet.cmd === 'connect' && !this.up) this.connectTrace = packet;
    else this.tracer?.sent(packet);
    if (packet.cmd === 'disconnect') {
      this.disconnectSent = true;
      // libmosquitto reads nothing after its DISCONNECT.
      this.receiver.stop();
      this.keepalive.stop();
    } else {
      this.keepalive.sent();
    }
    const ok = mqttPacket.writeToStream(packet, this.writer as unknown as NodeJS.WritableStream, this.opts);
    const refusal = this.writer.refusal;
    if (refusal) {
      this.writer.refusal = undefined;
      throw refusal;
    }
    return ok;
  }

  /** Once the stream can take more. */
  whenDrained(then: () => void): void {
    if (this.isClosed) return;
    this.stream.once('drain', then);
  }

  /** The transport is up (CONNECT has gone out, or is going). */
  get isUp(): boolean {
    return this.up;
  }

  /** Hands what is gathered to the stream now (before it is destroyed). */
  writeGathered(): void {
    this.writer.flush();
  }

  get closedAlready(): boolean {
    return this.isClosed;
  }

  /** Stops reading from the broker (stdout is backed up), or starts again. */
  pause(): void {
    this.stream.pause();
  }

  resume(): void {
    this.stream.resume();
  }

  /** Ends the connection with libmosquitto's error code (receive checks, keep-alive). */
  fail(code: number): void {
    if (this.end.code === undefined && !this.end.transport) this.end.code = code;
    this.receiver.stop();
    this.keepalive.stop();
    this.stream.destroy();
  }

  /** Closes the connection at once (nothing more is written). */
  destroy(): void {
    this.receiver.stop();
    this.keepalive.stop();
    this.stream.destroy();
  }

  /** Writes what is gathered, ends the stream, and resolves once it is closed. */
  close(): Promise<void> {
    this.receiver.stop();
    this.keepalive.stop();
    const done = new Promise<void>((resolve) => {
      if (this.isClosed) resolve();
      else this.closeWaiters.push(resolve);
    });
    if (!this.isClosed) {
      this.writer.flush();
      setImmediate(() => this.stream.end(() => this.stream.destroy()));
    }
    return done;
  }

  private closed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.receiver.stop();
    this.keepalive.stop();
    this.hooks.closed(this.end);
    for (const w of this.closeWaiters) w();
    this.closeWaiters = [];
  }
}
