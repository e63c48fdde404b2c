// The MQTT session of one run, over as many connections as it takes: everything that decides
// whether a message is lost lives here. Message ids; our QoS 1 and 2 messages until the
// broker has acknowledged them, and the window that bounds how many are in flight; the QoS 2
// messages we received and await PUBREL for; what is sent again when a connection is made
// anew. mqtt-packet is the codec (link.ts); the tools decide when to connect again.
//
// On a new connection, every message of ours still in flight is sent again first, in the
// order first sent: a PUBLISH again with DUP set, or -- for a QoS 2 message the broker had
// acknowledged with PUBREC -- PUBREL when the broker kept the session, and the PUBLISH again
// when it did not (the new session knows nothing of it). A QoS 2 message we received is
// handed to the tool once, when its PUBREL comes, whichever connection that comes on; when
// the broker kept no session, no PUBREL will come, and what we hold is handed over then.
import type { IConnackPacket, IPublishPacket, ISubscription, Packet } from 'mqtt-packet';
import type { Paint } from '../colour.ts';
import { MOSQ_ERR, mosquittoError, ToolError } from '../errors.ts';
import type { ClientConfig } from '../config.ts';
import { Tracer, type TraceSink } from '../trace.ts';
import { ConnectError, lostError } from '../transport/errors.ts';
import { needsPreparing, prepareTransport, type Prepared } from '../transport/index.ts';
import { connectPacket, preflight, refusal, SequentialIds, v3Properties } from './connect.ts';
import { Link, type LinkEnd } from './link.ts';
import { fatal } from './receive.ts';

export { ConnectError, SequentialIds };

/** The broker broke the protocol, or stopped answering: libmosquitto's code and words. */
export class ProtocolError extends ConnectError {
  constructor(readonly code: number) {
    // Errors other than a protocol error are ones mosquitto_sub reconnects after.
    super(mosquittoError(code), code, false, !fatal(code));
  }
}

/** How an acknowledged message ended: the broker's final acknowledgement (PUBACK, PUBCOMP, or
 * a refusing PUBREC). */
export type Acknowledged = (ack: Packet & { reasonCode?: number }) => void;

/** One of our QoS 1 or 2 messages, until its last acknowledgement. */
interface InFlight {
  packet: IPublishPacket;
  /** The topic, for a packet sent by topic alias alone (sent in full on a new connection). */
  topic: string;
  /** 'publish': PUBACK or PUBREC awaited; 'pubrel': PUBREC came, PUBCOMP awaited. */
  state: 'publish' | 'pubrel';
  /** Written to some connection already (a resend then carries DUP). */
  sent: boolean;
  done: Acknowledged;
}

/** A SUBSCRIBE or UNSUBSCRIBE awaiting its acknowledgement. */
interface Request {
  cmd: 'subscribe' | 'unsubscribe';
  done: (codes: number[]) => void;
}

export interface SessionOptions {
  /** Where -d lines go (stdout). */
  trace?: TraceSink;
  /** The -d lines' colours when stdout is a terminal (colour.ts); none: mosquitto's bytes. */
  tracePaint?: Paint;
  /** Trace a DISCONNECT after a refused CONNACK, as mosquitto_sub does (it never goes out). */
  disconnectOnRefusal?: boolean;
  /** The TCP (or unix) connection is made, to the broker or to the proxy. */
  onConnected?: () => void;
  /** CONNACK accepted us; called before any later packet is handled (subscribe here). */
  onAccepted?: (connack: IConnackPacket) => void;
  /** A message for the tool, its acknowledgement (QoS 1: PUBACK, QoS 2: PUBCOMP) sent. */
  onMessage?: (packet: IPublishPacket) => void;
  /** The broker said DISCONNECT (MQTT v5); the connection ends after this. */
  onDisconnect?: (packet: Packet) => void;
  /**
   * The connection CONNACK had accepted is gone, with libmosquitto's error code; `final`: one
   * after which mosquitto's clients give up rather than reconnect (TLS failed on it).
   */
  onLost?: (code: number, final: boolean) => void;
}

