/**
 * Output formatting for tssub: the bytes mosquitto_sub 2.0.11 writes to stdout
 * for each received message (payload-only, -v, -N and -F formats, incl. %j/%J).
 *
 * The behaviour was established by running the real mosquitto_sub 2.0.11 and
 * comparing outputs byte for byte; it is implemented here independently.
 *
 * Design: the -F string is compiled once into a list of small closures that
 * append to a reusable output buffer; the per-message path does no parsing of
 * the format and copies binary payloads as Buffers.
 */
import { stderr } from './cli.ts';
import { readFileSync } from 'node:fs';
import type { IPublishPacket } from 'mqtt-packet';
import { bytesOf } from './words.ts';

export interface FormatOptions {
  /** -F argument, undefined when not given */
  format?: string;
  /** -v */
  verbose: boolean;
  /** -N */
  noEol: boolean;
  /** --pretty (indented %j / %J output) */
  pretty: boolean;
  /**
   * Receives stderr lines (without the trailing newline) that mosquitto_sub
   * prints while formatting a message; today only
   * "Error: Message payload is not valid JSON on topic <topic>." for %J.
   * Default: written to process.stderr followed by "\n".
   */
  onError?: (line: string) => void;
}

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

/** Wall-clock receive time (UNIX epoch). */
export interface Timestamp {
  sec: number;
  nsec: number;
}

// ---------------------------------------------------------------------------
// Clock

// Wall-clock milliseconds at process.hrtime 0, anchored on first use. (process.hrtime needs
// no module: reading `performance` would load perf_hooks and a dozen modules at start-up.)
let clockBase: number | undefined;

/**
 * Anchors the monotonic clock on the wall clock at the moment Date.now() moves on to its
 * next millisecond (a wait of up to 1 ms, once): anchored at any other moment, every time
 * after it would be off by up to a millisecond, and the first one would end in 000000 ns.
 */
function anchor(): void {
  let start = Date.now();
  let prev = Number(process.hrtime.bigint()) / 1e6;
  for (let ticks = 0; ;) {
    const rel = Number(process.hrtime.bigint()) / 1e6;
    const wall = Date.now();
    if (wall !== start) {
      // The tick came between the previous reading and this one: accept it if the two were
      // close together (no pause of this process between them), or after a few tries.
      if (Number(process.hrtime.bigint()) / 1e6 - prev < 0.05 || ++ticks >= 5) {
        clockBase = wall - rel;
        return;
      }
      start = wall;
    }
    prev = rel;
  }
}

/** Best available wall-clock time with sub-millisecond precision. */
export function now(): Timestamp {
  if (clockBase === undefined) anchor();
  let ms = clockBase! + Number(process.hrtime.bigint()) / 1e6;
  const wall = Date.now();
  // The monotonic clock does not follow wall-clock adjustments: anchor again when the two
  // drift apart (Date.now() has whole milliseconds only).
  if (ms - wall > 2 || wall - ms > 2) {
    anchor();
    ms = clockBase! + Number(process.hrtime.bigint()) / 1e6;
  }
  let sec = Math.floor(ms / 1000);
  let nsec = Math.round((ms - sec * 1000) * 1e6);
  if (nsec >= 1e9) {
    sec += 1;
    nsec -= 1e9;
  } else if (nsec < 0) {
    nsec = 0;
  }
  return { sec, nsec };
}

// ---------------------------------------------------------------------------
// Output buffer

class Out {
  buf: Buffer = Buffer.allocUnsafe(8192);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.pos + n) size *= 2;
      const nb = Buffer.allocUnsafe(size);
      this.buf.copy(nb, 0, 0, this.pos);
      this.buf = nb;
    }
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    if (n <= 0) return;
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    if (n < 16) {
      for (let i = start; i < end; i++) b[p++] = src[i];
      this.pos = p;
      return;
    }
    b.set(start === 0 && n === src.length ? src : src.subarray(start, end), p);
    this.pos = p + n;
  }

  /** Append a string whose characters are all < 0x100 (written as Latin-1). */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    if (n < 24) {
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    } else {
      p += b.write(s, p, 'latin1');
    }
    this.pos = p;
  }

  utf8(s: string): void {
    const n = s.length;
    this.ensure(n * 3);
    if (n < 64) {
      // short strings: plain ASCII copy is much cheaper than a native call
      const b = this.buf;
      let p = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        this.pos = p;
        return;
      }
      this.pos = p + b.write(i === 0 ? s : s.slice(i), p, 'utf8');
      return;
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** Append a non-negative integer zero-padded to exactly `width` digits. */
  digits(n: number, width: number): void {
    this.ensure(width);
    const b = this.buf;
    let p = this.pos + width;
    this.pos = p;
    for (let k = 0; k < width; k++) {
      const q = Math.floor(n / 10);
      b[--p] = 0x30 + (n - q * 10);
      n = q;
    }
  }

  fill(ch: number, n: number): void {
    if (n <= 0) return;
    this.ensure(n);
    this.buf.fill(ch, this.pos, this.pos + n);
    this.pos += n;
  }

  take(): Buffer {
    const r = Buffer.allocUnsafe(this.pos);
    this.buf.copy(r, 0, 0, this.pos);
    return r;
  }
}

const SP = 0x20;
const ZERO = 0x30;

// ---------------------------------------------------------------------------
// Time zones (TZ honoured like glibc: zoneinfo files and POSIX TZ strings)

interface TzType {
  off: number; // seconds east of UTC
  isdst: boolean;
  abbr: string;
}

