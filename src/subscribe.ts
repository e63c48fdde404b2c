// The receiving side of tssub: subscribe on every (re)connection, take each message
// through mosquitto_sub's filters in its order, print it, and stop when one of the exit
// conditions says so -- always with a DISCONNECT, and never reading faster than stdout
// can take what is printed.
import { stdout, stderr, traceColours } from './cli.ts';
import type { IPublishPacket } from 'mqtt-packet';
import { ConnectError, ProtocolError, Session } from './session/session.ts';
import { fatal } from './session/receive.ts';
import { mosquittoError, ToolError } from './errors.ts';
import type { ClientConfig } from './config.ts';
import { topicMatches } from './topic.ts';
import { subscriptions, TIMED_OUT_STATUS, type Formatter } from './receiving.ts';

/** -W ran out while the broker had yet to answer CONNECT. */
const CONNECT_PENDING_STATUS = 255;

/** libmosquitto's reconnect delay (its default: one second, no back-off). */
const RECONNECT_DELAY_MS = 1000;

/** Output is handed to stdout at the end of each turn of the event loop, or at this size. */
const FLUSH_BYTES = 256 * 1024;

/**
 * stdout for messages and -d lines, in the order they happen. Writes are gathered and
 * passed on once per turn of the event loop (a flood costs one system call per batch, not
 * per message); `backedUp` says when stdout holds more than it wants.
 */
export class Output {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private scheduled = false;
  /** stdout failed (the reader went away, the disk is full): nothing more is written. */
  closed = false;

  constructor(private readonly stream: NodeJS.WriteStream = stdout()) {}

  write(data: Buffer | string): void {
    if (this.closed || data.length === 0) return;
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes >= FLUSH_BYTES) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushLater);
    }
  }

  private readonly flushLater = () => {
    this.scheduled = false;
    this.flush();
  };

  flush(): void {
    if (this.bytes === 0) return;
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.bytes);
    this.chunks = [];
    this.bytes = 0;
    if (!this.closed) this.stream.write(data);
  }

  get backedUp(): boolean {
    return !this.closed && this.stream.writableNeedDrain;
  }

  whenDrained(then: () => void): void {
    this.stream.once('drain', then);
  }
}

/**
 * One run of tssub: connects (and reconnects, as libmosquitto does, whenever an
 * established connection is lost), and resolves with the exit status. The session
 * (session.ts) keeps what it received at QoS 2 across connections: each message is handed
 * over once.
 */
export class Subscriber {
  private readonly session: Session;
  /** --message-rate: messages this second, and the timer that prints them. */
  private rate = 0;
  private rateTimer: NodeJS.Timeout | undefined;
  /** Whether any CONNACK accepted us yet (mosquitto_sub's connack_received). */
  private everAccepted = false;
  private subscribeMid = 0;
  private printed = 0;
  /** Reading from the broker is paused until stdout drains. */
  private paused = false;
  /** --remove-retained clears waiting for their PUBACK. */
  private readonly clearing = new Set<number>();
  /**
   * Where the run is: running; stopping (an exit condition was met: no more messages are
   * handled, clears may still be acknowledged); disconnecting (DISCONNECT is sent); ended.
   */
  private state: 'running' | 'stopping' | 'disconnecting' | 'ended' = 'running';
  /** The broker said DISCONNECT (MQTT v5): libmosquitto closes and does not come back. */
  private serverDisconnected = false;
  private timedOut = false;
  private status = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private resolve!: (status: number) => void;
  private reject!: (err: unknown) => void;
  private readonly filterOut: readonly string[];
  /** -d lines; none after DISCONNECT (libmosquitto reads nothing more once it is sent). */
  private readonly trace = {
    write: (line: string) => {
      if (this.state !== 'disconnecting' && this.state !== 'ended') this.out.write(line);
    },
  };

  constructor(
    private readonly cfg: ClientConfig,
    private readonly format: Formatter,
    private readonly out: Output,
  ) {
    this.filterOut = cfg.filterOut;
    this.session = new Session(cfg, {
      trace: cfg.debug ? this.trace : undefined,
      tracePaint: cfg.debug ? traceColours() : undefined,
      disconnectOnRefusal: true,
      // mosquitto_sub sets its alarm once the connection is made (to the broker, or to the
      // proxy) and CONNECT is on its way, or queued behind the proxy's or TLS's handshake.
      onConnected: () => {
        if (cfg.timeout !== undefined) this.startDeadline(cfg.timeout);
      },
      onAccepted: () => this.connected(),
      onMessage: (packet) => this.receive(packet),
      onDisconnect: () => {
        this.serverDisconnected = true;
      },
      onLost: (code, final) => this.closed(code, final),
    });
  }

