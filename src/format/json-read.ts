/**
 * The JSON reader behind %J: validates a payload as JSON with cJSON's grammar and writes
 * it re-printed the way cJSON prints it (compact or "formatted"). Module-level state for
 * speed.
 */
import { EMPTY, Out, SP } from './out.ts';
import { JSON_ESC, fmtJsonNumber, writeJsonEscByte, writeTabs } from './json-write.ts';

const NESTING_LIMIT = 1000;
let jS: Uint8Array = new Uint8Array(0);
let jI = 0;
let jE = 0;
let jO: Out = new Out();
let jPretty = false;

function jSkipWs(): void {
  const s = jS;
  let i = jI;
  while (i < jE && s[i] <= 32) i++;
  jI = i;
}

function hex4(i: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = jS[i + k];
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else return 0;
    v = (v << 4) | d;
  }
  return v;
}

function jString(): boolean {
  const s = jS;
  // find the closing quote first
  let end = jI + 1;
  while (end < jE && s[end] !== 0x22) {
    if (s[end] === 0x5c) {
      if (end + 1 >= jE) return false;
      end++;
    }
    end++;
  }
  if (end >= jE) return false;
  const o = jO;
  o.byte(0x22);
  let live = true; // output stops at a decoded NUL (C string), validation goes on
  let i = jI + 1;
  let run = i;
  while (i < end) {
    const c = s[i];
    if (c !== 0x5c) {
      if (JSON_ESC[c] !== 0 && live) {
        o.bytes(s, run, i);
        writeJsonEscByte(o, c);
        run = i + 1;
      }
      i++;
      continue;
    }
    if (live) o.bytes(s, run, i);
    const e = s[i + 1];
    let out = -1;
    switch (e) {
      case 0x62: out = 0x08; break;
      case 0x66: out = 0x0c; break;
      case 0x6e: out = 0x0a; break;
      case 0x72: out = 0x0d; break;
      case 0x74: out = 0x09; break;
      case 0x22:
      case 0x5c:
      case 0x2f: out = e; break;
      case 0x75: break;
      default: return false;
    }
    if (out >= 0) {
      if (live) {
        if (JSON_ESC[out] !== 0) writeJsonEscByte(o, out);
        else o.byte(out);
      }
      i += 2;
    } else {
      if (end - i < 6) return false;
      let cp = hex4(i + 2);
      let len = 6;
      if (cp >= 0xdc00 && cp <= 0xdfff) return false;
      if (cp >= 0xd800 && cp <= 0xdbff) {
        const j = i + 6;
        if (end - j < 6 || s[j] !== 0x5c || s[j + 1] !== 0x75) return false;
        const lo = hex4(j + 2);
        if (lo < 0xdc00 || lo > 0xdfff) return false;
        cp = 0x10000 + (((cp & 0x3ff) << 10) | (lo & 0x3ff));
        len = 12;
      }
      if (live) {
        if (cp === 0) live = false;
        else if (cp < 0x80) {
          if (JSON_ESC[cp] !== 0) writeJsonEscByte(o, cp);
          else o.byte(cp);
        } else if (cp < 0x800) {
          o.byte(0xc0 | (cp >> 6));
          o.byte(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
          o.byte(0xe0 | (cp >> 12));
          o.byte(0x80 | ((cp >> 6) & 0x3f));
          o.byte(0x80 | (cp & 0x3f));
        } else {
          o.byte(0xf0 | (cp >> 18));
          o.byte(0x80 | ((cp >> 12) & 0x3f));
          o.byte(0x80 | ((cp >> 6) & 0x3f));
          o.byte(0x80 | (cp & 0x3f));
        }
      }
      i += len;
    }
    run = i;
  }
  if (live) o.bytes(s, run, end);
  o.byte(0x22);
  jI = end + 1;
  return true;
}

function isNumChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x45 || c === 0x65;
}
function isDigitByte(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function jNumber(): boolean {
  const s = jS;
  const st = jI;
  let runEnd = st;
  while (runEnd < jE && isNumChar(s[runEnd])) runEnd++;
  // longest prefix strtod() accepts
  let j = st;
  if (j < runEnd && (s[j] === 0x2d || s[j] === 0x2b)) j++;
  let digits = 0;
  while (j < runEnd && isDigitByte(s[j])) {
    j++;
    digits++;
  }
  if (j < runEnd && s[j] === 0x2e) {
    j++;
    while (j < runEnd && isDigitByte(s[j])) {
      j++;
      digits++;
    }
  }
  if (digits === 0) return false;
  if (j < runEnd && (s[j] === 0x65 || s[j] === 0x45)) {
    let k = j + 1;
    if (k < runEnd && (s[k] === 0x2b || s[k] === 0x2d)) k++;
    if (k < runEnd && isDigitByte(s[k])) {
      while (k < runEnd && isDigitByte(s[k])) k++;
      j = k;
    }
  }
  let str = '';
  for (let k = st; k < j; k++) str += String.fromCharCode(s[k]);
  jO.ascii(fmtJsonNumber(Number(str)));
  jI = j;
  return true;
}

function jLiteral(word: string): boolean {
  const n = word.length;
  if (jE - jI < n) return false;
  for (let k = 0; k < n; k++) if (jS[jI + k] !== word.charCodeAt(k)) return false;
  jI += n;
  jO.ascii(word);
  return true;
}

/** nest: parse nesting so far; pdepth: cJSON print depth of the enclosing container. */
function jValue(nest: number, pdepth: number): boolean {
  if (jI >= jE) return false;
  const c = jS[jI];
  switch (c) {
    case 0x6e: return jLiteral('null');
    case 0x66: return jLiteral('false');
    case 0x74: return jLiteral('true');
    case 0x22: return jString();
    case 0x5b: return jArray(nest, pdepth);
    case 0x7b: return jObject(nest, pdepth);
    default:
      if (c === 0x2d || isDigitByte(c)) return jNumber();
      return false;
  }
}

function jArray(nest: number, pdepth: number): boolean {
  if (nest >= NESTING_LIMIT) return false;
  const o = jO;
  jI++;
  o.byte(0x5b);
  jSkipWs();
  if (jI < jE && jS[jI] === 0x5d) {
    jI++;
    o.byte(0x5d);
    return true;
  }
  let first = true;
  for (;;) {
    if (!first) {
      o.byte(0x2c);
      if (jPretty) o.byte(SP);
    }
    first = false;
    jSkipWs();
    if (!jValue(nest + 1, pdepth + 1)) return false;
    jSkipWs();
    if (jI < jE && jS[jI] === 0x2c) {
      jI++;
      continue;
    }
    break;
  }
  if (jI >= jE || jS[jI] !== 0x5d) return false;
  jI++;
  o.byte(0x5d);
  return true;
}

function jObject(nest: number, pdepth: number): boolean {
  if (nest >= NESTING_LIMIT) return false;
  const o = jO;
  const depth = pdepth + 1;
  jI++;
  o.byte(0x7b);
  jSkipWs();
  if (jI < jE && jS[jI] === 0x7d) {
    jI++;
    if (jPretty) {
      o.byte(0x0a);
      writeTabs(o, depth - 1);
    }
    o.byte(0x7d);
    return true;
  }
  let first = true;
  for (;;) {
    if (!first) o.byte(0x2c);
    first = false;
    if (jPretty) {
      o.byte(0x0a);
      writeTabs(o, depth);
    }
    jSkipWs();
    if (jI >= jE || jS[jI] !== 0x22) return false;
    if (!jString()) return false;
    jSkipWs();
    if (jI >= jE || jS[jI] !== 0x3a) return false;
    jI++;
    o.byte(0x3a);
    if (jPretty) o.byte(0x09);
    jSkipWs();
    if (!jValue(nest + 1, depth)) return false;
    jSkipWs();
    if (jI < jE && jS[jI] === 0x2c) {
      jI++;
      continue;
    }
    break;
  }
  if (jI >= jE || jS[jI] !== 0x7d) return false;
  jI++;
  if (jPretty) {
    o.byte(0x0a);
    writeTabs(o, depth - 1);
  }
  o.byte(0x7d);
  return true;
}

/** Re-print a JSON payload as a value at print depth `pdepth`; false (and nothing written) if invalid. */
export function writeJsonPayload(o: Out, payload: Uint8Array, pretty: boolean, pdepth: number): boolean {
  const mark = o.pos;
  jS = payload;
  jO = o;
  jPretty = pretty;
  const len = payload.length;
  const nul = payload.indexOf(0);
  jE = nul < 0 ? len : nul; // parsed as a C string
  jI = 0;
  if (jE >= 3 && payload[0] === 0xef && payload[1] === 0xbb && payload[2] === 0xbf) jI = 3;
  jSkipWs();
  let ok = jValue(0, pdepth);
  if (ok) {
    jSkipWs();
    ok = jI === len;
  }
  jS = EMPTY;
  if (!ok) o.pos = mark;
  return ok;
}