interface Zone {
  info(t: number): TzType;
  /** Leap-second correction to subtract (zoneinfo "right/" zones), if any. */
  leap?(t: number): number;
  /** True when t is an inserted leap second (shown as second 60). */
  leapHit?(t: number): boolean;
}

const UTC_ZONE: Zone = { info: () => ({ off: 0, isdst: false, abbr: 'UTC' }) };

interface PosixRule {
  kind: 'J' | 'D' | 'M';
  n: number; // J/D day number, or M month
  w: number;
  d: number;
  secs: number; // local time of day of the change
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function ruleDay(year: number, r: PosixRule): number {
  // like glibc, years up to 1970 count from 1970-01-01 (so such rules never
  // switch before 1970) while the day-of-year arithmetic uses the real year
  const jan1 = year > 1970 ? daysFromCivil(year, 1, 1) : 0;
  if (r.kind === 'J') {
    let day = jan1 + r.n - 1;
    if (r.n >= 60 && isLeap(year)) day += 1;
    return day;
  }
  if (r.kind === 'D') return jan1 + r.n;
  const first = daysFromCivil(year, r.n, 1);
  const firstWday = (((first + 4) % 7) + 7) % 7;
  let mday = 1 + ((r.d - firstWday + 7) % 7) + (r.w - 1) * 7;
  const mlen = MONTH_DAYS[r.n - 1] + (r.n === 2 && isLeap(year) ? 1 : 0);
  while (mday > mlen) mday -= 7;
  return jan1 + (first - daysFromCivil(year, 1, 1)) + mday - 1;
}

class PosixZone implements Zone {
  constructor(
    readonly std: TzType,
    readonly dst: TzType | null,
    readonly start: PosixRule,
    readonly end: PosixRule,
  ) {}

  info(t: number): TzType {
    const dst = this.dst;
    if (!dst) return this.std;
    const year = new Date(t * 1000).getUTCFullYear();
    const startT = ruleDay(year, this.start) * 86400 + this.start.secs - this.std.off;
    const endT = ruleDay(year, this.end) * 86400 + this.end.secs - dst.off;
    const inDst = startT > endT ? t < endT || t >= startT : t >= startT && t < endT;
    return inDst ? dst : this.std;
  }
}

/** Parse a POSIX TZ string the way glibc does, including its fallbacks. */
function parsePosixTz(s: string): Zone {
  let i = 0;
  const isAlpha = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  const isDigit = (c: string) => c >= '0' && c <= '9';
  const name = (): string | null => {
    if (s[i] === '<') {
      const st = i + 1;
      let j = st;
      while (j < s.length && (isAlpha(s[j]) || isDigit(s[j]) || s[j] === '+' || s[j] === '-')) j++;
      if (s[j] !== '>' || j - st < 3) return null;
      i = j + 1;
      return s.slice(st, j);
    }
    const st = i;
    let j = i;
    while (j < s.length && isAlpha(s[j])) j++;
    if (j - st < 3) return null;
    i = j;
    return s.slice(st, j);
  };
  const num = (): number | null => {
    const st = i;
    while (i < s.length && isDigit(s[i])) i++;
    return i > st ? Number(s.slice(st, i)) : null;
  };
  // [+-]hh[:mm[:ss]] -> seconds (hours capped at 24, minutes/seconds at 59 like glibc)
  const hms = (maxH: number): number | null => {
    const h = num();
    if (h === null) return null;
    let m = 0;
    let sec = 0;
    if (s[i] === ':') {
      i++;
      m = num() ?? 0;
      if (s[i] === ':') {
        i++;
        sec = num() ?? 0;
      }
    }
    return Math.min(h, maxH) * 3600 + Math.min(m, 59) * 60 + Math.min(sec, 59);
  };
  const offset = (): number | null => {
    let sign = -1; // POSIX offsets are west of UTC
    if (s[i] === '+' || s[i] === '-') {
      sign = s[i] === '-' ? 1 : -1;
      i++;
    } else if (!isDigit(s[i] ?? '')) {
      return null;
    }
    const v = hms(24);
    return v === null ? null : sign * v;
  };
  const rule = (dflt: string): PosixRule | null => {
    if (s[i] === ',') i++;
    let r: PosixRule;
    if (i >= s.length) {
      const m = /^M(\d+)\.(\d+)\.(\d+)$/.exec(dflt)!;
      return { kind: 'M', n: +m[1], w: +m[2], d: +m[3], secs: 7200 };
    }
    if (s[i] === 'J') {
      i++;
      const n = num();
      if (n === null || n < 1 || n > 365) return null;
      r = { kind: 'J', n, w: 0, d: 0, secs: 7200 };
    } else if (isDigit(s[i])) {
      const n = num()!;
      if (n > 365) return null;
      r = { kind: 'D', n, w: 0, d: 0, secs: 7200 };
    } else if (s[i] === 'M') {
      i++;
      const m = num();
      if (m === null || s[i] !== '.') return null;
      i++;
      const w = num();
      if (w === null || s[i] !== '.') return null;
      i++;
      const d = num();
      if (d === null || m < 1 || m > 12 || w < 1 || w > 5 || d > 6) return null;
      r = { kind: 'M', n: m, w, d, secs: 7200 };
    } else {
      return null;
    }
    if (s[i] === '/') {
      i++;
      let sign = 1;
      if (s[i] === '+' || s[i] === '-') {
        sign = s[i] === '-' ? -1 : 1;
        i++;
      }
      const v = hms(167);
      if (v === null) return null;
      r.secs = sign * v;
    }
    return r;
  };

  const stdName = name();
  if (stdName === null) return { info: () => ({ off: 0, isdst: false, abbr: '' }) };
  const stdOff = offset();
  if (stdOff === null) return { info: () => ({ off: 0, isdst: false, abbr: stdName }) };
  const std: TzType = { off: stdOff, isdst: false, abbr: stdName };
  if (i >= s.length) return { info: () => std };
  const dstName = name();
  if (dstName === null) return { info: () => std };
  const dstOff = offset() ?? stdOff + 3600;
  const dst: TzType = { off: dstOff, isdst: true, abbr: dstName };
  const start = rule('M3.2.0');
  const end = start ? rule('M11.1.0') : null;
  if (!start || !end) return { info: () => std };
  return new PosixZone(std, dst, start, end);
}

class TzifZone implements Zone {
  constructor(
    readonly trans: number[],
    readonly idx: number[],
    readonly types: TzType[],
    readonly footer: Zone | null,
    readonly leaps: number[], // pairs: time, correction
  ) {}

