/**
 * The -F engine: a format string compiled once into a list of small closures that append
 * a message's fields to the output buffer, with mosquitto_sub's printf-like field handling.
 */
import { bytesOf } from '../words.ts';
import { HEX_LOWER, type Out, SP, ZERO } from './out.ts';
import { createTimeCache, IsoTime, strftimeConst, strftimeConv } from './strftime.ts';
import { eachUserProp, numProp, type Op, type Props } from './message.ts';
import { jsonOp } from './message-json.ts';

/**
 * Thrown by createFormatter for a -F string that mosquitto_sub rejects at start-up.
 * The message is mosquitto's exact first stderr line, e.g.
 * "Error: Invalid format specifier 'z'." (mosquitto then prints an empty line and
 * "Use 'mosquitto_sub --help' to see usage." and exits with status 1).
 */
export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

const HEX_UPPER = '0123456789ABCDEF';
const HEX_PAIRS_LOWER = new Uint16Array(256);
const HEX_PAIRS_UPPER = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  // high byte: first hex digit, low byte: second one
  HEX_PAIRS_LOWER[i] = (HEX_LOWER.charCodeAt(i >> 4) << 8) | HEX_LOWER.charCodeAt(i & 15);
  HEX_PAIRS_UPPER[i] = (HEX_UPPER.charCodeAt(i >> 4) << 8) | HEX_UPPER.charCodeAt(i & 15);
}

interface Spec {
  left: boolean;
  zero: boolean;
  width: number; // 0 = none
  prec: number; // -1 = none
}

/** Append an integer like printf("%[-][0]<w>d"). */
function writeInt(o: Out, n: number, spec: Spec): void {
  const s = String(n);
  const pad = spec.width - s.length;
  if (pad > 0 && !spec.left) o.fill(spec.zero ? ZERO : SP, pad);
  o.ascii(s);
  if (pad > 0 && spec.left) o.fill(SP, pad);
}

/** Append bytes like printf("%[-]<w>.<p>s") (zero flag ignored). */
function writeStrField(o: Out, b: Uint8Array, spec: Spec): void {
  let n = b.length;
  if (spec.prec >= 0 && n > spec.prec) n = spec.prec;
  const pad = spec.width - n;
  if (pad > 0 && !spec.left) o.fill(SP, pad);
  o.bytes(b, 0, n);
  if (pad > 0 && spec.left) o.fill(SP, pad);
}

function writeStrFieldS(o: Out, s: string, spec: Spec): void {
  if (spec.width === 0 && spec.prec < 0) o.utf8(s);
  else writeStrField(o, Buffer.from(s, 'utf8'), spec);
}

/** %p / %x / %X with mosquitto_sub's field handling. */
function writePayloadField(o: Out, p: Buffer, spec: Spec, hex: Uint16Array | null): void {
  const len = p.length;
  let n = len; // bytes to print
  let pad: number;
  if (spec.width > 0) {
    if (n > spec.width) n = spec.width;
    if (hex) {
      n = n >> 1;
      pad = spec.width - 2 * n;
    } else {
      pad = spec.width - n;
    }
  } else {
    // no width: right alignment pads nothing, left alignment appends one blank per payload byte
    pad = spec.left ? len : 0;
  }
  if (pad > 0 && !spec.left) o.fill(spec.zero ? ZERO : SP, pad);
  if (hex) {
    o.ensure(2 * n);
    const b = o.buf;
    let q = o.pos;
    for (let i = 0; i < n; i++) {
      const h = hex[p[i]];
      b[q++] = h >> 8;
      b[q++] = h & 0xff;
    }
    o.pos = q;
  } else {
    o.bytes(p, 0, n);
  }
  if (pad > 0 && spec.left) o.fill(SP, pad);
}

/**
 * The separators mosquitto 2.1 takes after the precision: %x and %X split by it (%.2:x is
 * "61:62", %.2 x "61 62"); before any other conversion it is accepted and ignored (%:t).
 */
const HEX_SEPARATORS = '!"#$&\'()*+,-./:;<=>?@[\\]^_`{|}~ ';

/**
 * %x / %X split into groups of `prec` hex digits by `sep`, as mosquitto 2.1 prints them: at
 * most `width` bytes, padded to `width` characters (the padding counts as digits for the
 * groups), left alignment padding with as many blanks as the field is short or over.
 */
