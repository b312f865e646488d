/**
 * Date and time functions with Spark semantics, in UTC (Kindling's session time zone): field
 * extraction (year ... second, dayofweek with 1 = Sunday, ISO weekofyear), date arithmetic
 * (date_add, add_months clamping to month ends, datediff, months_between, last_day, next_day),
 * truncation (date_trunc, trunc), parsing and formatting with Java DateTimeFormatter-style patterns
 * (to_date, to_timestamp, date_format, unix_timestamp, from_unixtime), and the clock functions.
 *
 * Storage: dates are days since 1970-01-01, timestamps microseconds since the epoch (UTC). Strings
 * are implicitly cast to date / timestamp where Spark does (year('2024-01-05')), through the resolve
 * rules' argTypes; booleans and numbers are rejected where Spark rejects them.
 *
 * Patterns support the letters y, M/L (number or Jan / January), d, D, Q, E (Mon / Monday), a, H, h,
 * k, K, m, s, S (fraction), G, X / x / Z (offsets), V / z (UTC only), quoted literals '...' and
 * optional sections [...]. Parsing is strict like Spark 3's: the whole input must match, two-letter
 * fields need exactly two digits, and invalid values (Feb 30, hour 25) give null. Missing fields
 * default to 1970-01-01 00:00:00.
 */
import { IllegalArgumentError } from '../../errors.js';
import { type DataType, MICROS_PER_DAY, isNumeric } from '../../types.js';
import { type FunctionRegistry, type ScalarFunctionDef, typeError } from '../function-defs.js';
import { dateArg, intArg, positionalRule, stringArg, strictGenerate, timestampArg } from './helpers.js';

const MICROS_PER_HOUR = 3_600_000_000;
const MICROS_PER_MINUTE = 60_000_000;
const MICROS_PER_SECOND = 1_000_000;

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic (proleptic Gregorian, like Spark 3)
// ---------------------------------------------------------------------------------------------

let CY = 0;
let CM = 0;
let CD = 0;

/** Splits days since the epoch into CY / CM / CD (Howard Hinnant's civil_from_days). */
function civil(days: number): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  CD = doy - Math.floor((153 * mp + 2) / 5) + 1;
  CM = mp < 10 ? mp + 3 : mp - 9;
  CY = yoe + era * 400 + (CM <= 2 ? 1 : 0);
}

/** Days since the epoch of year-month-day (month 1-12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1]!;
}

function yearOf(days: number): number {
  civil(days);
  return CY;
}
function monthOf(days: number): number {
  civil(days);
  return CM;
}
function dayOf(days: number): number {
  civil(days);
  return CD;
}
function quarterOf(days: number): number {
  civil(days);
  return Math.floor((CM - 1) / 3) + 1;
}
function dayOfYear(days: number): number {
  civil(days);
  return days - daysFromCivil(CY, 1, 1) + 1;
}
/** 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday). */
function dow0(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}
/** ISO-8601 week number: weeks start on Monday, week 1 holds the year's first Thursday. */
function weekOfYear(days: number): number {
  const mondayBased = (((days + 3) % 7) + 7) % 7; // 0 = Monday
  const thursday = days - mondayBased + 3;
  const y = yearOf(thursday);
  return Math.floor((thursday - daysFromCivil(y, 1, 1)) / 7) + 1;
}

function addMonths(days: number, n: number): number {
  civil(days);
  const m0 = CY * 12 + (CM - 1) + n;
  const y = Math.floor(m0 / 12);
  const m = m0 - y * 12 + 1;
  return daysFromCivil(y, m, Math.min(CD, daysInMonth(y, m)));
}

function lastDay(days: number): number {
  civil(days);
  return daysFromCivil(CY, CM, daysInMonth(CY, CM));
}

function makeDate(y: number, m: number, d: number): number | null {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return daysFromCivil(y, m, d);
}

const DOW_NAMES: Record<string, number> = {
  SU: 0, SUN: 0, SUNDAY: 0, MO: 1, MON: 1, MONDAY: 1, TU: 2, TUE: 2, TUESDAY: 2, WE: 3, WED: 3, WEDNESDAY: 3,
  TH: 4, THU: 4, THURSDAY: 4, FR: 5, FRI: 5, FRIDAY: 5, SA: 6, SAT: 6, SATURDAY: 6,
};

function nextDay(days: number, dayName: string): number | null {
  const target = DOW_NAMES[dayName.trim().toUpperCase()];
  if (target === undefined) return null;
  return days + 1 + ((((target - dow0(days) - 1) % 7) + 7) % 7);
}

/** Spark's DateTimeUtils.monthsBetween (UTC). */
function monthsBetween(t1: number, t2: number, roundOff = true): number {
  const d1 = Math.floor(t1 / MICROS_PER_DAY);
  const d2 = Math.floor(t2 / MICROS_PER_DAY);
  civil(d1);
  const y1 = CY, m1 = CM, day1 = CD;
  const end1 = daysInMonth(y1, m1) === day1;
  civil(d2);
  const y2 = CY, m2 = CM, day2 = CD;
  const end2 = daysInMonth(y2, m2) === day2;
  const monthDiff = (y1 * 12 + m1) - (y2 * 12 + m2);
  if (day1 === day2 || (end1 && end2)) return monthDiff;
  const sec1 = Math.floor((t1 - d1 * MICROS_PER_DAY) / MICROS_PER_SECOND);
  const sec2 = Math.floor((t2 - d2 * MICROS_PER_DAY) / MICROS_PER_SECOND);
  const secondsDiff = (day1 - day2) * 86400 + sec1 - sec2;
  const diff = monthDiff + secondsDiff / (31 * 86400);
  return roundOff ? Math.round(diff * 1e8) / 1e8 : diff;
}

