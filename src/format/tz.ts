/**
 * Time zones, TZ honoured like glibc: zoneinfo files and POSIX TZ strings.
 */
import { readFileSync } from 'node:fs';

export interface TzType {
  off: number; // seconds east of UTC
  isdst: boolean;
  abbr: string;
}

export interface Zone {
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

export function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
export function daysFromCivil(y: number, m: number, d: number): number {
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

/**
 * Windows has no zoneinfo files: a zone by its IANA name (TZ=Europe/Berlin), or the system's
 * (undefined), from the time zone data built into Node (ICU). Null for a name ICU does not know
 * (TZ is then read as a POSIX TZ string, as the C library reads it).
 */
function intlZone(name: string | undefined): Zone | null {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      timeZoneName: 'short',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return null;
  }
  const at = (t: number) => {
    const p: Record<string, string> = {};
    for (const { type, value } of format.formatToParts(t * 1000)) p[type] = value;
    const local =
      Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) /
      1000;
    return { off: local - Math.floor(t), abbr: p.timeZoneName ?? 'UTC' };
  };
  return {
    info(t: number): TzType {
      const { off, abbr } = at(t);
      // Daylight saving time: ahead of the year's standard (smaller) offset.
      const year = new Date(t * 1000).getUTCFullYear();
      const standard = Math.min(at(Date.UTC(year, 0, 1) / 1000).off, at(Date.UTC(year, 6, 1) / 1000).off);
      return { off, isdst: off > standard, abbr };
    },
  };
}

/**
 * The local time zone as glibc's tzset() would determine it from TZ (read once by each
 * formatter: strftime.ts's createTimeCache).
 */
export function localZone(): Zone {
  const tzEnv = process.env.TZ;
  const windows = process.platform === 'win32';
  if (tzEnv === undefined) return (windows ? intlZone(undefined) : readZoneFile('/etc/localtime')) ?? UTC_ZONE;
  if (tzEnv === '') return UTC_ZONE;
  const spec = tzEnv.startsWith(':') ? tzEnv.slice(1) : tzEnv;
  const dir = process.env.TZDIR || '/usr/share/zoneinfo';
  const path = spec.startsWith('/') ? spec : `${dir}/${spec}`;
  const named = spec === '' ? null : windows && !process.env.TZDIR ? intlZone(spec) : readZoneFile(path);
  return named ?? (spec === '' ? UTC_ZONE : parsePosixTz(spec));
}