function writeHexSplit(o: Out, p: Buffer, spec: Spec, upper: boolean, sep: number): void {
  let n = p.length;
  let pad: number;
  if (spec.width > 0) {
    if (n > spec.width) n = spec.width;
    pad = spec.width - 2 * n;
  } else {
    pad = -n;
  }
  const digits = upper ? '0123456789ABCDEF' : HEX_LOWER;
  let x = 0;
  const after = () => {
    if (spec.prec > 0 && x % spec.prec === spec.prec - 1) o.byte(sep);
    x++;
  };
  if (!spec.left) {
    for (let i = 0; i < pad; i++) {
      o.byte(spec.zero ? ZERO : SP);
      after();
    }
  }
  for (let i = 0; i < n; i++) {
    o.byte(digits.charCodeAt(p[i]! >> 4));
    after();
    o.byte(digits.charCodeAt(p[i]! & 15));
    if (i < n - 1) after();
  }
  if (spec.left && pad !== 0) o.fill(SP, Math.abs(pad));
}

/**
 * A double as C's printf("%.*f") prints it (glibc: the exact binary value, rounded half to
 * even; nan, inf; the sign of -0), without width.
 */
export function cFixed(value: number, prec: number): string {
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, value);
  const negative = (bits.getUint8(0) & 0x80) !== 0;
  const sign = negative ? '-' : '';
  if (Number.isNaN(value)) return `${sign}nan`;
  if (!Number.isFinite(value)) return `${sign}inf`;
  const exponentBits = (bits.getUint16(0) >> 4) & 0x7ff;
  const mantissa = (BigInt(bits.getUint32(0) & 0xfffff) << 32n) | BigInt(bits.getUint32(4));
  // value = m * 2^e exactly
  const m = exponentBits === 0 ? mantissa : mantissa | (1n << 52n);
  const e = (exponentBits === 0 ? 1 : exponentBits) - 1075;
  let scaled: bigint; // round(|value| * 10^prec)
  const ten = 10n ** BigInt(prec);
  if (e >= 0) {
    scaled = (m << BigInt(e)) * ten;
  } else {
    const num = m * ten;
    const den = 1n << BigInt(-e);
    scaled = num / den;
    const twice = (num % den) * 2n;
    if (twice > den || (twice === den && scaled % 2n === 1n)) scaled++;
  }
  const digits = scaled.toString().padStart(prec + 1, '0');
  const whole = digits.slice(0, digits.length - prec);
  return prec > 0 ? `${sign}${whole}.${digits.slice(digits.length - prec)}` : `${sign}${whole}`;
}

/** %f (4 bytes) and %d (8 bytes): the payload as an IEEE 754 number, as mosquitto 2.1 prints it. */
function writeFloatField(o: Out, p: Buffer, spec: Spec, double: boolean): boolean {
  if (p.length !== (double ? 8 : 4)) return false;
  // The publisher's machine order; this machine's (little-endian, as nearly every one is).
  const value = double ? p.readDoubleLE(0) : p.readFloatLE(0);
  const text = cFixed(value, spec.prec < 0 ? 6 : spec.prec);
  const pad = spec.width - text.length;
  if (pad <= 0) o.ascii(text);
  else if (spec.left) {
    o.ascii(text);
    o.fill(SP, pad);
  } else if (spec.zero && Number.isFinite(value)) {
    // zeros after the sign
    const signed = text.startsWith('-');
    if (signed) o.byte(0x2d);
    o.fill(ZERO, pad);
    o.ascii(signed ? text.slice(1) : text);
  } else {
    o.fill(SP, pad);
    o.ascii(text);
  }
  return true;
}

/** A %j or %J whose output is coloured afterwards, when there are colours. */
function paintedJson(o: Out, op: Op, paint?: (json: Buffer) => Buffer): Op {
  if (!paint) return op;
  return (c) => {
    const start = o.pos;
    op(c);
    const json = paint(Buffer.from(o.buf.subarray(start, o.pos)));
    o.pos = start;
    o.bytes(json);
  };
}

