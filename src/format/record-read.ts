/**
 * tspub --replay: one line of a recording read back into the message it stands for. A line
 * is a record of tssub --record (record.ts) or a line of mosquitto_sub -F %j (text payloads
 * only): docs/record-replay.md describes both. Every member is checked; a line that does
 * not say exactly what to send is refused with its line number and what is wrong, never
 * sent as a guess.
 *
 * mosquitto_sub repeats a member where a property is repeated ("user-properties" names,
 * "subscription-identifier"), which JSON.parse would fold into the last one: the reader
 * here keeps an object's members in order, repeats included.
 */
import { isUtf8 } from 'node:buffer';
import { ToolError } from '../errors.ts';
import { checkPublishTopic } from '../topic.ts';
import { isMqttUtf8, isWellFormed } from '../words.ts';
import { JSON_UNESCAPE } from './json-write.ts';
import { CORRELATION_BASE64, PAYLOAD_BASE64 } from './message-json.ts';

/** A JSON object: its members in order, repeated names kept. */
class Members {
  constructor(readonly entries: [string, Json][]) {}
}
type Json = string | number | boolean | null | Json[] | Members;

/** What is wrong with a line (the reader adds where). */
class Bad extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** RFC 8259 JSON, objects as Members. */
class JsonText {
  private i = 0;
  constructor(private readonly s: string) {}

  static parse(s: string): Json {
    const p = new JsonText(s);
    const v = p.value();
    p.space();
    if (p.i < s.length) p.fail();
    return v;
  }

  private fail(): never {
    throw new Bad(
      this.i < this.s.length ? `not valid JSON (column ${this.i + 1})` : 'not valid JSON (it ends too soon)',
    );
  }

  private space(): void {
    const s = this.s;
    for (
      let c = s.charCodeAt(this.i);
      c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
      c = s.charCodeAt(++this.i)
    );
  }

  private value(): Json {
    this.space();
    const s = this.s;
    const c = s[this.i];
    if (c === '{') {
      this.i++;
      const entries: [string, Json][] = [];
      this.space();
      if (s[this.i] === '}') {
        this.i++;
        return new Members(entries);
      }
      for (;;) {
        this.space();
        if (s[this.i] !== '"') this.fail();
        const name = this.string();
        this.space();
        if (s[this.i++] !== ':') {
          this.i--;
          this.fail();
        }
        entries.push([name, this.value()]);
        this.space();
        const next = s[this.i++];
        if (next === '}') return new Members(entries);
        if (next !== ',') {
          this.i--;
          this.fail();
        }
      }
    }
    if (c === '[') {
      this.i++;
      const items: Json[] = [];
      this.space();
      if (s[this.i] === ']') {
        this.i++;
        return items;
      }
      for (;;) {
        items.push(this.value());
        this.space();
        const next = s[this.i++];
        if (next === ']') return items;
        if (next !== ',') {
          this.i--;
          this.fail();
        }
      }
    }
    if (c === '"') return this.string();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(s);
    if (!m) this.fail();
    this.i += m[0].length;
    return Number(m[0]);
  }

  private string(): string {
    const s = this.s;
    let run = ++this.i;
    let text = '';
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (c === 0x22) break;
      if (Number.isNaN(c) || c < 0x20) this.fail();
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      text += s.slice(run, this.i);
      const e = s[++this.i]!;
      if (e === 'u') {
        const hex = s.slice(this.i + 1, this.i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail();
        text += String.fromCharCode(parseInt(hex, 16));
        this.i += 5;
      } else {
        // \" \\ \/ \b \f \n \r \t (0: no such escape; past 255: undefined)
        const byte = JSON_UNESCAPE[s.charCodeAt(this.i)];
        if (!byte) this.fail();
        text += String.fromCharCode(byte!);
        this.i++;
      }
      run = this.i;
    }
    text += s.slice(run, this.i++);
    return text;
  }
}

/** "2024-01-31T12:00:00.123456+0000" (tssub, and mosquitto_sub 2.0's stray 'Z' before the offset). */
const TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:Z?([+-])(\d\d):?(\d\d)|Z)$/;

/** Microseconds since the epoch of a "tst" member, or undefined if it is not a time. */
export function recordTime(tst: string): number | undefined {
  const m = TIME.exec(tst);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', sign, oh = '0', om = '0'] = m;
  const utc = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!);
  if (Number.isNaN(utc)) return undefined;
  const offset = (sign === '-' ? -1 : 1) * (+oh * 60 + +om) * 60e6;
  return utc * 1000 + Math.floor(Number((frac + '000000').slice(0, 6))) - offset;
}

