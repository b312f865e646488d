/**
 * The one datetime pattern engine: compiles a Spark (Java DateTimeFormatter-style) pattern once
 * into a parser and a formatter, shared by the functions (to_date, to_timestamp, date_format,
 * unix_timestamp, from_unixtime) and the CSV reader / writer (`dateFormat`, `timestampFormat`).
 *
 * Letters: y / u (year; 'yy' / 'uu' = 2000 + two digits), M / L (number, Jan, January), d, D
 * (day of year), Q / q (number, Q1, 1st quarter), E (Mon, Monday), a (AM / PM), G (BC / AD), H,
 * h, k, K, m, s, S (fraction), X / x / Z (offsets), V / z / O (UTC only), quoted literals '...'
 * and optional sections [...]. Anything else (week-based Y w W e c, F, B...) is rejected with an
 * IllegalArgumentError naming the pattern and the letter.
 *
 * Parsing is strict like Spark 3's: the whole input must match, literals and names compare
 * case-insensitively, two-letter fields need exactly two digits, a variable-width number leaves
 * the digits of the fixed-width numbers right after it ('yyyyMMdd'), 'S'x n reads 1..n digits,
 * and invalid or inconsistent values (Feb 30, hour 25, a day name that is not the date's) fail.
 * Missing fields default to 1970-01-01 00:00:00. The parser reads UTF-8 bytes directly (the CSV
 * hot loop creates no strings); strings are copied into a scratch buffer. Patterns of only
 * numbers, a fraction and literals ('dd/MM/yyyy') get generated straight-line parsers; the rest
 * run the token interpreter. Formatting is UTC.
 *
 * A new letter: a case in `fieldToken` (token kind, field slot, widths), its check in
 * `resolveFields`, an op in `formatOps` / `formatWith`, and a row in test/datetime-patterns.test.ts.
 */
import { Buffer } from 'node:buffer';
import { IllegalArgumentError } from '../errors.js';
import {
  MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND, civilFromDays, dayOfWeek0, daysFromCivil,
  daysInMonth, isLeapYear, microsFromFields, offsetSeconds,
} from './calendar.js';
import { twoDigits } from './iso.js';