/** trunc(date, unit): first day of the year / quarter / month / ISO week; null for other units. */
function truncDate(days: number, unit: string): number | null {
  switch (unit.toUpperCase()) {
    case 'YEAR': case 'YYYY': case 'YY':
      civil(days);
      return daysFromCivil(CY, 1, 1);
    case 'QUARTER':
      civil(days);
      return daysFromCivil(CY, CM - ((CM - 1) % 3), 1);
    case 'MONTH': case 'MM': case 'MON':
      civil(days);
      return daysFromCivil(CY, CM, 1);
    case 'WEEK':
      return days - ((((days + 3) % 7) + 7) % 7);
    default:
      return null;
  }
}

/** date_trunc(unit, ts): ts truncated to the unit; null for unknown units. */
function truncTimestamp(unit: string, micros: number): number | null {
  const u = unit.toUpperCase();
  const days = Math.floor(micros / MICROS_PER_DAY);
  switch (u) {
    case 'YEAR': case 'YYYY': case 'YY': case 'QUARTER': case 'MONTH': case 'MM': case 'MON': case 'WEEK': {
      const d = truncDate(days, u === 'YYYY' || u === 'YY' ? 'YEAR' : u);
      return d === null ? null : d * MICROS_PER_DAY;
    }
    case 'DAY': case 'DD': return days * MICROS_PER_DAY;
    case 'HOUR': return Math.floor(micros / MICROS_PER_HOUR) * MICROS_PER_HOUR;
    case 'MINUTE': return Math.floor(micros / MICROS_PER_MINUTE) * MICROS_PER_MINUTE;
    case 'SECOND': return Math.floor(micros / MICROS_PER_SECOND) * MICROS_PER_SECOND;
    case 'MILLISECOND': return Math.floor(micros / 1000) * 1000;
    case 'MICROSECOND': return micros;
    default: return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Datetime patterns (a DateTimeFormatter subset)
// ---------------------------------------------------------------------------------------------

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type NumField = 'year' | 'year2' | 'month' | 'day' | 'doy' | 'hour' | 'hour12' | 'k24' | 'k11' | 'minute' | 'second' | 'quarter';

type Tok =
  | { kind: 'lit'; text: string }
  | { kind: 'num'; field: NumField; fi: number; letter: string; count: number; min: number; max: number; reserve: number }
  | { kind: 'frac'; count: number; min: number; max: number }
  | { kind: 'text'; field: 'month' | 'dow' | 'ampm' | 'era' | 'quarter'; fi: number; base: number; letter: string; count: number; names: readonly string[] }
  | { kind: 'offset'; letter: string; count: number }
  | { kind: 'zone'; letter: string; count: number }
  | { kind: 'opt'; toks: Tok[] };

/** A compiled pattern: parse a string to micros (or null), format micros to a string. */
export interface DatetimePattern {
  parse(s: string): number | null;
  format(micros: number): string;
}

function patternError(pattern: string, msg: string): IllegalArgumentError {
  return new IllegalArgumentError(`invalid datetime pattern '${pattern}': ${msg}`);
}

function fieldToken(letter: string, count: number, pattern: string): Tok {
  const tooMany = (max: number) => {
    if (count > max) throw patternError(pattern, `too many pattern letters: ${letter.repeat(count)}`);
  };
  const num = (field: NumField, min: number, max: number): Tok => ({ kind: 'num', field, fi: FIELD_INDEX[field], letter, count, min, max, reserve: 0 });
  const text = (field: 'month' | 'dow' | 'ampm' | 'era' | 'quarter', names: readonly string[]): Tok => ({
    kind: 'text', field, fi: FIELD_INDEX[field], base: field === 'month' || field === 'quarter' ? 1 : 0, letter, count, names,
  });
  const numOrFixed = (field: NumField, width: number): Tok => {
    tooMany(width);
    return count === 1 ? num(field, 1, 9) : num(field, count, count);
  };
  switch (letter) {
    case 'y':
      if (count === 2) return num('year2', 2, 2);
      return num('year', count, Math.max(count, 9));
    case 'M': case 'L':
      tooMany(5);
      if (count === 1) return num('month', 1, 9);
      if (count === 2) return num('month', 2, 2);
      if (count === 5) throw patternError(pattern, 'narrow month names (MMMMM) are not supported');
      return text('month', count === 3 ? MONTHS.map((m) => m.slice(0, 3)) : MONTHS);
    case 'd': return numOrFixed('day', 2);
    case 'D':
      tooMany(3);
      return count === 1 ? num('doy', 1, 3) : num('doy', count, 3);
    case 'Q': case 'q':
      tooMany(4);
      if (count <= 2) return num('quarter', count, count);
      return text('quarter', count === 3 ? ['Q1', 'Q2', 'Q3', 'Q4'] : ['1st quarter', '2nd quarter', '3rd quarter', '4th quarter']);
    case 'E':
      tooMany(4);
      return text('dow', count === 4 ? DAYS : DAYS.map((d) => d.slice(0, 3)));
    case 'a':
      tooMany(1);
      return text('ampm', ['AM', 'PM']);
    case 'G':
      tooMany(4);
      return text('era', count === 4 ? ['Before Christ', 'Anno Domini'] : ['BC', 'AD']);
    case 'H': return numOrFixed('hour', 2);
    case 'h': return numOrFixed('hour12', 2);
    case 'k': return numOrFixed('k24', 2);
    case 'K': return numOrFixed('k11', 2);
    case 'm': return numOrFixed('minute', 2);
    case 's': return numOrFixed('second', 2);
    case 'S':
      tooMany(9);
      return { kind: 'frac', count, min: 1, max: count };
    case 'X': case 'x':
      tooMany(5);
      return { kind: 'offset', letter, count };
    case 'Z':
      tooMany(5);
      return { kind: 'offset', letter, count };
    case 'V': case 'z': case 'O':
      return { kind: 'zone', letter, count };
    default:
      throw patternError(pattern, `unsupported pattern letter '${letter}' (supported: y M L d D Q E a G H h k K m s S X x Z V z O; quote literal text as 'T')`);
  }
}

function tokenize(pattern: string): Tok[] {
  const root: Tok[] = [];
  const stack: Tok[][] = [root];
  const push = (t: Tok) => {
    const cur = stack[stack.length - 1]!;
    const last = cur[cur.length - 1];
    if (t.kind === 'lit' && last && last.kind === 'lit') cur[cur.length - 1] = { kind: 'lit', text: last.text + t.text };
    else cur.push(t);
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      let j = i + 1;
      if (pattern[j] === "'") {
        push({ kind: 'lit', text: "'" });
        i = j + 1;
        continue;
      }
      let text = '';
      for (;;) {
        if (j >= pattern.length) throw patternError(pattern, 'unterminated quoted literal');
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j];
        j++;
      }
      push({ kind: 'lit', text });
      i = j + 1;
    } else if (c === '[') {
      const group: Tok[] = [];
      stack[stack.length - 1]!.push({ kind: 'opt', toks: group });
      stack.push(group);
      i++;
    } else if (c === ']') {
      if (stack.length === 1) throw patternError(pattern, "']' without a matching '['");
      stack.pop();
      i++;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      let j = i;
      while (j < pattern.length && pattern[j] === c) j++;
      push(fieldToken(c, j - i, pattern));
      i = j;
    } else if (c === '{' || c === '}' || c === '#') {
      throw patternError(pattern, `reserved character '${c}'`);
    } else {
      push({ kind: 'lit', text: c });
      i++;
    }
  }
  if (stack.length !== 1) throw patternError(pattern, "unclosed optional section '['");
  computeAdjacency(root);
  return root;
}

