// The receiving side of tssub: subscribe on every (re)connection, take each message
// through mosquitto_sub's filters in its order, print it, and stop when one of the exit
// conditions says so -- always with a DISCONNECT, and never reading faster than stdout
// can take what is printed.
import { stdout, stderr } from './cli.ts';
import type { IClientSubscribeOptions } from 'mqtt';
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { connect, ConnectError, ProtocolError, SequentialIds, failureOf, grantedBy, type MqttClient } from './connection.ts';
import { mosquittoError, ToolError } from './errors.ts';
import { fatal } from './guard.ts';
import type { ClientConfig } from './options.ts';
import { topicMatches } from './topic.ts';

/** libmosquitto's MOSQ_ERR_TIMEOUT: mosquitto_sub's status when -W runs out. */
export const TIMED_OUT_STATUS = 27;

/** -W ran out while the broker had yet to answer CONNECT. */
const CONNECT_PENDING_STATUS = 255;

/** libmosquitto's reconnect delay (its default: one second, no back-off). */
const RECONNECT_DELAY_MS = 1000;

/** Output is handed to stdout at the end of each turn of the event loop, or at this size. */
const FLUSH_BYTES = 256 * 1024;

export type Formatter = (packet: IPublishPacket) => Buffer;

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
 * established connection is lost), and resolves with the exit status.
 */
export class Subscriber {
  private readonly ids = new SequentialIds();
  private client: MqttClient | undefined;
  /** Clients whose CONNACK accepted us. */
  private readonly accepted = new WeakSet<MqttClient>();
  /** --message-rate: messages this second, and the timer that prints them. */
  private rate = 0;
  private rateTimer: NodeJS.Timeout | undefined;
  /** Whether any CONNACK accepted us yet (mosquitto_sub's connack_received). */
  private everAccepted = false;
  /** The client whose CONNACK accepted us; only its end leads to a reconnection. */
  private live: MqttClient | undefined;
  /** The id to reconnect with (the broker's choice, if it made one). */
  private clientId: string | undefined;
  private subscribeMid = 0;
  private printed = 0;
  /** False once a stop has taken the message that was waiting for stdout. */
  private reading = true;
  /** Hands each message on once its acknowledgement is out (the current connection's). */
  private delivery: AckedDelivery | undefined;
  /** A message waiting for stdout to drain. */
  private pending: { packet: IPublishPacket; done: () => void } | undefined;
  /** --remove-retained clears waiting for their PUBACK. */
  private readonly clearing = new Set<number>();
  /** No more messages are handled: an exit condition was met. */
  private stopping = false;
  private disconnecting = false;
  private disconnectScheduled = false;
  private serverDisconnected = false;
  private ended = false;
  private timedOut = false;
  private status = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private resolve!: (status: number) => void;
  private reject!: (err: unknown) => void;
  private readonly filterOut: readonly string[];
  /** -d lines; none after DISCONNECT (libmosquitto reads nothing more once it is sent). */
  private readonly trace = { write: (line: string) => { if (!this.disconnecting) this.out.write(line); } };

  constructor(
    private readonly cfg: ClientConfig,
    private readonly format: Formatter,
    private readonly out: Output,
  ) {
    this.filterOut = cfg.filterOut;
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
    if (this.disconnecting) this.finish();
    else this.stop(0, true);
  }

  /** stdout is gone: print nothing more, disconnect, status 0 (as mosquitto_sub). */
  outputFailed(): void {
    this.out.closed = true;
    this.stop(0, true);
  }

  private open(first: boolean): void {
    const cfg = this.clientId === undefined ? this.cfg : { ...this.cfg, clientId: this.clientId, idPrefix: undefined };
    let attempt: MqttClient | undefined;
    connect(cfg, {
      trace: this.cfg.debug ? this.trace : undefined,
      ids: this.ids,
      disconnectOnRefusal: true,
      setup: (client) => { attempt = client; this.setup(client); },
      // mosquitto_sub sets its alarm once the connection is made (to the broker, or to the
      // proxy) and CONNECT is on its way, or queued behind the proxy's or TLS's handshake.
      onConnected: () => { if (this.cfg.timeout !== undefined) this.startDeadline(this.cfg.timeout); },
      onPacket: (packet) => this.onPacket(packet),
    }).then(
      (session) => {
        if (session.clientId !== '') this.clientId = session.clientId;
      },
      (err: unknown) => {
        if (this.ended) return;
        // A protocol error ends mosquitto_sub's loop, first connection or not.
        if (err instanceof ProtocolError && fatal(err.code)) {
          this.finish(err);
          return;
        }
        if (err instanceof ConnectError && !err.refused && !err.final && (err.lost || !first)) {
          // An established connection that went before CONNACK, or a failed reconnection:
          // libmosquitto tries again, quietly. (After CONNACK, closed() sees to it.)
          if (attempt === undefined || !this.accepted.has(attempt)) this.retry();
          return;
        }
        this.finish(err);
      },
    );
  }

