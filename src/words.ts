// Command-line words as the bytes the user typed. Node decodes argv as UTF-8 and puts U+FFFD
// in place of every byte that is not, so "-m $'\xff'" would send EF BF BD. mosquitto's tools
// take the bytes as they are: a message, a password or a binary property goes out unchanged,
// and a topic or a user name that is not UTF-8 is refused. Here such bytes are kept in the
// strings as lone surrogates U+DC80..U+DCFF (one per byte), which no valid UTF-8 text
// decodes to; bytesOf() turns a string back into the bytes it came from.
import { readFileSync } from 'node:fs';

/** argv without node and the script, each word as the kernel passed it. */
export function commandLine(argv: readonly string[] = process.argv.slice(2)): string[] {
  // Only a word with U+FFFD in it can differ from its bytes: the usual line costs nothing.
  if (!argv.some((w) => w.includes('\uFFFD'))) return [...argv];
  try {
    const cmdline = readFileSync('/proc/self/cmdline');
    const words: Buffer[] = [];
    let start = 0;
    for (let i = 0; i < cmdline.length; i++) {
      if (cmdline[i] === 0) {
        words.push(cmdline.subarray(start, i));
        start = i + 1;
      }
    }
    const tail = words.slice(words.length - argv.length);
    if (words.length >= argv.length && tail.every((w, i) => w.toString('utf8') === argv[i]))
      return tail.map(decodeBytes);
  } catch {
    // not Linux: the words as Node decoded them
  }
  return [...argv];
}

/** Decodes UTF-8, keeping each byte that is not part of a well-formed sequence as U+DC00+byte. */
export function decodeBytes(b: Buffer): string {
  const text = b.toString('utf8');
  if (!text.includes('\uFFFD')) return text;
  let s = '';
  let i = 0;
  while (i < b.length) {
    const n = sequenceLength(b, i);
    if (n === 0) s += String.fromCharCode(0xdc00 + b[i++]!);
    else {
      s += b.toString('utf8', i, i + n);
      i += n;
    }
  }
  return s;
}

/** Length of the well-formed UTF-8 sequence at b[i] (Unicode's table 3-7), or 0. */
function sequenceLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** The bytes a string stands for: UTF-8, with each kept byte (U+DC80..U+DCFF alone) as itself. */
export function bytesOf(s: string): Buffer {
  if (!SURROGATE.test(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(Buffer.from(s.slice(run, i), 'utf8'), Buffer.of(c - 0xdc00));
      run = i + 1;
    }
  }
  parts.push(Buffer.from(s.slice(run), 'utf8'));
  return Buffer.concat(parts);
}

/** Whether a string is text Node can encode as it is: no kept bytes (no lone surrogates). */
export function isWellFormed(s: string): boolean {
  if (!SURROGATE.test(s)) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

/**
 * Whether a character may stand in MQTT's UTF-8 by the rule libmosquitto applies
 * (mosquitto_validate_utf8): no control characters (U+0000..U+001F, U+007F..U+009F), no
 * surrogates and no non-characters (U+FDD0..U+FDEF, U+xFFFE and U+xFFFF in every plane).
 * Checked on strings here and on the broker's bytes (session/receive.ts validUtf8).
 */
export function isMqttCodePoint(cp: number): boolean {
  if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f)) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  if (cp >= 0xfdd0 && cp <= 0xfdef) return false;
  return (cp & 0xfffe) !== 0xfffe;
}

/**
 * Whether a string is what MQTT accepts as UTF-8 in a topic, a client id, a user name or a
 * string property: well-formed, and every character allowed (isMqttCodePoint).
 */
export function isMqttUtf8(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i)!;
    if (cp > 0xffff) i++;
    if (!isMqttCodePoint(cp)) return false;
  }
  return true;
}
