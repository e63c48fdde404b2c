// The keep-alive, as libmosquitto keeps it (mosquitto__check_keepalive): from the moment the
// connection is up, not from CONNACK; a PINGREQ when nothing was sent or heard for the
// interval, and the connection given up when the broker stays silent for another.
import { MOSQ_ERR } from '../errors.ts';

export class KeepAlive {
  private lastIn = Date.now();
  private nextOut = 0;
  private pinging = false;
  /** CONNACK accepted us: a PINGREQ may be sent. */
  private active = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Seconds; 0: none. */
    private interval: number,
    private readonly ping: () => void,
    private readonly fail: (code: number) => void,
  ) {}

  /** The connection is up (CONNECT is going out): the keep-alive starts now. */
  start(): void {
    this.lastIn = Date.now();
    this.nextOut = this.lastIn + this.interval * 1000;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The broker's own interval (MQTT v5 CONNACK: server keep-alive). */
  setInterval(seconds: number): void {
    this.interval = seconds;
  }

  accepted(): void {
    this.active = true;
    this.nextOut = Date.now() + this.interval * 1000;
    this.arm();
  }

  /** Something came from the broker. */
  heard(): void {
    this.lastIn = Date.now();
  }

  /** PINGRESP. */
  answered(): void {
    this.pinging = false;
  }

  /** Something went to the broker. */
  sent(): void {
    this.nextOut = Date.now() + this.interval * 1000;
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (!this.interval || this.stopped) return;
    const due = Math.min(this.nextOut, this.lastIn + this.interval * 1000);
    this.timer = setTimeout(() => this.check(), Math.max(0, due - Date.now()));
    this.timer.unref();
  }

  private check(): void {
    if (this.stopped) return;
    const now = Date.now();
    if (now >= this.nextOut || now - this.lastIn >= this.interval * 1000) {
      if (this.active && !this.pinging) {
        this.pinging = true;
        this.lastIn = now;
        this.ping();
        this.nextOut = now + this.interval * 1000;
      } else {
        this.stop();
        this.fail(MOSQ_ERR.KEEPALIVE);
        return;
      }
    }
    this.arm();
  }
}
