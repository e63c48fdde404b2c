// The receive path of one connection: bytes from the broker are framed into packets, each
// packet is checked as libmosquitto's handlers check it (mqtt-packet is more lenient in
// places, and stricter in others), decoded by mqtt-packet, and handed on -- one packet at a
// time, in order, synchronously. A violation ends the connection with libmosquitto's error
// code once the packets before it have been handled. Nothing here writes to the broker.
import mqttPacket, { type Packet } from 'mqtt-packet';
import constants from 'mqtt-packet/constants';
import { MOSQ_ERR } from '../errors.ts';
import { PROPERTY_TABLE, type Packet as PropertyPacket } from '../properties.ts';
import { isMqttCodePoint } from '../words.ts';
import type { KeepAlive } from './keepalive.ts';

/** The errors after which mosquitto_loop_forever() gives up rather than reconnecting. */
export const fatal = (code: number) => code === MOSQ_ERR.PROTOCOL;

/** A -d line to print: a packet as the tracer words it, or a line of its own. */
export type TraceItem = Packet | string;

export interface ReceiveHooks {
  /** A packet as received, checked and decoded (the broker's reason codes on it as sent). */
  packet(p: Packet): void;
  /** A -d line that is not a decoded packet (libmosquitto's own, or a packet it refused). */
  trace(item: TraceItem): void;
  /** The connection must end with this libmosquitto error code. */
  fail(code: number): void;
  /** Answer the broker (PINGRESP to its PINGREQ). */
  send(p: Packet): void;
  /** The QoS of our message with this id that awaits an acknowledgement, if there is one. */
  outgoingQos(mid: number): number | undefined;
}

const CONNECT = 0x10,
  CONNACK = 0x20,
  PUBLISH = 0x30,
  PUBACK = 0x40,
  PUBREC = 0x50,
  PUBREL = 0x60,
  PUBCOMP = 0x70;
const SUBSCRIBE = 0x80,
  SUBACK = 0x90,
  UNSUBSCRIBE = 0xa0,
  UNSUBACK = 0xb0,
  PINGREQ = 0xc0,
  PINGRESP = 0xd0;
const DISCONNECT = 0xe0,
  AUTH = 0xf0,
  WILL = 0x100;

/** Each packet of the property table (properties.ts) as the command it is read for here. */
const COMMAND_OF: Record<PropertyPacket, number> = {
  connect: CONNECT,
  connack: CONNACK,
  publish: PUBLISH,
  puback: PUBACK,
  pubrec: PUBREC,
  pubrel: PUBREL,
  pubcomp: PUBCOMP,
  subscribe: SUBSCRIBE,
  suback: SUBACK,
  unsubscribe: UNSUBSCRIBE,
  unsuback: UNSUBACK,
  disconnect: DISCONNECT,
  auth: AUTH,
  will: WILL,
};
/** Property id -> its value type, as libmosquitto reads it. */
const PROP_TYPE: Record<number, string> = Object.fromEntries(PROPERTY_TABLE.map((p) => [p.id, p.type]));
/** Property id -> the commands that may carry it, one bit each (command >> 4). */
const PROP_COMMANDS: Record<number, number> = Object.fromEntries(
  PROPERTY_TABLE.map((p) => [p.id, p.packets.reduce((bits, packet) => bits | (1 << (COMMAND_OF[packet] >> 4)), 0)]),
);

/** mosquitto_property_check_command(): which packets may carry which property. */
function allowed(command: number, id: number): boolean {
  return ((PROP_COMMANDS[id] ?? 0) & (1 << (command >> 4))) !== 0;
}