export class Session {
  readonly ids = new SequentialIds();
  /** The id the broker knows us by ('' until it tells us, for an assigned one). */
  clientId = '';
  /** The CONNACK of the current (or last) connection. */
  connack: IConnackPacket | undefined;
  private link: Link | undefined;
  private accepted = false;
  private cfg: ClientConfig;
  private checked = false;
  /** close() was called: no connection is made any more. */
  private closing = false;
  /** How many connections CONNACK has accepted. */
  private connections = 0;
  private readonly inflight = new Map<number, InFlight>();
  private readonly requests = new Map<number, Request>();
  /** QoS 2 messages received, awaiting PUBREL, by message id. */
  private readonly incoming = new Map<number, IPublishPacket>();
  /** QoS 0 messages written to the current connection (what a lost one may have lost). */
  private qos0Written = 0;
  /** The reason code of the broker's DISCONNECT on the current connection (MQTT v5), if any. */
  disconnectReason: number | undefined;

  constructor(
    cfg: ClientConfig,
    private readonly options: SessionOptions = {},
  ) {
    this.cfg = cfg;
  }

  /** Connected, and CONNACK accepted us. */
  get connected(): boolean {
    return this.accepted && this.link !== undefined && !this.link.closedAlready;
  }

  /** How many of our QoS 1 and 2 messages await acknowledgement. */
  get unacknowledged(): number {
    return this.inflight.size;
  }

  /** QoS 0 messages written to the connection that was lost last. */
  get qos0OnLostConnection(): number {
    return this.qos0Written;
  }

  /** The most QoS 1 and 2 messages in flight at once: -M, and the broker's receive maximum. */
  get window(): number {
    return Math.min(this.cfg.maxInflight, this.connack?.properties?.receiveMaximum ?? 65535, 65535);
  }

  /**
   * Connects (again) and waits for CONNACK. Rejects with a ConnectError carrying mosquitto's
   * message and exit status when the socket fails or the broker refuses.
   */
  async connect(): Promise<IConnackPacket> {
    if (!this.checked) {
      const checked = await preflight(this.cfg);
      this.cfg = checked.cfg;
      this.clientId = checked.clientId;
      this.checked = true;
    }
    const cfg = this.cfg;
    let prepared: Prepared = {};
    if (needsPreparing(cfg)) {
      // TLS and WebSocket are loaded now; a SOCKS tunnel comes first: CONNECT goes out once
      // the proxy has made it.
      try {
        prepared = await prepareTransport(cfg, this.options.onConnected);
      } catch (e) {
        if (e instanceof ConnectError && this.options.trace)
          for (const line of e.traceLines) this.options.trace.write(`${line}\n`);
        throw e;
      }
    }
    if (this.closing) throw new ToolError('');
    return new Promise<IConnackPacket>((resolve, reject) => {
      const clientId = this.clientId;
      const tracer = this.options.trace
        ? new Tracer(this.options.trace, this.ids, clientId, this.options.tracePaint)
        : undefined;
      let settled = false;
      /** Why this attempt is given up, once its connection has closed. */
      let givenUp: unknown;
      const settle = (err: unknown, connack?: IConnackPacket) => {
        if (settled) return;
        settled = true;
        if (err === undefined) resolve(connack!);
        else reject(err);
      };
      this.accepted = false;
      const link: Link = new Link(
        cfg,
        prepared,
        tracer,
        {
          connected: this.options.onConnected,
          outgoingQos: (mid) => this.inflight.get(mid)?.packet.qos,
          packet: (p) => {
            if (this.accepted) this.received(link, p);
            else
              this.connackReceived(link, tracer, p, settle, (err) => {
                givenUp = err;
              });
          },
          closed: (end) => {
            if (!settled) {
              settle(
                givenUp ?? (end.code !== undefined ? new ProtocolError(end.code) : (end.transport ?? lostError())),
              );
            } else if (this.link === link && this.accepted) {
              this.accepted = false;
              this.options.onLost?.(lostCode(end), end.transport?.final ?? false);
            }
          },
        },
        clientId !== '',
      );
      this.link = link;
      this.qos0Written = 0;
      this.disconnectReason = undefined;
      try {
        link.send(connectPacket(cfg, clientId));
      } catch (e) {
        link.destroy();
        settle(new ToolError(`Error: ${(e as Error).message}.\n`));
      }
    });
  }