/** A compiled pattern. Parsers return NaN (bytes) or null (strings) when the text does not match. */
export interface DatetimePattern {
  /** The pattern text. */
  readonly pattern: string;
  /** Bytes [s, e) → micros since the epoch (UTC, minus a parsed offset), or NaN. */
  parseMicros(b: Uint8Array, s: number, e: number): number;
  /** Bytes [s, e) → the local date's days since the epoch (a parsed offset is ignored), or NaN. */
  parseDays(b: Uint8Array, s: number, e: number): number;
  /** A string → micros since the epoch, or null. */
  parse(s: string): number | null;
  /** Micros since the epoch → text (UTC). */
  format(micros: number): string;
  /** Days since the epoch → text (midnight). */
  formatDays(days: number): string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const SUPPORTED = 'y u M L d D Q q E a G H h k K m s S X x Z V z O';

// Parsed field values live in an Int32Array (NA = absent; the offset in seconds), indexed by these slots.
const F_YEAR = 0, F_YEAR2 = 1, F_MONTH = 2, F_DAY = 3, F_DOY = 4, F_QUARTER = 5, F_HOUR = 6, F_HOUR12 = 7;
const F_K24 = 8, F_K11 = 9, F_MINUTE = 10, F_SECOND = 11, F_MICROS = 12, F_OFFSET = 13, F_DOW = 14, F_AMPM = 15, F_ERA = 16;
const F_COUNT = 17;
/** An absent field. */
const NA = -2147483648;

// Token kinds.
const T_LIT = 0, T_NUM = 1, T_FRAC = 2, T_TEXT = 3, T_OFFSET = 4, T_ZONE = 5, T_OPT = 6;

/** One pattern element; every token has the same shape so the parse loop stays monomorphic. */
interface Tok {
  readonly kind: number;
  /** Field slot (T_NUM, T_TEXT). */
  readonly fi: number;
  readonly letter: string;
  readonly count: number;
  /** Digits to read (T_NUM, T_FRAC); `min` is raised for a fraction right after a number. */
  min: number;
  readonly max: number;
  /** Digits left to the fixed-width numbers that follow a variable-width one (adjacent value parsing). */
  reserve: number;
  /** Literal text (T_LIT) and its UTF-8 bytes. */
  readonly text: string;
  readonly bytes: Uint8Array;
  /** Names (T_TEXT) and the value of the first one (1 for months and quarters). */
  readonly names: readonly string[];
  readonly base: number;
  /** T_OPT: the optional section. */
  readonly toks: Tok[];
}

function tok(kind: number, p: Partial<Tok>): Tok {
  return {
    kind, fi: p.fi ?? -1, letter: p.letter ?? '', count: p.count ?? 0, min: p.min ?? 0, max: p.max ?? 0, reserve: 0,
    text: p.text ?? '', bytes: p.text !== undefined ? Buffer.from(p.text, 'utf8') : EMPTY_BYTES, names: p.names ?? [], base: p.base ?? 0,
    toks: p.toks ?? [],
  };
}

const EMPTY_BYTES = new Uint8Array(0);

function patternError(pattern: string, msg: string): IllegalArgumentError {
  return new IllegalArgumentError(`invalid datetime pattern '${pattern}': ${msg}`);
}

function fieldToken(letter: string, count: number, pattern: string): Tok {
  const tooMany = (max: number) => {
    if (count > max) throw patternError(pattern, `too many pattern letters: ${letter.repeat(count)}`);
  };
  const num = (fi: number, min: number, max: number): Tok => tok(T_NUM, { fi, letter, count, min, max });
  const text = (fi: number, names: readonly string[], base = 0): Tok => tok(T_TEXT, { fi, letter, count, names, base });
  const numOrFixed = (fi: number, width: number): Tok => {
    tooMany(width);
    return count === 1 ? num(fi, 1, 9) : num(fi, count, count);
  };
  switch (letter) {
    case 'y': case 'u':
      if (count === 2) return num(F_YEAR2, 2, 2);
      return num(F_YEAR, count, Math.max(count, 9));
    case 'M': case 'L':
      tooMany(5);
      if (count === 1) return num(F_MONTH, 1, 9);
      if (count === 2) return num(F_MONTH, 2, 2);
      if (count === 5) throw patternError(pattern, 'narrow month names (MMMMM) are not supported');
      return text(F_MONTH, count === 3 ? MONTHS.map((m) => m.slice(0, 3)) : MONTHS, 1);
    case 'd': return numOrFixed(F_DAY, 2);
    case 'D':
      tooMany(3);
      return count === 1 ? num(F_DOY, 1, 3) : num(F_DOY, count, 3);
    case 'Q': case 'q':
      tooMany(4);
      if (count <= 2) return num(F_QUARTER, count, count);
      return text(F_QUARTER, count === 3 ? ['Q1', 'Q2', 'Q3', 'Q4'] : ['1st quarter', '2nd quarter', '3rd quarter', '4th quarter'], 1);
    case 'E':
      tooMany(4);
      return text(F_DOW, count === 4 ? DAYS : DAYS.map((d) => d.slice(0, 3)));
    case 'a':
      tooMany(1);
      return text(F_AMPM, ['AM', 'PM']);
    case 'G':
      tooMany(4);
      return text(F_ERA, count === 4 ? ['Before Christ', 'Anno Domini'] : ['BC', 'AD']);
    case 'H': return numOrFixed(F_HOUR, 2);
    case 'h': return numOrFixed(F_HOUR12, 2);
    case 'k': return numOrFixed(F_K24, 2);
    case 'K': return numOrFixed(F_K11, 2);
    case 'm': return numOrFixed(F_MINUTE, 2);
    case 's': return numOrFixed(F_SECOND, 2);
    case 'S':
      tooMany(9);
      return tok(T_FRAC, { letter, count, min: 1, max: count });
    case 'X': case 'x': case 'Z':
      tooMany(5);
      return tok(T_OFFSET, { letter, count });
    case 'V': case 'z': case 'O':
      return tok(T_ZONE, { letter, count });
    default:
      throw patternError(pattern, `unsupported letter '${letter}' (supported: ${SUPPORTED}; quote literal text as 'T')`);
  }
}

function tokenize(pattern: string): Tok[] {
  const root: Tok[] = [];
  const stack: Tok[][] = [root];
  const push = (t: Tok) => {
    const cur = stack[stack.length - 1]!;
    const last = cur[cur.length - 1];
    if (t.kind === T_LIT && last && last.kind === T_LIT) cur[cur.length - 1] = tok(T_LIT, { text: last.text + t.text });
    else cur.push(t);
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      let j = i + 1;
      if (pattern[j] === "'") {
        push(tok(T_LIT, { text: "'" }));
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
      push(tok(T_LIT, { text }));
      i = j + 1;
    } else if (c === '[') {
      const group: Tok[] = [];
      stack[stack.length - 1]!.push(tok(T_OPT, { toks: group }));
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
      push(tok(T_LIT, { text: c }));
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
    if (t.kind === T_OPT) computeAdjacency(t.toks);
    if (t.kind === T_FRAC && i > 0 && (toks[i - 1]!.kind === T_NUM || toks[i - 1]!.kind === T_FRAC)) t.min = t.max;
  }
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.kind !== T_NUM || t.min === t.max) continue;
    let reserve = 0;
    for (let j = i + 1; j < toks.length; j++) {
      const u = toks[j]!;
      if ((u.kind === T_NUM || u.kind === T_FRAC) && u.min === u.max) reserve += u.max;
      else break;
    }
    t.reserve = reserve;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/** The cleared state: every field absent, no fraction, zero offset. */
const EMPTY_FIELDS = new Int32Array(F_COUNT).fill(NA);
EMPTY_FIELDS[F_MICROS] = 0;
EMPTY_FIELDS[F_OFFSET] = 0;

/** ASCII lower case of a byte. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Case-insensitive (ASCII) match of the literal bytes `text` at b[pos..e); the end or -1. */
function matchBytes(b: Uint8Array, pos: number, e: number, text: Uint8Array): number {
  const n = text.length;
  if (e - pos < n) return -1;
  for (let k = 0; k < n; k++) {
    const a = b[pos + k]!;
    const c = text[k]!;
    if (a !== c && lower(a) !== lower(c)) return -1;
  }
  return pos + n;
}

/** Case-insensitive (ASCII) match of the name `text` at b[pos..e); the end or -1. */
function matchString(b: Uint8Array, pos: number, e: number, text: string): number {
  const n = text.length;
  if (e - pos < n) return -1;
  for (let k = 0; k < n; k++) if (lower(b[pos + k]!) !== lower(text.charCodeAt(k))) return -1;
  return pos + n;
}

let matchedIndex = -1;

/** The longest of `names` at pos (index in `matchedIndex`); the end or -1. */
function matchName(b: Uint8Array, pos: number, e: number, names: readonly string[]): number {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (n.length > bestLen && matchString(b, pos, e, n) >= 0) {
      best = i;
      bestLen = n.length;
    }
  }
  matchedIndex = best;
  return best < 0 ? -1 : pos + bestLen;
}

/** Parses an offset (`Z`, `+HH`, `+HHmm`, `+HH:mm`, `+HH:mm:ss`) at pos into F_OFFSET; the end or -1. */
function parseOffset(b: Uint8Array, pos: number, e: number, f: Int32Array, allowZ: boolean): number {
  if (pos >= e) return -1;
  const c = b[pos]!;
  if ((c === 90 || c === 122) && allowZ) {
    f[F_OFFSET] = 0;
    return pos + 1;
  }
  if (c !== 43 && c !== 45) return -1;
  const h = twoDigits(b, pos + 1, e);
  if (h < 0) return -1;
  let p = pos + 3;
  let mi = 0;
  let se = 0;
  let j = p < e && b[p] === 58 ? p + 1 : p;
  let v = twoDigits(b, j, e);
  if (v >= 0) {
    mi = v;
    p = j + 2;
    j = p < e && b[p] === 58 ? p + 1 : p;
    v = twoDigits(b, j, e);
    if (v >= 0) {
      se = v;
      p = j + 2;
    }
  }
  if (h > 18 || mi > 59 || se > 59) return -1;
  f[F_OFFSET] = offsetSeconds(c === 45, h, mi, se);
  return p;
}

const ZONE_NAMES = ['UTC', 'GMT', 'UT', 'Z'];

function parseTokens(toks: readonly Tok[], b: Uint8Array, pos: number, e: number, f: Int32Array): number {
  for (let ti = 0; ti < toks.length; ti++) {
    const t = toks[ti]!;
    switch (t.kind) {
      case T_LIT:
        pos = matchBytes(b, pos, e, t.bytes);
        if (pos < 0) return -1;
        break;
      case T_NUM: {
        let end = pos;
        const limit = t.max + t.reserve;
        while (end < e && end - pos < limit + 1) {
          const c = b[end]!;
          if (c < 48 || c > 57) break;
          end++;
        }
        const take = Math.min(t.max, end - pos - t.reserve);
        if (take < t.min) return -1;
        let v = 0;
        for (let k = 0; k < take; k++) v = v * 10 + (b[pos + k]! - 48);
        f[t.fi] = v;
        pos += take;
        break;
      }
      case T_FRAC: {
        let end = pos;
        while (end < e && end - pos < t.max) {
          const c = b[end]!;
          if (c < 48 || c > 57) break;
          end++;
        }
        if (end - pos < t.min) return -1;
        let us = 0;
        for (let k = 0; k < 6; k++) us = us * 10 + (pos + k < end ? b[pos + k]! - 48 : 0);
        f[F_MICROS] = us;
        pos = end;
        break;
      }
      case T_TEXT:
        pos = matchName(b, pos, e, t.names);
        if (pos < 0) return -1;
        f[t.fi] = matchedIndex + t.base;
        break;
      case T_OFFSET:
        pos = parseOffset(b, pos, e, f, t.letter === 'X' || (t.letter === 'Z' && t.count >= 4));
        if (pos < 0) return -1;
        break;
      case T_ZONE: {
        const z = matchName(b, pos, e, ZONE_NAMES);
        if (z < 0) return -1;
        pos = z;
        if (pos < e && (b[pos] === 43 || b[pos] === 45)) {
          pos = parseOffset(b, pos, e, f, false);
          if (pos < 0) return -1;
        } else f[F_OFFSET] = 0;
        break;
      }
      case T_OPT: {
        const saved = f.slice();
        const end = parseTokens(t.toks, b, pos, e, f);
        if (end < 0) f.set(saved);
        else pos = end;
        break;
      }
    }
  }
  return pos;
}

const civ = new Int32Array(3);
/** Set by {@link resolveFields}: the local date of the last resolved parse. */
let resolvedDays = 0;

/** Resolves parsed fields to micros since the epoch (UTC), or NaN when they are invalid or inconsistent. */
function resolveFields(f: Int32Array): number {
  const fy = f[F_YEAR]!, fy2 = f[F_YEAR2]!, fmo = f[F_MONTH]!, fd = f[F_DAY]!, fdoy = f[F_DOY]!;
  let year = fy !== NA ? fy : fy2 !== NA ? 2000 + fy2 : 1970;
  if (f[F_ERA] === 0 && fy !== NA) year = 1 - year;
  let days: number;
  if (fdoy !== NA) {
    if (fdoy < 1 || fdoy > (isLeapYear(year) ? 366 : 365)) return NaN;
    days = daysFromCivil(year, 1, 1) + fdoy - 1;
    civilFromDays(days, civ);
    if ((fmo !== NA && fmo !== civ[1]) || (fd !== NA && fd !== civ[2])) return NaN;
  } else {
    const month = fmo !== NA ? fmo : 1;
    const day = fd !== NA ? fd : 1;
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
    days = daysFromCivil(year, month, day);
  }
  const fq = f[F_QUARTER]!;
  if (fq !== NA) {
    civilFromDays(days, civ);
    if (fq < 1 || fq > 4 || Math.floor((civ[1]! - 1) / 3) + 1 !== fq) return NaN;
  }
  const fdow = f[F_DOW]!;
  if (fdow !== NA && dayOfWeek0(days) !== fdow) return NaN;
  let hour = 0;
  const pm = f[F_AMPM] === 1;
  const fh = f[F_HOUR]!, fh12 = f[F_HOUR12]!, fk24 = f[F_K24]!, fk11 = f[F_K11]!;
  if (fh !== NA) {
    if (fh > 23) return NaN;
    hour = fh;
  } else if (fh12 !== NA) {
    if (fh12 < 1 || fh12 > 12) return NaN;
    hour = (fh12 % 12) + (pm ? 12 : 0);
  } else if (fk24 !== NA) {
    if (fk24 < 1 || fk24 > 24) return NaN;
    hour = fk24 % 24;
  } else if (fk11 !== NA) {
    if (fk11 > 11) return NaN;
    hour = fk11 + (pm ? 12 : 0);
  }
  const fmi = f[F_MINUTE]!, fs = f[F_SECOND]!;
  const minute = fmi !== NA ? fmi : 0;
  const second = fs !== NA ? fs : 0;
  if (minute > 59 || second > 59) return NaN;
  resolvedDays = days;
  return microsFromFields(days, hour, minute, second, f[F_MICROS]!, f[F_OFFSET]! * MICROS_PER_SECOND);
}

/** Slots {@link resolvePlain} handles: numeric date and time-of-day fields, fraction, offset. */
const PLAIN_SLOTS = new Set([F_YEAR, F_YEAR2, F_MONTH, F_DAY, F_HOUR, F_MINUTE, F_SECOND, F_MICROS, F_OFFSET]);

/**
 * {@link resolveFields} for patterns that only set {@link PLAIN_SLOTS} (the common
 * 'yyyy-MM-dd HH:mm:ss.SSS' / 'dd/MM/yyyy' shapes): the same result with fewer checks.
 */
function resolvePlain(f: Int32Array): number {
  const fy = f[F_YEAR]!, fy2 = f[F_YEAR2]!, fmo = f[F_MONTH]!, fd = f[F_DAY]!;
  const year = fy !== NA ? fy : fy2 !== NA ? 2000 + fy2 : 1970;
  const month = fmo !== NA ? fmo : 1;
  const day = fd !== NA ? fd : 1;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  const fh = f[F_HOUR]!, fmi = f[F_MINUTE]!, fs = f[F_SECOND]!;
  const hour = fh !== NA ? fh : 0;
  const minute = fmi !== NA ? fmi : 0;
  const second = fs !== NA ? fs : 0;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  const days = daysFromCivil(year, month, day);
  resolvedDays = days;
  return microsFromFields(days, hour, minute, second, f[F_MICROS]!, f[F_OFFSET]! * MICROS_PER_SECOND);
}

let scratch = new Uint8Array(256);
/** Set by {@link stringBytes}: the byte length of the string. */
let stringByteLength = 0;

/** A string's UTF-8 bytes: ASCII is copied into a reused buffer, anything else encoded. */
function stringBytes(s: string): Uint8Array {
  const n = s.length;
  if (n > scratch.length) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  const b = scratch;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) {
      const u = Buffer.from(s, 'utf8');
      stringByteLength = u.length;
      return u;
    }
    b[i] = c;
  }
  stringByteLength = n;
  return b;
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

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

