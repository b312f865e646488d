/**
 * Byte-level value parsers and formatters used by the CSV reader and writer: integers, doubles
 * and booleans parsed straight from UTF-8 bytes without creating strings. Dates and timestamps
 * (ISO defaults and `dateFormat` / `timestampFormat` patterns) are parsed by src/time/iso.ts and
 * src/time/patterns.ts.
 *
 * Every parser takes `(bytes, start, end)` and returns NaN when the text does not parse (for
 * doubles, where NaN is a legal value, a separate flag tells failure apart).
 */
import { Buffer } from 'node:buffer';
import { MAX_EXACT_INT } from '../types.js';

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
// Formatting
// ---------------------------------------------------------------------------------------------

/** A double as Spark writes it (`1.0`, `2.5`, `1.0E-7` style aside, JS shortest round-trip text). */
export function formatDouble(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return (Object.is(v, -0) ? '-0' : String(v)) + '.0';
  return String(v);
}

/** Largest magnitude an int64 value may have in Kindling (exact doubles). */
export const MAX_INT64 = MAX_EXACT_INT;
