/**
 * The JSON reader behind %J: validates a payload as JSON with cJSON's grammar and writes
 * it re-printed the way cJSON prints it (compact or "formatted").
 */
import { type Out, SP } from './out.ts';
import { JSON_ESC, JSON_UNESCAPE, fmtJsonNumber, writeJsonEscByte, writeTabs } from './json-write.ts';

const NESTING_LIMIT = 1000;

function hexDigitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function isNumberByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x45 || c === 0x65;
}
function isDigitByte(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * One payload read and re-printed: each method reads one JSON value at `pos`, appends it to
 * `out` as cJSON prints it, and returns false at the first byte cJSON's parser refuses.
 */
class JsonReprinter {
  /** The next byte to read. */
  private pos = 0;
  /** Where the text ends: at the first NUL, as cJSON reads a C string. */
  private readonly end: number;

  constructor(
    private readonly src: Uint8Array,
    private readonly out: Out,
    private readonly pretty: boolean,
  ) {
    const nul = src.indexOf(0);
    this.end = nul < 0 ? src.length : nul;
  }

  /** The whole payload as one value at print depth `printDepth`, nothing after it. */
  payload(printDepth: number): boolean {
    const src = this.src;
    if (this.end >= 3 && src[0] === 0xef && src[1] === 0xbb && src[2] === 0xbf) this.pos = 3;
    this.skipWhitespace();
    if (!this.value(0, printDepth)) return false;
    this.skipWhitespace();
    return this.pos === src.length;
  }

  private skipWhitespace(): void {
    const src = this.src;
    const end = this.end;
    let i = this.pos;
    while (i < end && src[i] <= 32) i++;
    this.pos = i;
  }

  /** The four hex digits at `at` (of a \u escape); 0 if one is not a hex digit, as cJSON. */
  private hex4(at: number): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const d = hexDigitValue(this.src[at + k]);
      if (d < 0) return 0;
      v = (v << 4) | d;
    }
    return v;
  }

  private string(): boolean {
    const src = this.src;
    const end = this.end;
    // find the closing quote first
    let close = this.pos + 1;
    while (close < end && src[close] !== 0x22) {
      if (src[close] === 0x5c) {
        if (close + 1 >= end) return false;
        close++;
      }
      close++;
    }
    if (close >= end) return false;
    const out = this.out;
    out.byte(0x22);
    let live = true; // output stops at a decoded NUL (C string), validation goes on
    let i = this.pos + 1;
    let run = i; // start of the bytes not yet copied
    while (i < close) {
      const c = src[i];
      if (c !== 0x5c) {
        if (JSON_ESC[c] !== 0 && live) {
          out.bytes(src, run, i);
          writeJsonEscByte(out, c);
          run = i + 1;
        }
        i++;
        continue;
      }
      if (live) out.bytes(src, run, i);
      const escaped = src[i + 1];
      const decoded = JSON_UNESCAPE[escaped];
      if (decoded === 0 && escaped !== 0x75) return false; // neither a short escape nor \u
      if (decoded !== 0) {
        if (live) {
          if (JSON_ESC[decoded] !== 0) writeJsonEscByte(out, decoded);
          else out.byte(decoded);
        }
        i += 2;
      } else {
        if (close - i < 6) return false;
        let cp = this.hex4(i + 2);
        let escapeLength = 6;
        if (cp >= 0xdc00 && cp <= 0xdfff) return false;
        if (cp >= 0xd800 && cp <= 0xdbff) {
          const low = i + 6;
          if (close - low < 6 || src[low] !== 0x5c || src[low + 1] !== 0x75) return false;
          const lowCp = this.hex4(low + 2);
          if (lowCp < 0xdc00 || lowCp > 0xdfff) return false;
          cp = 0x10000 + (((cp & 0x3ff) << 10) | (lowCp & 0x3ff));
          escapeLength = 12;
        }
        if (live) {
          if (cp === 0) live = false;
          else if (cp < 0x80) {
            if (JSON_ESC[cp] !== 0) writeJsonEscByte(out, cp);
            else out.byte(cp);
          } else if (cp < 0x800) {
            out.byte(0xc0 | (cp >> 6));
            out.byte(0x80 | (cp & 0x3f));
          } else if (cp < 0x10000) {
            out.byte(0xe0 | (cp >> 12));
            out.byte(0x80 | ((cp >> 6) & 0x3f));
            out.byte(0x80 | (cp & 0x3f));
          } else {
            out.byte(0xf0 | (cp >> 18));
            out.byte(0x80 | ((cp >> 12) & 0x3f));
            out.byte(0x80 | ((cp >> 6) & 0x3f));
            out.byte(0x80 | (cp & 0x3f));
          }
        }
        i += escapeLength;
      }
      run = i;
    }
    if (live) out.bytes(src, run, close);
    out.byte(0x22);
    this.pos = close + 1;
    return true;
  }

  private number(): boolean {
    const src = this.src;
    const start = this.pos;
    let runEnd = start;
    while (runEnd < this.end && isNumberByte(src[runEnd])) runEnd++;
    // longest prefix strtod() accepts
    let j = start;
    if (j < runEnd && (src[j] === 0x2d || src[j] === 0x2b)) j++;
    let digits = 0;
    while (j < runEnd && isDigitByte(src[j])) {
      j++;
      digits++;
    }
    if (j < runEnd && src[j] === 0x2e) {
      j++;
      while (j < runEnd && isDigitByte(src[j])) {
        j++;
        digits++;
      }
    }
    if (digits === 0) return false;
    if (j < runEnd && (src[j] === 0x65 || src[j] === 0x45)) {
      let k = j + 1;
      if (k < runEnd && (src[k] === 0x2b || src[k] === 0x2d)) k++;
      if (k < runEnd && isDigitByte(src[k])) {
        while (k < runEnd && isDigitByte(src[k])) k++;
        j = k;
      }
    }
    let text = '';
    for (let k = start; k < j; k++) text += String.fromCharCode(src[k]);
    this.out.ascii(fmtJsonNumber(Number(text)));
    this.pos = j;
    return true;
  }

  private literal(word: string): boolean {
    const n = word.length;
    if (this.end - this.pos < n) return false;
    for (let k = 0; k < n; k++) if (this.src[this.pos + k] !== word.charCodeAt(k)) return false;
    this.pos += n;
    this.out.ascii(word);
    return true;
  }

  /** nesting: how deep the parser is so far; printDepth: cJSON's print depth of the enclosing container. */
  private value(nesting: number, printDepth: number): boolean {
    if (this.pos >= this.end) return false;
    const c = this.src[this.pos];
    switch (c) {
      case 0x6e:
        return this.literal('null');
      case 0x66:
        return this.literal('false');
      case 0x74:
        return this.literal('true');
      case 0x22:
        return this.string();
      case 0x5b:
        return this.array(nesting, printDepth);
      case 0x7b:
        return this.object(nesting, printDepth);
      default:
        if (c === 0x2d || isDigitByte(c)) return this.number();
        return false;
    }
  }

  /** The byte at `pos` is `c`: step over it. */
  private take(c: number): boolean {
    if (this.pos < this.end && this.src[this.pos] === c) {
      this.pos++;
      return true;
    }
    return false;
  }

  private array(nesting: number, printDepth: number): boolean {
    if (nesting >= NESTING_LIMIT) return false;
    const out = this.out;
    this.pos++;
    out.byte(0x5b);
    this.skipWhitespace();
    if (this.take(0x5d)) {
      out.byte(0x5d);
      return true;
    }
    let first = true;
    for (;;) {
      if (!first) {
        out.byte(0x2c);
        if (this.pretty) out.byte(SP);
      }
      first = false;
      this.skipWhitespace();
      if (!this.value(nesting + 1, printDepth + 1)) return false;
      this.skipWhitespace();
      if (!this.take(0x2c)) break;
    }
    if (!this.take(0x5d)) return false;
    out.byte(0x5d);
    return true;
  }

  private object(nesting: number, printDepth: number): boolean {
    if (nesting >= NESTING_LIMIT) return false;
    const out = this.out;
    const depth = printDepth + 1;
    this.pos++;
    out.byte(0x7b);
    this.skipWhitespace();
    if (!this.take(0x7d)) {
      let first = true;
      for (;;) {
        if (!first) out.byte(0x2c);
        first = false;
        if (this.pretty) {
          out.byte(0x0a);
          writeTabs(out, depth);
        }
        this.skipWhitespace();
        if (this.pos >= this.end || this.src[this.pos] !== 0x22) return false;
        if (!this.string()) return false;
        this.skipWhitespace();
        if (!this.take(0x3a)) return false;
        out.byte(0x3a);
        if (this.pretty) out.byte(0x09);
        this.skipWhitespace();
        if (!this.value(nesting + 1, depth)) return false;
        this.skipWhitespace();
        if (!this.take(0x2c)) break;
      }
      if (!this.take(0x7d)) return false;
    }
    if (this.pretty) {
      out.byte(0x0a);
      writeTabs(out, depth - 1);
    }
    out.byte(0x7d);
    return true;
  }
}

/** Re-print a JSON payload as a value at print depth `printDepth`; false (and nothing written) if invalid. */
export function writeJsonPayload(o: Out, payload: Uint8Array, pretty: boolean, printDepth: number): boolean {
  const mark = o.pos;
  const ok = new JsonReprinter(payload, o, pretty).payload(printDepth);
  if (!ok) o.pos = mark;
  return ok;
}
