// Publishing with nothing lost silently: a bounded window of unacknowledged messages
// (-M), every acknowledgement awaited before DISCONNECT, and a clear failure with a count
// when the broker goes away.
import mqttPacket, { type IPublishPacket, type Packet } from 'mqtt-packet';
import type { IClientPublishOptions } from 'mqtt';
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
const TOO_LARGE = () => new ToolError('Error: Message payload is too large.\n', PAYLOAD_SIZE_STATUS);

/** How many bytes MQTT's variable byte integer takes for n. */
function varIntLength(n: number): number {
  return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4;
}

/** What of MQTT.js's MqttClient a message takes on its way out (see Publisher.packet). */
interface MqttJsInternals {
  stream: NodeJS.WritableStream;
  options: { protocolVersion?: number };
  outgoing: Record<number, { volatile: boolean; cmd: 'publish'; cb: (err?: Error, packet?: Packet) => void }>;
  _nextId(): number;
  _sendPacket(packet: Packet): void;
}

export class Publisher {
  private inflight = 0;
  private sent = 0;
  private readonly window: number;
  private wake: (() => void) | undefined;
  private failure: ToolError | undefined;
  private ending = false;
  /** A topic alias has been sent with its topic. */
  private aliased = false;
  /** The topic alias of -D publish topic-alias, if any. */
  private readonly alias: number | undefined;
  private readonly publishOptions: IClientPublishOptions;
  /** The last QoS 0 message has been written (see onWritten). */
  private written = false;
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
    const props = cfg.protocolVersion === 5 ? cfg.properties.publish : undefined;
    // A v5 broker may say it keeps no retained messages: libmosquitto then clears the retain
    // flag (the broker would refuse the message otherwise), and so do we.
    const retain = cfg.retain && session.connack.properties?.retainAvailable !== false;
    this.publishOptions = { qos: cfg.qos, retain, properties: props };
    this.alias = props?.topicAlias as number | undefined;
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

  /** MQTT.js's publish options, the same for every message. */
  private options(): IClientPublishOptions {
    // MQTT.js rewrites packets that use a topic alias, so those get their own copy.
    return this.alias === undefined ? this.publishOptions : { ...this.publishOptions, properties: { ...this.publishOptions.properties } };
  }