/** Field slot → op, for numbers and for names. */
const NUM_OPS: Record<number, number> = {
  [F_YEAR]: O_YEAR, [F_YEAR2]: O_YEAR2, [F_MONTH]: O_MONTH, [F_DAY]: O_DAY, [F_DOY]: O_DOY, [F_QUARTER]: O_QUARTER,
  [F_HOUR]: O_HOUR, [F_HOUR12]: O_HOUR12, [F_K24]: O_K24, [F_K11]: O_K11, [F_MINUTE]: O_MINUTE, [F_SECOND]: O_SECOND,
};
const TEXT_OPS: Record<number, number> = { [F_MONTH]: O_MONTH_NAME, [F_DOW]: O_DOW_NAME, [F_AMPM]: O_AMPM, [F_ERA]: O_ERA, [F_QUARTER]: O_QUARTER_NAME };

/** The text an offset letter prints for UTC (Kindling formats in UTC). */
function utcOffsetText(letter: string, count: number): string {
  if (letter === 'X' || (letter === 'Z' && count === 5)) return 'Z';
  if (letter === 'Z') return count === 4 ? 'GMT' : '+0000';
  return count === 1 ? '+00' : count === 2 || count === 4 ? '+0000' : '+00:00';
}

/** Compiles format tokens to ops (optional sections always print). */
function formatOps(toks: readonly Tok[], out: FmtOp[] = []): FmtOp[] {
  const push = (op: number, count = 0, text = '', names: readonly string[] = []) => out.push({ op, count, text, names });
  for (const t of toks) {
    switch (t.kind) {
      case T_LIT: push(O_TEXT, 0, t.text); break;
      case T_OPT: formatOps(t.toks, out); break;
      case T_FRAC: push(O_FRAC, t.count); break;
      case T_NUM: push(NUM_OPS[t.fi]!, t.count); break;
      case T_TEXT: push(TEXT_OPS[t.fi]!, t.count, '', t.names); break;
      case T_OFFSET: push(O_TEXT, 0, utcOffsetText(t.letter, t.count)); break;
      case T_ZONE: push(O_TEXT, 0, t.letter === 'O' ? 'GMT' : 'UTC'); break;
    }
  }
  return out;
}