/** mosquitto_validate_utf8() on bytes: well-formed UTF-8 of characters MQTT allows (words.ts isMqttCodePoint). */
export function validUtf8(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    let len: number;
    let cp: number;
    if (c === 0) return false;
    if (c <= 0x7f) {
      len = 1;
      cp = c;
    } else if ((c & 0xe0) === 0xc0) {
      if (c < 0xc2) return false;
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) === 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) === 0xf0) {
      if (c > 0xf4) return false;
      len = 4;
      cp = c & 0x07;
    } else return false;
    if (i + len > end) return false;
    for (let j = 1; j < len; j++) {
      const n = b[++i]!;
      if ((n & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (n & 0x3f);
    }
    if ((len === 3 && cp < 0x800) || (len === 4 && (cp < 0x10000 || cp > 0x10ffff))) return false;
    if (!isMqttCodePoint(cp)) return false;
  }
  return true;
}

/** A libmosquitto error code, thrown while reading a packet. */
class Bad {
  constructor(
    readonly code: number,
    readonly trace: TraceItem[] = [],
  ) {}
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
        case 'byte':
          value = this.byte();
          break;
        case 'int16':
          value = this.u16();
          break;
        case 'int32':
          value = this.u32();
          break;
        case 'var':
          value = this.varint();
          break;
        case 'string':
          value = this.string();
          break;
        case 'binary':
          this.binary();
          break;
        case 'pair':
          this.string();
          this.string();
          break;
        // libmosquitto 2.0.11 aborts on an unknown property (its log call has no client):
        // we give the protocol error.
        default:
          throw new Bad(MOSQ_ERR.PROTOCOL);
      }
      length -= this.pos - before;
      if (length < 0) throw new Bad(MOSQ_ERR.PROTOCOL);
      list.push([id, value]);
    }
    const seen = new Map<number, number | string>();
    for (const [id, value] of list) {
      const isFlag =
        id === 0x17 || id === 0x19 || id === 0x24 || id === 0x25 || id === 0x28 || id === 0x29 || id === 0x2a;
      if (isFlag && (value as number) > 1) throw new Bad(MOSQ_ERR.PROTOCOL);
      if ((id === 0x27 || id === 0x21 || id === 0x23) && value === 0) throw new Bad(MOSQ_ERR.PROTOCOL);
      if (!allowed(command, id)) throw new Bad(MOSQ_ERR.PROTOCOL);
      if (id !== 0x26 && seen.has(id)) throw new Bad(MOSQ_ERR.DUPLICATE_PROPERTY);
      seen.set(id, value);
    }
    return seen;
  }
}

/**
 * What the check found that mqtt-packet cannot take as it is (see decode()): libmosquitto
 * ignores header flags and reads less than a packet holds where mqtt-packet refuses, and
 * takes reason codes MQTT v5 does not have.
 */
interface Leniency {
  /** The packet as mqtt-packet will decode it, where it differs from what was received. */
  bytes?: Buffer;
  /** The broker's reason code (acknowledgements, DISCONNECT), put back on the decoded packet. */
  reasonCode?: number;
  /** The broker's SUBACK return codes, likewise. */
  granted?: number[];
}

/** What becomes of one checked packet. */
type Verdict =
  /** Decoded and handed on (`lenient`: see Leniency), then, for DISCONNECT, the end. */
  | { kind: 'packet'; lenient?: Leniency; thenFail?: number }
  /** Not decoded: a -d line, and an answer to send (PINGREQ), or nothing (AUTH). */
  | { kind: 'note'; line: string; answer?: Packet };
const PASS: Verdict = { kind: 'packet' };

export class Receiver {
  private chunks: Buffer[] = [];
  private held = 0;
  /** The size of the packet being received, once its header is in (0: not known yet). */
  private need = 0;
  /** CONNACK accepted us (libmosquitto's mosq_cs_active). */
  private active = false;
  private stopped = false;
  private readonly reader = new Reader();
  private readonly parser: ReturnType<typeof mqttPacket.parser>;
  private decoded: Packet | undefined;
  private decodeFailed = false;

  constructor(
    private readonly version: 3 | 4 | 5,
    private readonly hasId: boolean,
    private readonly keepalive: KeepAlive,
    private readonly hooks: ReceiveHooks,
  ) {
    this.parser = mqttPacket.parser({ protocolVersion: version });
    this.parser.on('packet', (p: Packet) => {
      this.decoded = p;
    });
    this.parser.on('error', () => {
      this.decodeFailed = true;
    });
  }

