// What libmosquitto checks in every packet from the broker, and its keep-alive. The guard
// sits on the stream before MQTT.js's parser: it frames the raw bytes into packets, checks
// each one as libmosquitto's handlers do (mqtt-packet is more lenient in places, and
// stricter in others), and passes on only what libmosquitto would have accepted. A violation
// ends the connection with libmosquitto's error code, once the packets before it have been
// handled (and traced). It never writes to the broker; the keep-alive asks the client to.
import type { Packet } from 'mqtt-packet';
import { MOSQ_ERR } from './errors.ts';

/** The errors after which mosquitto_loop_forever() gives up rather than reconnecting. */
export const fatal = (code: number) => code === MOSQ_ERR.PROTOCOL;

/** A -d line to print: a packet as the tracer words it, or a line of its own. */
export type TraceItem = Packet | string;

export interface GuardHooks {
  /** A line for the -d trace, in order with the packets passed on before it. */
  trace(item: TraceItem): void;
  /** The connection must end with this libmosquitto error code. */
  fail(code: number): void;
  /** Send PINGREQ (the keep-alive is due) or PINGRESP (the broker sent PINGREQ). */
  send(packet: Packet): void;
}

/** Property types, as libmosquitto reads them: byte, two bytes, four, varint, string, binary, pair. */
const PROP_TYPE: Record<number, 'b' | 'h' | 'w' | 'v' | 's' | 'd' | 'p'> = {
  0x01: 'b', 0x02: 'w', 0x03: 's', 0x08: 's', 0x09: 'd', 0x0b: 'v', 0x11: 'w', 0x12: 's', 0x13: 'h',
  0x15: 's', 0x16: 'd', 0x17: 'b', 0x18: 'w', 0x19: 'b', 0x1a: 's', 0x1c: 's', 0x1f: 's', 0x21: 'h',
  0x22: 'h', 0x23: 'h', 0x24: 'b', 0x25: 'b', 0x26: 'p', 0x27: 'w', 0x28: 'b', 0x29: 'b', 0x2a: 'b',
};
const CONNECT = 0x10, CONNACK = 0x20, PUBLISH = 0x30, PUBACK = 0x40, PUBREC = 0x50, PUBREL = 0x60, PUBCOMP = 0x70;
const SUBSCRIBE = 0x80, SUBACK = 0x90, UNSUBSCRIBE = 0xa0, UNSUBACK = 0xb0, PINGREQ = 0xc0, PINGRESP = 0xd0;
const DISCONNECT = 0xe0, AUTH = 0xf0, WILL = 0x100;

/** mosquitto_property_check_command(): which packets may carry which property. */
function allowed(command: number, id: number): boolean {
  switch (id) {
    case 0x01: case 0x02: case 0x03: case 0x08: case 0x09: return command === PUBLISH || command === WILL;
    case 0x0b: return command === PUBLISH || command === SUBSCRIBE;
    case 0x11: return command === CONNECT || command === CONNACK || command === DISCONNECT;
    case 0x15: case 0x16: return command === CONNECT || command === CONNACK || command === AUTH;
    case 0x12: case 0x13: case 0x1a: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2a: return command === CONNACK;
    case 0x18: return command === WILL;
    case 0x17: case 0x19: return command === CONNECT;
    case 0x1c: return command === CONNACK || command === DISCONNECT;
    case 0x1f: return command !== CONNECT && command !== PUBLISH && command !== SUBSCRIBE && command !== UNSUBSCRIBE;
    case 0x21: case 0x22: case 0x27: return command === CONNECT || command === CONNACK;
    case 0x23: return command === PUBLISH;
    case 0x26: return true;
    default: return false;
  }
}

/** mosquitto_validate_utf8(): well-formed UTF-8 without NUL, control characters or non-characters. */
export function validUtf8(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    let len: number;
    let cp: number;
    if (c === 0) return false;
    if (c <= 0x7f) { len = 1; cp = c; }
    else if ((c & 0xe0) === 0xc0) { if (c < 0xc2) return false; len = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) === 0xe0) { len = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) === 0xf0) { if (c > 0xf4) return false; len = 4; cp = c & 0x07; }
    else return false;
    if (i + len > end) return false;
    for (let j = 1; j < len; j++) {
      const n = b[++i]!;
      if ((n & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (n & 0x3f);
    }
    if (cp >= 0xd800 && cp <= 0xdfff) return false;
    if ((len === 3 && cp < 0x800) || (len === 4 && (cp < 0x10000 || cp > 0x10ffff))) return false;
    if (cp >= 0xfdd0 && cp <= 0xfdef) return false;
    if ((cp & 0xfffe) === 0xfffe) return false;
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f)) return false;
  }
  return true;
}