  private setup(client: MqttClient): void {
    this.client = client;
    // MQTT.js reports lost sockets and keep-alive timeouts here; 'close' follows.
    client.on('error', () => {});
    this.delivery = new AckedDelivery(client, (packet) => { if (!this.stopping) this.handle(packet); });
    // MQTT.js's back-pressure hook: no further packet is read until `done` is called.
    client.handleMessage = (packet, done) => this.receive(packet, done);
  }

  private startDeadline(seconds: number): void {
    if (this.deadline !== undefined || this.ended) return;
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
    if (this.ended || this.stopping) {
      this.finish();
      return;
    }
    this.retryTimer = setTimeout(() => this.open(false), RECONNECT_DELAY_MS);
  }

  private onPacket(packet: Packet): void {
    if (this.disconnecting) return;
    switch (packet.cmd) {
      case 'connack':
        if ((packet.reasonCode ?? packet.returnCode ?? 0) === 0) this.connected(packet.properties?.assignedClientIdentifier);
        return;
      case 'suback':
        // The codes as the broker sent them (mqtt-packet refuses some that libmosquitto takes).
        if (packet.messageId === this.subscribeMid) this.subscribed(grantedBy(this.client!, packet.messageId) ?? (packet.granted as number[]));
        return;
      case 'disconnect':
        // The broker ended it (MQTT v5): libmosquitto closes and does not come back.
        this.serverDisconnected = true;
        this.live?.end(true);
        return;
      default:
        return;
    }
  }

  /** CONNACK accepted (MQTT.js has yet to process it). */
  private connected(assignedId: string | undefined): void {
    const client = this.client!;
    this.live = client;
    this.accepted.add(client);
    this.everAccepted = true;
    if (assignedId) this.clientId = assignedId;
    client.on('close', () => this.closed(client));
    // Subscribe before any packet after CONNACK is handled, as mosquitto_sub does from its
    // connect callback: this tick runs once MQTT.js has marked the client connected.
    process.nextTick(() => {
      if (this.stopping || this.live !== client) return;
      this.subscribe(client);
    });
  }

  private subscribe(client: MqttClient): void {
    const cfg = this.cfg;
    const v5 = cfg.protocolVersion === 5;
    const options: IClientSubscribeOptions = { qos: cfg.qos };
    if (v5 && cfg.properties.subscribe) options.properties = { ...cfg.properties.subscribe };
    if (v5 && cfg.retainAsPublished) options.rap = true;
    if (v5 && cfg.retainHandling !== undefined) options.rh = cfg.retainHandling;
    // One SUBSCRIBE for every -t, then one UNSUBSCRIBE per -U.
    if (cfg.topics.length > 0) {
      client.subscribe(cfg.topics, options, () => {});
      this.subscribeMid = this.ids.getLastAllocated() ?? 0;
    }
    const unsubscribeOptions = v5 && cfg.properties.unsubscribe ? { properties: { ...cfg.properties.unsubscribe } } : {};
    let unacknowledged = cfg.unsubscribe.length;
    for (const topic of cfg.unsubscribe) {
      client.unsubscribe(topic, unsubscribeOptions, () => {
        // -U without -t (mosquitto 2.1): nothing is left to do once every UNSUBACK is in
        // (mosquitto 2.1 waits on, subscribed to nothing).
        if (--unacknowledged === 0 && cfg.topics.length === 0 && !cfg.messageRate) this.stop(0);
      });
    }
  }

  private subscribed(granted: number[]): void {
    if (this.cfg.debug && !this.cfg.quiet) this.out.write(`Subscribed (mid: ${this.subscribeMid}): ${granted.join(', ')}\n`);
    if (granted.every((code) => code >= 128)) {
      if (!this.cfg.quiet) stderr().write('All subscription requests were denied.\n');
      this.stop(0, true);
    } else if (this.cfg.exitAfterSubscribe) {
      this.stop(0, true);
    }
  }

  /**
   * Each PUBLISH, once MQTT.js has it (for QoS 2, once PUBREL came). `done` sends the
   * acknowledgement and lets the next packet in: it waits while stdout is backed up, so
   * the socket is not read, and the broker holds what is not yet printed.
   */
  private receive(packet: IPublishPacket, done: () => void): void {
    if (this.disconnecting || !this.reading) return;
    if (this.out.backedUp) {
      this.pending = { packet, done };
      this.out.whenDrained(() => {
        const p = this.pending;
        this.pending = undefined;
        if (p) this.receive(p.packet, p.done);
      });
      return;
    }
    this.deliver(packet, done);
  }

