/**
 * JSON output, printed the way cJSON prints it (as used by mosquitto_sub): strings, numbers,
 * indentation.
 */
import { HEX_LOWER, ZERO, type Out } from './out.ts';

/** Bytes needing an escape in a JSON string: '"', '\\' and < 0x20. */
export const JSON_ESC = new Uint8Array(256);
for (let i = 0; i < 0x20; i++) JSON_ESC[i] = 1;
JSON_ESC[0x22] = 1;
JSON_ESC[0x5c] = 1;

/** The bytes a JSON string writes as a backslash and a letter: '"', '\\', \b, \f, \n, \r, \t. */
const SHORT_ESCAPES: ReadonlyArray<[byte: number, letter: number]> = [
  [0x22, 0x22],
  [0x5c, 0x5c],
  [0x08, 0x62],
  [0x0c, 0x66],
  [0x0a, 0x6e],
  [0x0d, 0x72],
  [0x09, 0x74],
];
/** A byte's letter after the backslash; 0: written \u00XX. */
const ESCAPE_LETTER = new Uint8Array(256);
/** What a letter after a backslash stands for; 0: no short escape. ('/' is read, never written.) */
export const JSON_UNESCAPE = new Uint8Array(256);
for (const [byte, letter] of SHORT_ESCAPES) {
  ESCAPE_LETTER[byte] = letter;
  JSON_UNESCAPE[letter] = byte;
}
JSON_UNESCAPE[0x2f] = 0x2f;

export function writeJsonEscByte(o: Out, c: number): void {
  o.ensure(6);
  const b = o.buf;
  let p = o.pos;
  b[p++] = 0x5c;
  const letter = ESCAPE_LETTER[c];
  if (letter !== 0) {
    b[p++] = letter;
  } else {
    b[p++] = 0x75; // u00XX, lower-case hex
    b[p++] = ZERO;
    b[p++] = ZERO;
    b[p++] = HEX_LOWER.charCodeAt(c >> 4);
    b[p++] = HEX_LOWER.charCodeAt(c & 15);
  }
  o.pos = p;
}

/**
 * Write bytes [start, end) as the inside of a JSON string. Like a C string, the
 * value ends at the first NUL byte (returns false if a NUL was met) -- unless `nul`
 * asks for NUL bytes escaped as \u0000 like the other control characters.
 */
export function writeJsonStrBytes(o: Out, s: Uint8Array, start: number, end: number, nul = false): boolean {
  let run = start;
  for (let i = start; i < end; i++) {
    const c = s[i];
    if (JSON_ESC[c] === 0) continue;
    o.bytes(s, run, i);
    if (c === 0 && !nul) return false;
    writeJsonEscByte(o, c);
    run = i + 1;
  }
  o.bytes(s, run, end);
  return true;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters a JSON string escapes
const JSON_ESC_RE = /["\\\u0000-\u001f]/;

export function writeJsonStr(o: Out, s: string): void {
  const n = s.length;
  o.ensure(n + 2);
  const b = o.buf;
  let p = o.pos;
  b[p++] = 0x22;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x80 || c === 0x22 || c === 0x5c) break;
    b[p++] = c;
  }
  o.pos = p;
  if (i < n) {
    const rest = i === 0 ? s : s.slice(i);
    if (!JSON_ESC_RE.test(rest)) {
      o.utf8(rest);
    } else {
      const r = Buffer.from(rest, 'utf8');
      writeJsonStrBytes(o, r, 0, r.length);
    }
  }
  o.byte(0x22);
}

/** C printf "%1.<p>g" */
function printfG(d: number, p: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const e = d.toExponential(p - 1);
  const ei = e.indexOf('e');
  const x = Number(e.slice(ei + 1));
  if (x < -4 || x >= p) {
    let mant = e.slice(0, ei);
    if (mant.includes('.')) mant = mant.replace(/\.?0+$/, '');
    const ax = Math.abs(x);
    return `${mant}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  }
  let f = d.toFixed(p - 1 - x);
  if (f.includes('.')) f = f.replace(/\.?0+$/, '');
  return f;
}

/** cJSON's number printing: %1.15g unless it does not read back (within DBL_EPSILON), then %1.17g. */
export function fmtJsonNumber(d: number): string {
  if (!Number.isFinite(d)) return 'null';
  if (Number.isInteger(d) && d < 1e15 && d > -1e15 && !Object.is(d, -0)) return String(d);
  const ad = d < 0 ? -d : d;
  if (ad >= 1e-4 && ad < 1e15) {
    // If the shortest round-trip form has at most 15 significant digits it is
    // exactly what %1.15g prints (fixed notation in this range).
    const js = String(d);
    let sig = 0;
    let lead = true;
    for (let i = 0; i < js.length; i++) {
      const c = js.charCodeAt(i);
      if (c < 0x30 || c > 0x39) continue;
      if (lead && c === 0x30) continue;
      lead = false;
      sig++;
    }
    if (sig <= 15) return js;
  }
  const s = printfG(d, 15);
  const t = Number(s);
  const max = Math.max(Math.abs(t), Math.abs(d));
  if (Math.abs(t - d) <= max * Number.EPSILON) return s;
  return printfG(d, 17);
}

const TABS = '\t'.repeat(64);
export function writeTabs(o: Out, n: number): void {
  while (n > 64) {
    o.ascii(TABS);
    n -= 64;
  }
  if (n > 0) o.bytes(TABS_BUF, 0, n);
}
const TABS_BUF = Buffer.from(TABS, 'latin1');