/** A libmosquitto error code, thrown while reading a packet. */
class Bad {
  constructor(readonly code: number, readonly trace: TraceItem[] = []) {}
}

/** libmosquitto's packet__read_*() over one packet's body. */
class Reader {
  b: Buffer = Buffer.alloc(0);
  end = 0;
  pos = 0;
  /** Reads b[start, end) next (one reader serves every packet: no allocation per packet). */
  over(b: Buffer, start: number, end: number): this {
    this.b = b;
    this.pos = start;
    this.end = end;
    return this;
  }
  get left(): number { return this.end - this.pos; }
  byte(): number {
    if (this.pos + 1 > this.end) throw new Bad(MOSQ_ERR.PROTOCOL);
    return this.b[this.pos++]!;
  }
  u16(): number {
    if (this.pos + 2 > this.end) throw new Bad(MOSQ_ERR.PROTOCOL);
    const v = this.b.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    if (this.pos + 4 > this.end) throw new Bad(MOSQ_ERR.PROTOCOL);
    const v = this.b.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  varint(): number {
    let value = 0;
    for (let i = 0, mult = 1; i < 4; i++, mult *= 128) {
      if (this.pos >= this.end) break;
      const byte = this.b[this.pos++]!;
      value += (byte & 127) * mult;
      if ((byte & 128) === 0) {
        if (i > 0 && byte === 0) break; // an overlong encoding
        return value;
      }
    }
    throw new Bad(MOSQ_ERR.PROTOCOL);
  }
  /** Skips two-byte-length binary data; returns where it starts (it ends at `pos`). */
  binary(): number {
    const len = this.u16();
    if (this.pos + len > this.end) throw new Bad(MOSQ_ERR.PROTOCOL);
    this.pos += len;
    return this.pos - len;
  }
  string(): string {
    const s = this.binary();
    if (!validUtf8(this.b, s, this.pos)) throw new Bad(MOSQ_ERR.MALFORMED_UTF8);
    return this.b.toString('utf8', s, this.pos);
  }
  /** property__read_all(): every property read, then checked, as libmosquitto does. */
  properties(command: number): Map<number, number | string> {
    let length = this.varint();
    const list: Array<[number, number | string]> = [];
    while (length > 0) {
      const before = this.pos;
      const id = this.varint();
      let value: number | string = 0;
      switch (PROP_TYPE[id]) {
        case 'b': value = this.byte(); break;
        case 'h': value = this.u16(); break;
        case 'w': value = this.u32(); break;
        case 'v': value = this.varint(); break;
        case 's': value = this.string(); break;
        case 'd': this.binary(); break;
        case 'p': this.string(); this.string(); break;
        // libmosquitto 2.0.11 aborts on an unknown property (its log call has no client):
        // we give the protocol error.
        default: throw new Bad(MOSQ_ERR.PROTOCOL);
      }
      length -= this.pos - before;
      if (length < 0) throw new Bad(MOSQ_ERR.PROTOCOL);
      list.push([id, value]);
    }
    const seen = new Map<number, number | string>();
    for (const [id, value] of list) {
      const isFlag = id === 0x17 || id === 0x19 || id === 0x24 || id === 0x25 || id === 0x28 || id === 0x29 || id === 0x2a;
      if (isFlag && (value as number) > 1) throw new Bad(MOSQ_ERR.PROTOCOL);
      if ((id === 0x27 || id === 0x21 || id === 0x23) && value === 0) throw new Bad(MOSQ_ERR.PROTOCOL);
      if (!allowed(command, id)) throw new Bad(MOSQ_ERR.PROTOCOL);
      if (id !== 0x26 && seen.has(id)) throw new Bad(MOSQ_ERR.DUPLICATE_PROPERTY);
      seen.set(id, value);
    }
    return seen;
  }
}

/** Complete packets are passed on in pieces of about this size (see Guard.feed). */
const SEGMENT_BYTES = 4096;

/** A piece of what the guard lets through: bytes for the parser, or a step to take in order. */
export type Segment = Buffer | (() => void);

export class Guard {
  private chunks: Buffer[] = [];
  private held = 0;
  /** The size of the packet being received, once its header is in (0: not known yet). */
  private need = 0;
  /** CONNACK accepted us (libmosquitto's mosq_cs_active). */
  private active = false;
  private failed = false;
  private readonly reader = new Reader();
  /** Our QoS 1 and 2 messages awaiting their acknowledgement: message id -> QoS. */
  private readonly outgoing = new Map<number, number>();
  /** The return codes of each SUBACK as sent (mqtt-packet refuses some that libmosquitto takes). */
  readonly granted = new Map<number, number[]>();
  /**
   * Reason codes MQTT v5 does not have, which libmosquitto takes and mqtt-packet refuses:
   * passed on as one it takes, and kept here ("puback 7" -> 5, "disconnect" -> 5) for the
   * trace and the tool to see the code the broker sent.
   */
  readonly reasons = new Map<string, number>();
  /** Keep-alive, as libmosquitto keeps it (seconds; 0: none). */
  private keepalive: number;
  private lastIn = Date.now();
  private nextOut = 0;
  private pinging = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly version: 3 | 4 | 5,
    private readonly hasId: boolean,
    keepalive: number,
    private readonly hooks: GuardHooks,
  ) {
    this.keepalive = keepalive;
  }