  leap(t: number): number {
    const l = this.leaps;
    for (let k = l.length - 2; k >= 0; k -= 2) if (t >= l[k]) return l[k + 1];
    return 0;
  }

  leapHit(t: number): boolean {
    const l = this.leaps;
    for (let k = l.length - 2; k >= 0; k -= 2) {
      if (t > l[k]) return false;
      if (t === l[k]) return l[k + 1] > (k === 0 ? 0 : l[k - 1]);
    }
    return false;
  }

  info(t: number): TzType {
    const tr = this.trans;
    const n = tr.length;
    if (n === 0 || t >= tr[n - 1]) {
      if (this.footer) return this.footer.info(t);
      return n === 0 ? this.types[0] : this.types[this.idx[n - 1]];
    }
    if (t < tr[0]) {
      for (const ty of this.types) if (!ty.isdst) return ty;
      return this.types[0];
    }
    let lo = 0;
    let hi = n - 1; // tr[lo] <= t < tr[hi]
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (tr[mid] <= t) lo = mid;
      else hi = mid;
    }
    return this.types[this.idx[lo]];
  }
}

function parseTzif(b: Buffer): Zone | null {
  if (b.length < 44 || b.toString('latin1', 0, 4) !== 'TZif') return null;
  const version = b[4];
  const counts = (p: number) => ({
    isut: b.readUInt32BE(p + 20),
    isstd: b.readUInt32BE(p + 24),
    leap: b.readUInt32BE(p + 28),
    time: b.readUInt32BE(p + 32),
    type: b.readUInt32BE(p + 36),
    chars: b.readUInt32BE(p + 40),
  });
  let c = counts(0);
  let p = 44;
  let tsize = 4;
  if (version >= 0x32) {
    // skip the 32-bit block and use the 64-bit one
    p += c.time * 5 + c.type * 6 + c.chars + c.leap * 8 + c.isstd + c.isut;
    if (b.length < p + 44 || b.toString('latin1', p, p + 4) !== 'TZif') return null;
    c = counts(p);
    p += 44;
    tsize = 8;
  }
  const need = c.time * (tsize + 1) + c.type * 6 + c.chars;
  if (b.length < p + need || c.type === 0) return null;
  const trans: number[] = [];
  for (let k = 0; k < c.time; k++) {
    trans.push(tsize === 8 ? Number(b.readBigInt64BE(p + k * 8)) : b.readInt32BE(p + k * 4));
  }
  p += c.time * tsize;
  const idx: number[] = [];
  for (let k = 0; k < c.time; k++) idx.push(Math.min(b[p + k], c.type - 1));
  p += c.time;
  const charsAt = p + c.type * 6;
  const types: TzType[] = [];
  for (let k = 0; k < c.type; k++) {
    const q = p + k * 6;
    const ai = b[q + 5];
    let e = charsAt + ai;
    while (e < charsAt + c.chars && b[e] !== 0) e++;
    types.push({ off: b.readInt32BE(q), isdst: b[q + 4] !== 0, abbr: b.toString('latin1', charsAt + ai, e) });
  }
  p = charsAt + c.chars;
  const leaps: number[] = [];
  for (let k = 0; k < c.leap; k++) {
    const q = p + k * (tsize + 4);
    if (q + tsize + 4 > b.length) break;
    leaps.push(tsize === 8 ? Number(b.readBigInt64BE(q)) : b.readInt32BE(q), b.readInt32BE(q + tsize));
  }
  p += c.leap * (tsize + 4) + c.isstd + c.isut;
  let footer: Zone | null = null;
  if (tsize === 8 && b[p] === 0x0a) {
    const e = b.indexOf(0x0a, p + 1);
    if (e > p + 1) footer = parsePosixTz(b.toString('latin1', p + 1, e));
  }
  return new TzifZone(trans, idx, types, footer, leaps);
}

function readZoneFile(path: string): Zone | null {
  try {
    return parseTzif(readFileSync(path));
  } catch {
    return null;
  }
}

const zoneCache = new Map<string | undefined, Zone>();

