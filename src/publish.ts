// Publishing with nothing lost: a bounded window of unacknowledged messages (-M), every
// acknowledgement awaited before DISCONNECT, and -- for a stream of lines (-l) -- a lost
// connection made again, with what was in flight sent again first (session.ts). One-shot
// publishing fails at once with a count when the broker goes away, as mosquitto_pub does.
import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import { MOSQ_ERR, mosquittoError, ToolError } from './errors.ts';
import { REASON_V5 } from './session/connect.ts';
import { ConnectError, ProtocolError, Session, type SessionOptions } from './session/session.ts';
import { fatal } from './session/receive.ts';
import { LineSplitter, MAX_MESSAGE_BYTES } from './input.ts';
import type { ClientConfig } from './config.ts';
import type { TraceSink } from './trace.ts';
import { clock, until, type Schedule } from './pace.ts';

/** libmosquitto's MOSQ_ERR_QOS_NOT_SUPPORTED and MOSQ_ERR_OVERSIZE_PACKET. */
const QOS_NOT_SUPPORTED_STATUS = 24;
const OVERSIZE_PACKET_STATUS = 25;
/** libmosquitto's MOSQ_ERR_PAYLOAD_SIZE. */
const PAYLOAD_SIZE_STATUS = 9;
const TOO_LARGE = () => new ToolError('Error: Message payload is too large.\n', PAYLOAD_SIZE_STATUS);

/** libmosquitto's reconnect delay (its default: one second, no back-off). */
export const RECONNECT_DELAY_MS = 1000;

/**
 * Refusals on reconnecting that may pass (the broker is starting, or busy): MQTT 3.1.1's
 * "server unavailable", v5's "server unavailable", "server busy", "connection rate exceeded".
 * Any other refusal (bad user name or password, not authorised, ...) ends the run.
 */
const PASSING_REFUSALS = new Set([3, 136, 137, 159]);
/**
 * Why a v5 broker may end a connection that is worth making again: it is shutting down
 * (a restart), busy, unavailable, or the keep-alive ran out.
 */
const PASSING_DISCONNECTS = new Set([0x88, 0x89, 0x8b, 0x8d]);

