/**
 * The fixed ISO-8601 shapes, outside the pattern engine: the string → date / timestamp casts and
 * their cast-to-string formats (`yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss[.ffffff]`), and the CSV reader's
 * default byte-level parsers (`yyyy-MM-dd`, `yyyy-MM-dd[T ]HH:mm[:ss[.f]][offset]`), which read
 * straight from UTF-8 bytes without creating strings. Calendar math comes from ./calendar.ts.
 */
import { MICROS_PER_DAY, civilFromDays, daysFromCivil, daysInMonth, microsFromFields, timeOfDay } from './calendar.js';

const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6];

function pad(n: number, w: number): string {
  const s = String(n);
  return s.length >= w ? s : '0'.repeat(w - s.length) + s;
}

const civ = new Int32Array(3);
const tod = new Int32Array(4);

/** Days since epoch → `yyyy-MM-dd` (negative years as `-yyyy`): Spark's date → string cast. */
export function formatDate(days: number): string {
  civilFromDays(days, civ);
  const y = civ[0]!;
  return (y < 0 ? '-' + pad(-y, 4) : pad(y, 4)) + '-' + pad(civ[1]!, 2) + '-' + pad(civ[2]!, 2);
}

/** Micros since epoch → `yyyy-MM-dd HH:mm:ss[.ffffff]` (trailing fraction zeros dropped): Spark's timestamp → string cast, UTC. */
export function formatTimestamp(micros: number): string {
  const days = timeOfDay(micros, tod);
  let s = formatDate(days) + ' ' + pad(tod[0]!, 2) + ':' + pad(tod[1]!, 2) + ':' + pad(tod[2]!, 2);
  const frac = tod[3]!;
  if (frac) s += '.' + pad(frac, 6).replace(/0+$/, '');
  return s;
}

/** Date objects stop at ±10^8 days; the casts keep that range. */
const MAX_CAST_DAYS = 100_000_000;

const DATE_RE = /^\s*([+-]?\d{4,6})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?\s*$/;
const TS_RE = /^\s*([+-]?\d{4,6})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$/;

function castDays(y: number, mo: number, d: number): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  const days = daysFromCivil(y, mo, d);
  return days < -MAX_CAST_DAYS || days > MAX_CAST_DAYS ? null : days;
}

/** Spark's string → date cast: `yyyy[-M[-d]]`, optionally followed by a time → days since epoch, or null. */
export function parseDate(s: string): number | null {
  const m = DATE_RE.exec(s);
  if (!m) return null;
  return castDays(Number(m[1]), m[2] ? Number(m[2]) : 1, m[3] ? Number(m[3]) : 1);
}

/** Spark's string → timestamp cast: ISO-like text → micros since epoch (UTC unless an offset is given), or null. */
export function parseTimestamp(s: string): number | null {
  const m = TS_RE.exec(s);
  if (!m) return null;
  const days = castDays(Number(m[1]), Number(m[2]), Number(m[3]));
  if (days === null) return null;
  const h = m[4] ? Number(m[4]) : 0;
  const mi = m[5] ? Number(m[5]) : 0;
  const sec = m[6] ? Number(m[6]) : 0;
  if (h > 23 || mi > 59 || sec > 59) return null;
  const frac = m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0;
  let off = 0;
  if (m[8] && m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    const digits = m[8].slice(1).replace(':', '');
    off = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000_000;
  }
  return microsFromFields(days, h, mi, sec, frac, off);
}

// ---------------------------------------------------------------------------------------------
// CSV defaults, from bytes
// ---------------------------------------------------------------------------------------------

let dateEnd = 0;

/** Parses `yyyy-M-d` at [s, e); returns days and leaves the end position in `dateEnd`. */
function parseDatePart(b: Uint8Array, s: number, e: number, strict: boolean): number {
  if (e - s < (strict ? 10 : 8)) return NaN;
  let i = s;
  let y = 0;
  for (let k = 0; k < 4; k++) {
    const d = b[i++]! - 48;
    if (d < 0 || d > 9) return NaN;
    y = y * 10 + d;
  }
  if (b[i++] !== 45) return NaN;
  let m = b[i++]! - 48;
  if (m < 0 || m > 9) return NaN;
  let d = i < e ? b[i]! - 48 : -1;
  if (d >= 0 && d <= 9) {
    m = m * 10 + d;
    i++;
  } else if (strict) return NaN;
  if (i >= e || b[i++] !== 45) return NaN;
  if (i >= e) return NaN;
  let day = b[i++]! - 48;
  if (day < 0 || day > 9) return NaN;
  d = i < e ? b[i]! - 48 : -1;
  if (d >= 0 && d <= 9) {
    day = day * 10 + d;
    i++;
  } else if (strict) return NaN;
  if (m < 1 || m > 12 || day < 1 || day > daysInMonth(y, m)) return NaN;
  dateEnd = i;
  return daysFromCivil(y, m, day);
}

