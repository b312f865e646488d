/**
 * Byte-level value parsers and formatters used by the CSV reader and writer: integers, doubles,
 * booleans, ISO dates/timestamps parsed straight from UTF-8 bytes without creating strings, the
 * calendar arithmetic behind date32/timestamp, and a small compiler for Spark/Java-style
 * `dateFormat` / `timestampFormat` patterns (`yyyy-MM-dd HH:mm:ss.SSS`, `dd/MM/yyyy`, `[XXX]`...).
 *
 * Every parser takes `(bytes, start, end)` and returns NaN when the text does not parse (for
 * doubles, where NaN is a legal value, a separate flag tells failure apart).
 */
import { Buffer } from 'node:buffer';
import { IllegalArgumentError } from '../errors.js';
import { MAX_EXACT_INT, MICROS_PER_DAY } from '../types.js';

const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Decodes bytes [s, e) as a JS string (UTF-8). */
export function bytesToString(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', s, e);
}

/**
 * Parses an optionally signed decimal integer (`-12`, `+7`, `007`); NaN if anything else.
 * Values are exact up to 2^53; larger magnitudes come back inexact and callers range-check.
 */
export function parseIntBytes(b: Uint8Array, s: number, e: number): number {
  if (s >= e) return NaN;
  let neg = false;
  const c0 = b[s]!;
  if (c0 === 45) {
    neg = true;
    s++;
  } else if (c0 === 43) s++;
  if (s >= e) return NaN;
  let v = 0;
  for (; s < e; s++) {
    const d = b[s]! - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return neg ? 0 - v : v;
}

/**
 * Set by {@link parseDoubleBytes}: `failed` is true when the last call failed to parse. (An object
 * rather than an exported `let`, so importers read a plain property, not a module binding.)
 */
export const doubleState = { failed: false };

const DOUBLE_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[dDfF]?$/;

/** Parses a double from a JS string the way Java's `Double.parseDouble` (as Spark uses it) does. */
export function parseDoubleString(str: string): number {
  doubleState.failed = false;
  // Java trims ASCII control characters and spaces.
  let t = str;
  if (t.length > 0 && (t.charCodeAt(0) <= 32 || t.charCodeAt(t.length - 1) <= 32)) t = t.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '');
  switch (t) {
    case 'NaN': case '+NaN': case '-NaN': return NaN;
    case 'Inf': case '+Inf': case 'Infinity': case '+Infinity': return Infinity;
    case '-Inf': case '-Infinity': return -Infinity;
  }
  if (!DOUBLE_RE.test(t)) {
    doubleState.failed = true;
    return NaN;
  }
  const last = t.charCodeAt(t.length - 1);
  if (last > 57) t = t.slice(0, -1); // d/D/f/F suffix
  return Number(t);
}

/**
 * Parses a double (`1.5`, `-2e-3`, `.5`, `7.`, `NaN`, `Inf`, `-Infinity`, `1.5d`). Exactly
 * rounded: decimal texts with at most 15 significant digits and a small exponent are computed
 * with one correctly rounded multiply/divide (Clinger's fast path); anything else goes through
 * `Number()`. Sets {@link doubleFailed} on failure.
 */
