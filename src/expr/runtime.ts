/**
 * Runtime helpers called from generated code (`R.*`): overflow checks, casts between types,
 * LIKE-pattern compilation. Pure functions over storage values (dates = days since epoch,
 * timestamps = microseconds since epoch UTC); the date / timestamp casts come from
 * src/time/iso.ts (re-exported here for the SQL parser / planner and show()).
 */
import { ArithmeticOverflowError } from '../errors.js';
import { checkDecimal, decimalFromDouble, decimalToDouble, divHalfEven, divHalfUp, formatDecimal, parseDecimal, rescale } from '../data/decimal.js';
import { formatDate, formatTimestamp, parseDate, parseTimestamp } from '../time/iso.js';
import { type DataType, type DecimalType, MAX_EXACT_INT, MICROS_PER_DAY, decimalParams, isDecimal } from '../types.js';

export { formatDate, formatTimestamp, parseDate, parseTimestamp };

const likeCache = new Map<string, RegExp>();
const regexCache = new Map<string, RegExp>();

/** Translates a SQL LIKE pattern (`%`, `_`, escape `\`) into an anchored RegExp. */
export function likeToRegExp(pattern: string, flags = 's'): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) {
      re += escapeRe(pattern[++i]!);
    } else if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += escapeRe(ch);
  }
  return new RegExp(re + '$', flags);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Spark's string → boolean cast. */
export function parseBoolean(s: string): boolean | null {
  switch (s.trim().toLowerCase()) {
    case 'true': case 't': case 'yes': case 'y': case '1': return true;
    case 'false': case 'f': case 'no': case 'n': case '0': return false;
    default: return null;
  }
}

/** Spark's double → string (Java's Double.toString shape for common values). */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Number.isInteger(x) && Math.abs(x) < 1e7) return x.toFixed(1);
  const s = String(x);
  if (/e/.test(s)) return s.replace('e+', 'E').replace('e-', 'E-');
  if (Math.abs(x) >= 1e7) return x.toExponential().replace('e+', 'E');
  return s;
}