  private get stopping(): boolean {
    return this.state !== 'running';
  }

  /** Runs until an exit condition, a signal, -W or a refusal; resolves with the status. */
  run(): Promise<number> {
    const result = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (this.cfg.messageRate) {
      // --message-rate (mosquitto 2.1): every second, how many messages came in that second.
      this.rateTimer = setInterval(() => {
        this.out.write(`${this.rate} msgs/s\n`);
        this.rate = 0;
      }, 1000);
    }
    this.open(true);
    return result;
  }

  /** SIGINT, SIGTERM: disconnect now, status 0. */
  interrupt(): void {
    if (this.state === 'disconnecting') this.finish();
    else this.stop(0, true);
  }

  /** stdout is gone: print nothing more, disconnect, status 0 (as mosquitto_sub). */
  outputFailed(): void {
    this.out.closed = true;
    this.stop(0, true);
  }

  private open(first: boolean): void {
    this.session.connect().catch((err: unknown) => {
      if (this.state === 'ended') return;
      // A protocol error ends mosquitto_sub's loop, first connection or not.
      if (err instanceof ProtocolError && fatal(err.code)) {
        this.finish(err);
        return;
      }
      if (err instanceof ConnectError && !err.refused && !err.final && (err.lost || !first)) {
        // An established connection that went before CONNACK, or a failed reconnection:
        // libmosquitto tries again, quietly. (After CONNACK, closed() sees to it.)
        this.retry();
        return;
      }
      this.finish(err);
    });
  }

  private startDeadline(seconds: number): void {
    if (this.deadline !== undefined || this.state === 'ended') return;
    this.deadline = setTimeout(() => {
      if (!this.everAccepted) {
        // No CONNACK yet, ever (connected and waiting, or trying again, through a proxy
        // too): mosquitto_sub's alarm leaves with exit(-1), status 255, without a word.
        this.status = CONNECT_PENDING_STATUS;
        this.finish();
        return;
      }
      this.timedOut = true;
      this.stop(TIMED_OUT_STATUS, true);
    }, seconds * 1000);
  }

  private retry(): void {
    if (this.stopping) {
      this.finish();
      return;
    }
    this.retryTimer = setTimeout(() => this.open(false), RECONNECT_DELAY_MS);
  }

  /** CONNACK accepted: subscribe before any later packet is handled, as mosquitto_sub does
   * from its connect callback. */
  private connected(): void {
    this.everAccepted = true;
    if (this.stopping) return;
    const cfg = this.cfg;
    const v5 = cfg.protocolVersion === 5;
    // One SUBSCRIBE for every -t, then one UNSUBSCRIBE per -U.
    if (cfg.topics.length > 0) {
      this.subscribeMid = this.session.subscribe(
        subscriptions(cfg, cfg.topics),
        v5 ? cfg.properties.subscribe : undefined,
        (granted) => this.subscribed(granted),
      );
    }
    let unacknowledged = cfg.unsubscribe.length;
    for (const topic of cfg.unsubscribe) {
      this.session.unsubscribe(topic, v5 ? cfg.properties.unsubscribe : undefined, () => {
        // -U without -t (mosquitto 2.1): nothing is left to do once every UNSUBACK is in
        // (mosquitto 2.1 waits on, subscribed to nothing).
        if (--unacknowledged === 0 && cfg.topics.length === 0 && !cfg.messageRate) this.stop(0);
      });
    }
  }

  private subscribed(granted: number[]): void {
    if (this.state === 'disconnecting' || this.state === 'ended') return;
    if (this.cfg.debug && !this.cfg.quiet)
      this.out.write(`Subscribed (mid: ${this.subscribeMid}): ${granted.join(', ')}\n`);
    if (granted.every((code) => code >= 128)) {
      if (!this.cfg.quiet) stderr().write('All subscription requests were denied.\n');
      this.stop(0, true);
    } else if (this.cfg.exitAfterSubscribe) {
      this.stop(0, true);
    }
  }

