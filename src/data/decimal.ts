/**
 * Exact decimals (`decimal(p,s)`, Spark's DecimalType): storage, parsing, formatting, rescaling
 * and the overflow checks that arithmetic, casts, aggregates and readers share.
 *
 * Storage choice: every decimal column, whatever its precision, holds Arrow's Decimal128 layout:
 * 16 bytes per value, little-endian two's complement of the unscaled integer (value × 10^s),
 * kept as an `Int32Array` of 4 words per value in `ColumnData.values`. One layout for p ≤ 38
 * means one code path (no int64/int128 split), Arrow and Parquet interchange without a per-value
 * conversion (apache-arrow's `Decimal` data is the same bytes as a `Uint32Array`), and the generic
 * column code (take, slice, concat, shuffles, shared memory) only needs a stride of 4
 * (`valueWidth`). Arithmetic works on JS `bigint`s of the unscaled values (`decimalBigInts`),
 * which are exact at any size; values within ±2^53 take a fast path in and out of the words.
 *
 * Rounding: values never round silently. The only places that round (HALF_UP, as Spark) are
 * the ones where Spark's rules fix a result scale smaller than the exact result's: division and
 * avg (their result scale), multiplication / addition whose exact result type exceeds 38 digits
 * (Spark's allowPrecisionLoss adjustment), a cast or a CSV value with more fractional digits
 * than the target scale, and round()/bround(). A value whose integer digits do not fit the
 * precision raises `ArithmeticOverflowError` (Spark's ANSI mode; Spark's default would give null).
 */
import { ArithmeticOverflowError } from '../errors.js';
import { type DecimalType, decimalParams } from '../types.js';

/** Int32 words per decimal value (Decimal128). */
export const DECIMAL_WORDS = 4;

/** 10^k as bigints, k = 0..80. */
export const POW10N: readonly bigint[] = Array.from({ length: 81 }, (_, k) => 10n ** BigInt(k));

const TWO32 = 4294967296;
const MASK64 = (1n << 64n) - 1n;
const MASK32 = 0xffffffffn;

/** The unscaled value `i` of Decimal128 words. */
export function readDecimal(w: Int32Array, i: number): bigint {
  const o = i * 4;
  const w0 = w[o]!;
  const w1 = w[o + 1]!;
  const w2 = w[o + 2]!;
  const w3 = w[o + 3]!;
  // Fast path: |v| < 2^52, where the upper 64 bits are the sign extension of word 1.
  const ext = w1 < 0 ? -1 : 0;
  if (w2 === ext && w3 === ext && w1 < 0x100000 && w1 >= -0x100000) return BigInt(w1 * TWO32 + (w0 >>> 0));
  const lo = (BigInt(w1 >>> 0) << 32n) | BigInt(w0 >>> 0);
  const hi = (BigInt(w3) << 32n) | BigInt(w2 >>> 0);
  return (hi << 64n) | lo;
}

/** Writes unscaled value `v` (|v| < 2^127) as the Decimal128 words of value `i`. */
export function writeDecimal(w: Int32Array, i: number, v: bigint): void {
  const o = i * 4;
  if (v < 4503599627370496n && v > -4503599627370496n) {
    const x = Number(v);
    const hi = Math.floor(x / TWO32);
    w[o] = x - hi * TWO32;
    w[o + 1] = hi;
    const ext = hi < 0 ? -1 : 0;
    w[o + 2] = ext;
    w[o + 3] = ext;
    return;
  }
  const lo = v & MASK64;
  const hi = v >> 64n;
  w[o] = Number(lo & MASK32);
  w[o + 1] = Number(lo >> 32n);
  w[o + 2] = Number(hi & MASK32);
  w[o + 3] = Number((hi >> 32n) & MASK32);
}

/** Exclusive bound of the unscaled values of precision p: 10^p. */
export function decimalLimit(precision: number): bigint {
  return POW10N[precision]!;
}

/** 10^precision by decimal type (checkDecimal runs once per value). */
const LIMITS = new Map<string, bigint>();