/**
 * Adjacent value parsing (DateTimeFormatter): a variable-width number directly followed by
 * fixed-width numbers leaves them their digits ('yyyyMMdd'). A fraction directly after a number is
 * read at its full width so 'yyyyMMddHHmmssSSS' parses.
 */
function computeAdjacency(toks: Tok[]): void {
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.kind === 'opt') computeAdjacency(t.toks);
    if (t.kind === 'frac' && i > 0 && (toks[i - 1]!.kind === 'num' || toks[i - 1]!.kind === 'frac')) t.min = t.max;
  }
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.kind !== 'num' || t.min === t.max) continue;
    let reserve = 0;
    for (let j = i + 1; j < toks.length; j++) {
      const u = toks[j]!;
      if ((u.kind === 'num' || u.kind === 'frac') && u.min === u.max) reserve += u.max;
      else break;
    }
    t.reserve = reserve;
  }
}

// Parsed field values live in a Float64Array (NaN = absent), indexed by these slots.
const F_YEAR = 0, F_YEAR2 = 1, F_MONTH = 2, F_DAY = 3, F_DOY = 4, F_QUARTER = 5, F_HOUR = 6, F_HOUR12 = 7;
const F_K24 = 8, F_K11 = 9, F_MINUTE = 10, F_SECOND = 11, F_MICROS = 12, F_OFFSET = 13, F_DOW = 14, F_AMPM = 15, F_ERA = 16;
const F_COUNT = 17;

const FIELD_INDEX: Record<NumField | 'dow' | 'ampm' | 'era', number> = {
  year: F_YEAR, year2: F_YEAR2, month: F_MONTH, day: F_DAY, doy: F_DOY, quarter: F_QUARTER, hour: F_HOUR, hour12: F_HOUR12,
  k24: F_K24, k11: F_K11, minute: F_MINUTE, second: F_SECOND, dow: F_DOW, ampm: F_AMPM, era: F_ERA,
};

/** The cleared state: every field absent, no fraction, zero offset. */
const EMPTY_FIELDS = new Float64Array(F_COUNT).fill(NaN);
EMPTY_FIELDS[F_MICROS] = 0;
EMPTY_FIELDS[F_OFFSET] = 0;

type Fields = Float64Array;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function matchText(s: string, pos: number, names: readonly string[]): { index: number; end: number } | null {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (n.length > bestLen && s.length - pos >= n.length && s.substr(pos, n.length).toLowerCase() === n.toLowerCase()) {
      best = i;
      bestLen = n.length;
    }
  }
  return best < 0 ? null : { index: best, end: pos + bestLen };
}

