// One request and its response, for tsrr: connect, subscribe to the response topic, publish
// the request once the broker has granted that subscription, print the first message that
// answers it, and disconnect. MQTT v5 correlation data (fresh random bytes unless -D publish
// correlation-data gives them) tells another request's answer apart; an answer without any is
// taken, as by mosquitto_rr (shell-loop responders send none). A stale retained message is not.
import { randomBytes } from 'node:crypto';
import type { IPublishPacket } from 'mqtt-packet';
import { stderr, stdout, traceColours } from './cli.ts';
import { REASON_V5 } from './session/connect.ts';
import { ConnectError, Session } from './session/session.ts';
import { MOSQ_ERR, mosquittoError, ToolError } from './errors.ts';
import type { ClientConfig } from './config.ts';
import { subscriptions, TIMED_OUT_STATUS, type Formatter } from './receiving.ts';

/** MQTT v5's "Disconnect with Will Message": mosquitto_rr's DISCONNECT when -W runs out. */
const DISCONNECT_WITH_WILL = 4;

/** How much correlation data tsrr makes up for a request. */
const CORRELATION_BYTES = 16;

/** mosquitto 2.1's --latency line: seconds and nanoseconds from one second up, else ns, µs or ms. */
export function latencyLine(ns: bigint): string {
  const s = ns / 1_000_000_000n;
  const rest = ns % 1_000_000_000n;
  if (s > 0n) return `Latency: ${s}.${String(rest).padStart(9, '0')}\n`;
  const n = Number(rest);
  if (n < 1000) return `Latency: ${n}ns\n`;
  if (n < 1_000_000) return `Latency: ${(n / 1000).toFixed(6)}\u00b5s\n`;
  return `Latency: ${(n / 1_000_000).toFixed(6)}ms\n`;
}

/** The connection failures as mosquitto_rr words them: every refusal by its v5 reason string. */
function explain(err: unknown): unknown {
  if (!(err instanceof ConnectError) || !err.refused) return err;
  const rc = err.status;
  const reason = REASON_V5[rc] ?? 'Unknown reason';
  const text =
    rc === 132
      ? `Connection error: ${reason}. tsrr only supports connecting to an MQTT v5 broker\n`
      : `Connection error: ${reason}\n`;
  return new ToolError(text, rc);
}

export class Requester {
  private readonly session: Session;
  /** What the response must carry (MQTT v5). */
  private readonly correlation: Buffer | undefined;
  private sentAt: bigint | undefined;
  private latency: bigint | undefined;
  /** A response was taken, the wait ran out, or a signal came: nothing more is handled. */
  private stopping = false;
  private ended = false;
  private status = 0;
  /** stdout failed (the reader went away): nothing more is written to it. */
  private outputClosed = false;
  private deadline: NodeJS.Timeout | undefined;
  private resolve!: (status: number) => void;
  private reject!: (err: unknown) => void;
  /** -d lines, on stdout like the response. */
  private readonly trace = { write: (line: string) => this.write(line) };

  constructor(
    private readonly cfg: ClientConfig,
    private readonly payload: Buffer,
    private readonly format: Formatter,
  ) {
    if (cfg.protocolVersion === 5) {
      this.correlation =
        (cfg.properties.publish?.correlationData as Buffer | undefined) ?? randomBytes(CORRELATION_BYTES);
    }
    this.session = new Session(cfg, {
      trace: cfg.debug ? this.trace : undefined,
      tracePaint: cfg.debug ? traceColours() : undefined,
      disconnectOnRefusal: true,
      onAccepted: () => this.subscribe(),
      onMessage: (packet) => this.consider(packet),
      // mosquitto_rr ends on any loss; with the lost connection's words when TLS failed on it.
      onLost: (code, final) => {
        const why = final ? code : MOSQ_ERR.CONN_LOST;
        if (!this.stopping) this.finish(new ToolError(mosquittoError(why), why));
      },
    });
  }

  /** Resolves with the exit status once the exchange is over (TIMED_OUT_STATUS for -W). */
  run(): Promise<number> {
    const result = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // mosquitto_rr sets its alarm as it starts to connect.
    if (this.cfg.timeout !== undefined)
      this.deadline = setTimeout(() => this.stop(TIMED_OUT_STATUS, DISCONNECT_WITH_WILL), this.cfg.timeout * 1000);
    this.session.connect().catch((err: unknown) => this.finish(explain(err)));
    return result;
  }

  /** SIGINT, SIGTERM: disconnect, and leave with the status a shell gives a process the signal ended. */
  interrupt(status: number): void {
    if (this.stopping) {
      this.status = status;
      this.finish();
    } else {
      this.stop(status);
    }
  }