/** Functions generated code calls as `R.name(...)`. */
export const RUNTIME = {
  /** string → binary (its UTF-8 bytes, as a byte string: one char per byte). */
  strToBin(s: string): string {
    return Buffer.from(s, 'utf8').toString('latin1');
  },
  /** binary (byte string) → string, decoding UTF-8 (invalid sequences become U+FFFD). */
  binToStr(b: string): string {
    return Buffer.from(b, 'latin1').toString('utf8');
  },
  /** int32 result check. */
  chk32(x: number): number {
    if (x > 2147483647 || x < -2147483648) throw new ArithmeticOverflowError(`integer overflow: ${x} does not fit in int; cast to long or double first`);
    return x;
  },
  /** int64 result check against the exact range. */
  chk64(x: number): number {
    if (x > MAX_EXACT_INT || x < -MAX_EXACT_INT) throw new ArithmeticOverflowError(`long overflow: ${x} is outside the exact range ±2^53 that Kindling supports; cast to double first`);
    return x;
  },
  like(s: string, pattern: string): boolean {
    let re = likeCache.get(pattern);
    if (!re) {
      re = likeToRegExp(pattern);
      likeCache.set(pattern, re);
    }
    return re.test(s);
  },
  ilike(s: string, pattern: string): boolean {
    const key = '\u0000i' + pattern;
    let re = likeCache.get(key);
    if (!re) {
      re = likeToRegExp(pattern, 'si');
      likeCache.set(key, re);
    }
    return re.test(s);
  },
  rlike(s: string, pattern: string): boolean {
    let re = regexCache.get(pattern);
    if (!re) {
      re = new RegExp(pattern, 'u');
      regexCache.set(pattern, re);
    }
    return re.test(s);
  },
  regex(pattern: string, flags = 'gu'): RegExp {
    const key = flags + '\u0000' + pattern;
    let re = regexCache.get(key);
    if (!re) {
      re = new RegExp(pattern, flags);
      regexCache.set(key, re);
    }
    re.lastIndex = 0;
    return re;
  },
  formatDate,
  formatTimestamp,
  formatDouble,
  parseDate,
  parseTimestamp,
  parseBoolean,
  /** string → int32 / int64 (null if not an integer in range). */
  parseInt(s: string, wide: boolean): number | null {
    const t = s.trim();
    if (!/^[+-]?\d+$/.test(t)) {
      // Spark truncates decimal strings when casting to int
      if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return RUNTIME.toInt(Number(t), wide);
      return null;
    }
    return RUNTIME.toInt(Number(t), wide);
  },
  parseNumber(s: string): number | null {
    const t = s.trim();
    if (t === '') return null;
    if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^nan$/i.test(t)) return NaN;
    const x = Number(t);
    return Number.isNaN(x) ? null : x;
  },
  /**
   * number → int32/int64 by truncation, null when out of the type's range (non-ANSI cast). A long
   * that Spark would hold but that lies beyond ±2^53 raises `ArithmeticOverflowError` (README "Types").
   */
  toInt(x: number, wide: boolean): number | null {
    if (!Number.isFinite(x)) return null;
    const t = Math.trunc(x);
    if (wide ? t > MAX_EXACT_INT || t < -MAX_EXACT_INT : t > 2147483647 || t < -2147483648) {
      if (wide && t < 2 ** 63 && t >= -(2 ** 63)) throw new ArithmeticOverflowError(`cast to long: ${x} is outside the exact range ±2^53 that Kindling supports for long values; keep it a double`);
      return null;
    }
    return t === 0 ? 0 : t;
  },
  // Decimals: unscaled bigints (src/data/decimal.ts); each result is checked against its type's precision.
  /** Checks a decimal result against `type`'s precision (ArithmeticOverflowError naming `what`). */
  decChk: checkDecimal,
  /** Unscaled `v` divided by `d` (a power of ten), HALF_UP / HALF_EVEN. */
  decDivUp: divHalfUp,
  decDivEven: divHalfEven,
  /** string → decimal: null if not a number, overflow raises. */
  decParse(s: string, type: DecimalType): bigint | null {
    const v = parseDecimal(s, decimalParams(type).scale);
    return v === null ? null : checkDecimal(v, type, `cast('${s}' as ${type})`);
  },
  decFromInt(x: number, mul: bigint, type: DecimalType): bigint {
    return checkDecimal(BigInt(x) * mul, type, `cast(${x} as ${type})`);
  },
  decFromDouble(x: number, type: DecimalType): bigint | null {
    const v = decimalFromDouble(x, decimalParams(type).scale);
    return v === null ? null : checkDecimal(v, type, `cast(${formatDouble(x)} as ${type})`);
  },
  /** decimal(·, from) → `type`, rounding HALF_UP when the scale shrinks. */
  decRescale(v: bigint, from: number, type: DecimalType): bigint {
    const to = decimalParams(type).scale;
    return checkDecimal(rescale(v, from, to), type, `cast(${formatDecimal(v, from)} as ${type})`);
  },
  decToStr: formatDecimal,
  decToDouble: decimalToDouble,
  /** decimal → int / long, truncating toward zero (Spark). */
  decToInt(v: bigint, scale: number, wide: boolean): number | null {
    const t = scale === 0 ? v : v / (10n ** BigInt(scale));
    if (t > 9223372036854775807n || t < -9223372036854775808n) return null;
    return RUNTIME.toInt(Number(t), wide);
  },
  /** a / b of unscaled values: HALF_UP at the result scale (`up` = 10^k multiplies a, `down` = 10^k divides); null when b is 0. */
  decDiv(a: bigint, b: bigint, up: bigint, down: bigint, type: DecimalType): bigint | null {
    if (b === 0n) return null;
    let num = a * up;
    let den = b * down;
    if (den < 0n) { num = -num; den = -den; }
    return checkDecimal(divHalfUp(num, den), type, 'decimal division');
  },
  /** round / bround of unscaled `v` (scale s1) to `d` places, as unscaled at the result scale s2. */
  decRound(v: bigint, s1: number, d: number, s2: number, halfEven: boolean, type: DecimalType): bigint {
    if (d >= s1) return v;
    const div = 10n ** BigInt(s1 - d);
    const q = halfEven ? divHalfEven(v, div) : divHalfUp(v, div);
    // q is at scale d; the result scale s2 is max(d, 0) (d < 0 pads back to whole numbers).
    return checkDecimal(d < s2 ? q * 10n ** BigInt(s2 - d) : q, type, 'round');
  },
  /** floor / ceil of unscaled `v` at `scale`, as a whole number (scale 0). */
  decFloorCeil(v: bigint, scale: number, floor: boolean): bigint {
    if (scale === 0) return v;
    const div = 10n ** BigInt(scale);
    const q = v / div;
    const r = v - q * div;
    if (r === 0n) return q;
    return floor ? (v < 0n ? q - 1n : q) : v > 0n ? q + 1n : q;
  },
  /** SQL comparison of two storage values of one type: -1, 0, 1. */
  cmp(a: number | string | boolean, b: number | string | boolean): number {
    return a < b ? -1 : a > b ? 1 : 0;
  },
};