/** Parses an offset (`Z`, `+HH`, `+HHmm`, `+HH:mm`, `+HH:mm:ss`) at pos; returns the end or -1. */
function parseOffset(s: string, pos: number, f: Fields, allowZ: boolean): number {
  const c = s[pos];
  if ((c === 'Z' || c === 'z') && allowZ) {
    f[F_OFFSET] = 0;
    return pos + 1;
  }
  if (c !== '+' && c !== '-') return -1;
  const m = /^(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?/.exec(s.slice(pos + 1));
  if (!m) return -1;
  const h = Number(m[1]);
  const mi = m[2] ? Number(m[2]) : 0;
  const se = m[3] ? Number(m[3]) : 0;
  if (h > 18 || mi > 59 || se > 59) return -1;
  f[F_OFFSET] = (c === '-' ? -1 : 1) * ((h * 60 + mi) * 60 + se) * MICROS_PER_SECOND;
  return pos + 1 + m[0].length;
}

function parseTokens(toks: readonly Tok[], s: string, pos: number, f: Fields): number {
  for (const t of toks) {
    switch (t.kind) {
      case 'lit': {
        const text = t.text;
        const n = text.length;
        if (s.length - pos < n) return -1;
        for (let k = 0; k < n; k++) {
          const a = s.charCodeAt(pos + k);
          const b = text.charCodeAt(k);
          if (a !== b && (a | 0x20) !== (b | 0x20) && s[pos + k]!.toLowerCase() !== text[k]!.toLowerCase()) return -1;
        }
        pos += n;
        break;
      }
      case 'num': {
        let e = pos;
        const limit = t.max + t.reserve;
        while (e < s.length && e - pos < limit + 1 && isDigit(s.charCodeAt(e))) e++;
        const avail = e - pos;
        const take = Math.min(t.max, avail - t.reserve);
        if (take < t.min) return -1;
        let v = 0;
        for (let k = 0; k < take; k++) v = v * 10 + (s.charCodeAt(pos + k) - 48);
        f[t.fi] = v;
        pos += take;
        break;
      }
      case 'frac': {
        let e = pos;
        while (e < s.length && e - pos < t.max && isDigit(s.charCodeAt(e))) e++;
        if (e - pos < t.min) return -1;
        let us = 0;
        for (let k = 0; k < 6; k++) us = us * 10 + (pos + k < e ? s.charCodeAt(pos + k) - 48 : 0);
        f[F_MICROS] = us;
        pos = e;
        break;
      }
      case 'text': {
        const m = matchText(s, pos, t.names);
        if (!m) return -1;
        f[t.fi] = m.index + t.base;
        pos = m.end;
        break;
      }
      case 'offset': {
        const e = parseOffset(s, pos, f, t.letter === 'X' || (t.letter === 'Z' && t.count >= 4));
        if (e < 0) return -1;
        pos = e;
        break;
      }
      case 'zone': {
        const m = /^(UTC|GMT|UT|Z)/i.exec(s.slice(pos));
        if (!m) return -1;
        pos += m[0].length;
        if (s[pos] === '+' || s[pos] === '-') {
          const e = parseOffset(s, pos, f, false);
          if (e < 0) return -1;
          pos = e;
        } else f[F_OFFSET] = 0;
        break;
      }
      case 'opt': {
        const saved = f.slice();
        const e = parseTokens(t.toks, s, pos, f);
        if (e < 0) f.set(saved);
        else pos = e;
        break;
      }
    }
  }
  return pos;
}

/** Resolves parsed fields to micros since the epoch (UTC), or null when they are invalid. */
function resolveFields(f: Fields): number | null {
  const fy = f[F_YEAR]!, fy2 = f[F_YEAR2]!, fmo = f[F_MONTH]!, fd = f[F_DAY]!, fdoy = f[F_DOY]!;
  let year = fy === fy ? fy : fy2 === fy2 ? 2000 + fy2 : 1970;
  if (f[F_ERA] === 0 && fy === fy) year = 1 - year;
  let days: number;
  if (fdoy === fdoy) {
    if (fdoy < 1 || fdoy > (isLeap(year) ? 366 : 365)) return null;
    days = daysFromCivil(year, 1, 1) + fdoy - 1;
    civil(days);
    if ((fmo === fmo && fmo !== CM) || (fd === fd && fd !== CD)) return null;
  } else {
    const month = fmo === fmo ? fmo : 1;
    const day = fd === fd ? fd : 1;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
    days = daysFromCivil(year, month, day);
  }
  const fq = f[F_QUARTER]!;
  if (fq === fq && (fq < 1 || fq > 4 || quarterOf(days) !== fq)) return null;
  const fdow = f[F_DOW]!;
  if (fdow === fdow && dow0(days) !== fdow) return null;
  let hour = 0;
  const pm = f[F_AMPM] === 1;
  const fh = f[F_HOUR]!, fh12 = f[F_HOUR12]!, fk24 = f[F_K24]!, fk11 = f[F_K11]!;
  if (fh === fh) {
    if (fh > 23) return null;
    hour = fh;
  } else if (fh12 === fh12) {
    if (fh12 < 1 || fh12 > 12) return null;
    hour = (fh12 % 12) + (pm ? 12 : 0);
  } else if (fk24 === fk24) {
    if (fk24 < 1 || fk24 > 24) return null;
    hour = fk24 % 24;
  } else if (fk11 === fk11) {
    if (fk11 > 11) return null;
    hour = fk11 + (pm ? 12 : 0);
  }
  const fmi = f[F_MINUTE]!, fs = f[F_SECOND]!;
  const minute = fmi === fmi ? fmi : 0;
  const second = fs === fs ? fs : 0;
  if (minute > 59 || second > 59) return null;
  return days * MICROS_PER_DAY + ((hour * 60 + minute) * 60 + second) * MICROS_PER_SECOND + f[F_MICROS]! - f[F_OFFSET]!;
}

function pad(n: number, w: number): string {
  if (w === 2 && n >= 0 && n < 100) return n < 10 ? '0' + n : '' + n;
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= w ? s : '0'.repeat(w - s.length) + s);
}

