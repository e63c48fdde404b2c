/**
 * Broken-down local time and strftime (C locale, glibc conversions), for -F's @ conversions,
 * %I and the "tst" of %j/%J.
 */
import { daysFromCivil, isLeap, localZone, type Zone } from './tz.ts';

export interface Tm {
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
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}
function space2(n: number): string {
  return n < 10 ? ' ' + n : String(n);
}
function pad3(n: number): string {
  return n < 10 ? '00' + n : n < 100 ? '0' + n : String(n);
}

/** ISO 8601 week-based year and week number. */
function isoWeek(tm: Tm): [number, number] {
  const isoWday = tm.wday === 0 ? 7 : tm.wday; // Monday = 1
  const weeksIn = (y: number, jan1Wday: number) => (jan1Wday === 4 || (jan1Wday === 3 && isLeap(y)) ? 53 : 52);
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

export function tzOffset(off: number): string {
  const sign = off < 0 ? '-' : '+';
  const m = Math.floor(Math.abs(off) / 60);
  const v = Math.floor(m / 60) * 100 + (m % 60);
  return sign + (v < 10 ? '000' : v < 100 ? '00' : v < 1000 ? '0' : '') + v;
}

/** HH:MM:SS */
function clockTime(tm: Tm): string {
  return `${pad2(tm.hour)}:${pad2(tm.min)}:${pad2(tm.sec)}`;
}

function hour12(h: number): number {
  return h % 12 === 0 ? 12 : h % 12;
}

/** Output of strftime conversions that do not depend on the time (C locale, glibc). */
export function strftimeConst(ch: string): string | null {
  switch (ch) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case '%':
      return '%';
    default:
      // glibc copies unknown conversions (and lone modifiers like %E, %O) verbatim
      return 'aAbBcCdDeFgGhHIjklmMpPrRsSTuUVwWxXyYzZ'.includes(ch) ? null : '%' + ch;
  }
}

/** One time-dependent strftime conversion (the character after '%'), C locale. */
export function strftimeConv(ch: string): (tm: Tm) => string {
  switch (ch) {
    case 'a':
      return (tm) => DAY_ABBR[tm.wday];
    case 'A':
      return (tm) => DAY_FULL[tm.wday];
    case 'b':
    case 'h':
      return (tm) => MON_ABBR[tm.mon - 1];
    case 'B':
      return (tm) => MON_FULL[tm.mon - 1];
    case 'c':
      return (tm) => `${DAY_ABBR[tm.wday]} ${MON_ABBR[tm.mon - 1]} ${space2(tm.mday)} ${clockTime(tm)} ${tm.year}`;
    case 'C':
      return (tm) => pad2(Math.floor(tm.year / 100));
    case 'd':
      return (tm) => pad2(tm.mday);
    case 'D':
    case 'x':
      return (tm) => `${pad2(tm.mon)}/${pad2(tm.mday)}/${pad2(((tm.year % 100) + 100) % 100)}`;
    case 'e':
      return (tm) => space2(tm.mday);
    case 'F':
      return (tm) => `${tm.year}-${pad2(tm.mon)}-${pad2(tm.mday)}`;
    case 'g':
      return (tm) => pad2(((isoWeek(tm)[0] % 100) + 100) % 100);
    case 'G':
      return (tm) => String(isoWeek(tm)[0]);
    case 'H':
      return (tm) => pad2(tm.hour);
    case 'I':
      return (tm) => pad2(hour12(tm.hour));
    case 'j':
      return (tm) => pad3(tm.yday + 1);
    case 'k':
      return (tm) => space2(tm.hour);
    case 'l':
      return (tm) => space2(hour12(tm.hour));
    case 'm':
      return (tm) => pad2(tm.mon);
    case 'M':
      return (tm) => pad2(tm.min);
    case 'p':
      return (tm) => (tm.hour < 12 ? 'AM' : 'PM');
    case 'P':
      return (tm) => (tm.hour < 12 ? 'am' : 'pm');
    case 'r':
      return (tm) => `${pad2(hour12(tm.hour))}:${pad2(tm.min)}:${pad2(tm.sec)} ${tm.hour < 12 ? 'AM' : 'PM'}`;
    case 'R':
      return (tm) => `${pad2(tm.hour)}:${pad2(tm.min)}`;
    case 's':
      return (tm) => String(tm.t);
    case 'S':
      return (tm) => pad2(tm.sec);
    case 'T':
    case 'X':
      return clockTime;
    case 'u':
      return (tm) => String(tm.wday === 0 ? 7 : tm.wday);
    case 'U':
      return (tm) => pad2(Math.floor((tm.yday + 7 - tm.wday) / 7));
    case 'V':
      return (tm) => pad2(isoWeek(tm)[1]);
    case 'w':
      return (tm) => String(tm.wday);
    case 'W':
      return (tm) => pad2(Math.floor((tm.yday + 7 - ((tm.wday + 6) % 7)) / 7));
    case 'y':
      return (tm) => pad2(((tm.year % 100) + 100) % 100);
    case 'Y':
      return (tm) => String(tm.year);
    case 'z':
      return (tm) => tzOffset(tm.off);
    case 'Z':
      return (tm) => tm.abbr;
    default:
      throw new Error(`no strftime conversion %${ch}`);
  }
}

/** The broken-down local time of a second (TZ read on first use), the last one cached. */
export function createTimeCache() {
  let zone: Zone | null = null;
  let lastSec = NaN;
  let lastTm: Tm | null = null;
  return (t: number): Tm => {
    if (t === lastSec && lastTm) return lastTm;
    if (!zone) zone = localZone();
    lastTm = localTm(zone, t);
    lastSec = t;
    return lastTm;
  };
}

/** ISO 8601 "YYYY-MM-DDTHH:MM:SS" (date) and "+hhmm" (zone) of a second, cached. */
export class IsoTime {
  private t = NaN;
  date = '';
  zone = '';

  constructor(private readonly localTimeOf: (t: number) => Tm) {}

  at(t: number): void {
    if (t !== this.t) {
      const tm = this.localTimeOf(t);
      this.date = `${tm.year}-${pad2(tm.mon)}-${pad2(tm.mday)}T${clockTime(tm)}`;
      this.zone = tzOffset(tm.off);
      this.t = t;
    }
  }
}
