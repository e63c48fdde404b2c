// Publishing with nothing lost silently: a bounded window of unacknowledged messages
// (-M), every acknowledgement awaited before DISCONNECT, and a clear failure with a count
// when the broker goes away.
import mqttPacket from 'mqtt-packet';
import { MOSQ_ERR, mosquittoError, ToolError } from './errors.ts';
import { REASON_V5, failureOf, type Session } from './connection.ts';
import { stderr } from './cli.ts';
import { MAX_MESSAGE_BYTES } from './input.ts';
import type { ClientConfig } from './options.ts';

/** libmosquitto's MOSQ_ERR_QOS_NOT_SUPPORTED and MOSQ_ERR_OVERSIZE_PACKET. */
const QOS_NOT_SUPPORTED_STATUS = 24;
const OVERSIZE_PACKET_STATUS = 25;
/** libmosquitto's MOSQ_ERR_PAYLOAD_SIZE. */
const PAYLOAD_SIZE_STATUS = 9;

export class Publisher {
  private inflight = 0;
  private sent = 0;
  private readonly window: number;
  private wake: (() => void) | undefined;
  private failure: ToolError | undefined;
  private ending = false;
  /** A topic alias has been sent with its topic. */
  private aliased = false;
  /** Ends the wait for something else (see waitFor) when the connection fails. */
  private interrupt: ((e: ToolError) => void) | undefined;

  constructor(
    private readonly session: Session,
    private readonly cfg: ClientConfig,
  ) {
    // Message ids are 16 bits: never more in flight than there are ids.
    // An MQTT v5 broker may allow fewer messages in flight (receive-maximum in CONNACK):
    // no more than that are sent unacknowledged, as by libmosquitto.
    this.window = Math.min(cfg.maxInflight, session.connack.properties?.receiveMaximum ?? 65535, 65535);
    session.client.on('close', () => this.lost());
    session.client.on('error', () => this.lost());
  }