/** One formatting step; every op has the same shape so the format loop stays monomorphic. */
interface FmtOp {
  readonly op: number;
  readonly count: number;
  readonly text: string;
  readonly names: readonly string[];
}

const O_TEXT = 0, O_FRAC = 1, O_YEAR = 2, O_YEAR2 = 3, O_MONTH = 4, O_DAY = 5, O_DOY = 6, O_QUARTER = 7, O_HOUR = 8;
const O_HOUR12 = 9, O_K24 = 10, O_K11 = 11, O_MINUTE = 12, O_SECOND = 13, O_MONTH_NAME = 14, O_DOW_NAME = 15;
const O_AMPM = 16, O_ERA = 17, O_QUARTER_NAME = 18;

const NUM_OPS: Record<NumField, number> = {
  year: O_YEAR, year2: O_YEAR2, month: O_MONTH, day: O_DAY, doy: O_DOY, quarter: O_QUARTER, hour: O_HOUR,
  hour12: O_HOUR12, k24: O_K24, k11: O_K11, minute: O_MINUTE, second: O_SECOND,
};
const TEXT_OPS = { month: O_MONTH_NAME, dow: O_DOW_NAME, ampm: O_AMPM, era: O_ERA, quarter: O_QUARTER_NAME } as const;

/** Compiles format tokens to ops (optional sections always print; offsets are zero since Kindling formats in UTC). */
function formatOps(toks: readonly Tok[], out: FmtOp[] = []): FmtOp[] {
  const push = (op: number, count = 0, text = '', names: readonly string[] = []) => out.push({ op, count, text, names });
  for (const t of toks) {
    switch (t.kind) {
      case 'lit': push(O_TEXT, 0, t.text); break;
      case 'opt': formatOps(t.toks, out); break;
      case 'frac': push(O_FRAC, t.count); break;
      case 'num': push(NUM_OPS[t.field], t.count); break;
      case 'text': push(TEXT_OPS[t.field], t.count, '', t.names); break;
      case 'offset':
        push(O_TEXT, 0, t.letter === 'X' || (t.letter === 'Z' && t.count === 5) ? 'Z'
          : t.letter === 'Z' ? (t.count === 4 ? 'GMT' : '+0000')
          : t.count === 1 ? '+00' : t.count === 2 || t.count === 4 ? '+0000' : '+00:00');
        break;
      case 'zone': push(O_TEXT, 0, t.letter === 'O' ? 'GMT' : 'UTC'); break;
    }
  }
  return out;
}

function formatWith(ops: readonly FmtOp[], micros: number): string {
  const days = Math.floor(micros / MICROS_PER_DAY);
  const tod = micros - days * MICROS_PER_DAY;
  civil(days);
  const y = CY, mo = CM, d = CD;
  const hour = Math.floor(tod / MICROS_PER_HOUR);
  let out = '';
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    switch (o.op) {
      case O_TEXT: out += o.text; break;
      case O_FRAC: out += (pad(tod % MICROS_PER_SECOND, 6) + '000').slice(0, o.count); break;
      case O_YEAR: out += pad(y, o.count); break;
      case O_YEAR2: out += pad(((y % 100) + 100) % 100, 2); break;
      case O_MONTH: out += pad(mo, o.count); break;
      case O_DAY: out += pad(d, o.count); break;
      case O_DOY: out += pad(days - daysFromCivil(y, 1, 1) + 1, o.count); break;
      case O_QUARTER: out += pad(Math.floor((mo - 1) / 3) + 1, o.count); break;
      case O_HOUR: out += pad(hour, o.count); break;
      case O_HOUR12: out += pad(hour % 12 === 0 ? 12 : hour % 12, o.count); break;
      case O_K24: out += pad(hour === 0 ? 24 : hour, o.count); break;
      case O_K11: out += pad(hour % 12, o.count); break;
      case O_MINUTE: out += pad(Math.floor(tod / MICROS_PER_MINUTE) % 60, o.count); break;
      case O_SECOND: out += pad(Math.floor(tod / MICROS_PER_SECOND) % 60, o.count); break;
      case O_MONTH_NAME: out += o.names[mo - 1]; break;
      case O_DOW_NAME: out += o.names[dow0(days)]; break;
      case O_AMPM: out += hour < 12 ? 'AM' : 'PM'; break;
      case O_ERA: out += o.names[y > 0 ? 1 : 0]; break;
      case O_QUARTER_NAME: out += o.names[Math.floor((mo - 1) / 3)]; break;
    }
  }
  return out;
}