  /** The connection is up (CONNECT is going out): the keep-alive starts now. */
  start(): void {
    this.lastIn = Date.now();
    this.nextOut = this.lastIn + this.keepalive * 1000;
    this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.failed = true;
  }

  /** A packet we send (seen on MQTT.js's 'packetsend'). */
  sent(p: Packet): void {
    this.nextOut = Date.now() + this.keepalive * 1000;
    if (p.cmd === 'publish' && p.qos > 0) this.outgoing.set(p.messageId!, p.qos);
    else if (p.cmd === 'disconnect') this.stop();
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (!this.keepalive || this.failed) return;
    const due = Math.min(this.nextOut, this.lastIn + this.keepalive * 1000);
    this.timer = setTimeout(() => this.check(), Math.max(0, due - Date.now()));
    this.timer.unref();
  }

  /** mosquitto__check_keepalive(). */
  private check(): void {
    if (this.failed) return;
    const now = Date.now();
    if (now >= this.nextOut || now - this.lastIn >= this.keepalive * 1000) {
      if (this.active && !this.pinging) {
        this.pinging = true;
        this.lastIn = now;
        this.hooks.send({ cmd: 'pingreq' });
        this.nextOut = now + this.keepalive * 1000;
      } else {
        this.failed = true;
        this.hooks.fail(MOSQ_ERR.KEEPALIVE);
        return;
      }
    }
    this.arm();
  }