/** How many bytes MQTT's variable byte integer takes for n. */
function varIntLength(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

/** How a lost connection is answered: given up at once, or made again (tspub -l). */
export interface Reconnection {
  /** Milliseconds it may stay disconnected before giving up (Infinity: for ever). */
  limitMs: number;
  /** Where -d lines go. */
  trace?: TraceSink;
}

/** A message of its own (tspub --replay, replay.ts): not the command line's topic, QoS, flag, properties. */
export interface Message {
  topic: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** MQTT v5 PUBLISH properties, as mqtt-packet takes them. */
  properties?: Record<string, unknown>;
}

export class Publisher {
  private sent = 0;
  private wake: (() => void) | undefined;
  private failure: ToolError | undefined;
  private ending = false;
  /** A topic alias has been sent with its topic (on this connection). */
  private aliased = false;
  /** The topic alias of -D publish topic-alias, if any. */
  private readonly alias: number | undefined;
  private readonly properties: Record<string, unknown> | undefined;
  /** The last QoS 0 message has been written (see onWritten). */
  private written = false;
  /** Ends the wait for something else (see waitFor) when the connection fails. */
  private interrupt: ((e: ToolError) => void) | undefined;
  /** Connecting again after a loss (tspub -l): resolves once connected. */
  private reconnecting: Promise<void> | undefined;

  constructor(
    private readonly session: Session,
    private readonly cfg: ClientConfig,
    /** Tells the broker's refusal of a message (on the tool's stderr, made on first use). */
    private readonly warn: (text: string) => void,
    /** How a lost connection is answered; none: the run fails at once. */
    private readonly reconnection?: Reconnection,
  ) {
    this.properties = cfg.protocolVersion === 5 ? cfg.properties.publish : undefined;
    this.alias = this.properties?.topicAlias as number | undefined;
  }

  /**
   * The connection CONNACK had accepted is gone, with libmosquitto's code (session.ts);
   * `final`: TLS failed on it, where mosquitto_pub gives up even with -l (its next line then
   * fails, "not connected", and the rest of the input is lost): a stream connects again.
   */
  lost(code: number, final = false): void {
    if (this.ending || this.failure || this.reconnecting) return;
    const disconnect = this.session.disconnectReason;
    const passing =
      final ||
      code === MOSQ_ERR.CONN_LOST ||
      code === MOSQ_ERR.KEEPALIVE ||
      (code === MOSQ_ERR.NO_CONN && disconnect !== undefined && PASSING_DISCONNECTS.has(disconnect));
    if (this.reconnection && passing) {
      this.reconnect(code);
      return;
    }
    this.fail(code);
  }

  /** Gives up: the broker broke the protocol, stopped answering, said DISCONNECT, or went. */
  private fail(code: number): void {
    // Our own line: what the broker never acknowledged (or, at QoS 0, what was sent).
    const inflight = this.session.unacknowledged;
    // (A replay mixes QoS: what awaits an acknowledgement is counted if anything does.)
    const unacked =
      this.cfg.qos > 0 || inflight > 0
        ? code === MOSQ_ERR.CONN_LOST || inflight > 0
          ? `Error: ${inflight} message${inflight === 1 ? ' was' : 's were'} not acknowledged by the broker.\n`
          : ''
        : code === MOSQ_ERR.CONN_LOST || code === MOSQ_ERR.KEEPALIVE
          ? `Error: ${this.sent} message${this.sent === 1 ? ' was' : 's were'} sent at QoS 0 (unacknowledged by design) before the loss.\n`
          : '';
    this.failWith(new ToolError(mosquittoError(code) + unacked, code));
  }

  private failWith(error: ToolError): void {
    if (this.failure) return;
    this.failure = error;
    this.interrupt?.(this.failure);
    this.wakeNow();
  }

  /**
   * Connects again as libmosquitto does (after its delay, for as long as allowed): the
   * session sends what was in flight first; the sender goes on once connected.
   */
  private reconnect(code: number): void {
    const r = this.reconnection!;
    const lostAt = Date.now();
    if (this.cfg.qos === 0 && r.trace) {
      const n = this.session.qos0OnLostConnection;
      r.trace.write(
        `Connection lost: ${n} QoS 0 message${n === 1 ? '' : 's'} written to it may not have reached the broker.\n`,
      );
    }
    this.reconnecting = (async () => {
      for (;;) {
        if (Date.now() + RECONNECT_DELAY_MS - lostAt > r.limitMs) return this.fail(code);
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
        if (this.failure) return;
        try {
          await this.session.connect();
          this.aliased = false;
          this.reconnecting = undefined;
          this.wakeNow();
          return;
        } catch (e) {
          if (this.failure) return;
          if (e instanceof ConnectError && e.refused && !PASSING_REFUSALS.has(e.status))
            return this.failWith(explain(e));
          if (e instanceof ToolError && !(e instanceof ConnectError)) return this.failWith(e);
          if (e instanceof ProtocolError && fatal(e.code)) return this.failWith(e);
          // Refused connections, lookups, TLS: the broker may be on its way back.
        }
      }
    })();
  }

  /**
   * Wakes the sender once per event-loop turn, after every acknowledgement that arrived in
   * the same read has been counted: the refill then leaves in one write. (Refilling must
   * not wait for more than that: a sender that stays silent while acknowledgements trickle
   * in makes the kernel delay its TCP ACKs, and the broker's Nagle then holds the rest.)
   */
  private wakeScheduled = false;
  private wakeSoon(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.wakeNow();
    });
  }

  private wakeNow(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** The retain flag: a v5 broker may say it keeps no retained messages, and libmosquitto
   * then clears it (the broker would refuse the message otherwise), and so do we. */
  private retain(wanted: boolean): boolean {
    return wanted && this.session.connack?.properties?.retainAvailable !== false;
  }

  /**
   * What the broker's CONNACK (MQTT v5) says it will not take: a QoS above its maximum, a
   * packet above its maximum size. libmosquitto refuses to send such a message; mosquitto_pub
   * then says so and stops with its code when reading lines (-l), and otherwise exits 0,
   * with a message for the QoS and without one for the size.
   */
  private beyondLimits(topic: string, payload: Buffer, message?: Message): ToolError | undefined {
    // A packet's remaining length (all after its fixed header) is counted, not encoded: a
    // message of 200 MB is not copied to be measured.
    const remaining = this.remainingLength(topic, payload.length, message);
    if (remaining > MAX_MESSAGE_BYTES) {
      // Beyond MQTT's largest packet. mosquitto_pub traces the PUBLISH, says this, and
      // exits 0 having sent nothing; tspub traces nothing it does not send, and fails.
      return TOO_LARGE();
    }
    const limits = this.session.connack?.properties;
    if (limits === undefined) return undefined;
    const lines = this.streaming;
    if (limits.maximumQoS !== undefined && (message?.qos ?? this.cfg.qos) > limits.maximumQoS) {
      return lines
        ? new ToolError('Error: Requested QoS not supported on server.\n', QOS_NOT_SUPPORTED_STATUS)
        : new ToolError('Error: Message QoS not supported on broker, try a lower QoS.\n', QOS_NOT_SUPPORTED_STATUS);
    }
    // libmosquitto leaves the first byte (the packet type) out of the count, and so does the
    // mosquitto broker: a packet one byte over passes both, and here too.
    if (limits.maximumPacketSize !== undefined && varIntLength(remaining) + remaining > limits.maximumPacketSize) {
      return new ToolError('Error: Packet larger than supported by the server.\n', OVERSIZE_PACKET_STATUS);
    }
    return undefined;
  }

  /** Remaining lengths of this tool's PUBLISH without a payload, by topic. */
  private readonly emptyRemaining = new Map<string, number>();

  /**
   * The remaining length of a PUBLISH of this topic and payload size, as mqtt-packet encodes
   * it (a message of its own is measured on its own: its QoS and properties are its own).
   */
  private remainingLength(topic: string, payloadLength: number, message?: Message): number {
    let base = message ? undefined : this.emptyRemaining.get(topic);
    if (base === undefined) {
      const qos = message?.qos ?? this.cfg.qos;
      const empty = mqttPacket.generate(this.packet(topic, Buffer.alloc(0), qos > 0 ? 1 : undefined, message), {
        protocolVersion: this.cfg.protocolVersion,
      });
      let header = 2; // the packet type, then the remaining length's bytes
      while (empty[header - 1]! & 0x80) header++;
      base = empty.length - header;
      if (!message) this.emptyRemaining.set(topic, base);
    }
    return base + payloadLength;
  }

  /** A stream of messages (-l, --replay): stopped short by a message the broker will not take. */
  private get streaming(): boolean {
    return this.cfg.mode === 'stdin-line' || this.cfg.mode === 'replay';
  }

  /** A line longer than any message (see LineSplitter): refused as a message too large. */
  refuseTooLarge(): Promise<void> {
    return this.refuse(TOO_LARGE());
  }

  /**
   * Gives up before sending: after the acknowledgements of what was sent, and (but for -l,
   * where mosquitto_pub stops short) with DISCONNECT.
   */
  private async refuse(error: ToolError): Promise<void> {
    if (this.streaming) await this.drain();
    else await this.finish();
    throw error;
  }

  /** The PUBLISH this tool sends (the message id is the session's to give). */
  private packet(topic: string, payload: Buffer, messageId?: number, message?: Message): IPublishPacket {
    const packet: IPublishPacket = {
      cmd: 'publish',
      topic,
      payload,
      qos: message?.qos ?? this.cfg.qos,
      retain: this.retain(message?.retain ?? this.cfg.retain),
      dup: false,
    };
    if (messageId !== undefined) packet.messageId = messageId;
    const properties = message ? message.properties : this.properties;
    if (properties !== undefined) packet.properties = properties;
    return packet;
  }

  /**
   * Publishes one message. Returns nothing when the next may follow at once (the message is
   * written, or in the window of unacknowledged ones), else a promise of when it may: a
   * stream of lines costs no promise a line. Messages sent in one event-loop turn leave
   * in one write (session/writer.ts). A message of its own (--replay) goes with its own
   * topic, QoS, retain flag and properties.
   */
  send(payload: Buffer, message?: Message): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    // Disconnected: nothing is sent (or read) until the connection is made again.
    if (this.reconnecting) return this.reconnecting.then(() => this.send(payload, message));
    const topic = message?.topic ?? this.cfg.topic!;
    const qos = message?.qos ?? this.cfg.qos;
    if (topic === '') {
      // mosquitto_pub -l stops at the first line with libmosquitto's MOSQ_ERR_INVAL; without
      // -l it says this, disconnects and exits 0 having sent nothing: we fail instead.
      return this.refuse(
        this.cfg.mode === 'stdin-line'
          ? new ToolError(mosquittoError(MOSQ_ERR.INVAL), MOSQ_ERR.INVAL)
          : new ToolError("Error: Invalid input. Does your topic contain '+' or '#'?\n"),
      );
    }
    // With a topic alias (-D publish topic-alias N), mosquitto_pub names the topic in its
    // first message only; the rest carry the alias alone (traced as '(null)').
    const named = this.aliased ? '' : topic;
    if (this.alias !== undefined && !this.aliased) {
      const aliases = this.session.connack?.properties?.topicAliasMaximum ?? 0;
      if (this.alias > aliases) {
        // mosquitto_pub sends it, and the broker hangs up on it (DISCONNECT 148), status 4.
        return this.finish().then(() => {
          throw new ToolError(
            `Error: Topic alias ${this.alias} is above the broker's maximum of ${aliases}; nothing was sent.\n`,
            4,
          );
        });
      }
    }
    const refused = this.beyondLimits(named, payload, message);
    if (refused) return this.refuse(refused);
    if (qos > 0 && this.session.unacknowledged >= this.session.window) return this.whenRoom(payload, message);
    if (!this.session.connected) {
      // Gone before the session said so: what was written before is all that was sent.
      this.lost(MOSQ_ERR.CONN_LOST);
      const reconnecting = this.reconnecting as Promise<void> | undefined;
      if (reconnecting) return reconnecting.then(() => this.send(payload, message));
      return Promise.reject(this.failure ?? new ToolError(mosquittoError(MOSQ_ERR.CONN_LOST), MOSQ_ERR.CONN_LOST));
    }
    const packet = this.packet(named, payload, undefined, message);
    let ok: boolean;
    try {
      ok = this.session.publish(packet, this.onAcknowledged);
    } catch (e) {
      // mqtt-packet refusing the packet while connected is no lost connection.
      this.failWith(new ToolError(`Error: ${(e as Error).message}.\n`));
      return Promise.reject(this.failure);
    }
    if (this.alias !== undefined) {
      if (named === '') this.session.setTopicOf(packet.messageId ?? 0, topic);
      this.aliased = true;
    }
    this.sent++;
    if (qos > 0 || ok) return undefined;
    // Waiting for the socket to drain.
    this.written = false;
    this.session.whenDrained(this.onWritten);
    return this.written ? undefined : this.sleep();
  }

  /** The window is full: sends once an acknowledgement has made room. */
  private async whenRoom(payload: Buffer, message?: Message): Promise<void> {
    while (this.session.unacknowledged >= this.session.window) {
      await this.sleep();
      if (this.failure) throw this.failure;
    }
    await this.send(payload, message);
  }

  /** Until the next wake-up (an acknowledgement, a drained socket, a failure, a reconnection). */
  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  /** A QoS 0 message is in the socket's hands. */
  private readonly onWritten = (): void => {
    this.written = true;
    this.wakeNow();
  };

  /** The broker acknowledged a QoS 1 or 2 message (session.ts). */
  private readonly onAcknowledged = (
    ack: Packet & { reasonCode?: number; messageId?: number; properties?: { reasonString?: string } },
  ): void => {
    const rc = ack.reasonCode ?? 0;
    // An MQTT v5 broker's refusal in PUBACK, PUBREC or PUBCOMP: mosquitto_pub warns and goes
    // on (status 0). A code below 128 is no refusal.
    if (rc >= 0x80 && !this.cfg.quiet) {
      // mosquitto_pub prints the broker's reason string, if any, on the next line.
      const why = ack.properties?.reasonString;
      this.warn(
        `Warning: Publish ${ack.messageId} failed: ${REASON_V5[rc] ?? 'Unknown reason'}.\n${why !== undefined ? `${why}\n` : ''}`,
      );
    }
    this.wakeSoon();
  };

  /**
   * Waits for something else (a line of input, a delay) unless the connection fails first:
   * then rejects with the failure. (Not Promise.race with one long-lived promise: each race
   * would leave a reaction on it, a million lines a million reactions.)
   */
  waitFor<T>(p: Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.interrupt = reject;
      p.then(
        (v) => {
          this.interrupt = undefined;
          resolve(v);
        },
        (e) => {
          this.interrupt = undefined;
          reject(e);
        },
      );
    });
  }

  /** Waits until every message sent so far is acknowledged (nothing to wait for: no promise). */
  drain(): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    return this.session.unacknowledged > 0 || this.reconnecting ? this.acknowledged() : undefined;
  }

  private async acknowledged(): Promise<void> {
    while (this.session.unacknowledged > 0 || this.reconnecting) {
      if (this.failure) throw this.failure;
      if (this.reconnecting) await this.reconnecting;
      else await this.sleep();
    }
    if (this.failure) throw this.failure;
  }

  /** Waits for every acknowledgement, then sends DISCONNECT and closes. */
  async finish(): Promise<void> {
    await this.drain();
    this.ending = true;
    await this.session.disconnect(
      undefined,
      this.cfg.protocolVersion === 5 ? this.cfg.properties.disconnect : undefined,
    );
  }
}