  private lost(): void {
    if (this.ending || this.failure) return;
    // The broker broke the protocol, stopped answering, or said DISCONNECT (libmosquitto's
    // code and words), or else the connection was lost.
    const code = failureOf(this.session.client) ?? MOSQ_ERR.CONN_LOST;
    // Our own line: what the broker never acknowledged (or, at QoS 0, what was sent).
    const unacked = this.cfg.qos > 0
      ? (code === MOSQ_ERR.CONN_LOST || this.inflight > 0 ? `Error: ${this.inflight} message${this.inflight === 1 ? ' was' : 's were'} not acknowledged by the broker.\n` : '')
      : (code === MOSQ_ERR.CONN_LOST || code === MOSQ_ERR.KEEPALIVE ? `Error: ${this.sent} message${this.sent === 1 ? ' was' : 's were'} sent at QoS 0 (unacknowledged by design) before the loss.\n` : '');
    this.failure = new ToolError(mosquittoError(code) + unacked, code);
    this.interrupt?.(this.failure);
    this.wake?.();
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
      const w = this.wake;
      this.wake = undefined;
      w?.();
    });
  }

  private options() {
    const props = this.cfg.protocolVersion === 5 ? this.cfg.properties.publish : undefined;
    // A v5 broker may say it keeps no retained messages: libmosquitto then clears the retain
    // flag (the broker would refuse the message otherwise), and so do we.
    const retain = this.cfg.retain && this.session.connack.properties?.retainAvailable !== false;
    // MQTT.js rewrites packets that use a topic alias, so those get their own copy.
    return { qos: this.cfg.qos, retain, properties: props && 'topicAlias' in props ? { ...props } : props };
  }

  /**
   * What the broker's CONNACK (MQTT v5) says it will not take: a QoS above its maximum, a
   * packet above its maximum size. libmosquitto refuses to send such a message; mosquitto_pub
   * then says so and stops with its code when reading lines (-l), and otherwise exits 0,
   * with a message for the QoS and without one for the size.
   */
  private beyondLimits(topic: string, payload: Buffer): ToolError | undefined {
    if (payload.length > MAX_MESSAGE_BYTES - 70000) {
      // Near MQTT's largest packet (a remaining length of 268435455): whether the headers fit
      // too, as MQTT.js's encoder counts. mosquitto_pub traces the PUBLISH, says this, and
      // exits 0 having sent nothing; tspub traces nothing it does not send, and fails.
      try {
        this.encode(topic, payload);
      } catch {
        return new ToolError('Error: Message payload is too large.\n', PAYLOAD_SIZE_STATUS);
      }
    }
    const limits = this.session.connack.properties;
    if (limits === undefined) return undefined;
    const lines = this.cfg.mode === 'stdin-line';
    if (limits.maximumQoS !== undefined && this.cfg.qos > limits.maximumQoS) {
      return lines
        ? new ToolError('Error: Requested QoS not supported on server.\n', QOS_NOT_SUPPORTED_STATUS)
        : new ToolError('Error: Message QoS not supported on broker, try a lower QoS.\n', QOS_NOT_SUPPORTED_STATUS);
    }
    if (limits.maximumPacketSize !== undefined) {
      // libmosquitto leaves the first byte (the packet type) out of the count, and so does
      // the mosquitto broker: a packet one byte over passes both, and here too.
      if (this.encode(topic, payload).length - 1 > limits.maximumPacketSize) {
        return new ToolError('Error: Packet larger than supported by the server.\n', OVERSIZE_PACKET_STATUS);
      }
    }
    return undefined;
  }

  /** The PUBLISH packet as MQTT.js's encoder writes it (it throws when no packet can hold it). */
  private encode(topic: string, payload: Buffer): Buffer {
    const packet = { cmd: 'publish' as const, topic, payload, dup: false, ...this.options(), messageId: this.cfg.qos > 0 ? 1 : undefined };
    return mqttPacket.generate(packet, { protocolVersion: this.cfg.protocolVersion });
  }

  /**
   * Gives up before sending: after the acknowledgements of what was sent, and (but for -l,
   * where mosquitto_pub stops short) with DISCONNECT.
   */
  private async refuse(error: ToolError): Promise<never> {
    if (this.cfg.mode === 'stdin-line') await this.drain();
    else await this.finish();
    throw error;
  }

  /** Publishes one message; resolves when the window has room for the next. */
  async send(payload: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    const topic = this.cfg.topic!;
    if (topic === '') {
      // mosquitto_pub -l stops at the first line with libmosquitto's MOSQ_ERR_INVAL; without
      // -l it says this, disconnects and exits 0 having sent nothing: we fail instead.
      return this.refuse(this.cfg.mode === 'stdin-line'
        ? new ToolError(mosquittoError(MOSQ_ERR.INVAL), MOSQ_ERR.INVAL)
        : new ToolError("Error: Invalid input. Does your topic contain '+' or '#'?\n"));
    }
    // With a topic alias (-D publish topic-alias N), mosquitto_pub names the topic in its
    // first message only; the rest carry the alias alone (traced as '(null)').
    const named = this.aliased ? '' : topic;
    const alias = this.cfg.protocolVersion === 5 ? (this.cfg.properties.publish?.topicAlias as number | undefined) : undefined;
    const aliases = this.session.connack.properties?.topicAliasMaximum ?? 0;
    if (!this.aliased && alias !== undefined && alias > aliases) {
      // MQTT.js will not send it (and, at QoS 1 and 2, would never call back); mosquitto_pub
      // sends it, and the broker hangs up on it (DISCONNECT 148), status 4.
      await this.finish();
      throw new ToolError(`Error: Topic alias ${alias} is above the broker's maximum of ${aliases}; nothing was sent.\n`, 4);
    }
    const refused = this.beyondLimits(named, payload);
    if (refused) return this.refuse(refused);
    if (alias !== undefined) this.aliased = true;
    const client = this.session.client;
    if (this.cfg.qos === 0) {
      await new Promise<void>((resolve, reject) => {
        client.publish(named, payload, this.options(), (err) => {
          if (!err) { this.sent++; resolve(); return; }
          // MQTT.js refusing the packet while connected is no lost connection.
          if (client.connected && !this.failure) this.failure = new ToolError(`Error: ${err.message}.\n`);
          else this.lost();
          reject(this.failure);
        });
      });
      return;
    }
    while (this.inflight >= this.window) {
      await new Promise<void>((resolve) => { this.wake = resolve; });
      if (this.failure) throw this.failure;
    }
    this.inflight++;
    this.sent++;
    client.publish(named, payload, this.options(), (err, ack) => {
      if (err) {
        const rc = (err as Error & { code?: unknown }).code;
        // An MQTT v5 broker's refusal in PUBACK, PUBREC or PUBCOMP: mosquitto_pub warns
        // and goes on (status 0). A code below 128 is no refusal, whatever MQTT.js says.
        if (typeof rc !== 'number' || ack === undefined) { this.lost(); return; }
        if (rc >= 0x80 && !this.cfg.quiet) {
          // mosquitto_pub prints the broker's reason string, if any, on the next line.
          const why = (ack as { properties?: { reasonString?: string } }).properties?.reasonString;
          const sent = (ack as { reasonSent?: number }).reasonSent ?? rc;
          stderr().write(`Warning: Publish ${ack.messageId} failed: ${REASON_V5[sent] ?? 'Unknown reason'}.\n${why !== undefined ? `${why}\n` : ''}`);
        }
      }
      this.inflight--;
      this.wakeSoon();
    });
  }

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
        (v) => { this.interrupt = undefined; resolve(v); },
        (e) => { this.interrupt = undefined; reject(e); },
      );
    });
  }

  /** Waits until every message sent so far is acknowledged. */
  async drain(): Promise<void> {
    while (this.inflight > 0) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => { this.wake = resolve; });
    }
    if (this.failure) throw this.failure;
  }

  /** Waits for every acknowledgement, then sends DISCONNECT and closes. */
  async finish(): Promise<void> {
    await this.drain();
    this.ending = true;
    const props = this.cfg.protocolVersion === 5 ? this.cfg.properties.disconnect : undefined;
    await new Promise<void>((resolve) => {
      this.session.client.end(false, props ? { properties: props } : {}, () => resolve());
    });
  }
}