  /** Takes bytes from the broker; returns what to pass on, in order. */
  feed(chunk: Buffer): Segment[] {
    if (this.failed) return [];
    this.chunks.push(chunk);
    this.held += chunk.length;
    if (this.held < this.need) {
      // Not all of it yet: gathered once it is (a large message arrives in many reads).
      if (this.need - this.held > 1000) this.lastIn = Date.now();
      return [];
    }
    this.need = 0;
    const data = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.held);
    const out: Segment[] = [];
    // Every packet of this read came in now: the time is taken once, not per packet.
    let arrived = false;
    let from = 0; // start of the bytes not yet handed out
    let pos = 0;
    while (pos < data.length) {
      // The fixed header: at most four bytes of remaining length.
      let length = 0;
      let i = 1;
      let complete = false;
      for (let mult = 1; pos + i < data.length; i++, mult *= 128) {
        if (i > 4) break;
        const byte = data[pos + i]!;
        length += (byte & 127) * mult;
        if ((byte & 128) === 0) { complete = true; i++; break; }
      }
      if (!complete) {
        if (i > 4) return this.violate(out, data, from, pos, new Bad(MOSQ_ERR.PROTOCOL));
        break;
      }
      const end = pos + i + length;
      if (end > data.length) {
        // A large packet on its way keeps the connection alive (libmosquitto: over 1000 bytes to go).
        if (end - data.length > 1000) this.lastIn = Date.now();
        this.need = end - pos;
        break;
      }
      if (!arrived) {
        arrived = true;
        this.lastIn = Date.now();
      }
      let verdict: Bad | Segment[] | undefined;
      try {
        verdict = this.check1(data, pos, pos + i, end);
      } catch (e) {
        if (!(e instanceof Bad)) throw e;
        verdict = e;
      }
      if (verdict instanceof Bad) return this.violate(out, data, from, pos, verdict);
      if (verdict !== undefined) {
        // In place of the packet as received: a rewritten one, or a step (swallowed).
        if (pos > from) out.push(data.subarray(from, pos));
        out.push(...verdict);
        from = end;
      }
      pos = end;
      if (pos - from >= SEGMENT_BYTES) {
        // MQTT.js parses all it is given at once and holds the packets until each is handled:
        // a read in pieces keeps fewer of them alive (they die young, and cost the GC less).
        out.push(data.subarray(from, pos));
        from = pos;
      }
    }
    if (pos > from) out.push(data.subarray(from, pos));
    const rest = data.length - pos;
    this.chunks = rest > 0 ? [data.subarray(pos)] : [];
    this.held = rest;
    return out;
  }

  private violate(out: Segment[], data: Buffer, from: number, pos: number, bad: Bad): Segment[] {
    this.failed = true;
    clearTimeout(this.timer);
    this.chunks = [];
    this.held = 0;
    if (pos > from) out.push(data.subarray(from, pos));
    out.push(() => {
      for (const item of bad.trace) this.hooks.trace(item);
      this.hooks.fail(bad.code);
    });
    return out;
  }

  /**
   * One packet as libmosquitto's handler reads it. Throws Bad; returns undefined to pass it
   * on as it is, or what to pass on in its place (rewritten bytes, steps).
   */
  private check1(b: Buffer, start: number, body: number, end: number): Segment[] | undefined {
    let header = b[start]!;
    const type = header & 0xf0;
    const r = this.reader.over(b, body, end);
    const v5 = this.version === 5;
    if (FLAGS_IGNORED.has(type) || (type === PUBREL && this.version === 3)) {
      // libmosquitto ignores the four flag bits of these (MQTT 3.1: of PUBREL too); mqtt-packet
      // refuses any but MQTT's: they are set as it wants them, in place.
      header = b[start] = type | (type === PUBREL ? 0x02 : 0x00);
    }
    switch (type) {
      case CONNACK: {
        const flags = r.byte();
        // libmosquitto 2.0.11 takes a second CONNACK as a new connection (mosquitto_pub then
        // publishes its message again); MQTT forbids it, and we stop with the protocol error.
        if (this.active) throw new Bad(MOSQ_ERR.PROTOCOL, [{ cmd: 'connack', returnCode: r.byte(), sessionPresent: false } as Packet]);
        const code = r.byte();
        if (v5) {
          let props: Map<number, number | string>;
          try {
            props = r.properties(CONNACK);
          } catch (e) {
            // A v3 broker refusing a v5 CONNECT: the refusal is reported (connection.ts).
            if (e instanceof Bad && e.code === MOSQ_ERR.PROTOCOL && code === 1) return undefined;
            throw e;
          }
          if (props.has(0x12) && this.hasId) throw new Bad(MOSQ_ERR.PROTOCOL);
          const serverKeepalive = props.get(0x13);
          if (serverKeepalive !== undefined) this.keepalive = serverKeepalive as number;
        }
        if (code === 0) {
          this.active = true;
          this.nextOut = Date.now() + this.keepalive * 1000;
          this.arm();
        }
        // mqtt-packet refuses flag bits libmosquitto ignores, and MQTT.js takes any length.
        if ((flags & 0xfe) !== 0) {
          const copy = Buffer.from(b.subarray(start, end));
          copy[body - start] = flags & 1;
          return [copy];
        }
        return undefined;
      }
      case PUBLISH: {
        if (!this.active) throw new Bad(MOSQ_ERR.PROTOCOL);
        const qos = (header & 0x06) >> 1;
        const ts = r.binary();
        const te = r.pos;
        if (te === ts) throw new Bad(MOSQ_ERR.PROTOCOL);
        if (!validUtf8(b, ts, te)) throw new Bad(MOSQ_ERR.MALFORMED_UTF8);
        let mid = 0;
        if (qos > 0) {
          mid = r.u16();
          if (mid === 0) throw new Bad(MOSQ_ERR.PROTOCOL);
        }
        if (v5) r.properties(PUBLISH);
        if (qos === 3) {
          const payload = b.subarray(r.pos, end);
          const topic = b.toString('utf8', ts, te);
          throw new Bad(MOSQ_ERR.PROTOCOL, [{ cmd: 'publish', qos: 3 as 0, messageId: mid, dup: (header & 8) !== 0, retain: (header & 1) !== 0, topic, payload }]);
        }
        return undefined;
      }
      case PUBACK: case PUBCOMP: case PUBREC: {
        if (!this.active) throw new Bad(MOSQ_ERR.PROTOCOL);
        const mid = r.u16();
        if (mid === 0) throw new Bad(MOSQ_ERR.PROTOCOL);
        let reasonCode = 0;
        if (v5 && end - body > 2) {
          reasonCode = r.byte();
          if (end - body > 3) r.properties(type === PUBREC ? PUBREC : PUBACK);
        }
        const cmd = type === PUBACK ? 'puback' : type === PUBREC ? 'pubrec' : 'pubcomp';
        const replaced = this.replaceReason(b, start, end, body + 2, reasonCode, type === PUBCOMP ? PUBCOMP_CODES : PUBACK_CODES, `${cmd} ${mid}`);
        const want = type === PUBACK ? 1 : 2;
        const qos = this.outgoing.get(mid);
        if (qos !== undefined && qos !== want) {
          throw new Bad(MOSQ_ERR.PROTOCOL, [{ cmd, messageId: mid, reasonCode } as Packet]);
        }
        if (type !== PUBREC || (v5 && reasonCode >= 0x80)) this.outgoing.delete(mid);
        return replaced;
      }
      case PUBREL: {
        if (!this.active) throw new Bad(MOSQ_ERR.PROTOCOL);
        if (this.version !== 3 && (header & 0x0f) !== 0x02) throw new Bad(MOSQ_ERR.PROTOCOL);
        const mid = r.u16();
        if (mid === 0) throw new Bad(MOSQ_ERR.PROTOCOL);
        let reasonCode = 0;
        if (v5 && end - body > 2) {
          reasonCode = r.byte();
          if (end - body > 3) r.properties(PUBREL);
        }
        return this.replaceReason(b, start, end, body + 2, reasonCode, PUBCOMP_CODES, `pubrel ${mid}`);
      }
      case SUBACK: case UNSUBACK: {
        if (!this.active) throw new Bad(MOSQ_ERR.PROTOCOL);
        // libmosquitto traces these before reading them.
        const traced = [{ cmd: type === SUBACK ? 'suback' : 'unsuback' } as Packet];
        try {
          const mid = r.u16();
          if (mid === 0) throw new Bad(MOSQ_ERR.PROTOCOL);
          if (v5) r.properties(type);
          if (type === UNSUBACK) {
            // libmosquitto reads no further; mqtt-packet wants v3's two bytes and v5's own codes.
            if (!v5) return end - body === 2 ? undefined : [Buffer.from([0xb0, 0x02, b[body]!, b[body + 1]!])];
            if ([...b.subarray(r.pos, end)].every((c) => UNSUBACK_CODES.has(c))) return undefined;
            const copy = Buffer.from(b.subarray(start, end));
            copy.fill(0x80, r.pos - start);
            return [copy];
          }
          const codes = [...b.subarray(r.pos, end)];
          // mosquitto_sub reads the first return code whether there is one or not.
          if (codes.length === 0) throw new Bad(MOSQ_ERR.PROTOCOL);
          this.granted.set(mid, codes);
          const odd = (c: number) => (v5 ? !SUBACK_V5.has(c) : c > 2 && c !== 0x80);
          if (!codes.some(odd)) return undefined;
          const copy = Buffer.from(b.subarray(start, end));
          for (let k = r.pos - start; k < copy.length; k++) if (odd(copy[k]!)) copy[k] = 0x80;
          return [copy];
        } catch (e) {
          if (e instanceof Bad) throw new Bad(e.code, traced);
          throw e;
        }
      }
      case PINGRESP:
        if (!this.active) throw new Bad(MOSQ_ERR.PROTOCOL);
        this.pinging = false;
        return undefined;
      case DISCONNECT: {
        if (!v5) throw new Bad(MOSQ_ERR.PROTOCOL);
        const reasonCode = r.byte();
        if (end - body > 2) r.properties(DISCONNECT);
        const replaced = this.replaceReason(b, start, end, body, reasonCode, DISCONNECT_CODES, 'disconnect');
        // libmosquitto closes the connection: MOSQ_ERR_NO_CONN once the packet is handled.
        this.failed = true;
        clearTimeout(this.timer);
        return [...(replaced ?? [b.subarray(start, end)]), () => this.hooks.fail(MOSQ_ERR.NO_CONN)];
      }
      case AUTH: {
        const traced = ['received AUTH'];
        if (!v5) throw new Bad(MOSQ_ERR.PROTOCOL, traced);
        try {
          r.byte();
          r.properties(AUTH);
        } catch (e) {
          if (e instanceof Bad) throw new Bad(e.code, traced);
          throw e;
        }
        // Read and dropped (libmosquitto 2.0.11 does nothing more with it).
        return [() => this.hooks.trace('received AUTH')];
      }
      default:
        // CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ and type 0: not for a client.
        // libmosquitto answers a PINGREQ from the broker (MQTT.js would ignore it).
        if (type === PINGREQ && this.active) {
          return [() => { this.hooks.trace('received PINGREQ'); this.hooks.send({ cmd: 'pingresp' }); }];
        }
        throw new Bad(MOSQ_ERR.PROTOCOL, [`Error: Unrecognised command ${type}\n`]);
    }
  }


  /** A reason code mqtt-packet refuses, at `at`: replaced by one it takes (kept in `reasons`). */
  private replaceReason(b: Buffer, start: number, end: number, at: number, code: number, codes: Set<number>, key: string): Segment[] | undefined {
    if (at >= end || codes.has(code)) return undefined;
    this.reasons.set(key, code);
    const copy = Buffer.from(b.subarray(start, end));
    copy[at - start] = code >= 0x80 ? 0x80 : 0x00;
    return [copy];
  }
}