const patternCache = new Map<string, DatetimePattern>();

/** Compiles (and caches) a datetime pattern; throws IllegalArgumentError for unsupported patterns. */
export function compileDatetimePattern(pattern: string): DatetimePattern {
  const hit = patternCache.get(pattern);
  if (hit) return hit;
  const toks = tokenize(pattern);
  const ops = formatOps(toks);
  const fields: Fields = new Float64Array(F_COUNT);
  const compiled: DatetimePattern = {
    parse(s: string): number | null {
      fields.set(EMPTY_FIELDS);
      const end = parseTokens(toks, s, 0, fields);
      if (end !== s.length) return null;
      return resolveFields(fields);
    },
    format: (micros: number) => formatWith(ops, micros),
  };
  if (patternCache.size > 1000) patternCache.clear();
  patternCache.set(pattern, compiled);
  return compiled;
}

/** Per-call-site memo of the last compiled pattern (a literal pattern compiles once per call site). */
class PatternMemo {
  private pattern: string | undefined;
  private compiled: DatetimePattern | undefined;

  get(p: string): DatetimePattern {
    if (p !== this.pattern) {
      this.compiled = compileDatetimePattern(p);
      this.pattern = p;
    }
    return this.compiled!;
  }

  /** String → micros with the pattern, or null. */
  parseMicros(s: string, p: string): number | null {
    return this.get(p).parse(s);
  }

  /** String → days with the pattern, or null. */
  parseDays(s: string, p: string): number | null {
    const m = this.get(p).parse(s);
    return m === null ? null : Math.floor(m / MICROS_PER_DAY);
  }

  /** String → whole seconds with the pattern, or null. */
  parseSeconds(s: string, p: string): number | null {
    const m = this.get(p).parse(s);
    return m === null ? null : Math.floor(m / MICROS_PER_SECOND);
  }

  format(micros: number, p: string): string {
    return this.get(p).format(micros);
  }
}

const DEFAULT_TS_FORMAT = 'yyyy-MM-dd HH:mm:ss';

// ---------------------------------------------------------------------------------------------
// Definition builders
// ---------------------------------------------------------------------------------------------

const DATE_EXPECTED = 'a date (or a date string / timestamp)';
const TS_EXPECTED = 'a timestamp (or a timestamp string / date)';

/** date → int field given by a helper function. */
function dateField(name: string, doc: string, fn: (days: number) => number, aliases?: string[]): ScalarFunctionDef {
  return { name, arity: [1, 1], doc, ...(aliases ? { aliases } : {}), resolve: positionalRule([dateArg], 'int32', DATE_EXPECTED), impl: fn };
}

/** date → int field given by a JS expression. */
function dateFieldTpl(name: string, doc: string, tpl: (d: string) => string): ScalarFunctionDef {
  return { name, arity: [1, 1], doc, resolve: positionalRule([dateArg], 'int32', DATE_EXPECTED), template: ([d]) => tpl(d!) };
}

/** timestamp → int field given by a JS expression over the time of day in micros. */
function timeField(name: string, doc: string, divisor: number, modulo: number): ScalarFunctionDef {
  return {
    name, arity: [1, 1], doc,
    resolve: positionalRule([timestampArg], 'int32', TS_EXPECTED),
    template: ([t]) => `(Math.floor((${t} - Math.floor(${t} / ${MICROS_PER_DAY}) * ${MICROS_PER_DAY}) / ${divisor}) % ${modulo})`,
  };
}