export function parseDoubleBytes(b: Uint8Array, s: number, e: number): number {
  doubleState.failed = false;
  if (s >= e) {
    doubleState.failed = true;
    return NaN;
  }
  let i = s;
  let neg = false;
  let c = b[i]!;
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) i++;
  let mant = 0;
  let nd = 0; // significant digits taken into mant
  let digits = 0;
  let exp = 0;
  for (; i < e; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) break;
    digits++;
    if (mant === 0 && d === 0) continue;
    mant = mant * 10 + d;
    nd++;
  }
  if (i < e && b[i] === 46) {
    i++;
    for (; i < e; i++) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) break;
      digits++;
      exp--;
      if (mant === 0 && d === 0) continue;
      mant = mant * 10 + d;
      nd++;
    }
  }
  if (digits === 0) return parseDoubleString(bytesToString(b, s, e));
  if (i < e) {
    c = b[i]!;
    if (c !== 101 && c !== 69) return parseDoubleString(bytesToString(b, s, e));
    i++;
    let eneg = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) {
      eneg = b[i] === 45;
      i++;
    }
    if (i >= e) {
      doubleState.failed = true;
      return NaN;
    }
    let ev = 0;
    for (; i < e; i++) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) return parseDoubleString(bytesToString(b, s, e));
      if (ev < 100000) ev = ev * 10 + d;
    }
    exp += eneg ? -ev : ev;
  }
  if (nd > 15) return parseDoubleString(bytesToString(b, s, e));
  let v: number;
  if (mant === 0) v = 0;
  else if (exp === 0) v = mant;
  else if (exp < 0 && exp >= -22) v = mant / POW10[-exp]!;
  else if (exp > 0 && exp <= 22) v = mant * POW10[exp]!;
  else return parseDoubleString(bytesToString(b, s, e));
  return neg ? -v : v;
}