/** Packets whose fixed-header flags libmosquitto does not look at. */
const FLAGS_IGNORED = new Set([CONNACK, PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK, PINGRESP, DISCONNECT]);
/** The MQTT v5 reason codes mqtt-packet takes in each packet. */
const SUBACK_V5 = new Set([0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2]);
const UNSUBACK_CODES = new Set([0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91]);
const PUBACK_CODES = new Set([0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]);
const PUBCOMP_CODES = new Set([0x00, 0x92]);
const DISCONNECT_CODES = new Set([0x00, 0x04, ...Array.from({ length: 0xa3 - 0x80 }, (_, i) => 0x80 + i).filter((c) => ![0x84, 0x85, 0x86, 0x88, 0x8a, 0x8c, 0x91, 0x92].includes(c))]);

/**
 * Puts the guard between a stream and whatever it is piped into (MQTT.js pipes the stream
 * into its parser): bytes pass in order, and each step runs once every byte before it has
 * been handled. The stream is paused while the parser or a step holds things up.
 */
export function tap(stream: NodeJS.ReadableStream, guard: Guard): void {
  stream.pipe = function pipe<T extends NodeJS.WritableStream>(dest: T): T {
    const queue: Segment[] = [];
    let writing = 0;
    let full = false;
    const run = (): void => {
      while (queue.length > 0) {
        const s = queue[0]!;
        if (typeof s === 'function') {
          if (writing > 0) return;
          queue.shift();
          s();
          continue;
        }
        queue.shift();
        writing++;
        if (!dest.write(s, () => { writing--; run(); })) {
          if (!full) {
            full = true;
            dest.once('drain', () => { full = false; run(); });
          }
        }
      }
      if (!full && stream.isPaused()) stream.resume();
    };
    stream.on('data', (chunk: Buffer) => {
      for (const s of guard.feed(chunk)) queue.push(s);
      run();
      if (queue.length > 0 || full) stream.pause();
    });
    return dest;
  };
}