/** The local time zone as glibc's tzset() would determine it from TZ. */
function localZone(): Zone {
  const tzEnv = process.env.TZ;
  let z = zoneCache.get(tzEnv);
  if (z) return z;
  if (tzEnv === undefined) {
    z = readZoneFile('/etc/localtime') ?? UTC_ZONE;
  } else if (tzEnv === '') {
    z = UTC_ZONE;
  } else {
    const spec = tzEnv.startsWith(':') ? tzEnv.slice(1) : tzEnv;
    const dir = process.env.TZDIR || '/usr/share/zoneinfo';
    const path = spec.startsWith('/') ? spec : `${dir}/${spec}`;
    z = (spec !== '' ? readZoneFile(path) : null) ?? (spec === '' ? UTC_ZONE : parsePosixTz(spec));
  }
  zoneCache.set(tzEnv, z);
  return z;
}

// ---------------------------------------------------------------------------
// Broken-down local time and strftime (C locale, glibc conversions)

interface Tm {
  t: number;
  year: number;
  mon: number; // 1-12
  mday: number;
  hour: number;
  min: number;
  sec: number;
  wday: number; // 0 = Sunday
  yday: number; // 0-based
  off: number;
  abbr: string;
}

function localTm(zone: Zone, t: number): Tm {
  const z = zone.info(t);
  const hit = zone.leapHit ? zone.leapHit(t) : false;
  const lt = t + z.off - (zone.leap ? zone.leap(t) : 0);
  const days = Math.floor(lt / 86400);
  const sod = lt - days * 86400;
  // civil from days (proleptic Gregorian)
  const zz = days + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const mday = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const mon = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (mon <= 2 ? 1 : 0);
  return {
    t,
    year,
    mon,
    mday,
    hour: Math.floor(sod / 3600),
    min: Math.floor((sod % 3600) / 60),
    sec: (sod % 60) + (hit ? 1 : 0),
    wday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1),
    off: z.off,
    abbr: z.abbr,
  };
}

const DAY_ABBR = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAY_FULL = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MON_ABBR = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MON_FULL = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

function p2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}
function s2(n: number): string {
  return n < 10 ? ' ' + n : String(n);
}
function p3(n: number): string {
  return n < 10 ? '00' + n : n < 100 ? '0' + n : String(n);
}

/** ISO 8601 week-based year and week number. */
function isoWeek(tm: Tm): [number, number] {
  const isoWday = tm.wday === 0 ? 7 : tm.wday; // Monday = 1
  const weeksIn = (y: number, jan1Wday: number) =>
    jan1Wday === 4 || (jan1Wday === 3 && isLeap(y)) ? 53 : 52;
  const week = Math.floor((tm.yday + 1 - isoWday + 10) / 7);
  const jan1 = (((tm.wday - (tm.yday % 7)) % 7) + 7) % 7;
  if (week < 1) {
    const py = tm.year - 1;
    const pj = (((jan1 - (isLeap(py) ? 366 : 365)) % 7) + 7) % 7;
    return [py, weeksIn(py, pj)];
  }
  if (week > weeksIn(tm.year, jan1)) return [tm.year + 1, 1];
  return [tm.year, week];
}

function tzOffset(off: number): string {
  const sign = off < 0 ? '-' : '+';
  const m = Math.floor(Math.abs(off) / 60);
  const v = Math.floor(m / 60) * 100 + (m % 60);
  return sign + (v < 10 ? '000' : v < 100 ? '00' : v < 1000 ? '0' : '') + v;
}

function hour12(h: number): number {
  return h % 12 === 0 ? 12 : h % 12;
}

/** Output of strftime conversions that do not depend on the time (C locale, glibc). */
function strftimeConst(ch: string): string | null {
  switch (ch) {
    case 'n': return '\n';
    case 't': return '\t';
    case '%': return '%';
    default:
      // glibc copies unknown conversions (and lone modifiers like %E, %O) verbatim
      return 'aAbBcCdDeFgGhHIjklmMpPrRsSTuUVwWxXyYzZ'.includes(ch) ? null : '%' + ch;
  }
}

/** One time-dependent strftime conversion (the character after '%'), C locale. */
function strftimeConv(ch: string): (tm: Tm) => string {
  switch (ch) {
    case 'a': return (tm) => DAY_ABBR[tm.wday];
    case 'A': return (tm) => DAY_FULL[tm.wday];
    case 'b':
    case 'h': return (tm) => MON_ABBR[tm.mon - 1];
    case 'B': return (tm) => MON_FULL[tm.mon - 1];
    case 'c':
      return (tm) =>
        `${DAY_ABBR[tm.wday]} ${MON_ABBR[tm.mon - 1]} ${s2(tm.mday)} ${p2(tm.hour)}:${p2(tm.min)}:${p2(tm.sec)} ${tm.year}`;
    case 'C': return (tm) => p2(Math.floor(tm.year / 100));
    case 'd': return (tm) => p2(tm.mday);
    case 'D':
    case 'x': return (tm) => `${p2(tm.mon)}/${p2(tm.mday)}/${p2(((tm.year % 100) + 100) % 100)}`;
    case 'e': return (tm) => s2(tm.mday);
    case 'F': return (tm) => `${tm.year}-${p2(tm.mon)}-${p2(tm.mday)}`;
    case 'g': return (tm) => p2(((isoWeek(tm)[0] % 100) + 100) % 100);
    case 'G': return (tm) => String(isoWeek(tm)[0]);
    case 'H': return (tm) => p2(tm.hour);
    case 'I': return (tm) => p2(hour12(tm.hour));
    case 'j': return (tm) => p3(tm.yday + 1);
    case 'k': return (tm) => s2(tm.hour);
    case 'l': return (tm) => s2(hour12(tm.hour));
    case 'm': return (tm) => p2(tm.mon);
    case 'M': return (tm) => p2(tm.min);
    case 'p': return (tm) => (tm.hour < 12 ? 'AM' : 'PM');
    case 'P': return (tm) => (tm.hour < 12 ? 'am' : 'pm');
    case 'r': return (tm) => `${p2(hour12(tm.hour))}:${p2(tm.min)}:${p2(tm.sec)} ${tm.hour < 12 ? 'AM' : 'PM'}`;
    case 'R': return (tm) => `${p2(tm.hour)}:${p2(tm.min)}`;
    case 's': return (tm) => String(tm.t);
    case 'S': return (tm) => p2(tm.sec);
    case 'T':
    case 'X': return (tm) => `${p2(tm.hour)}:${p2(tm.min)}:${p2(tm.sec)}`;
    case 'u': return (tm) => String(tm.wday === 0 ? 7 : tm.wday);
    case 'U': return (tm) => p2(Math.floor((tm.yday + 7 - tm.wday) / 7));
    case 'V': return (tm) => p2(isoWeek(tm)[1]);
    case 'w': return (tm) => String(tm.wday);
    case 'W': return (tm) => p2(Math.floor((tm.yday + 7 - ((tm.wday + 6) % 7)) / 7));
    case 'y': return (tm) => p2(((tm.year % 100) + 100) % 100);
    case 'Y': return (tm) => String(tm.year);
    case 'z': return (tm) => tzOffset(tm.off);
    case 'Z': return (tm) => tm.abbr;
    default: throw new Error(`no strftime conversion %${ch}`);
  }
}