/** Type rule for a value that is parsed with an optional pattern: strings / numbers (as text) or already-temporal values. */
function parseSourceType(t: DataType, withFormat: boolean): DataType | undefined {
  if (t === 'utf8' || t === 'null') return 'utf8';
  if (t === 'date32' || t === 'timestamp') return t;
  if (withFormat && isNumeric(t)) return 'utf8'; // Spark casts numbers to string for to_date(20240105, 'yyyyMMdd')
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Registrations
// ---------------------------------------------------------------------------------------------

const DEFS: ScalarFunctionDef[] = [
  {
    name: 'to_date', arity: [1, 2], nulls: 'custom',
    doc: "to_date(x[, fmt]): x as a date — strings are parsed like a cast ('yyyy[-M[-d]]', an optional time is ignored) or with the pattern fmt (e.g. 'dd/MM/yyyy'); timestamps are truncated; invalid input gives null",
    resolve(argTypes, display) {
      if (argTypes.length === 1) {
        const t = dateArg(argTypes[0]!);
        if (!t) throw typeError(display, argTypes, DATE_EXPECTED);
        return { type: 'date32', argTypes: [t] };
      }
      const t = parseSourceType(argTypes[0]!, true);
      if (!t) throw typeError(display, argTypes, 'to_date(string, format string)');
      return { type: 'date32', argTypes: [t, 'utf8'] };
    },
    generate: strictGenerate((ctx, [x, fmt], argTypes) => {
      if (argTypes.length === 1) return x!;
      if (argTypes[0] === 'date32') return x!;
      if (argTypes[0] === 'timestamp') return `Math.floor(${x} / ${MICROS_PER_DAY})`;
      return `${ctx.constant(new PatternMemo())}.parseDays(${x}, ${fmt})`;
    }),
  },
  {
    name: 'to_timestamp', arity: [1, 2], nulls: 'custom',
    doc: "to_timestamp(x[, fmt]): x as a timestamp — strings are parsed like a cast ('yyyy-MM-dd[ HH:mm[:ss[.SSSSSS]]][offset]') or with the pattern fmt (e.g. 'dd/MM/yyyy HH:mm'); dates become midnight UTC; numbers are seconds since the epoch; invalid input gives null",
    resolve(argTypes, display) {
      if (argTypes.length === 1) {
        const a = argTypes[0]!;
        const t = timestampArg(a) ?? (isNumeric(a) ? 'timestamp' : undefined);
        if (!t) throw typeError(display, argTypes, TS_EXPECTED);
        return { type: 'timestamp', argTypes: [t] };
      }
      const t = parseSourceType(argTypes[0]!, true);
      if (!t) throw typeError(display, argTypes, 'to_timestamp(string, format string)');
      return { type: 'timestamp', argTypes: [t, 'utf8'] };
    },
    generate: strictGenerate((ctx, [x, fmt], argTypes) => {
      if (argTypes.length === 1 || argTypes[0] === 'timestamp') return x!;
      if (argTypes[0] === 'date32') return `(${x} * ${MICROS_PER_DAY})`;
      return `${ctx.constant(new PatternMemo())}.parseMicros(${x}, ${fmt})`;
    }),
  },
  dateField('year', 'year(date): the year', yearOf),
  dateField('month', 'month(date): the month, 1-12', monthOf),
  dateField('dayofmonth', 'dayofmonth(date): the day of the month, 1-31', dayOf, ['day']),
  dateFieldTpl('dayofweek', 'dayofweek(date): the day of the week, 1 = Sunday ... 7 = Saturday', (d) => `(((((${d} + 4) % 7) + 7) % 7) + 1)`),
  dateFieldTpl('weekday', 'weekday(date): the day of the week, 0 = Monday ... 6 = Sunday', (d) => `((((${d} + 3) % 7) + 7) % 7)`),
  dateField('dayofyear', 'dayofyear(date): the day of the year, 1-366', dayOfYear),
  dateField('quarter', 'quarter(date): the quarter of the year, 1-4', quarterOf),
  dateField('weekofyear', 'weekofyear(date): the ISO-8601 week number (weeks start on Monday; week 1 holds the first Thursday)', weekOfYear),
  timeField('hour', 'hour(ts): the hour of the day, 0-23 (UTC)', MICROS_PER_HOUR, 24),
  timeField('minute', 'minute(ts): the minute, 0-59', MICROS_PER_MINUTE, 60),
  timeField('second', 'second(ts): the second, 0-59', MICROS_PER_SECOND, 60),
  {
    name: 'date_add', aliases: ['dateadd'], arity: [2, 2], doc: 'date_add(date, n): the date n days after date (n may be negative)',
    resolve: positionalRule([dateArg, intArg], 'date32', 'date_add(date, int)'),
    template: ([d, n]) => `(${d} + ${n})`,
  },
  {
    name: 'date_sub', arity: [2, 2], doc: 'date_sub(date, n): the date n days before date',
    resolve: positionalRule([dateArg, intArg], 'date32', 'date_sub(date, int)'),
    template: ([d, n]) => `(${d} - ${n})`,
  },
  {
    name: 'datediff', aliases: ['date_diff'], arity: [2, 2], doc: 'datediff(end, start): the number of days from start to end (timestamps are truncated to dates)',
    resolve: positionalRule([dateArg], 'int32', 'datediff(date, date)'),
    template: ([a, b]) => `(${a} - ${b})`,
  },
  {
    name: 'add_months', arity: [2, 2], doc: 'add_months(date, n): the date n months later, clamped to the end of a shorter month (Jan 31 + 1 month = Feb 28/29)',
    resolve: positionalRule([dateArg, intArg], 'date32', 'add_months(date, int)'),
    impl: addMonths,
  },
  {
    name: 'months_between', arity: [2, 3],
    doc: 'months_between(ts1, ts2[, roundOff]): months from ts2 to ts1; whole when both are on the same day of the month or both on month ends, else the remainder counts days / 31; rounded to 8 digits unless roundOff is false',
    resolve: positionalRule([timestampArg, timestampArg, (t) => (t === 'boolean' || t === 'null' ? 'boolean' : undefined)], 'float64', 'months_between(timestamp, timestamp[, boolean])'),
    impl: monthsBetween,
  },
  {
    name: 'last_day', arity: [1, 1], doc: 'last_day(date): the last day of the month date is in',
    resolve: positionalRule([dateArg], 'date32', DATE_EXPECTED),
    impl: lastDay,
  },
  {
    name: 'next_day', arity: [2, 2], doc: "next_day(date, dayOfWeek): the first date after date on the named day ('Mon', 'MO', 'Monday', case-insensitive); null for an unknown day name",
    resolve: positionalRule([dateArg, stringArg], 'date32', 'next_day(date, string)'),
    impl: nextDay,
  },
  {
    name: 'make_date', arity: [3, 3], doc: 'make_date(year, month, day): the date, or null when the fields are invalid',
    resolve: positionalRule([intArg], 'date32', 'make_date(int, int, int)'),
    impl: makeDate,
  },
  {
    name: 'current_date', aliases: ['curdate'], arity: [0, 0], deterministic: false,
    doc: 'current_date(): today (UTC). Read from the clock per row; Spark fixes it once per query',
    resolve: () => ({ type: 'date32', argTypes: [] }),
    template: () => 'Math.floor(Date.now() / 86400000)',
  },
  {
    name: 'current_timestamp', aliases: ['now'], arity: [0, 0], deterministic: false,
    doc: 'current_timestamp(): the current time (millisecond precision). Read from the clock per row; Spark fixes it once per query',
    resolve: () => ({ type: 'timestamp', argTypes: [] }),
    template: () => '(Date.now() * 1000)',
  },
  {
    name: 'date_format', arity: [2, 2], nulls: 'custom',
    doc: "date_format(ts, fmt): ts formatted with the pattern fmt (e.g. 'yyyy-MM-dd HH:mm:ss', 'EEE, d MMM yyyy')",
    resolve: positionalRule([timestampArg, stringArg], 'utf8', 'date_format(timestamp, format string)'),
    generate: strictGenerate((ctx, [t, fmt]) => `${ctx.constant(new PatternMemo())}.format(${t}, ${fmt})`, false),
  },
  {
    name: 'unix_timestamp', arity: [0, 2], nulls: 'custom', deterministic: false,
    doc: "unix_timestamp([x[, fmt]]): seconds since the epoch — of now without arguments, of a timestamp / date, or of a string parsed with fmt (default 'yyyy-MM-dd HH:mm:ss'; null when it does not match)",
    resolve(argTypes, display) {
      if (argTypes.length === 0) return { type: 'int64', argTypes: [] };
      const t = parseSourceType(argTypes[0]!, true);
      if (!t) throw typeError(display, argTypes, 'unix_timestamp([timestamp | string[, format string]])');
      return { type: 'int64', argTypes: argTypes.length === 1 ? [t] : [t, 'utf8'] };
    },
    generate: strictGenerate((ctx, [x, fmt], argTypes) => {
      if (argTypes.length === 0) return 'Math.floor(Date.now() / 1000)';
      if (argTypes[0] === 'timestamp') return `Math.floor(${x} / ${MICROS_PER_SECOND})`;
      if (argTypes[0] === 'date32') return `(${x} * 86400)`;
      return `${ctx.constant(new PatternMemo())}.parseSeconds(${x}, ${fmt ?? ctx.constant(DEFAULT_TS_FORMAT)})`;
    }),
  },
  {
    name: 'from_unixtime', arity: [1, 2], nulls: 'custom',
    doc: "from_unixtime(seconds[, fmt]): the time seconds after the epoch formatted with fmt (default 'yyyy-MM-dd HH:mm:ss', UTC)",
    resolve: positionalRule([(t) => (isNumeric(t) || t === 'utf8' || t === 'null' ? 'int64' : undefined), stringArg], 'utf8', 'from_unixtime(long[, format string])'),
    generate: strictGenerate((ctx, [sec, fmt]) => `${ctx.constant(new PatternMemo())}.format(${sec} * ${MICROS_PER_SECOND}, ${fmt ?? ctx.constant(DEFAULT_TS_FORMAT)})`, false),
  },
  {
    name: 'timestamp_seconds', arity: [1, 1], doc: 'timestamp_seconds(n): the timestamp n seconds (may be fractional) after the epoch',
    resolve(argTypes, display) {
      const a = argTypes[0]!;
      if (!isNumeric(a) && a !== 'null' && a !== 'utf8') throw typeError(display, argTypes, 'a numeric argument');
      return { type: 'timestamp', argTypes: [a === 'int32' || a === 'int64' ? a : 'float64'] };
    },
    template: ([n]) => `Math.trunc(${n} * ${MICROS_PER_SECOND})`,
  },
  {
    name: 'unix_seconds', arity: [1, 1], doc: 'unix_seconds(ts): whole seconds since the epoch (rounded down)',
    resolve: positionalRule([timestampArg], 'int64', TS_EXPECTED),
    template: ([t]) => `Math.floor(${t} / ${MICROS_PER_SECOND})`,
  },
  {
    name: 'date_trunc', arity: [2, 2], doc: "date_trunc(unit, ts): ts truncated to 'year' ('yyyy', 'yy'), 'quarter', 'month' ('mm', 'mon'), 'week' (Monday), 'day' ('dd'), 'hour', 'minute', 'second', 'millisecond' or 'microsecond'; null for other units",
    resolve: positionalRule([stringArg, timestampArg], 'timestamp', 'date_trunc(string, timestamp)'),
    impl: truncTimestamp,
  },
  {
    name: 'trunc', arity: [2, 2], doc: "trunc(date, unit): the first day of the 'year' ('yyyy', 'yy'), 'quarter', 'month' ('mm', 'mon') or 'week' (Monday) of date; null for other units",
    resolve: positionalRule([dateArg, stringArg], 'date32', 'trunc(date, string)'),
    impl: truncDate,
  },
];

/** Registers the module's functions. */
export function register(registry: FunctionRegistry): void {
  registry.registerScalar(...DEFS);
}