  /**
   * Each message, its acknowledgement sent (mosquitto_sub prints it after its PUBACK or
   * PUBCOMP line). While stdout is backed up, nothing more is read from the broker: it holds
   * what is not yet printed.
   */
  private receive(packet: IPublishPacket): void {
    if (this.stopping) return;
    if (this.out.backedUp && !this.paused) {
      this.paused = true;
      this.session.pause();
      this.out.whenDrained(() => {
        this.paused = false;
        this.session.resume();
      });
    }
    this.handle(packet);
  }

  /** mosquitto_sub's message callback: its checks, in its order. */
  private handle(packet: IPublishPacket): void {
    const cfg = this.cfg;
    if (cfg.messageRate) {
      // Counted, not printed: no exit condition applies (as in mosquitto 2.1).
      this.rate++;
      return;
    }
    const retained = packet.retain;
    if (cfg.retainedOnly && !retained) {
      this.stop(0);
      return;
    }
    if (retained && cfg.noStaleRetained) return;
    for (const filter of this.filterOut) {
      if (topicMatches(filter, packet.topic)) return;
    }
    if (retained && cfg.removeRetained) this.clear(packet.topic);
    if (cfg.randomFilter !== undefined && Math.random() * 100 >= cfg.randomFilter) return;
    this.out.write(this.format(packet));
    if (cfg.count !== undefined && ++this.printed >= cfg.count) this.stop(0);
  }

  /** --remove-retained: an empty retained message (QoS 1) in place of the one received. */
  private clear(topic: string): void {
    const packet: IPublishPacket = {
      cmd: 'publish',
      topic,
      payload: Buffer.alloc(0),
      qos: 1,
      retain: true,
      dup: false,
    };
    this.session.publish(packet, () => {
      this.clearing.delete(packet.messageId!);
      if (this.state === 'stopping' && this.clearing.size === 0) this.disconnect();
    });
    this.clearing.add(packet.messageId!);
  }

  /**
   * An exit condition: handle no more messages and disconnect -- at once, or (for -C and
   * --retained-only) once the broker has acknowledged the clears sent so far.
   */
  private stop(status: number, now = false): void {
    if (this.state === 'ended') return;
    if (!this.stopping) {
      this.status = status;
      this.state = 'stopping';
    }
    if (this.timedOut) this.status = TIMED_OUT_STATUS;
    // --message-rate: no whole second is counted after this (finish() prints the last part).
    clearInterval(this.rateTimer);
    if (!this.session.connected) this.finish();
    else if (now || this.clearing.size === 0) this.disconnect();
  }

  private disconnect(): void {
    if (this.state !== 'stopping') return;
    const properties = this.cfg.protocolVersion === 5 ? this.cfg.properties.disconnect : undefined;
    // mosquitto_sub's -W alarm says why it leaves (MQTT v5): "disconnect with will message".
    const reason = this.timedOut && this.cfg.protocolVersion === 5 ? 4 : undefined;
    // DISCONNECT goes now, whatever is still unacknowledged; nothing after it is read.
    const closed = this.session.disconnect(reason, properties);
    this.state = 'disconnecting';
    void closed.then(() => this.finish());
  }

  /** The connection CONNACK had accepted is gone. */
  private closed(code: number, final: boolean): void {
    if (this.state === 'ended') return;
    if (this.stopping || this.serverDisconnected) this.finish();
    // The broker broke the protocol, or TLS failed on the connection: mosquitto_sub gives up.
    // Other failures (a silent broker, a malformed topic, a lost connection): it reconnects.
    else if (fatal(code) || final) this.finish(new ToolError(mosquittoError(code), code));
    else this.retry();
  }

  private finish(err?: unknown): void {
    if (this.state === 'ended') return;
    const wasDisconnecting = this.state === 'disconnecting';
    this.state = 'ended';
    clearTimeout(this.deadline);
    clearTimeout(this.retryTimer);
    clearInterval(this.rateTimer);
    if (!wasDisconnecting) this.session.close();
    // --message-rate: the part of a second since the last line, after DISCONNECT (as
    // mosquitto_sub 2.1.2 prints it on a signal or at -W).
    if (this.rateTimer !== undefined && this.everAccepted && err === undefined) this.out.write(`${this.rate} msgs/s\n`);
    if (err !== undefined) this.reject(err);
    else this.resolve(this.status);
  }
}