  /** Nothing more is read or handed on (DISCONNECT sent, the connection failed or closed). */
  stop(): void {
    this.stopped = true;
    this.chunks = [];
    this.held = 0;
  }

  /** Takes bytes from the broker; every complete packet is handled before this returns. */
  feed(chunk: Buffer): void {
    if (this.stopped) return;
    this.chunks.push(chunk);
    this.held += chunk.length;
    if (this.held < this.need) {
      // Not all of it yet: gathered once it is (a large message arrives in many reads).
      if (this.need - this.held > 1000) this.keepalive.heard();
      return;
    }
    this.need = 0;
    const data = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.held);
    this.chunks = [];
    this.held = 0;
    // Every packet of this read came in now: the time is taken once, not per packet.
    let arrived = false;
    let pos = 0;
    while (pos < data.length && !this.stopped) {
      // The fixed header: at most four bytes of remaining length.
      let length = 0;
      let i = 1;
      let complete = false;
      for (let mult = 1; pos + i < data.length; i++, mult *= 128) {
        if (i > 4) break;
        const byte = data[pos + i]!;
        length += (byte & 127) * mult;
        if ((byte & 128) === 0) {
          complete = true;
          i++;
          break;
        }
      }
      if (!complete) {
        if (i > 4) return this.violate(new Bad(MOSQ_ERR.PROTOCOL));
        break;
      }
      const end = pos + i + length;
      if (end > data.length) {
        // A large packet on its way keeps the connection alive (libmosquitto: over 1000 bytes to go).
        if (end - data.length > 1000) this.keepalive.heard();
        this.need = end - pos;
        break;
      }
      if (!arrived) {
        arrived = true;
        this.keepalive.heard();
      }
      let verdict: Verdict;
      try {
        verdict = this.check(data, pos, pos + i, end);
      } catch (e) {
        if (!(e instanceof Bad)) throw e;
        return this.violate(e);
      }
      this.take(verdict, data.subarray(pos, end));
      pos = end;
    }
    if (pos < data.length && !this.stopped) {
      this.chunks = [data.subarray(pos)];
      this.held = data.length - pos;
    }
  }

  /** Hands on one checked packet. */
  private take(verdict: Verdict, bytes: Buffer): void {
    if (verdict.kind === 'note') {
      this.hooks.trace(verdict.line);
      if (verdict.answer) this.hooks.send(verdict.answer);
      return;
    }
    const packet = this.decode(verdict.lenient?.bytes ?? bytes);
    // What mqtt-packet refuses that libmosquitto takes and the check let through: a protocol
    // error all the same.
    if (packet === undefined) return this.violate(new Bad(MOSQ_ERR.PROTOCOL));
    if (verdict.lenient?.reasonCode !== undefined)
      (packet as { reasonCode?: number }).reasonCode = verdict.lenient.reasonCode;
    if (verdict.lenient?.granted !== undefined) (packet as { granted?: number[] }).granted = verdict.lenient.granted;
    this.hooks.packet(packet);
    if (verdict.thenFail !== undefined && !this.stopped) {
      this.stop();
      this.hooks.fail(verdict.thenFail);
    }
  }

  /** mqtt-packet's reading of one whole packet. */
  private decode(bytes: Buffer): Packet | undefined {
    this.decoded = undefined;
    this.decodeFailed = false;
    this.parser.parse(bytes);
    const packet = this.decodeFailed ? undefined : this.decoded;
    this.decoded = undefined;
    return packet;
  }

  private violate(bad: Bad): void {
    this.stop();
    this.keepalive.stop();
    for (const item of bad.trace) this.hooks.trace(item);
    this.hooks.fail(bad.code);
  }

  /** One packet as libmosquitto's handler reads it. Throws Bad. */
  private check(b: Buffer, start: number, body: number, end: number): Verdict {
    const header = b[start]!;
    const type = header & 0xf0;
    const r = this.reader.over(b, body, end);
    const v5 = this.version === 5;
    // libmosquitto ignores the four flag bits of some packets (MQTT 3.1: of PUBREL too);
    // mqtt-packet refuses any but MQTT's.
    const flagsOff =
      (FLAGS_IGNORED.has(type) || (type === PUBREL && this.version === 3)) &&
      header !== (type | (type === PUBREL ? 0x02 : 0x00));
    const lenient = (l: Leniency): Verdict => {
      if (flagsOff) {
        const copy = l.bytes ?? Buffer.from(b.subarray(start, end));
        copy[0] = type | (type === PUBREL ? 0x02 : 0x00);
        l.bytes = copy;
      }
      return l.bytes === undefined && l.reasonCode === undefined && l.granted === undefined
        ? PASS
        : { kind: 'packet', lenient: l };
    };
    switch (type) {
      case CONNACK: {
        const flags = r.byte();
        // libmosquitto 2.0.11 takes a second CONNACK as a new connection (mosquitto_pub then
        // publishes its message again); MQTT forbids it, and we stop with the protocol error.
        if (this.active)
          throw new Bad(MOSQ_ERR.PROTOCOL, [{ cmd: 'connack', returnCode: r.byte(), sessionPresent: false } as Packet]);
        const code = r.byte();
        if (v5) {
          let props: Map<number, number | string> | undefined;
          try {
            props = r.properties(CONNACK);
          } catch (e) {
            // A v3 broker refusing a v5 CONNECT: the refusal is reported (session.ts).
            if (!(e instanceof Bad && e.code === MOSQ_ERR.PROTOCOL && code === 1)) throw e;
          }
          if (props?.has(0x12) && this.hasId) throw new Bad(MOSQ_ERR.PROTOCOL);
          const serverKeepalive = props?.get(0x13);
          if (serverKeepalive !== undefined) this.keepalive.setInterval(serverKeepalive as number);
        }
        if (code === 0) {
          this.active = true;
          this.keepalive.accepted();
        }
        // A v3 broker answers a v5 CONNECT with "unacceptable protocol version" (1);
        // libmosquitto reports (and traces) it as the v5 code for the same thing.
        const l: Leniency = v5 && code === 1 ? { reasonCode: 132 } : {};
        // mqtt-packet refuses flag bits libmosquitto ignores.
        if ((flags & 0xfe) !== 0) {
          l.bytes = Buffer.from(b.subarray(start, end));
          l.bytes[body - start] = flags & 1;
        }
        return lenient(l);
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
          throw new Bad(MOSQ_ERR.PROTOCOL, [
            {
              cmd: 'publish',
              qos: 3 as 0,
              messageId: mid,
              dup: (header & 8) !== 0,
              retain: (header & 1) !== 0,
              topic,
              payload,
            },
          ]);
        }
        return PASS;
      }
      case PUBACK:
      case PUBCOMP:
      case PUBREC: {
        if (!this.active) throw new Bad(MOSQ_ERR.PROTOCOL);
        const mid = r.u16();
        if (mid === 0) throw new Bad(MOSQ_ERR.PROTOCOL);
        let reasonCode = 0;
        if (v5 && end - body > 2) {
          reasonCode = r.byte();
          if (end - body > 3) r.properties(type === PUBREC ? PUBREC : PUBACK);
        }
        const cmd = type === PUBACK ? 'puback' : type === PUBREC ? 'pubrec' : 'pubcomp';
        const qos = this.hooks.outgoingQos(mid);
        if (qos !== undefined && qos !== (type === PUBACK ? 1 : 2)) {
          throw new Bad(MOSQ_ERR.PROTOCOL, [{ cmd, messageId: mid, reasonCode } as Packet]);
        }
        return lenient(
          this.reason(
            b,
            start,
            end,
            body + 2,
            reasonCode,
            type === PUBCOMP ? constants.MQTT5_PUBREL_PUBCOMP_CODES : constants.MQTT5_PUBACK_PUBREC_CODES,
          ),
        );
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
        return lenient(this.reason(b, start, end, body + 2, reasonCode, constants.MQTT5_PUBREL_PUBCOMP_CODES));
      }
      case SUBACK:
      case UNSUBACK: {
        if (!this.active) throw new Bad(MOSQ_ERR.PROTOCOL);
        // libmosquitto traces these before reading them.
        const traced = [{ cmd: type === SUBACK ? 'suback' : 'unsuback' } as Packet];
        try {
          const mid = r.u16();
          if (mid === 0) throw new Bad(MOSQ_ERR.PROTOCOL);
          if (v5) r.properties(type);
          if (type === UNSUBACK) {
            // libmosquitto reads no further; mqtt-packet wants v3's two bytes and v5's own codes.
            if (!v5)
              return lenient(end - body === 2 ? {} : { bytes: Buffer.from([0xb0, 0x02, b[body]!, b[body + 1]!]) });
            if ([...b.subarray(r.pos, end)].every((c) => c in constants.MQTT5_UNSUBACK_CODES)) return lenient({});
            const copy = Buffer.from(b.subarray(start, end));
            copy.fill(0x80, r.pos - start);
            return lenient({ bytes: copy });
          }
          const codes = [...b.subarray(r.pos, end)];
          // mosquitto_sub reads the first return code whether there is one or not.
          if (codes.length === 0) throw new Bad(MOSQ_ERR.PROTOCOL);
          const odd = (c: number) => (v5 ? !(c in constants.MQTT5_SUBACK_CODES) : c > 2 && c !== 0x80);
          if (!codes.some(odd)) return lenient({});
          const copy = Buffer.from(b.subarray(start, end));
          for (let k = r.pos - start; k < copy.length; k++) if (odd(copy[k]!)) copy[k] = 0x80;
          return lenient({ bytes: copy, granted: codes });
        } catch (e) {
          if (e instanceof Bad) throw new Bad(e.code, traced);
          throw e;
        }
      }
      case PINGRESP:
        if (!this.active) throw new Bad(MOSQ_ERR.PROTOCOL);
        this.keepalive.answered();
        return lenient({});
      case DISCONNECT: {
        if (!v5) throw new Bad(MOSQ_ERR.PROTOCOL);
        const reasonCode = r.byte();
        if (end - body > 2) r.properties(DISCONNECT);
        const verdict = lenient(this.reason(b, start, end, body, reasonCode, constants.MQTT5_DISCONNECT_CODES));
        // libmosquitto closes the connection: MOSQ_ERR_NO_CONN once the packet is handled.
        this.keepalive.stop();
        return {
          kind: 'packet',
          lenient: verdict.kind === 'packet' ? verdict.lenient : undefined,
          thenFail: MOSQ_ERR.NO_CONN,
        };
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
        return { kind: 'note', line: 'received AUTH' };
      }
      default:
        // CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ and type 0: not for a client.
        // libmosquitto answers a PINGREQ from the broker.
        if (type === PINGREQ && this.active)
          return { kind: 'note', line: 'received PINGREQ', answer: { cmd: 'pingresp' } };
        throw new Bad(MOSQ_ERR.PROTOCOL, [`Error: Unrecognised command ${type}\n`]);
    }
  }

  /**
   * A reason code at `at` that mqtt-packet refuses (MQTT v5 has no such code; libmosquitto
   * takes it): decoded as one it takes, of the same kind (success or failure), and the
   * broker's own is put back on the packet.
   */
  private reason(
    b: Buffer,
    start: number,
    end: number,
    at: number,
    code: number,
    codes: Record<number, string>,
  ): Leniency {
    if (at >= end || code in codes) return {};
    const copy = Buffer.from(b.subarray(start, end));
    copy[at - start] = code >= 0x80 ? 0x80 : 0x00;
    return { bytes: copy, reasonCode: code };
  }
}

/** Packets whose fixed-header flags libmosquitto does not look at. */
const FLAGS_IGNORED = new Set([CONNACK, PUBACK, PUBREC, PUBCOMP, SUBACK, UNSUBACK, PINGRESP, DISCONNECT]);