/** Formats day `days` at time of day `tod` (micros since midnight). */
function formatWith(ops: readonly FmtOp[], days: number, tod: number): string {
  civilFromDays(days, civ);
  const y = civ[0]!, mo = civ[1]!, d = civ[2]!;
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
      case O_DOW_NAME: out += o.names[dayOfWeek0(days)]; break;
      case O_AMPM: out += hour < 12 ? 'AM' : 'PM'; break;
      case O_ERA: out += o.names[y > 0 ? 1 : 0]; break;
      case O_QUARTER_NAME: out += o.names[Math.floor((mo - 1) / 3)]; break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compilation
// ---------------------------------------------------------------------------------------------

/** The field slots a pattern's tokens can set (only these need clearing before a parse). */
function usedSlots(toks: readonly Tok[], out: Set<number> = new Set([F_MICROS, F_OFFSET])): Set<number> {
  for (const t of toks) {
    if (t.kind === T_NUM || t.kind === T_TEXT) out.add(t.fi);
    else if (t.kind === T_OPT) usedSlots(t.toks, out);
  }
  return out;
}

/** A parser from bytes [s, e) to micros or days (NaN when the text does not match). */
type BytesParser = (b: Uint8Array, s: number, e: number) => number;

/**
 * Straight-line parsers for the hot, common shape: patterns made only of literals, numbers and a
 * fraction setting {@link PLAIN_SLOTS} (no names, offsets or optional sections), like 'dd/MM/yyyy'
 * or "yyyy-MM-dd'T'HH:mm:ss.SSS". The generated code does exactly what {@link parseTokens} +
 * {@link resolvePlain} do, with the tokens unrolled and the fields in locals; null for other patterns.
 */
function generatePlainParsers(toks: readonly Tok[]): { micros: BytesParser; days: BytesParser } | null {
  const vars = new Map<number, string>([[F_YEAR, 'fy'], [F_YEAR2, 'fy2'], [F_MONTH, 'fmo'], [F_DAY, 'fd'], [F_HOUR, 'fh'], [F_MINUTE, 'fmi'], [F_SECOND, 'fs']]);
  const set = new Set<number>();
  let code = 'let p = s, c = 0, v = 0, end = 0, take = 0, us = 0;\n';
  for (const t of toks) {
    if (t.kind === T_LIT) {
      code += `if (e - p < ${t.bytes.length}) return NaN;\n`;
      t.bytes.forEach((x, k) => {
        const lo = lower(x);
        const up = lo >= 97 && lo <= 122 ? lo - 32 : lo;
        code += lo === up ? `if (b[p + ${k}] !== ${x}) return NaN;\n` : `c = b[p + ${k}]; if (c !== ${lo} && c !== ${up}) return NaN;\n`;
      });
      code += `p += ${t.bytes.length};\n`;
    } else if (t.kind === T_NUM && vars.has(t.fi)) {
      if (t.min === t.max) {
        code += `if (e - p < ${t.max}) return NaN;\nv = 0;\n`;
        for (let k = 0; k < t.max; k++) code += `c = b[p + ${k}] - 48; if (c < 0 || c > 9) return NaN; v = v * 10 + c;\n`;
        code += `p += ${t.max};\n`;
      } else {
        code += `end = p; while (end < e && end - p < ${t.max + t.reserve + 1}) { c = b[end]; if (c < 48 || c > 57) break; end++; }\n`;
        code += `take = Math.min(${t.max}, end - p - ${t.reserve}); if (take < ${t.min}) return NaN;\n`;
        code += 'v = 0; for (let k = 0; k < take; k++) v = v * 10 + (b[p + k] - 48); p += take;\n';
      }
      code += `${vars.get(t.fi)} = v;\n`;
      set.add(t.fi);
    } else if (t.kind === T_FRAC) {
      code += `end = p; while (end < e && end - p < ${t.max}) { c = b[end]; if (c < 48 || c > 57) break; end++; }\n`;
      code += `if (end - p < ${t.min}) return NaN;\n`;
      code += 'us = 0; for (let k = 0; k < 6; k++) us = us * 10 + (p + k < end ? b[p + k] - 48 : 0); p = end;\n';
    } else return null;
  }
  const decl = [...vars].map(([, name]) => `${name} = 0`).join(', ');
  const year = set.has(F_YEAR) ? 'fy' : set.has(F_YEAR2) ? '2000 + fy2' : '1970';
  const field = (slot: number, dflt: number) => (set.has(slot) ? vars.get(slot)! : String(dflt));
  const resolve = `if (p !== e) return NaN;
const year = ${year}, month = ${field(F_MONTH, 1)}, day = ${field(F_DAY, 1)};
if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
const hour = ${field(F_HOUR, 0)}, minute = ${field(F_MINUTE, 0)}, second = ${field(F_SECOND, 0)};
if (hour > 23 || minute > 59 || second > 59) return NaN;
const days = daysFromCivil(year, month, day);
`;
  const make = (ret: string): BytesParser =>
    new Function('daysInMonth', 'daysFromCivil', 'microsFromFields', `return function parse(b, s, e) {\nlet ${decl};\n${code}${resolve}${ret}\n};`)(
      daysInMonth, daysFromCivil, microsFromFields) as BytesParser;
  return { micros: make('return microsFromFields(days, hour, minute, second, us, 0);'), days: make('return days;') };
}

class CompiledPattern implements DatetimePattern {
  private readonly toks: Tok[];
  private readonly ops: FmtOp[];
  /** Parsed fields; slots the pattern never sets stay NA (absent) for good. */
  private readonly fields = EMPTY_FIELDS.slice();
  private readonly slots: Int32Array;
  private readonly plain: boolean;
  /** Bytes → micros / days: generated straight-line parsers where the pattern allows, else the token interpreter. */
  readonly parseMicros: BytesParser;
  readonly parseDays: BytesParser;

  constructor(readonly pattern: string, generate: boolean) {
    this.toks = tokenize(pattern);
    this.ops = formatOps(this.toks);
    const used = usedSlots(this.toks);
    this.slots = Int32Array.from(used);
    this.plain = [...used].every((k) => PLAIN_SLOTS.has(k));
    const fast = generate && this.plain ? generatePlainParsers(this.toks) : null;
    this.parseMicros = fast ? fast.micros : (b, s, e) => this.interpretMicros(b, s, e);
    this.parseDays = fast ? fast.days : (b, s, e) => this.interpretDays(b, s, e);
  }

  private interpretMicros(b: Uint8Array, s: number, e: number): number {
    const f = this.fields;
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const k = slots[i]!;
      f[k] = EMPTY_FIELDS[k]!;
    }
    if (parseTokens(this.toks, b, s, e, f) !== e) return NaN;
    return this.plain ? resolvePlain(f) : resolveFields(f);
  }

  private interpretDays(b: Uint8Array, s: number, e: number): number {
    const m = this.interpretMicros(b, s, e);
    return m === m ? resolvedDays : NaN;
  }

  parse(s: string): number | null {
    const b = stringBytes(s);
    const m = this.parseMicros(b, 0, stringByteLength);
    return m === m ? m : null;
  }

  format(micros: number): string {
    const days = Math.floor(micros / MICROS_PER_DAY);
    return formatWith(this.ops, days, micros - days * MICROS_PER_DAY);
  }

  formatDays(days: number): string {
    return formatWith(this.ops, days, 0);
  }
}

const patternCache = new Map<string, DatetimePattern>();

/**
 * Compiles (and caches) a datetime pattern.
 * @throws IllegalArgumentError naming the pattern for unsupported letters, too many letters,
 * unterminated quotes and unbalanced optional sections.
 */
export function compileDatetimePattern(pattern: string): DatetimePattern {
  const hit = patternCache.get(pattern);
  if (hit) return hit;
  const compiled = new CompiledPattern(pattern, true);
  if (patternCache.size > 1000) patternCache.clear();
  patternCache.set(pattern, compiled);
  return compiled;
}

/** An uncached pattern that always runs the token interpreter (tests compare it with the generated parsers). */
export function interpretedDatetimePattern(pattern: string): DatetimePattern {
  return new CompiledPattern(pattern, false);
}