/** Throws ArithmeticOverflowError unless |v| < 10^precision; returns v. `what` says where (e.g. 'a * b'). */
export function checkDecimal(v: bigint, type: DecimalType, what: string): bigint {
  let lim = LIMITS.get(type);
  if (lim === undefined) {
    lim = POW10N[decimalParams(type).precision]!;
    LIMITS.set(type, lim);
  }
  if (v >= lim || v <= -lim) {
    const { precision, scale } = decimalParams(type);
    throw new ArithmeticOverflowError(`${what}: the value ${formatDecimal(v, scale)} does not fit ${type} (at most ${precision - scale} digits before the point); cast to a wider decimal (up to decimal(38,s)) or to double first`);
  }
  return v;
}

/** v / d rounded HALF_UP (away from zero on ties), d > 0. */
export function divHalfUp(v: bigint, d: bigint): bigint {
  if (d === 1n) return v;
  const q = v / d;
  const r = v - q * d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return v < 0n ? q - 1n : q + 1n;
  return q;
}

/** v / d rounded HALF_EVEN (banker's), d > 0. */
export function divHalfEven(v: bigint, d: bigint): bigint {
  const q = v / d;
  const r = v - q * d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice > d || (twice === d && (q & 1n) !== 0n)) return v < 0n ? q - 1n : q + 1n;
  return q;
}

/** An unscaled value at scale `from` rescaled to scale `to` (HALF_UP when digits are dropped). */
export function rescale(v: bigint, from: number, to: number): bigint {
  if (to === from) return v;
  return to > from ? v * POW10N[to - from]! : divHalfUp(v, POW10N[from - to]!);
}

/** The plain decimal string of unscaled `v` at `scale` (Java's BigDecimal.toPlainString): 12.30, -0.05, 7. */
export function formatDecimal(v: bigint, scale: number): string {
  const neg = v < 0n;
  let digits = (neg ? -v : v).toString();
  if (scale > 0) {
    if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
    digits = digits.slice(0, digits.length - scale) + '.' + digits.slice(digits.length - scale);
  }
  return neg ? '-' + digits : digits;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a decimal text (`12.5`, `-.5`, `1e3`, `+7.`, surrounding spaces allowed) into its
 * unscaled value at `scale`, rounding HALF_UP when the text has more fractional digits (as
 * Spark's cast and CSV reader do). Null when the text is not a number.
 */
export function parseDecimal(text: string, scale: number): bigint | null {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m) return null;
  const int = m[2]!;
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return null;
  let exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isFinite(exp) || Math.abs(exp) > 1000) return null;
  let digits = (int + frac).replace(/^0+/, '');
  exp -= frac.length; // value = digits × 10^exp
  if (digits === '') return 0n;
  let v: bigint;
  const shift = exp + scale;
  if (shift >= 0) {
    if (digits.length + shift > 120) return null; // far beyond any precision; the caller's check reports overflow
    v = BigInt(digits) * POW10N[shift]!;
  } else {
    const drop = -shift;
    if (drop > digits.length) digits = '0'.repeat(drop - digits.length) + digits;
    const keep = digits.slice(0, digits.length - drop);
    v = BigInt(keep === '' ? '0' : keep);
    if (digits.charCodeAt(digits.length - drop) >= 53) v += 1n; // HALF_UP on the first dropped digit
  }
  return m[1] === '-' ? -v : v;
}

/** A double as an unscaled decimal at `scale` (from its shortest decimal text, as Spark's `Decimal(double)`); null for NaN / ±Infinity. */
export function decimalFromDouble(x: number, scale: number): bigint | null {
  if (!Number.isFinite(x)) return null;
  if (Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER) return BigInt(x) * POW10N[scale]!;
  return parseDecimal(String(x), scale);
}

/** The double nearest to unscaled `v` at `scale` (correctly rounded). */
export function decimalToDouble(v: bigint, scale: number): number {
  if (v < 9007199254740992n && v > -9007199254740992n && scale <= 22) return Number(v) / 10 ** scale; // both exact: one rounding
  return Number(formatDecimal(v, scale));
}