/**
 * Parses an ISO date `yyyy-MM-dd` from bytes [s, e) to days since the epoch; NaN if it does not
 * parse. `strict` (schema inference) wants exactly that shape; otherwise one-digit months/days and
 * a trailing ` ...`/`T...` time part are accepted, like Spark's fallback parser.
 */
export function parseIsoDateBytes(b: Uint8Array, s: number, e: number, strict: boolean): number {
  const days = parseDatePart(b, s, e, strict);
  if (days !== days) return NaN;
  if (dateEnd === e) return days;
  if (strict) return NaN;
  const c = b[dateEnd];
  return c === 84 || c === 32 ? days : NaN;
}

/** The two-digit number at b[i], b[i + 1] (within [.., e)), or -1. */
export function twoDigits(b: Uint8Array, i: number, e: number): number {
  if (i + 1 >= e) return -1;
  const a = b[i]! - 48;
  const c = b[i + 1]! - 48;
  if (a < 0 || a > 9 || c < 0 || c > 9) return -1;
  return a * 10 + c;
}

/**
 * Parses an ISO timestamp `yyyy-MM-dd[ T]HH:mm[:ss[.ffffff]][Z|±HH[:mm]]` from bytes [s, e) to
 * microseconds since the epoch (UTC when no offset is given; digits beyond microseconds are
 * truncated like Spark); NaN if it does not parse. `strict` (schema inference) requires the time
 * part; otherwise a bare date means midnight.
 */
export function parseIsoTimestampBytes(b: Uint8Array, s: number, e: number, strict: boolean): number {
  const days = parseDatePart(b, s, e, strict);
  if (days !== days) return NaN;
  let i = dateEnd;
  if (i === e) return strict ? NaN : days * MICROS_PER_DAY;
  const t = b[i]!;
  if (t !== 84 && t !== 32) return NaN;
  i++;
  // hour: 1 or 2 digits
  let h = i < e ? b[i]! - 48 : -1;
  if (h < 0 || h > 9) return NaN;
  i++;
  const h2 = i < e ? b[i]! - 48 : -1;
  if (h2 >= 0 && h2 <= 9) {
    h = h * 10 + h2;
    i++;
  } else if (strict) return NaN;
  if (i >= e || b[i] !== 58) return NaN;
  const mi = twoDigits(b, i + 1, e);
  if (mi < 0) return NaN;
  i += 3;
  let sec = 0;
  let micros = 0;
  if (i < e && b[i] === 58) {
    sec = twoDigits(b, i + 1, e);
    if (sec < 0) return NaN;
    i += 3;
    if (i < e && (b[i] === 46 || b[i] === 44)) {
      i++;
      let nf = 0;
      while (i < e) {
        const d = b[i]! - 48;
        if (d < 0 || d > 9) break;
        if (nf < 6) micros = micros * 10 + d;
        nf++;
        i++;
      }
      if (nf === 0) return NaN;
      if (nf < 6) micros *= POW10[6 - nf]!;
    }
  }
  if (h > 23 || mi > 59 || sec > 59) return NaN;
  let offsetMin = 0;
  if (i < e) {
    const z = b[i]!;
    if (z === 90 && i + 1 === e) i++;
    else if (z === 43 || z === 45) {
      const oh = twoDigits(b, i + 1, e);
      if (oh < 0 || oh > 18) return NaN;
      i += 3;
      let om = 0;
      if (i < e) {
        if (b[i] === 58) i++;
        om = twoDigits(b, i, e);
        if (om < 0 || om > 59) return NaN;
        i += 2;
      }
      offsetMin = (oh * 60 + om) * (z === 45 ? -1 : 1);
    } else return NaN;
    if (i !== e) return NaN;
  }
  return ((days * 24 + h) * 60 + mi - offsetMin) * 60_000_000 + sec * 1_000_000 + micros;
}