/** A JS expression casting `v` (non-null, of type `from`) to `to`; may evaluate to null (invalid input). */
export function castTemplate(from: DataType, to: DataType, v: string): string {
  if (from === 'null') return 'null';
  if (isDecimal(to) || isDecimal(from)) return decimalCastTemplate(from, to, v);
  if (to === 'binary') return from === 'utf8' ? `R.strToBin(${v})` : from === 'binary' ? v : 'null';
  switch (to) {
    case 'utf8':
      switch (from) {
        case 'binary': return `R.binToStr(${v})`;
        case 'boolean': return `(${v} ? 'true' : 'false')`;
        case 'float64': return `R.formatDouble(${v})`;
        case 'date32': return `R.formatDate(${v})`;
        case 'timestamp': return `R.formatTimestamp(${v})`;
        default: return `String(${v})`;
      }
    case 'boolean':
      if (from === 'utf8') return `R.parseBoolean(${v})`;
      if (from === 'float64' || from === 'int32' || from === 'int64') return `(${v} !== 0)`;
      break;
    case 'int32':
    case 'int64': {
      const wide = to === 'int64';
      if (from === 'utf8') return `R.parseInt(${v}, ${wide})`;
      if (from === 'boolean') return `(${v} ? 1 : 0)`;
      if (from === 'int32') return v;
      if (from === 'int64' || from === 'float64') return `R.toInt(${v}, ${wide})`;
      if (from === 'timestamp') return `R.toInt(Math.floor(${v} / 1e6), ${wide})`;
      if (from === 'date32') return 'null';
      break;
    }
    case 'float64':
      if (from === 'utf8') return `R.parseNumber(${v})`;
      if (from === 'boolean') return `(${v} ? 1 : 0)`;
      if (from === 'int32' || from === 'int64') return v;
      if (from === 'timestamp') return `(${v} / 1e6)`;
      if (from === 'date32') return 'null';
      break;
    case 'date32':
      if (from === 'utf8') return `R.parseDate(${v})`;
      if (from === 'timestamp') return `Math.floor(${v} / ${MICROS_PER_DAY})`;
      return 'null';
    case 'timestamp':
      if (from === 'utf8') return `R.parseTimestamp(${v})`;
      if (from === 'date32') return `(${v} * ${MICROS_PER_DAY})`;
      if (from === 'int32' || from === 'int64' || from === 'float64') return `Math.floor(${v} * 1e6)`;
      return 'null';
    case 'null':
      return 'null';
  }
  return 'null';
}

/**
 * Casts to and from decimals. To decimal: ints and longs exactly, doubles from their shortest
 * decimal text, strings exactly (null if not a number), decimals rescaled; extra fractional
 * digits round HALF_UP (Spark's cast) and a value too large for the precision raises
 * ArithmeticOverflowError. From decimal: exact strings, the nearest double, ints and longs
 * truncated toward zero.
 */
function decimalCastTemplate(from: DataType, to: DataType, v: string): string {
  const q = (t: DataType) => `'${t}'`;
  if (isDecimal(to)) {
    const { scale } = decimalParams(to);
    if (isDecimal(from)) return `R.decRescale(${v}, ${decimalParams(from).scale}, ${q(to)})`;
    switch (from) {
      case 'int32': case 'int64': return `R.decFromInt(${v}, ${10n ** BigInt(scale)}n, ${q(to)})`;
      case 'boolean': return `(${v} ? ${10n ** BigInt(scale)}n : 0n)`;
      case 'float64': return `R.decFromDouble(${v}, ${q(to)})`;
      case 'utf8': return `R.decParse(${v}, ${q(to)})`;
      default: return 'null';
    }
  }
  const { scale } = decimalParams(from as DecimalType);
  switch (to) {
    case 'utf8': return `R.decToStr(${v}, ${scale})`;
    case 'float64': return `R.decToDouble(${v}, ${scale})`;
    case 'int32': return `R.decToInt(${v}, ${scale}, false)`;
    case 'int64': return `R.decToInt(${v}, ${scale}, true)`;
    case 'boolean': return `(${v} !== 0n)`;
    default: return 'null';
  }
}

/** True if a cast from `from` to `to` is allowed at all (Spark's Cast.canCast, simplified). */
export function canCast(from: DataType, to: DataType): boolean {
  if (from === to || from === 'null') return true;
  // Structs and maps cast only to themselves (to_json writes them as text).
  if (/^(?:struct|map)</.test(from) || /^(?:struct|map)</.test(to)) return false;
  if (isDecimal(from) || isDecimal(to)) {
    const other = isDecimal(from) ? to : from;
    return other === 'utf8' || other === 'boolean' || other === 'int32' || other === 'int64' || other === 'float64' || isDecimal(other);
  }
  if (to === 'utf8') return true;
  if (from === 'binary' || to === 'binary') return from === 'utf8' || from === to;
  if ((from === 'date32' && (to === 'int32' || to === 'int64' || to === 'float64'))) return false;
  if (from === 'boolean' && (to === 'date32' || to === 'timestamp')) return false;
  if ((from === 'date32' || from === 'timestamp') && to === 'boolean') return false;
  return true;
}