/** What the command line says over every replayed message (docs/record-replay.md). */
export interface ReplayOverrides {
  /** -t: every message goes to this topic. */
  topic?: string;
  /** -q: every message at this QoS. */
  qos?: 0 | 1 | 2;
  /** -r: every message retained (without it, each keeps its own flag). */
  retain: boolean;
  /** MQTT v5: properties are sent; otherwise they are read, checked and left out. */
  v5: boolean;
  /** -D publish properties: each replaces the recorded property of its name. */
  properties?: Record<string, unknown>;
}

/** A line read back: what to send, and when it was received (µs since the epoch), if it says. */
export interface Replayed {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: Record<string, unknown>;
  time?: number;
  /** The line had MQTT v5 properties that an MQTT v3 connection cannot carry. */
  dropped: boolean;
}

const TOP = new Set(['tst', 'topic', 'qos', 'retain', 'payloadlen', 'mid', 'properties', 'payload', PAYLOAD_BASE64]);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UINT32 = 0xffffffff;

const isInteger = (v: Json, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

function base64(v: Json, what: string): Buffer {
  if (typeof v !== 'string' || !BASE64.test(v)) throw new Bad(`${what} is not base64`);
  return Buffer.from(v, 'base64');
}

/** Bytes of a JSON string (a \u escape may leave half a surrogate pair, which has no UTF-8). */
function utf8(v: string, what: string): Buffer {
  if (!isWellFormed(v)) throw new Bad(`${what} has a lone surrogate (\\ud800 to \\udfff)`);
  return Buffer.from(v, 'utf8');
}

/** MQTT's UTF-8 string: a topic, a content type, a user property. */
function mqttString(v: Json, what: string): string {
  if (typeof v !== 'string') throw new Bad(`${what} is not a string`);
  if (!isMqttUtf8(v)) throw new Bad(`${what} has characters MQTT does not allow`);
  return v;
}

/** The properties member, as mqtt-packet takes them (subscription identifiers and topic aliases left out). */
function properties(v: Json): Record<string, unknown> {
  if (!(v instanceof Members)) throw new Bad('"properties" is not an object');
  const p: Record<string, unknown> = {};
  const once = new Set<string>();
  for (const [name, value] of v.entries) {
    if (name !== 'subscription-identifier' && name !== 'user-properties') {
      if (once.has(name) || (name.startsWith('correlation-data') && once.has('correlation-data')))
        throw new Bad(`property "${name}" is given twice`);
      once.add(name.startsWith('correlation-data') ? 'correlation-data' : name);
    }
    switch (name) {
      case 'payload-format-indicator':
        if (value !== 0 && value !== 1) throw new Bad('"payload-format-indicator" is not 0 or 1');
        p.payloadFormatIndicator = value === 1;
        break;
      case 'message-expiry-interval':
        if (!isInteger(value, UINT32)) throw new Bad('"message-expiry-interval" is not a number from 0 to 4294967295');
        p.messageExpiryInterval = value;
        break;
      case 'content-type':
        p.contentType = mqttString(value, '"content-type"');
        break;
      case 'response-topic':
        p.responseTopic = mqttString(value, '"response-topic"');
        if (p.responseTopic === '' || !checkPublishTopic(p.responseTopic as string))
          throw new Bad('"response-topic" is not a topic one may publish to');
        break;
      case 'correlation-data':
        if (typeof value !== 'string') throw new Bad('"correlation-data" is not a string');
        p.correlationData = utf8(value, '"correlation-data"');
        break;
      case CORRELATION_BASE64:
        p.correlationData = base64(value, `"${CORRELATION_BASE64}"`);
        break;
      case 'user-properties': {
        if (!(value instanceof Members)) throw new Bad('"user-properties" is not an object');
        const up = (p.userProperties ?? Object.create(null)) as Record<string, string | string[]>;
        for (const [key, text] of value.entries) {
          mqttString(key, `user property name "${key}"`);
          const s = mqttString(text, `user property "${key}"`);
          const had = up[key];
          up[key] = had === undefined ? s : Array.isArray(had) ? [...had, s] : [had, s];
        }
        p.userProperties = up;
        break;
      }
      case 'subscription-identifier':
        // The broker's, for the subscription that matched: a client does not send it.
        if (!isInteger(value, 268435455) || value === 0)
          throw new Bad('"subscription-identifier" is not a number from 1 to 268435455');
        break;
      case 'topic-alias':
        // The broker's, for the connection it was received on: meaningless on another.
        if (!isInteger(value, 65535)) throw new Bad('"topic-alias" is not a number from 0 to 65535');
        break;
      default:
        throw new Bad(`unknown property "${name}"`);
    }
  }
  return p;
}

/** Reads the lines of one recording, counting them. */
export class RecordReader {
  /** The number of the last line read (from 1). */
  line = 0;

  constructor(
    /** The file's name in messages ("stdin" for standard input). */
    private readonly name: string,
    private readonly overrides: ReplayOverrides,
  ) {}

  /** The next line: what it says to send, undefined for a blank line; a ToolError for a bad one. */
  read(bytes: Buffer): Replayed | undefined {
    this.line++;
    try {
      return this.message(bytes);
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      return this.bad(e.message);
    }
  }

  /** A line longer than any MQTT message could be (its bytes were not kept: input.ts). */
  tooLong(): never {
    this.line++;
    return this.bad('longer than any MQTT message');
  }

  /** The error for a line that cannot be sent (and the stream stops there). */
  bad(what: string): never {
    throw new ToolError(`Error: ${this.name} line ${this.line}: ${what}.\n`);
  }

  private message(bytes: Buffer): Replayed | undefined {
    if (!isUtf8(bytes))
      throw new Bad(
        'not UTF-8 text (mosquitto_sub -F %j prints a binary payload as it is; tssub --record gives it in base64)',
      );
    const text = bytes.toString('utf8');
    if (text.trim() === '') return undefined;
    const record = JsonText.parse(text);
    if (!(record instanceof Members)) throw new Bad('not a JSON object');
    const seen = new Map<string, Json>();
    for (const [name, value] of record.entries) {
      if (!TOP.has(name)) throw new Bad(`unknown member "${name}"`);
      if (seen.has(name)) throw new Bad(`member "${name}" is given twice`);
      seen.set(name, value);
    }
    const o = this.overrides;
    const get = (name: string) => seen.get(name);

    let time: number | undefined;
    const tst = get('tst');
    if (tst !== undefined) {
      time = typeof tst === 'string' ? recordTime(tst) : undefined;
      if (time === undefined) throw new Bad('"tst" is not a time like 2024-01-31T12:00:00.000000+0000');
    }

    const recordedTopic = get('topic');
    if (recordedTopic !== undefined) mqttString(recordedTopic, '"topic"');
    const topic = o.topic ?? (recordedTopic as string | undefined);
    if (topic === undefined) throw new Bad('no "topic" (and no -t)');
    if (topic === '' || !checkPublishTopic(topic))
      throw new Bad(`"topic" ${JSON.stringify(topic)} is not a topic one may publish to`);

    const qos = get('qos') ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new Bad('"qos" is not 0, 1 or 2');
    const retain = get('retain') ?? 0;
    if (retain !== 0 && retain !== 1 && retain !== true && retain !== false) throw new Bad('"retain" is not 0 or 1');
    const mid = get('mid');
    if (mid !== undefined && !isInteger(mid, 65535)) throw new Bad('"mid" is not a message id');

    const text64 = get(PAYLOAD_BASE64);
    const plain = get('payload');
    let payload: Buffer;
    if (text64 !== undefined) {
      if (plain !== undefined) throw new Bad(`both "payload" and "${PAYLOAD_BASE64}"`);
      payload = base64(text64, `"${PAYLOAD_BASE64}"`);
    } else if (plain === null) {
      payload = Buffer.alloc(0);
    } else if (typeof plain === 'string') {
      payload = utf8(plain, '"payload"');
    } else {
      throw new Bad(plain === undefined ? `no "payload" or "${PAYLOAD_BASE64}"` : '"payload" is not a string or null');
    }
    const length = get('payloadlen');
    if (length !== undefined) {
      if (!isInteger(length, 268435455)) throw new Bad('"payloadlen" is not a length');
      // mosquitto_sub -F %j prints a payload up to its first NUL byte: what is missing is said.
      if (length !== payload.length)
        throw new Bad(
          `"payloadlen" is ${length} but the payload has ${payload.length} byte${payload.length === 1 ? '' : 's'}`,
        );
    }

    const recorded = get('properties');
    let props = recorded === undefined ? undefined : properties(recorded);
    const dropped = !o.v5 && props !== undefined && Object.keys(props).length > 0;
    if (!o.v5) props = undefined;
    else if (o.properties) props = { ...props, ...o.properties };
    if (props !== undefined && Object.keys(props).length === 0) props = undefined;

    return {
      topic,
      payload,
      time,
      dropped,
      qos: o.qos ?? (qos as 0 | 1 | 2),
      retain: o.retain || retain === 1 || retain === true,
      ...(props ? { properties: props } : {}),
    };
  }
}