/** Parses `true` / `false` (case-insensitive) to 1 / 0; -1 otherwise. */
export function parseBoolBytes(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n === 4) {
    if ((b[s]! | 32) === 116 && (b[s + 1]! | 32) === 114 && (b[s + 2]! | 32) === 117 && (b[s + 3]! | 32) === 101) return 1;
  } else if (n === 5) {
    if ((b[s]! | 32) === 102 && (b[s + 1]! | 32) === 97 && (b[s + 2]! | 32) === 108 && (b[s + 3]! | 32) === 115 && (b[s + 4]! | 32) === 101) return 0;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Calendar
// ---------------------------------------------------------------------------------------------

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Year, month (1-12), day of a day number; written into `out`. */
export function civilFromDays(z: number, out: Int32Array): void {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (m <= 2 ? 1 : 0);
  out[1] = m;
  out[2] = d;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

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
 * Parses an ISO date `yyyy-MM-dd` to days since the epoch. `strict` (schema inference) wants
 * exactly that shape; otherwise one-digit months/days and a trailing ` ...`/`T...` time part are
 * accepted, like Spark's fallback parser.
 */
export function parseIsoDate(b: Uint8Array, s: number, e: number, strict: boolean): number {
  const days = parseDatePart(b, s, e, strict);
  if (days !== days) return NaN;
  if (dateEnd === e) return days;
  if (strict) return NaN;
  const c = b[dateEnd];
  return c === 84 || c === 32 ? days : NaN;
}

function twoDigits(b: Uint8Array, i: number, e: number): number {
  if (i + 1 >= e) return -1;
  const a = b[i]! - 48;
  const c = b[i + 1]! - 48;
  if (a < 0 || a > 9 || c < 0 || c > 9) return -1;
  return a * 10 + c;
}

/**
 * Parses an ISO timestamp `yyyy-MM-dd[ T]HH:mm[:ss[.ffffff]][Z|±HH[:mm]]` to microseconds since
 * the epoch (UTC when no offset is given; digits beyond microseconds are truncated like Spark).
 * `strict` (schema inference) requires the time part; otherwise a bare date means midnight.
 */
export function parseIsoTimestamp(b: Uint8Array, s: number, e: number, strict: boolean): number {
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

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

const civ = new Int32Array(3);

function pad(n: number, w: number): string {
  const s = String(n);
  return s.length >= w ? s : '0'.repeat(w - s.length) + s;
}

/** `yyyy-MM-dd` of a day number. */
export function formatIsoDate(days: number): string {
  civilFromDays(days, civ);
  const y = civ[0]!;
  return (y < 0 ? '-' + pad(-y, 4) : pad(y, 4)) + '-' + pad(civ[1]!, 2) + '-' + pad(civ[2]!, 2);
}

/** `yyyy-MM-ddTHH:mm:ss.ffffffZ` of microseconds since the epoch (UTC). */
export function formatIsoTimestamp(micros: number): string {
  const days = Math.floor(micros / MICROS_PER_DAY);
  let rem = micros - days * MICROS_PER_DAY;
  const h = Math.floor(rem / 3_600_000_000);
  rem -= h * 3_600_000_000;
  const mi = Math.floor(rem / 60_000_000);
  rem -= mi * 60_000_000;
  const sec = Math.floor(rem / 1_000_000);
  const us = rem - sec * 1_000_000;
  return formatIsoDate(days) + 'T' + pad(h, 2) + ':' + pad(mi, 2) + ':' + pad(sec, 2) + '.' + pad(us, 6) + 'Z';
}

/** A double as Spark writes it (`1.0`, `2.5`, `1.0E-7` style aside, JS shortest round-trip text). */
export function formatDouble(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return (Object.is(v, -0) ? '-0' : String(v)) + '.0';
  return String(v);
}

// ---------------------------------------------------------------------------------------------
// Date/time patterns
// ---------------------------------------------------------------------------------------------

type PatternNode =
  | { kind: 'lit'; text: string }
  | { kind: 'field'; letter: string; count: number }
  | { kind: 'opt'; nodes: PatternNode[] };

/** A compiled `dateFormat` / `timestampFormat` pattern. */
export interface DateTimePattern {
  /** The pattern text. */
  readonly pattern: string;
  /** Parses bytes to days (`date`) or micros (`timestamp`); NaN when they do not match. */
  parse(b: Uint8Array, s: number, e: number): number;
  /** Formats days (`date`) or micros (`timestamp`). */
  format(v: number): string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const SUPPORTED_LETTERS = 'yuMLdHhkKmsSaEXxZ';

function tokenizePattern(p: string): PatternNode[] {
  const stack: PatternNode[][] = [[]];
  let i = 0;
  const top = (): PatternNode[] => stack[stack.length - 1]!;
  while (i < p.length) {
    const c = p[i]!;
    if (c === "'") {
      const close = p.indexOf("'", i + 1);
      if (close === i + 1) {
        top().push({ kind: 'lit', text: "'" });
        i += 2;
        continue;
      }
      if (close < 0) throw new IllegalArgumentError(`unterminated quoted literal in date/time pattern '${p}'`);
      top().push({ kind: 'lit', text: p.slice(i + 1, close) });
      i = close + 1;
    } else if (c === '[') {
      stack.push([]);
      i++;
    } else if (c === ']') {
      if (stack.length === 1) throw new IllegalArgumentError(`unbalanced ']' in date/time pattern '${p}'`);
      const nodes = stack.pop()!;
      top().push({ kind: 'opt', nodes });
      i++;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (j < p.length && p[j] === c) j++;
      if (!SUPPORTED_LETTERS.includes(c)) {
        throw new IllegalArgumentError(`unsupported letter '${c}' in date/time pattern '${p}': Kindling supports y M d H h k K m s S a E X x Z and quoted literals`);
      }
      top().push({ kind: 'field', letter: c === 'u' ? 'y' : c === 'L' ? 'M' : c, count: j - i });
      i = j;
    } else {
      top().push({ kind: 'lit', text: c });
      i++;
    }
  }
  if (stack.length !== 1) throw new IllegalArgumentError(`unbalanced '[' in date/time pattern '${p}'`);
  return stack[0]!;
}

interface ParseState {
  y: number; M: number; d: number; H: number; m: number; s: number; us: number; pm: number; h12: boolean; off: number;
}

/** Compiles a Spark/Java-style date/time pattern (subset; see {@link DateTimePattern}). */
export function compileDateTimePattern(pattern: string, kind: 'date' | 'timestamp'): DateTimePattern {
  const nodes = tokenizePattern(pattern);
  const st: ParseState = { y: 1970, M: 1, d: 1, H: 0, m: 0, s: 0, us: 0, pm: -1, h12: false, off: 0 };

  const readDigits = (b: Uint8Array, i: number, e: number, min: number, max: number): [number, number] => {
    let v = 0;
    let n = 0;
    while (i + n < e && n < max) {
      const d = b[i + n]! - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      n++;
    }
    return n < min ? [-1, i] : [v, i + n];
  };
  const matchWord = (b: Uint8Array, i: number, e: number, words: string[], full: boolean): [number, number] => {
    for (let w = 0; w < words.length; w++) {
      const word = full ? words[w]! : words[w]!.slice(0, 3);
      if (i + word.length > e) continue;
      let ok = true;
      for (let k = 0; k < word.length && ok; k++) ok = (b[i + k]! | 32) === (word.charCodeAt(k) | 32);
      if (ok) return [w, i + word.length];
    }
    return [-1, i];
  };

  const parseNodes = (ns: PatternNode[], b: Uint8Array, i: number, e: number): number => {
    for (const n of ns) {
      if (n.kind === 'lit') {
        if (i + n.text.length > e) return -1;
        for (let k = 0; k < n.text.length; k++) if (b[i + k] !== n.text.charCodeAt(k)) return -1;
        i += n.text.length;
      } else if (n.kind === 'opt') {
        const saved = { ...st };
        const r = parseNodes(n.nodes, b, i, e);
        if (r < 0) Object.assign(st, saved);
        else i = r;
      } else {
        const { letter, count } = n;
        let v: number;
        switch (letter) {
          case 'y':
            if (count === 2) {
              [v, i] = readDigits(b, i, e, 2, 2);
              if (v < 0) return -1;
              st.y = 2000 + v;
            } else {
              [v, i] = readDigits(b, i, e, Math.max(1, count === 1 ? 1 : count), count >= 4 ? Math.max(count, 4) : 9);
              if (v < 0) return -1;
              st.y = v;
            }
            break;
          case 'M':
            if (count >= 3) {
              [v, i] = matchWord(b, i, e, MONTHS, count >= 4);
              if (v < 0) return -1;
              st.M = v + 1;
            } else {
              [v, i] = readDigits(b, i, e, count, 2);
              if (v < 0) return -1;
              st.M = v;
            }
            break;
          case 'E':
            [v, i] = matchWord(b, i, e, WEEKDAYS, count >= 4);
            if (v < 0) return -1;
            break;
          case 'a':
            if (i + 2 > e) return -1;
            {
              const c0 = b[i]! | 32;
              if ((b[i + 1]! | 32) !== 109 || (c0 !== 97 && c0 !== 112)) return -1;
              st.pm = c0 === 112 ? 1 : 0;
              i += 2;
            }
            break;
          case 'S': {
            let n2 = 0;
            let us = 0;
            while (i < e && n2 < 9) {
              const d = b[i]! - 48;
              if (d < 0 || d > 9) break;
              if (n2 < 6) us = us * 10 + d;
              n2++;
              i++;
            }
            if (n2 === 0) return -1;
            st.us = n2 < 6 ? us * POW10[6 - n2]! : us;
            break;
          }
          case 'X': case 'x': case 'Z': {
            if (i >= e) return -1;
            const z = b[i]!;
            if (z === 90 && letter !== 'x') {
              st.off = 0;
              i++;
              break;
            }
            if (z !== 43 && z !== 45) return -1;
            const oh = twoDigits(b, i + 1, e);
            if (oh < 0) return -1;
            i += 3;
            let om = 0;
            if (i < e && b[i] === 58) i++;
            const mm = twoDigits(b, i, e);
            if (mm >= 0) {
              om = mm;
              i += 2;
            }
            st.off = (oh * 60 + om) * (z === 45 ? -1 : 1);
            break;
          }
          default: {
            [v, i] = readDigits(b, i, e, count, Math.max(2, count));
            if (v < 0) return -1;
            if (letter === 'd') st.d = v;
            else if (letter === 'H' || letter === 'k') st.H = letter === 'k' && v === 24 ? 0 : v;
            else if (letter === 'h' || letter === 'K') {
              st.H = v % 12;
              st.h12 = true;
            } else if (letter === 'm') st.m = v;
            else if (letter === 's') st.s = v;
          }
        }
      }
    }
    return i;
  };

  const fmtNodes = (ns: PatternNode[], days: number, rem: number, out: string[]): void => {
    civilFromDays(days, civ);
    const H = Math.floor(rem / 3_600_000_000);
    const mi = Math.floor((rem % 3_600_000_000) / 60_000_000);
    const sec = Math.floor((rem % 60_000_000) / 1_000_000);
    const us = rem % 1_000_000;
    for (const n of ns) {
      if (n.kind === 'lit') out.push(n.text);
      else if (n.kind === 'opt') fmtNodes(n.nodes, days, rem, out);
      else {
        const { letter, count } = n;
        switch (letter) {
          case 'y': out.push(count === 2 ? pad(((civ[0]! % 100) + 100) % 100, 2) : pad(civ[0]!, count)); break;
          case 'M': out.push(count >= 4 ? MONTHS[civ[1]! - 1]! : count === 3 ? MONTHS[civ[1]! - 1]!.slice(0, 3) : pad(civ[1]!, count)); break;
          case 'd': out.push(pad(civ[2]!, count)); break;
          case 'E': {
            const wd = WEEKDAYS[(((days + 4) % 7) + 7) % 7]!;
            out.push(count >= 4 ? wd : wd.slice(0, 3));
            break;
          }
          case 'H': out.push(pad(H, count)); break;
          case 'k': out.push(pad(H === 0 ? 24 : H, count)); break;
          case 'h': out.push(pad(H % 12 === 0 ? 12 : H % 12, count)); break;
          case 'K': out.push(pad(H % 12, count)); break;
          case 'm': out.push(pad(mi, count)); break;
          case 's': out.push(pad(sec, count)); break;
          case 'S': out.push(pad(us, 6).slice(0, Math.min(count, 6)) + (count > 6 ? '0'.repeat(count - 6) : '')); break;
          case 'a': out.push(H < 12 ? 'AM' : 'PM'); break;
          case 'X': out.push('Z'); break;
          case 'x': out.push(count === 1 ? '+00' : count === 2 ? '+0000' : '+00:00'); break;
          case 'Z': out.push('+0000'); break;
        }
      }
    }
  };

  return {
    pattern,
    parse(b, s, e) {
      st.y = 1970; st.M = 1; st.d = 1; st.H = 0; st.m = 0; st.s = 0; st.us = 0; st.pm = -1; st.h12 = false; st.off = 0;
      const r = parseNodes(nodes, b, s, e);
      if (r !== e) return NaN;
      if (st.M < 1 || st.M > 12 || st.d < 1 || st.d > daysInMonth(st.y, st.M)) return NaN;
      const days = daysFromCivil(st.y, st.M, st.d);
      if (kind === 'date') return days;
      let H = st.H;
      if (st.pm === 1 && H < 12) H += 12;
      if (H > 23 || st.m > 59 || st.s > 59) return NaN;
      return ((days * 24 + H) * 60 + st.m - st.off) * 60_000_000 + st.s * 1_000_000 + st.us;
    },
    format(v) {
      const out: string[] = [];
      if (kind === 'date') fmtNodes(nodes, v, 0, out);
      else {
        const days = Math.floor(v / MICROS_PER_DAY);
        fmtNodes(nodes, days, v - days * MICROS_PER_DAY, out);
      }
      return out.join('');
    },
  };
}

/** Largest magnitude an int64 value may have in Kindling (exact doubles). */
export const MAX_INT64 = MAX_EXACT_INT;