  /** stdout is gone (`tsrr ... | head -c 1`): write nothing more, disconnect, status as for SIGPIPE. */
  outputFailed(): void {
    this.outputClosed = true;
    this.interrupt(128 + 13);
  }

  private write(data: Buffer | string): void {
    if (!this.outputClosed && data.length > 0) stdout().write(data);
  }

  /** CONNACK accepted: subscribe before any later packet is handled, as from libmosquitto's
   * connect callback. */
  private subscribe(): void {
    if (this.stopping) return;
    const cfg = this.cfg;
    const v5 = cfg.protocolVersion === 5;
    this.session.subscribe(
      subscriptions(cfg, [cfg.responseTopic!]),
      v5 ? cfg.properties.subscribe : undefined,
      (granted) => {
        if (this.stopping) return;
        const code = granted[0] ?? 0;
        if (code < 128) {
          this.publish();
        } else {
          // Refused: mosquitto_rr says why and leaves, status 0, without sending the request.
          if (!cfg.quiet) stderr().write(`${REASON_V5[code] ?? 'Unknown reason'}\n`);
          this.stop(0);
        }
      },
    );
  }

  private publish(): void {
    const cfg = this.cfg;
    // MQTT v3 has no properties: the request names no response topic (as with mosquitto_rr).
    const properties =
      cfg.protocolVersion === 5
        ? { ...(cfg.properties.publish ?? {}), responseTopic: cfg.responseTopic!, correlationData: this.correlation! }
        : undefined;
    this.sentAt = process.hrtime.bigint();
    // The request is mosquitto_rr's, acknowledged or not: what answers it is all that counts.
    const packet: IPublishPacket = {
      cmd: 'publish',
      topic: cfg.topic!,
      payload: this.payload,
      qos: cfg.qos,
      retain: false,
      dup: false,
    };
    if (properties) packet.properties = properties;
    try {
      this.session.publish(packet);
    } catch (e) {
      this.finish(new ToolError(`Error: ${(e as Error).message}.\n`));
    }
  }

  /** Why a message on the response topic is not the response, or undefined when it is. */
  private notTheResponse(packet: IPublishPacket): string | undefined {
    const cfg = this.cfg;
    if (packet.topic !== cfg.responseTopic) return 'not on the response topic';
    // The broker sets the retain flag on what it had stored before the subscription (and, with
    // --retain-as-published, on live messages published retained).
    if (packet.retain && (cfg.noStaleRetained || !(cfg.protocolVersion === 5 && cfg.retainAsPublished)))
      return 'a stale retained message';
    if (this.sentAt === undefined) return 'the request is not sent yet';
    if (this.correlation) {
      const data = packet.properties?.correlationData;
      if (data !== undefined && !this.correlation.equals(data)) return "correlation data other than the request's";
    }
    return undefined;
  }

  /** Each message, once its acknowledgement has gone out (as mosquitto_rr prints it). */
  private consider(packet: IPublishPacket): void {
    if (this.stopping) return;
    const why = this.notTheResponse(packet);
    if (why !== undefined) {
      if (this.cfg.debug)
        this.write(`Ignored PUBLISH (m${packet.qos > 0 ? packet.messageId : 0}, '${packet.topic}'): ${why}\n`);
      return;
    }
    if (this.sentAt !== undefined) this.latency = process.hrtime.bigint() - this.sentAt;
    // Correlation data tsrr made up is not shown (%D, %j, %J): mosquitto_rr sends none.
    if (this.cfg.properties.publish?.correlationData === undefined) delete packet.properties?.correlationData;
    this.write(this.format(packet));
    this.stop(0);
  }

  /** No more messages: DISCONNECT at once (with `reason` in MQTT v5), then finish. */
  private stop(status: number, reason = 0): void {
    if (this.stopping || this.ended) return;
    this.stopping = true;
    this.status = status;
    if (!this.session.connected) {
      // Connected, CONNACK still awaited (-W ran out): libmosquitto sends its DISCONNECT all
      // the same.
      this.session.disconnectEarly(reason);
      this.finish();
      return;
    }
    // Nothing waits for acknowledgements still due.
    const properties = this.cfg.protocolVersion === 5 ? this.cfg.properties.disconnect : undefined;
    void this.session
      .disconnect(reason && this.cfg.protocolVersion === 5 ? reason : undefined, properties)
      .then(() => this.finish());
  }

  private finish(err?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.deadline);
    if (!this.stopping) this.session.close();
    if (err !== undefined) {
      this.reject(err);
      return;
    }
    if (this.cfg.latency && this.latency !== undefined && this.status === 0) this.write(latencyLine(this.latency));
    this.resolve(this.status);
  }
}