/** Connects, with mosquitto_pub's words for a refused connection. */
export async function connectSession(cfg: ClientConfig, options: SessionOptions): Promise<Session> {
  const session = new Session(cfg, options);
  try {
    await session.connect();
  } catch (e) {
    throw explain(e);
  }
  return session;
}

/** mosquitto_pub adds the library's view of a refusal on a second line. */
function explain<E>(e: E): E | ToolError {
  if (!(e instanceof ConnectError) || !e.refused) return e;
  // libmosquitto takes codes 1 to 5 as a refusal, and any other as a protocol error.
  const why = mosquittoError(e.status >= 1 && e.status <= 5 ? MOSQ_ERR.CONN_REFUSED : MOSQ_ERR.PROTOCOL);
  return new ToolError(e.text + why, e.status);
}

/**
 * tspub -l: each line of standard input published as it arrives. Waiting for a line does not
 * hide a failed connection (a silent broker, a lost one). Lines wait for their
 * acknowledgement in the buffers they were read into: `reclaim` is told how much was read
 * (heap.ts).
 */
export async function publishLines(
  publisher: Publisher,
  reclaim?: (bytes: number) => void,
  pace?: Paced,
): Promise<void> {
  let k = 0;
  const sendLine = (line: Buffer) =>
    line === LineSplitter.TOO_LONG ? publisher.refuseTooLarge() : publisher.send(line);
  await forEachLine(
    publisher,
    process.stdin,
    (line) => (pace ? whenDue(publisher, pace.schedule, k++ * pace.intervalMs, () => sendLine(line)) : sendLine(line)),
    reclaim,
  );
}