/** Compile a -F string (FormatError for one mosquitto_sub rejects). */
export function compile(
  fmt: string,
  o: Out,
  pretty: boolean,
  onError: (line: string) => void,
  paintJson?: (json: Buffer) => Buffer,
): { ops: Op[]; needsTime: boolean } {
  const ops: Op[] = [];
  let literal = '';
  let needsTime = false;
  const localTimeOf = createTimeCache();

  const flush = () => {
    if (literal === '') return;
    const b = bytesOf(literal);
    literal = '';
    if (b.length === 1) {
      const c = b[0];
      ops.push(() => o.byte(c));
    } else {
      ops.push(() => o.bytes(b));
    }
  };
  const push = (op: Op) => {
    flush();
    ops.push(op);
  };

  // Topic bytes are needed for widths; topics repeat, so keep the last one.
  let lastTopic = '';
  let lastTopicBuf: Buffer = Buffer.alloc(0);
  const topicBytes = (t: string): Buffer => {
    if (t !== lastTopic) {
      lastTopic = t;
      lastTopicBuf = Buffer.from(t, 'utf8');
    }
    return lastTopicBuf;
  };

  // ISO 8601 "YYYY-MM-DDTHH:MM:SS" and "+hhmm" of a second, cached
  const iso = new IsoTime(localTimeOf);

  const len = fmt.length;
  for (let i = 0; i < len; i++) {
    const ch = fmt[i];
    if (ch === '%') {
      if (i + 1 >= len) throw new FormatError('Error: Incomplete format specifier.');
      i++;
      const spec: Spec = { left: false, zero: false, width: 0, prec: -1 };
      if (fmt[i] === '-') {
        spec.left = true;
        if (++i >= len) throw new FormatError('Error: Incomplete format specifier.');
      }
      if (fmt[i] === '0') {
        spec.zero = true;
        if (++i >= len) throw new FormatError('Error: Incomplete format specifier.');
      }
      while (fmt[i] >= '0' && fmt[i] <= '9') {
        spec.width = spec.width * 10 + (fmt.charCodeAt(i) - 0x30);
        if (++i >= len) throw new FormatError('Error: Incomplete format specifier.');
      }
      if (fmt[i] === '.') {
        spec.prec = 0;
        if (++i >= len) throw new FormatError('Error: Incomplete format specifier.');
        while (fmt[i] >= '0' && fmt[i] <= '9') {
          spec.prec = spec.prec * 10 + (fmt.charCodeAt(i) - 0x30);
          if (++i >= len) throw new FormatError('Error: Incomplete format specifier.');
        }
      }
      if (spec.left) spec.zero = false;
      // A separator (mosquitto 2.1; 2.0.11 refuses these characters here, and where 2.1 would
      // refuse what follows one, 2.0.11's message about the separator stands).
      let sep = -1;
      if (HEX_SEPARATORS.includes(fmt[i]!) && i + 1 < len) sep = fmt.charCodeAt(i++);
      const conv = fmt[i];
      switch (conv) {
        case '%':
          literal += '%';
          break;
        case 'A':
        case 'E':
        case 'F':
        case 'S': {
          const name =
            conv === 'A'
              ? 'topicAlias'
              : conv === 'E'
                ? 'messageExpiryInterval'
                : conv === 'F'
                  ? 'payloadFormatIndicator'
                  : 'subscriptionIdentifier';
          push((c) => {
            const v = numProp(c.msg.properties?.[name as keyof Props]);
            if (v !== undefined) writeInt(o, v, spec);
            else o.fill(spec.zero ? ZERO : SP, spec.width); // absent: just the padding
          });
          break;
        }
        case 'C':
          push((c) => {
            const v = c.msg.properties?.contentType;
            if (v !== undefined && v !== null) writeStrFieldS(o, String(v), spec);
            else o.fill(SP, spec.width); // absent: blank padding
          });
          break;
        case 'R':
          push((c) => {
            const v = c.msg.properties?.responseTopic;
            if (v !== undefined && v !== null) writeStrFieldS(o, String(v), spec); // absent: nothing at all
          });
          break;
        case 'D':
          push((c) => {
            const v = c.msg.properties?.correlationData;
            if (v !== undefined && v !== null) {
              if (typeof v === 'string') o.utf8(v);
              else o.bytes(v as Uint8Array);
            }
          });
          break;
        case 'P':
          push((c) => {
            let first = true;
            eachUserProp(c.msg.properties?.userProperties, (k, v) => {
              if (!first) o.byte(SP);
              first = false;
              o.utf8(k);
              o.byte(0x3a);
              o.utf8(v);
            });
          });
          break;
        case 'I':
          needsTime = true;
          push((c) => {
            iso.at(c.ts.sec);
            if (spec.width === 0 && spec.prec < 0) {
              o.ascii(iso.date);
              o.ascii(iso.zone);
            } else {
              writeStrField(o, Buffer.from(iso.date + iso.zone, 'latin1'), spec);
            }
          });
          break;
        case 'j':
        case 'J':
          needsTime = true;
          push(paintedJson(o, jsonOp(o, conv === 'J', pretty, iso, onError), paintJson));
          break;
        case 'l':
          push((c) => writeInt(o, c.payload.length, spec));
          break;
        case 'm':
          push((c) => writeInt(o, c.msg.messageId ?? 0, spec));
          break;
        case 'p':
          if (spec.width === 0 && !spec.left) push((c) => o.bytes(c.payload));
          else push((c) => writePayloadField(o, c.payload, spec, null));
          break;
        case 'x':
        case 'X': {
          const table = conv === 'x' ? HEX_PAIRS_LOWER : HEX_PAIRS_UPPER;
          if (sep >= 0) push((c) => writeHexSplit(o, c.payload, spec, conv === 'X', sep));
          else push((c) => writePayloadField(o, c.payload, spec, table));
          break;
        }
        case 'f':
        case 'd': {
          // mosquitto 2.1; 2.0.11 refuses them.
          const what = conv === 'f' ? 'float' : 'double';
          push((c) => {
            if (!writeFloatField(o, c.payload, spec, conv === 'd'))
              onError(`requested ${what} printing, but non-${what} data received`);
          });
          break;
        }
        case 'q':
          push((c) => o.byte(0x30 + c.msg.qos));
          break;
        case 'r':
          push((c) => o.byte(c.msg.retain ? 0x31 : 0x30));
          break;
        case 't':
          if (spec.width === 0 && spec.prec < 0) push((c) => o.utf8(c.msg.topic));
          else push((c) => writeStrField(o, topicBytes(c.msg.topic), spec));
          break;
        case 'U':
          needsTime = true;
          push((c) => {
            o.ascii(String(c.ts.sec));
            o.byte(0x2e);
            o.digits(c.ts.nsec, 9);
          });
          break;
        default: {
          // (mosquitto prints only the first byte of a multi-byte character here)
          const refused = sep >= 0 ? String.fromCharCode(sep) : String.fromCodePoint(fmt.codePointAt(i)!);
          throw new FormatError(`Error: Invalid format specifier '${refused}'.`);
        }
      }
    } else if (ch === '@') {
      if (i + 1 >= len) throw new FormatError('Error: Incomplete format specifier.');
      const next = fmt[++i];
      if (next === '@') {
        literal += '@';
      } else if (next === 'N') {
        needsTime = true;
        push((c) => o.digits(c.ts.nsec, 9));
      } else {
        const constant = strftimeConst(next);
        if (constant !== null) {
          literal += constant;
        } else {
          const conv = strftimeConv(next);
          needsTime = true;
          let lastSec = NaN;
          let lastText: Buffer = Buffer.alloc(0);
          push((c) => {
            const t = c.ts.sec;
            if (t !== lastSec) {
              lastText = Buffer.from(conv(localTimeOf(t)), 'utf8');
              lastSec = t;
            }
            o.bytes(lastText);
          });
        }
      }
    } else if (ch === '\\') {
      if (i + 1 >= len) throw new FormatError('Error: Incomplete escape specifier.');
      const next = fmt[++i];
      switch (next) {
        case '\\':
          literal += '\\';
          break;
        case '0':
          literal += '\0';
          break;
        case 'a':
          literal += '\x07';
          break;
        case 'e':
          literal += '\x1b';
          break;
        case 'n':
          literal += '\n';
          break;
        case 'r':
          literal += '\r';
          break;
        case 't':
          literal += '\t';
          break;
        case 'v':
          literal += '\v';
          break;
        default:
          throw new FormatError(`Error: Invalid escape specifier '${String.fromCodePoint(fmt.codePointAt(i)!)}'.`);
      }
    } else {
      literal += ch;
    }
  }
  flush();
  return { ops, needsTime };
}