  /** Acknowledges, then handles: mosquitto_sub prints a message after its PUBACK or PUBCOMP line. */
  private deliver(packet: IPublishPacket, done: () => void): void {
    this.delivery!.deliver(packet, done);
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
    const client = this.live!;
    client.publish(topic, Buffer.alloc(0), { qos: 1, retain: true }, () => {
      this.clearing.delete(mid);
      if (this.stopping && this.clearing.size === 0) this.disconnect();
    });
    const mid = this.ids.getLastAllocated()!;
    this.clearing.add(mid);
  }

  /**
   * An exit condition: handle no more messages and disconnect -- at once, or (for -C and
   * --retained-only) once the broker has acknowledged the clears sent so far.
   */
  private stop(status: number, now = false): void {
    const pending = this.stopping ? undefined : this.pending;
    if (pending) {
      // Received (and traced) before the stop, waiting for stdout: still printed. Nothing
      // after it is read: `done` may hand MQTT.js the next packet at once.
      this.pending = undefined;
      this.reading = false;
      this.live?.removeAllListeners('packetreceive');
      this.deliver(pending.packet, pending.done);
    }
    if (this.ended) return;
    if (!this.stopping) this.status = status;
    if (this.timedOut) this.status = TIMED_OUT_STATUS;
    this.stopping = true;
    if (this.live === undefined || !this.live.connected) {
      this.finish();
    } else if (now || this.clearing.size === 0) {
      this.disconnect();
    }
  }

  private disconnect(): void {
    if (this.disconnecting || this.disconnectScheduled) return;
    const client = this.live!;
    // libmosquitto reads nothing after its DISCONNECT; MQTT.js would still parse what the
    // socket already holds, and trace messages that are then never printed.
    this.reading = false;
    client.removeAllListeners('packetreceive');
    // DISCONNECT goes now, whatever is still unacknowledged (MQTT.js would wait) -- but after
    // the acknowledgement being sent, if that is what got us here: MQTT.js announces a
    // packet ('packetsend', where acked() runs) before it writes it.
    for (const mid of Object.keys(client.outgoing)) delete client.outgoing[Number(mid)];
    const properties = this.cfg.protocolVersion === 5 ? this.cfg.properties.disconnect : undefined;
    // mosquitto_sub's -W alarm says why it leaves (MQTT v5): "disconnect with will message".
    const reason = this.timedOut && this.cfg.protocolVersion === 5 ? { reasonCode: 4 } : {};
    this.disconnectScheduled = true;
    process.nextTick(() => {
      if (this.ended) return;
      client.end(false, { ...reason, ...(properties ? { properties } : {}) }, () => this.finish());
      this.disconnecting = true;
    });
  }

  private closed(client: MqttClient): void {
    if (client !== this.live || this.ended) return;
    this.live = undefined;
    const failure = failureOf(client);
    if (this.stopping || this.serverDisconnected) this.finish();
    // The broker broke the protocol: mosquitto_sub gives up. Other failures (a silent broker,
    // a malformed topic, a lost connection): it reconnects.
    else if (failure !== undefined && fatal(failure)) this.finish(new ToolError(mosquittoError(failure), failure));
    else this.retry();
  }

  private finish(err?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.deadline);
    clearTimeout(this.retryTimer);
    clearInterval(this.rateTimer);
    if (this.client && !this.disconnecting) this.client.end(true);
    if (err !== undefined) this.reject(err);
    else this.resolve(this.status);
  }
}

/**
 * Hands each PUBLISH on to `handle` once its acknowledgement is on its way, as libmosquitto
 * calls back after its PUBACK (QoS 1) or PUBCOMP (QoS 2) line. `deliver` takes what MQTT.js
 * gives its handleMessage hook: `done` sends that ack, then may let MQTT.js handle the next
 * packet before it returns, so the message is handled as the ack goes out ('packetsend',
 * heard after the tracer's listener: the ack's -d line comes first).
 */
export class AckedDelivery {
  /** The QoS 1 or 2 message whose acknowledgement is being sent. */
  private acking: IPublishPacket | undefined;

  constructor(client: MqttClient, private readonly handle: (packet: IPublishPacket) => void) {
    client.on('packetsend', (packet) => {
      const message = this.acking;
      if (!message || (packet.cmd !== 'puback' && packet.cmd !== 'pubcomp') || packet.messageId !== message.messageId) return;
      this.acking = undefined;
      this.handle(message);
    });
  }

  deliver(packet: IPublishPacket, done: () => void): void {
    if (packet.qos === 0) {
      this.handle(packet);
      done();
      return;
    }
    this.acking = packet;
    done();
    if (this.acking === packet) {
      // No ack went out (the connection is closing): handled all the same.
      this.acking = undefined;
      this.handle(packet);
    }
  }
}