  private connackReceived(
    link: Link,
    tracer: Tracer | undefined,
    p: Packet,
    settle: (err: unknown, connack?: IConnackPacket) => void,
    giveUp: (err: unknown) => void,
  ): void {
    if (p.cmd !== 'connack') return;
    const rc = p.reasonCode ?? p.returnCode ?? 0;
    if (rc !== 0) {
      // mosquitto_sub answers a refusal with DISCONNECT from its callback, and libmosquitto
      // traces it; but the connection is closed before it goes out.
      if (this.options.disconnectOnRefusal) tracer?.sent({ cmd: 'disconnect' });
      settle(refusal(this.cfg, rc));
      link.destroy();
      return;
    }
    const v5only = v3Properties(this.cfg);
    if (v5only !== undefined) {
      // Where libmosquitto gives up on the packet: connected, and before anything is sent.
      giveUp(new ToolError(v5only));
      link.send({ cmd: 'disconnect' });
      void link.close();
      return;
    }
    this.accepted = true;
    this.connack = p;
    this.connections++;
    const assigned = p.properties?.assignedClientIdentifier;
    if (assigned) this.clientId = assigned;
    if (this.connections > 1) this.resend(link, p.sessionPresent);
    this.options.onAccepted?.(p);
    settle(undefined, p);
  }

  /**
   * A new connection's first duty: what was in flight goes again (see the top of this file),
   * and QoS 2 messages received on a session the broker did not keep are handed over.
   */
  private resend(link: Link, kept: boolean): void {
    if (!kept && this.incoming.size > 0) {
      const held = [...this.incoming.values()];
      this.incoming.clear();
      for (const m of held) this.options.onMessage?.(m);
    }
    // Subscriptions waiting for an answer on the old connection will not get one.
    this.requests.clear();
    for (const [mid, m] of this.inflight) {
      if (m.state === 'pubrel' && kept) {
        link.send({ cmd: 'pubrel', qos: 2, messageId: mid } as Packet);
        continue;
      }
      m.state = 'publish';
      const again: IPublishPacket = { ...m.packet, topic: m.topic, dup: m.sent };
      m.packet = again;
      m.sent = true;
      link.send(again);
    }
  }

  /** A packet on an accepted connection. */
  private received(link: Link, p: Packet): void {
    if (link !== this.link) return;
    switch (p.cmd) {
      case 'publish': {
        // libmosquitto 2.0.11 ignores a topic alias next to a topic (one alone is refused).
        if (p.properties?.topicAlias !== undefined) delete p.properties.topicAlias;
        if (p.qos === 0) {
          this.options.onMessage?.(p);
        } else if (p.qos === 1) {
          link.send({ cmd: 'puback', messageId: p.messageId!, reasonCode: 0 } as Packet);
          this.options.onMessage?.(p);
        } else {
          // A PUBLISH again (DUP) for an id we hold is the same message: kept once.
          if (!this.incoming.has(p.messageId!)) this.incoming.set(p.messageId!, p);
          link.send({ cmd: 'pubrec', messageId: p.messageId! } as Packet);
        }
        return;
      }
      case 'pubrel': {
        const mid = p.messageId!;
        link.send({ cmd: 'pubcomp', messageId: mid } as Packet);
        const message = this.incoming.get(mid);
        if (message) {
          this.incoming.delete(mid);
          this.options.onMessage?.(message);
        }
        return;
      }
      case 'puback':
      case 'pubrec':
      case 'pubcomp':
        return this.acknowledged(link, p);
      case 'suback':
      case 'unsuback': {
        const request = this.requests.get(p.messageId!);
        if (request === undefined) {
          // An acknowledgement of a request for a message id a PUBLISH of ours holds.
          if (this.inflight.has(p.messageId!)) link.fail(MOSQ_ERR.PROTOCOL);
          return;
        }
        if ((request.cmd === 'subscribe') !== (p.cmd === 'suback')) {
          // An acknowledgement that answers another kind of request: the broker is confused.
          link.fail(MOSQ_ERR.PROTOCOL);
          return;
        }
        this.requests.delete(p.messageId!);
        request.done(
          p.cmd === 'suback' ? (p.granted as number[]) : ((p as { reasonCode?: number[] }).reasonCode ?? []),
        );
        return;
      }
      case 'disconnect':
        this.disconnectReason = p.reasonCode ?? 0;
        this.options.onDisconnect?.(p);
        return;
      default:
        return;
    }
  }

  private acknowledged(link: Link, p: Packet & { messageId?: number; reasonCode?: number }): void {
    const mid = p.messageId!;
    const m = this.inflight.get(mid);
    if (m === undefined) {
      // Not for a message of ours: a SUBSCRIBE's id answered as a PUBLISH is a protocol
      // error; anything else is ignored.
      if (this.requests.has(mid)) link.fail(MOSQ_ERR.PROTOCOL);
      return;
    }
    // Below 128 a success (libmosquitto's rule), whatever the code.
    const refused = (p.reasonCode ?? 0) >= 0x80;
    if (p.cmd === 'pubrec' && !refused) {
      m.state = 'pubrel';
      link.send({ cmd: 'pubrel', qos: 2, messageId: mid } as Packet);
      return;
    }
    this.inflight.delete(mid);
    m.done(p);
  }