// ---------------------------------------------------------------------------
// JSON output (cJSON-compatible printing, as used by mosquitto_sub)

const HEX_LOWER = '0123456789abcdef';
const HEX_UPPER = '0123456789ABCDEF';
const HEX_PAIRS_L = new Uint16Array(256);
const HEX_PAIRS_U = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  // high byte: first hex digit, low byte: second one
  HEX_PAIRS_L[i] = (HEX_LOWER.charCodeAt(i >> 4) << 8) | HEX_LOWER.charCodeAt(i & 15);
  HEX_PAIRS_U[i] = (HEX_UPPER.charCodeAt(i >> 4) << 8) | HEX_UPPER.charCodeAt(i & 15);
}

/** Bytes needing an escape in a JSON string: '"', '\\' and < 0x20. */
const JSON_ESC = new Uint8Array(256);
for (let i = 0; i < 0x20; i++) JSON_ESC[i] = 1;
JSON_ESC[0x22] = 1;
JSON_ESC[0x5c] = 1;

function writeJsonEscByte(o: Out, c: number): void {
  o.ensure(6);
  const b = o.buf;
  let p = o.pos;
  b[p++] = 0x5c;
  switch (c) {
    case 0x22: b[p++] = 0x22; break;
    case 0x5c: b[p++] = 0x5c; break;
    case 0x08: b[p++] = 0x62; break; // b
    case 0x0c: b[p++] = 0x66; break; // f
    case 0x0a: b[p++] = 0x6e; break; // n
    case 0x0d: b[p++] = 0x72; break; // r
    case 0x09: b[p++] = 0x74; break; // t
    default:
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
 * value ends at the first NUL byte. Returns false if a NUL was met.
 */
function writeJsonStrBytes(o: Out, s: Uint8Array, start: number, end: number): boolean {
  let run = start;
  for (let i = start; i < end; i++) {
    const c = s[i];
    if (JSON_ESC[c] === 0) continue;
    o.bytes(s, run, i);
    if (c === 0) return false;
    writeJsonEscByte(o, c);
    run = i + 1;
  }
  o.bytes(s, run, end);
  return true;
}

const JSON_ESC_RE = /["\\\u0000-\u001f]/;

function writeJsonStr(o: Out, s: string): void {
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
function fmtG(d: number, p: number): string {
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
function fmtJsonNumber(d: number): string {
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
  const s = fmtG(d, 15);
  const t = Number(s);
  const max = Math.max(Math.abs(t), Math.abs(d));
  if (Math.abs(t - d) <= max * Number.EPSILON) return s;
  return fmtG(d, 17);
}

const TABS = '\t'.repeat(64);
function writeTabs(o: Out, n: number): void {
  while (n > 64) {
    o.ascii(TABS);
    n -= 64;
  }
  if (n > 0) o.bytes(TABS_BUF, 0, n);
}
const TABS_BUF = Buffer.from(TABS, 'latin1');

/**
 * Validates a payload as JSON with cJSON's grammar and writes it re-printed the
 * way cJSON prints it (compact or "formatted"). Module-level state for speed.
 */
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
function writeJsonPayload(o: Out, payload: Uint8Array, pretty: boolean, pdepth: number): boolean {
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

const EMPTY = new Uint8Array(0);

// ---------------------------------------------------------------------------
// Message helpers

type Props = NonNullable<IPublishPacket['properties']>;

interface Ctx {
  msg: IPublishPacket;
  payload: Buffer;
  ts: Timestamp;
}

type Op = (c: Ctx) => void;

function numProp(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.length ? numProp(v[0]) : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number(v);
}

function eachUserProp(up: Props['userProperties'], fn: (k: string, v: string) => void): void {
  if (!up) return;
  for (const k of Object.keys(up)) {
    const v = up[k];
    if (Array.isArray(v)) for (const x of v) fn(k, String(x));
    else fn(k, String(v));
  }
}

// ---------------------------------------------------------------------------
// The formatter

interface Spec {
  left: boolean;
  zero: boolean;
  width: number; // 0 = none
  prec: number; // -1 = none
}

/** Append an integer like printf("%[-][0]<w>d"). */
function writeInt(o: Out, n: number, sp: Spec): void {
  const s = String(n);
  const pad = sp.width - s.length;
  if (pad > 0 && !sp.left) o.fill(sp.zero ? ZERO : SP, pad);
  o.ascii(s);
  if (pad > 0 && sp.left) o.fill(SP, pad);
}

/** Append bytes like printf("%[-]<w>.<p>s") (zero flag ignored). */
function writeStrField(o: Out, b: Uint8Array, sp: Spec): void {
  let n = b.length;
  if (sp.prec >= 0 && n > sp.prec) n = sp.prec;
  const pad = sp.width - n;
  if (pad > 0 && !sp.left) o.fill(SP, pad);
  o.bytes(b, 0, n);
  if (pad > 0 && sp.left) o.fill(SP, pad);
}

function writeStrFieldS(o: Out, s: string, sp: Spec): void {
  if (sp.width === 0 && sp.prec < 0) o.utf8(s);
  else writeStrField(o, Buffer.from(s, 'utf8'), sp);
}

/** %p / %x / %X with mosquitto_sub's field handling. */
function writePayloadField(o: Out, p: Buffer, sp: Spec, hex: Uint16Array | null): void {
  const len = p.length;
  let n = len; // bytes to print
  let pad: number;
  if (sp.width > 0) {
    if (n > sp.width) n = sp.width;
    if (hex) {
      n = n >> 1;
      pad = sp.width - 2 * n;
    } else {
      pad = sp.width - n;
    }
  } else {
    // no width: right alignment pads nothing, left alignment appends one blank per payload byte
    pad = sp.left ? len : 0;
  }
  if (pad > 0 && !sp.left) o.fill(sp.zero ? ZERO : SP, pad);
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
  if (pad > 0 && sp.left) o.fill(SP, pad);
}

const PROP_JSON_NAMES: Record<string, string> = {
  payloadFormatIndicator: 'payload-format-indicator',
  messageExpiryInterval: 'message-expiry-interval',
  topicAlias: 'topic-alias',
  responseTopic: 'response-topic',
  correlationData: 'correlation-data',
  userProperties: 'user-properties',
  subscriptionIdentifier: 'subscription-identifier',
  contentType: 'content-type',
};

function createTimeCache() {
  let zone: Zone | null = null;
  let lastT = NaN;
  let lastTm: Tm | null = null;
  return (t: number): Tm => {
    if (t === lastT && lastTm) return lastTm;
    if (!zone) zone = localZone();
    lastTm = localTm(zone, t);
    lastT = t;
    return lastTm;
  };
}

export function createFormatter(opts: FormatOptions): (msg: IPublishPacket, receivedAt?: Timestamp) => Buffer {
  const out = new Out();
  const eol = !opts.noEol;
  const onError =
    opts.onError ??
    ((line: string) => {
      stderr().write(line + '\n');
    });
  const toBuf = (p: IPublishPacket['payload']): Buffer =>
    typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.isBuffer(p) ? p : Buffer.from(p as Uint8Array);

  if (opts.format === undefined) {
    if (!opts.verbose) {
      // payload only; an empty payload prints nothing at all (not even the newline)
      return (msg) => {
        const p = toBuf(msg.payload);
        const n = p.length;
        if (n === 0) return Buffer.alloc(0);
        const r = Buffer.allocUnsafe(n + (eol ? 1 : 0));
        p.copy(r, 0);
        if (eol) r[n] = 0x0a;
        return r;
      };
    }
    // -v: "topic payload"; an empty payload prints "topic (null)" - or nothing with -N
    return (msg) => {
      const p = toBuf(msg.payload);
      out.pos = 0;
      if (p.length === 0) {
        if (!eol) return Buffer.alloc(0);
        out.utf8(msg.topic);
        out.ascii(' (null)\n');
        return out.take();
      }
      out.utf8(msg.topic);
      out.byte(SP);
      out.bytes(p);
      if (eol) out.byte(0x0a);
      return out.take();
    };
  }

  const { ops, needsTime } = compile(opts.format, out, opts.pretty, onError);
  const nOps = ops.length;
  const ctx: Ctx = { msg: undefined as unknown as IPublishPacket, payload: EMPTY as Buffer, ts: { sec: 0, nsec: 0 } };
  return (msg, receivedAt) => {
    ctx.msg = msg;
    ctx.payload = toBuf(msg.payload);
    ctx.ts = receivedAt ?? (needsTime ? now() : ctx.ts);
    out.pos = 0;
    for (let i = 0; i < nOps; i++) ops[i](ctx);
    if (eol) out.byte(0x0a);
    return out.take();
  };
}

function compile(
  fmt: string,
  o: Out,
  pretty: boolean,
  onError: (line: string) => void,
): { ops: Op[]; needsTime: boolean } {
  const ops: Op[] = [];
  let lit = '';
  let needsTime = false;
  const tmOf = createTimeCache();

  const flush = () => {
    if (lit === '') return;
    const b = bytesOf(lit);
    lit = '';
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
  let isoT = NaN;
  let isoDate = '';
  let isoZone = '';
  const iso = (t: number) => {
    if (t !== isoT) {
      const tm = tmOf(t);
      isoDate = `${tm.year}-${p2(tm.mon)}-${p2(tm.mday)}T${p2(tm.hour)}:${p2(tm.min)}:${p2(tm.sec)}`;
      isoZone = tzOffset(tm.off);
      isoT = t;
    }
  };

  const jsonOp = (raw: boolean): Op => {
    // keys: compact or cJSON "formatted" (tab-indented) layout
    const key = (depth: number, name: string, first: boolean): Buffer =>
      Buffer.from(
        (first ? '' : ',') + (pretty ? '\n' + '\t'.repeat(depth) : '') + `"${name}":` + (pretty ? '\t' : ''),
        'latin1',
      );
    const kTst = key(1, 'tst', true);
    const kTopic = key(1, 'topic', false);
    const kQos = key(1, 'qos', false);
    const kRetain = key(1, 'retain', false);
    const kLen = key(1, 'payloadlen', false);
    const kMid = key(1, 'mid', false);
    const kPropsOpen = Buffer.concat([key(1, 'properties', false), Buffer.from('{')]);
    const kPayload = key(1, 'payload', false);
    const close = (depth: number) => Buffer.from((pretty ? '\n' + '\t'.repeat(depth - 1) : '') + '}', 'latin1');
    const close1 = close(1);
    const close2 = close(2);
    const close3 = close(3);
    const propKeys = new Map<string, [Buffer, Buffer]>();
    for (const [k, n] of Object.entries(PROP_JSON_NAMES)) propKeys.set(k, [key(2, n, true), key(2, n, false)]);
    const upKey = (name: string, first: boolean): void => {
      if (!first) o.byte(0x2c);
      if (pretty) o.ascii('\n\t\t\t');
      writeJsonStr(o, name);
      o.byte(0x3a);
      if (pretty) o.byte(0x09);
    };

    return (c) => {
      const msg = c.msg;
      const p = c.payload;
      const mark = o.pos;
      const t = c.ts.sec;
      iso(t);
      o.byte(0x7b);
      o.bytes(kTst);
      o.byte(0x22);
      o.ascii(isoDate);
      o.byte(0x2e);
      o.digits(Math.floor(c.ts.nsec / 1000) % 1000000, 6);
      // mosquitto_sub 2.0.11 prints a stray 'Z' before the offset here
      // ("...25.495123Z+0000"), which is not valid ISO 8601; we deliberately
      // omit it and print "...25.495123+0000".
      o.ascii(isoZone);
      o.byte(0x22);
      o.bytes(kTopic);
      writeJsonStr(o, msg.topic);
      o.bytes(kQos);
      o.ascii(String(msg.qos));
      o.bytes(kRetain);
      o.byte(msg.retain ? 0x31 : 0x30);
      o.bytes(kLen);
      o.ascii(String(p.length));
      if (msg.qos > 0) {
        o.bytes(kMid);
        o.ascii(String(msg.messageId ?? 0));
      }
      const props = msg.properties;
      if (props) {
        let first = true;
        for (const k in props) {
          const kk = propKeys.get(k);
          const v = (props as Record<string, unknown>)[k];
          if (kk === undefined || v === undefined || v === null) continue;
          if (k === 'subscriptionIdentifier' && Array.isArray(v)) {
            for (const x of v) {
              if (first) o.bytes(kPropsOpen);
              o.bytes(kk[first ? 0 : 1]);
              first = false;
              o.ascii(fmtJsonNumber(numProp(x) ?? 0));
            }
            continue;
          }
          if (k === 'userProperties') {
            const up = v as Record<string, string | string[]>;
            let f2 = true;
            for (const name in up) {
              const val = up[name];
              if (Array.isArray(val)) {
                for (const x of val) {
                  if (f2) {
                    if (first) o.bytes(kPropsOpen);
                    o.bytes(kk[first ? 0 : 1]);
                    first = false;
                    o.byte(0x7b);
                  }
                  upKey(name, f2);
                  f2 = false;
                  writeJsonStr(o, String(x));
                }
              } else {
                if (f2) {
                  if (first) o.bytes(kPropsOpen);
                  o.bytes(kk[first ? 0 : 1]);
                  first = false;
                  o.byte(0x7b);
                }
                upKey(name, f2);
                f2 = false;
                writeJsonStr(o, String(val));
              }
            }
            if (!f2) o.bytes(close3);
            continue;
          }
          if (first) o.bytes(kPropsOpen);
          o.bytes(kk[first ? 0 : 1]);
          first = false;
          if (k === 'responseTopic' || k === 'contentType') {
            writeJsonStr(o, String(v));
          } else if (k === 'correlationData') {
            const b = v instanceof Uint8Array ? v : Buffer.from(String(v), 'utf8');
            o.byte(0x22);
            writeJsonStrBytes(o, b, 0, b.length);
            o.byte(0x22);
          } else {
            o.ascii(fmtJsonNumber(numProp(v) ?? 0));
          }
        }
        if (!first) o.bytes(close2);
      }
      o.bytes(kPayload);
      if (p.length === 0) {
        o.ascii('null');
      } else if (raw) {
        if (!writeJsonPayload(o, p, pretty, 1)) {
          o.pos = mark;
          onError(`Error: Message payload is not valid JSON on topic ${msg.topic}.`);
          return;
        }
      } else {
        o.byte(0x22);
        writeJsonStrBytes(o, p, 0, p.length);
        o.byte(0x22);
      }
      o.bytes(close1);
    };
  };

  const len = fmt.length;
  for (let i = 0; i < len; i++) {
    const ch = fmt[i];
    if (ch === '%') {
      if (i + 1 >= len) throw new FormatError('Error: Incomplete format specifier.');
      i++;
      const sp: Spec = { left: false, zero: false, width: 0, prec: -1 };
      if (fmt[i] === '-') {
        sp.left = true;
        if (++i >= len) throw new FormatError('Error: Incomplete format specifier.');
      }
      if (fmt[i] === '0') {
        sp.zero = true;
        if (++i >= len) throw new FormatError('Error: Incomplete format specifier.');
      }
      while (fmt[i] >= '0' && fmt[i] <= '9') {
        sp.width = sp.width * 10 + (fmt.charCodeAt(i) - 0x30);
        if (++i >= len) throw new FormatError('Error: Incomplete format specifier.');
      }
      if (fmt[i] === '.') {
        sp.prec = 0;
        if (++i >= len) throw new FormatError('Error: Incomplete format specifier.');
        while (fmt[i] >= '0' && fmt[i] <= '9') {
          sp.prec = sp.prec * 10 + (fmt.charCodeAt(i) - 0x30);
          if (++i >= len) throw new FormatError('Error: Incomplete format specifier.');
        }
      }
      if (sp.left) sp.zero = false;
      const conv = fmt[i];
      switch (conv) {
        case '%':
          lit += '%';
          break;
        case 'A':
        case 'E':
        case 'F':
        case 'S': {
          const name = conv === 'A' ? 'topicAlias' : conv === 'E' ? 'messageExpiryInterval' : conv === 'F' ? 'payloadFormatIndicator' : 'subscriptionIdentifier';
          push((c) => {
            const v = numProp(c.msg.properties?.[name as keyof Props]);
            if (v !== undefined) writeInt(o, v, sp);
            else o.fill(sp.zero ? ZERO : SP, sp.width); // absent: just the padding
          });
          break;
        }
        case 'C':
          push((c) => {
            const v = c.msg.properties?.contentType;
            if (v !== undefined && v !== null) writeStrFieldS(o, String(v), sp);
            else o.fill(SP, sp.width); // absent: blank padding
          });
          break;
        case 'R':
          push((c) => {
            const v = c.msg.properties?.responseTopic;
            if (v !== undefined && v !== null) writeStrFieldS(o, String(v), sp); // absent: nothing at all
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
            iso(c.ts.sec);
            if (sp.width === 0 && sp.prec < 0) {
              o.ascii(isoDate);
              o.ascii(isoZone);
            } else {
              writeStrField(o, Buffer.from(isoDate + isoZone, 'latin1'), sp);
            }
          });
          break;
        case 'j':
        case 'J':
          needsTime = true;
          push(jsonOp(conv === 'J'));
          break;
        case 'l':
          push((c) => writeInt(o, c.payload.length, sp));
          break;
        case 'm':
          push((c) => writeInt(o, c.msg.messageId ?? 0, sp));
          break;
        case 'p':
          if (sp.width === 0 && !sp.left) push((c) => o.bytes(c.payload));
          else push((c) => writePayloadField(o, c.payload, sp, null));
          break;
        case 'x':
        case 'X': {
          const table = conv === 'x' ? HEX_PAIRS_L : HEX_PAIRS_U;
          push((c) => writePayloadField(o, c.payload, sp, table));
          break;
        }
        case 'q':
          push((c) => o.byte(0x30 + c.msg.qos));
          break;
        case 'r':
          push((c) => o.byte(c.msg.retain ? 0x31 : 0x30));
          break;
        case 't':
          if (sp.width === 0 && sp.prec < 0) push((c) => o.utf8(c.msg.topic));
          else push((c) => writeStrField(o, topicBytes(c.msg.topic), sp));
          break;
        case 'U':
          needsTime = true;
          push((c) => {
            o.ascii(String(c.ts.sec));
            o.byte(0x2e);
            o.digits(c.ts.nsec, 9);
          });
          break;
        default:
          // (mosquitto prints only the first byte of a multi-byte character here)
          throw new FormatError(`Error: Invalid format specifier '${String.fromCodePoint(fmt.codePointAt(i)!)}'.`);
      }
    } else if (ch === '@') {
      if (i + 1 >= len) throw new FormatError('Error: Incomplete format specifier.');
      const c2 = fmt[++i];
      if (c2 === '@') {
        lit += '@';
      } else if (c2 === 'N') {
        needsTime = true;
        push((c) => o.digits(c.ts.nsec, 9));
      } else {
        const constant = strftimeConst(c2);
        if (constant !== null) {
          lit += constant;
        } else {
          const conv = strftimeConv(c2);
          needsTime = true;
          let lastT = NaN;
          let lastB: Buffer = Buffer.alloc(0);
          push((c) => {
            const t = c.ts.sec;
            if (t !== lastT) {
              lastB = Buffer.from(conv(tmOf(t)), 'utf8');
              lastT = t;
            }
            o.bytes(lastB);
          });
        }
      }
    } else if (ch === '\\') {
      if (i + 1 >= len) throw new FormatError('Error: Incomplete escape specifier.');
      const c2 = fmt[++i];
      switch (c2) {
        case '\\': lit += '\\'; break;
        case '0': lit += '\0'; break;
        case 'a': lit += '\x07'; break;
        case 'e': lit += '\x1b'; break;
        case 'n': lit += '\n'; break;
        case 'r': lit += '\r'; break;
        case 't': lit += '\t'; break;
        case 'v': lit += '\v'; break;
        default:
          throw new FormatError(`Error: Invalid escape specifier '${String.fromCodePoint(fmt.codePointAt(i)!)}'.`);
      }
    } else {
      lit += ch;
    }
  }
  flush();
  return { ops, needsTime };
}