  /**
   * What the broker's CONNACK (MQTT v5) says it will not take: a QoS above its maximum, a
   * packet above its maximum size. libmosquitto refuses to send such a message; mosquitto_pub
   * then says so and stops with its code when reading lines (-l), and otherwise exits 0,
   * with a message for the QoS and without one for the size.
   */
  private beyondLimits(topic: string, payload: Buffer): ToolError | undefined {
    // A packet's remaining length (all after its fixed header) is counted, not encoded: a
    // message of 200 MB is not copied to be measured.
    const remaining = this.remainingLength(topic, payload.length);
    if (remaining > MAX_MESSAGE_BYTES) {
      // Beyond MQTT's largest packet. mosquitto_pub traces the PUBLISH, says this, and
      // exits 0 having sent nothing; tspub traces nothing it does not send, and fails.
      return TOO_LARGE();
    }
    const limits = this.session.connack.properties;
    if (limits === undefined) return undefined;
    const lines = this.cfg.mode === 'stdin-line';
    if (limits.maximumQoS !== undefined && this.cfg.qos > limits.maximumQoS) {
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

  /** The remaining length of a PUBLISH of this topic and payload size, as mqtt-packet encodes it. */
  private remainingLength(topic: string, payloadLength: number): number {
    let base = this.emptyRemaining.get(topic);
    if (base === undefined) {
      const empty = this.encode(topic, Buffer.alloc(0));
      let header = 2; // the packet type, then the remaining length's bytes
      while (empty[header - 1]! & 0x80) header++;
      this.emptyRemaining.set(topic, base = empty.length - header);
    }
    return base + payloadLength;
  }

  /** The PUBLISH packet as MQTT.js's encoder writes it. */
  private encode(topic: string, payload: Buffer): Buffer {
    const { retain, properties } = this.publishOptions;
    const packet = { cmd: 'publish' as const, topic, payload, dup: false, qos: this.cfg.qos, retain: retain!, properties, messageId: this.cfg.qos > 0 ? 1 : undefined };
    return mqttPacket.generate(packet, { protocolVersion: this.cfg.protocolVersion });
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
    if (this.cfg.mode === 'stdin-line') await this.drain();
    else await this.finish();
    throw error;
  }

  /**
   * Publishes one message. Returns nothing when the next may follow at once (the message is
   * written, or in the window of unacknowledged ones), else a promise of when it may: a
   * stream of lines costs no promise a line. Messages sent in one event-loop turn leave
   * in one write (batch-writes.ts).
   */
  send(payload: Buffer): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
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
    if (this.alias !== undefined && !this.aliased) {
      const aliases = this.session.connack.properties?.topicAliasMaximum ?? 0;
      if (this.alias > aliases) {
        // MQTT.js will not send it (and, at QoS 1 and 2, would never call back); mosquitto_pub
        // sends it, and the broker hangs up on it (DISCONNECT 148), status 4.
        return this.finish().then(() => {
          throw new ToolError(`Error: Topic alias ${this.alias} is above the broker's maximum of ${aliases}; nothing was sent.\n`, 4);
        });
      }
    }
    const refused = this.beyondLimits(named, payload);
    if (refused) return this.refuse(refused);
    if (this.alias !== undefined) this.aliased = true;
    if (this.cfg.qos === 0) {
      this.written = false;
      const client = this.session.client;
      if (!client.connected || client.stream.destroyed) {
        // Gone before its 'close' came round: what was written before is all that was sent.
        this.lost();
        return Promise.reject(this.failure ?? new ToolError(mosquittoError(MOSQ_ERR.CONN_LOST), MOSQ_ERR.CONN_LOST));
      }
      if (this.alias === undefined) this.writeQos0(named, payload);
      else client.publish(named, payload, this.options(), this.onWritten);
      // Written (MQTT.js calls back at once), or waiting for the socket to drain.
      return this.written ? undefined : this.sleep();
    }
    if (this.inflight >= this.window) return this.whenRoom(payload);
    this.inflight++;
    this.sent++;
    if (this.alias === undefined) this.sendTracked(named, payload);
    else this.session.client.publish(named, payload, this.options(), this.onAcknowledged);
    return undefined;
  }

  /**
   * MQTT.js's publish() costs more than all the rest of a line's way (option merging,
   * closures, a queue check for replays this client never does): half of tspub -l's CPU.
   * The PUBLISH it would build is built here and goes the way it would go: at QoS 0 straight
   * to mqtt-packet's encoder as MQTT.js's _writePacket hands it ('packetsend', then
   * writeToStream; MQTT.js keeps no state for it); at QoS 1 and 2 into MQTT.js's table of
   * messages awaiting acknowledgement and its _sendPacket (store, then write), so that its
   * handling of PUBACK, PUBREC, PUBREL and PUBCOMP is unchanged. A topic alias (MQTT.js keeps
   * the alias table) still goes through publish().
   */
  private packet(topic: string, payload: Buffer, messageId: number): IPublishPacket {
    const packet: IPublishPacket = { cmd: 'publish', topic, payload, qos: this.cfg.qos, retain: this.publishOptions.retain!, dup: false, messageId };
    if (this.cfg.protocolVersion === 5) packet.properties = this.publishOptions.properties;
    return packet;
  }

  private sendTracked(topic: string, payload: Buffer): void {
    const client = this.session.client as unknown as MqttJsInternals;
    const packet = this.packet(topic, payload, client._nextId());
    client.outgoing[packet.messageId!] = { volatile: false, cmd: 'publish', cb: this.onAcknowledged };
    client._sendPacket(packet);
  }

  private writeQos0(topic: string, payload: Buffer): void {
    const client = this.session.client as unknown as MqttJsInternals;
    const packet = this.packet(topic, payload, 0);
    this.session.client.emit('packetsend', packet);
    if (mqttPacket.writeToStream(packet, client.stream, client.options)) this.onWritten();
    else client.stream.once('drain', () => this.onWritten());
  }

  /** The window is full: sends once an acknowledgement has made room. */
  private async whenRoom(payload: Buffer): Promise<void> {
    while (this.inflight >= this.window) {
      await this.sleep();
      if (this.failure) throw this.failure;
    }
    await this.send(payload);
  }

  /** Until the next wake-up (an acknowledgement, a drained socket, a failure). */
  private sleep(): Promise<void> {
    return new Promise<void>((resolve) => { this.wake = resolve; });
  }

  /** A QoS 0 message is in the socket's hands (MQTT.js's callback). */
  private readonly onWritten = (err?: Error): void => {
    const client = this.session.client;
    if (err) {
      // MQTT.js refusing the packet while connected is no lost connection.
      if (client.connected && !this.failure) this.failure = new ToolError(`Error: ${err.message}.\n`);
      else this.lost();
    } else {
      this.sent++;
    }
    this.written = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  };

  /** The broker acknowledged a QoS 1 or 2 message (MQTT.js's callback). */
  private readonly onAcknowledged = (err?: Error, ack?: Packet): void => {
    if (err) {
      const rc = (err as Error & { code?: unknown }).code;
      // An MQTT v5 broker's refusal in PUBACK, PUBREC or PUBCOMP: mosquitto_pub warns
      // and goes on (status 0). A code below 128 is no refusal, whatever MQTT.js says.
      if (typeof rc !== 'number' || ack === undefined) { this.lost(); return; }
      if (rc >= 0x80 && !this.cfg.quiet) {
        // mosquitto_pub prints the broker's reason string, if any, on the next line.
        const why = (ack as { properties?: { reasonString?: string } }).properties?.reasonString;
        const sent = (ack as { reasonSent?: number }).reasonSent ?? rc;
        stderr().write(`Warning: Publish ${(ack as { messageId?: number }).messageId} failed: ${REASON_V5[sent] ?? 'Unknown reason'}.\n${why !== undefined ? `${why}\n` : ''}`);
      }
    }
    this.inflight--;
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
        (v) => { this.interrupt = undefined; resolve(v); },
        (e) => { this.interrupt = undefined; reject(e); },
      );
    });
  }

  /** Waits until every message sent so far is acknowledged (nothing to wait for: no promise). */
  drain(): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    return this.inflight > 0 ? this.acknowledged() : undefined;
  }

  private async acknowledged(): Promise<void> {
    while (this.inflight > 0) {
      if (this.failure) throw this.failure;
      await this.sleep();
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