  /**
   * Publishes one message. QoS 0: written (false when the stream wants a 'drain' first).
   * QoS 1 and 2: in flight until acknowledged, `done` then (the caller keeps to the window).
   * Throws mqtt-packet's error for a message it cannot encode.
   */
  publish(packet: IPublishPacket, done?: Acknowledged): boolean {
    const link = this.link!;
    if (packet.qos === 0) {
      const ok = link.send(packet);
      if (!link.closedAlready) this.qos0Written++;
      return ok;
    }
    const mid = this.ids.allocate();
    packet.messageId = mid;
    const m: InFlight = { packet, topic: packet.topic, state: 'publish', sent: false, done: done ?? (() => {}) };
    this.inflight.set(mid, m);
    try {
      m.sent = true;
      return link.send(packet);
    } catch (e) {
      this.inflight.delete(mid);
      throw e;
    }
  }

  /** The topic a message published by alias stands for, to be named in full on a new connection. */
  setTopicOf(mid: number, topic: string): void {
    const m = this.inflight.get(mid);
    if (m) m.topic = topic;
  }

  /** One SUBSCRIBE for all these; `done` gets the return codes as the broker sent them. */
  subscribe(
    subscriptions: ISubscription[],
    properties: Record<string, unknown> | undefined,
    done: (codes: number[]) => void,
  ): number {
    const mid = this.ids.allocate();
    this.requests.set(mid, { cmd: 'subscribe', done });
    this.trySend(
      { cmd: 'subscribe', messageId: mid, subscriptions, ...(properties ? { properties } : {}) } as Packet,
      mid,
    );
    return mid;
  }

  unsubscribe(topic: string, properties: Record<string, unknown> | undefined, done: () => void): number {
    const mid = this.ids.allocate();
    this.requests.set(mid, { cmd: 'unsubscribe', done });
    this.trySend(
      { cmd: 'unsubscribe', messageId: mid, unsubscriptions: [topic], ...(properties ? { properties } : {}) } as Packet,
      mid,
    );
    return mid;
  }

  /** A request mqtt-packet cannot encode is not sent, and not waited for. */
  private trySend(packet: Packet, mid: number): void {
    try {
      this.link!.send(packet);
    } catch {
      this.requests.delete(mid);
    }
  }

  whenDrained(then: () => void): void {
    this.link?.whenDrained(then);
  }

  /** Stops reading from the broker (stdout is backed up), or starts again. */
  pause(): void {
    this.link?.pause();
  }

  resume(): void {
    this.link?.resume();
  }

  /**
   * DISCONNECT now (with a reason code and properties in MQTT v5), whatever is still in
   * flight; resolves once the connection is closed.
   */
  disconnect(reasonCode?: number, properties?: Record<string, unknown>): Promise<void> {
    const link = this.link;
    if (!link || link.closedAlready) return Promise.resolve();
    this.accepted = false;
    const packet = {
      cmd: 'disconnect',
      ...(reasonCode ? { reasonCode } : {}),
      ...(properties ? { properties } : {}),
    } as Packet;
    try {
      link.send(packet);
    } catch {
      // A DISCONNECT mqtt-packet cannot encode: the connection is closed without one.
    }
    return link.close();
  }

  /**
   * DISCONNECT before CONNACK came (mosquitto_rr's -W alarm): libmosquitto sends it once
   * connected; nothing when the connection is not made yet.
   */
  disconnectEarly(reasonCode?: number): void {
    const link = this.link;
    if (!link || link.closedAlready) return;
    if (link.isUp) {
      try {
        link.send({
          cmd: 'disconnect',
          ...(reasonCode && this.cfg.protocolVersion === 5 ? { reasonCode } : {}),
        } as Packet);
      } catch {
        // nothing more to do: the connection goes below
      }
      link.writeGathered();
    }
    link.destroy();
  }

  /** Closes the connection at once; no other is made. */
  close(): void {
    this.closing = true;
    this.accepted = false;
    this.link?.destroy();
  }
}

/** libmosquitto's code for how an accepted connection ended. */
function lostCode(end: LinkEnd): number {
  return end.code ?? (end.transport?.final ? end.transport.status : MOSQ_ERR.CONN_LOST);
}