/**
 * Each line of `input` handed to `each` as it arrives (a view into the read, see
 * LineSplitter), the next one once `each` says it may follow (tspub -l, --replay). Waiting
 * for input does not hide a failed connection.
 */
export async function forEachLine(
  publisher: Publisher,
  input: NodeJS.ReadableStream,
  each: (line: Buffer) => Promise<void> | undefined,
  reclaim?: (bytes: number) => void,
): Promise<void> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const lines = new LineSplitter();
  for (;;) {
    const next = await publisher.waitFor(chunks.next());
    if (next.done) break;
    reclaim?.(next.value.length);
    lines.feed(next.value);
    for (let line = lines.next(); line !== undefined; line = lines.next()) {
      const wait = each(line);
      if (wait) await wait;
    }
  }
  const last = lines.rest();
  if (last !== undefined) await each(last);
}

/** --rate or --interval: a stream's schedule (pace.ts) and the time between its messages. */
export interface Paced {
  schedule: Schedule;
  intervalMs: number;
}

/** Sends (by calling `send`) once `offset` ms of the schedule have passed; at once if they have. */
export function whenDue(
  publisher: Publisher,
  schedule: Schedule,
  offset: number,
  send: () => Promise<void> | undefined,
): Promise<void> | undefined {
  const due = schedule.at(offset);
  return due ? publisher.waitFor(due).then(send) : send();
}

/**
 * One message, --repeat times: --repeat-delay apart (after each one's acknowledgement, as
 * mosquitto_pub 2.1 waits), or on the schedule of --rate or --interval (through the window
 * of -M: a message does not wait for the one before it).
 */
export async function publishRepeated(
  publisher: Publisher,
  cfg: ClientConfig,
  payload: Buffer,
  pace?: Paced,
): Promise<void> {
  for (let i = 0; i < cfg.repeat; i++) {
    if (pace) {
      const sent = whenDue(publisher, pace.schedule, i * pace.intervalMs, () => publisher.send(payload));
      if (sent) await sent;
      continue;
    }
    const delay = i > 0 && cfg.repeatDelay > 0 ? until(clock() + cfg.repeatDelay * 1000) : undefined;
    if (delay) await publisher.waitFor(delay);
    // mosquitto_pub sends the next once the last is written (QoS 0) or acknowledged.
    const sent = publisher.send(payload);
    if (sent) await sent;
    const acknowledged = publisher.drain();
    if (acknowledged) await acknowledged;
  }
}
