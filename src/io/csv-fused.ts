/**
 * Compiles the CSV fused fast path's record loop (csv-build.ts `BatchBuilder.addRun`) for one
 * field plan: a function whose body has one straight block per field of the record, for its
 * kind (int, long, double, plain string, dictionary string, skipped) and position (the last
 * field ends at the line end), with the separator, quote and comment bytes as constants and each
 * column's array in a local (booleans, dates, timestamps and decimals call the conversion `add`
 * makes, csv-build.ts `converter`). The generic loop it replaces looked the kind up, dispatched and
 * loaded the column array per field. Compiled with `new Function` once per plan and thread
 * (the plans of a scan are few: a column's string encoding is the only thing that changes).
 *
 * The generated code takes exactly the records the generic rules allow (see `addRun`): a field
 * that starts with the quote, is empty, does not parse as exactly what `add` stores, or a record
 * with another field count, a blank or comment line, or a record cut by the buffer's end stops
 * the run before that record, and `add` reads it.
 *
 * Measured (issue 18, 20:20 UTC, scratch/runbench.mjs: addRun over 64 MB of J1_1e7_NA_0_0.csv,
 * the same arrays reused so no fresh pages, steady state of 12 passes): 125 ns/row for the generic
 * loop, 81 ns/row compiled; loads end to end in csv-build.ts's header.
 */
import { packKey } from '../data/short-keys.js';
import { POW10 } from './csv-scan.js';

/** Field plan codes: skipped, int, long, double, plain string, dictionary string. */
export const R_SKIP = 0;
export const R_I32 = 1;
export const R_I64 = 2;
export const R_F64 = 3;
export const R_UTF8 = 4;
export const R_DICT = 5;
/** A field converted by a function (boolean, date, timestamp, decimal: see {@link FusedConverter}). */
export const R_CALL = 6;

/** Converts an unquoted, non-empty field's bytes [s, e) of `b` into row `row` of its column; false when it does not parse. */
export type FusedConverter = (b: Uint8Array, s: number, e: number, row: number) => boolean;

/** Most deferred dictionary lookups per column before they are done (csv-build.ts KEY_RUN). */
export const FUSED_KEY_RUN = 4096;

/**
 * What the compiled loop calls back: growing a plain string column's bytes (`pos`: its bytes
 * written so far), looking up the deferred dictionary keys of every encoded column up to `row`,
 * and encoding a dictionary field longer than a short key (false from either: a dictionary passed
 * its limit, the column is plain now, the run must end).
 */
export interface FusedHost {
  runGrow(j: number, need: number, pos: number): Uint8Array;
  runFlush(row: number): boolean;
  runLongKey(j: number, b: Uint8Array, s: number, e: number, row: number): boolean;
}

/**
 * The compiled loop: converts records from `p` while `row < cap`, `p < stop` and `p < limit`;
 * `cols[f]` is field f's value array (fixed values, dictionary keys ring or string offsets),
 * `bytes[f]` a plain string field's bytes, `pos[f]` its bytes written so far or a dictionary
 * field's first deferred row, `convs[f]` a converted field's function. Writes the rows added and the last record's start to `out`
 * ([row, lastStart]) and returns the position after the last record added.
 */
export type FusedLoop = (host: FusedHost, cols: readonly (Int32Array | Float64Array | null)[], bytes: readonly (Uint8Array | null)[], pos: Int32Array, colOf: Int32Array, convs: readonly (FusedConverter | null)[], buf: Uint8Array, p: number, limit: number, stop: number, row: number, cap: number, out: Int32Array) => number;

const cache = new Map<string, FusedLoop>();
const MAX_LOOPS = 64;

/** The loop for `plan` (R_* per record field) and the dialect bytes (-1: none), compiled on first use. */
export function fusedLoop(plan: Int8Array, sep: number, quote: number, comment: number): FusedLoop {
  const key = `${Array.from(plan).join('')}_${sep}_${quote}_${comment}`;
  let fn = cache.get(key);
  if (fn === undefined) {
    fn = compile(plan, sep, quote, comment, key);
    // A process reading many differently shaped files keeps the latest loops only.
    if (cache.size >= MAX_LOOPS) cache.clear();
    cache.set(key, fn);
  }
  return fn;
}

function compile(plan: Int8Array, sep: number, quote: number, comment: number, key: string): FusedLoop {
  const width = plan.length;
  const HI = sep > 13 ? sep : 13;
  const decl: string[] = [];
  const dicts: number[] = [];
  const body: string[] = [];
  for (let f = 0; f < width; f++) {
    const k = plan[f]!;
    if (k === R_I32 || k === R_I64 || k === R_F64) decl.push(`const a${f} = cols[${f}];`);
    else if (k === R_UTF8) decl.push(`const o${f} = cols[${f}]; let b${f} = bytes[${f}]; let w${f} = pos[${f}];`);
    else if (k === R_DICT) {
      decl.push(`const a${f} = cols[${f}]; let d${f} = pos[${f}];`);
      dicts.push(f);
    } else if (k === R_CALL) decl.push(`const v${f} = convs[${f}];`);
    body.push(`// field ${f}\nif (q >= limit) break records;\nc = buf[q];`);
    if (k === R_I32 || k === R_I64) {
      // Sign and digits, as FastTokenizer's F_INT (at most 15 digits: exact as a double).
      body.push(`neg = c === 45;
if (neg || c === 43) { if (++q >= limit) break records; c = buf[q]; }
d = c - 48;
if (d < 0 || d > 9) break records;
v = d; s = q; q++;
while (q < limit) { d = buf[q] - 48; if (d < 0 || d > 9) break; v = v * 10 + d; q++; }
if (q - s > 15) break records;
if (neg) v = 0 - v;
${k === R_I32 ? 'if (v < -2147483648 || v > 2147483647) break records;\n' : ''}a${f}[row] = v;
if (q >= limit) break records;
c = buf[q];`);
    } else if (k === R_F64) {
      // `[sign] digits [. digits]`, ≤ 15 significant and ≤ 22 decimal digits: as F_DOUBLE.
      body.push(`neg = c === 45;
if (neg || c === 43) { if (++q >= limit) break records; c = buf[q]; }
v = 0; nd = 0; digits = 0; frac = 0;
while (true) { d = c - 48; if (d < 0 || d > 9) break; digits++; if (v !== 0 || d !== 0) { v = v * 10 + d; nd++; } if (++q >= limit) break records; c = buf[q]; }
if (c === 46) {
  if (++q >= limit) break records;
  c = buf[q];
  while (true) { d = c - 48; if (d < 0 || d > 9) break; digits++; frac++; if (v !== 0 || d !== 0) { v = v * 10 + d; nd++; } if (++q >= limit) break records; c = buf[q]; }
}
if (digits === 0 || nd > 15 || frac > 22) break records;
if (v !== 0 && frac !== 0) v = v / POW10[frac];
a${f}[row] = neg ? -v : v;`);
    } else {
      // A string (or skipped) field: up to the separator or line end; quoted or empty ones stop.
      body.push(`if (c === ${quote} || c === ${sep} || c === 10 || c === 13) break records;
s = q; q++;
while (q < limit) { c = buf[q]; if (c > ${HI}) { q++; continue; } if (c === ${sep} || c === 10 || c === 13) break; q++; }
if (q >= limit) break records;`);
      if (k === R_UTF8) {
        body.push(`n = q - s;
if (w${f} + n > b${f}.length) b${f} = host.runGrow(colOf[${f}], w${f} + n, w${f});
if (n < 24) { for (let i = 0; i < n; i++) b${f}[w${f} + i] = buf[s + i]; } else b${f}.set(buf.subarray(s, q), w${f});
w${f} += n;
o${f}[row + 1] = w${f};`);
      } else if (k === R_DICT) {
        // Longer values are encoded by the builder at once (after the deferred ones).
        body.push(`if (q - s > 12) {
  if (!host.runLongKey(colOf[${f}], buf, s, q, row)) break records;
  d${f} = row + 1;
} else pack(buf, s, q, a${f}, (row - d${f}) << 2);`);
      } else if (k === R_CALL) body.push(`if (!v${f}(buf, s, q, row)) break records;`);
    }
    // The terminator: the separator, or after the last field the line end (LF, CRLF, CR).
    if (f < width - 1) body.push(`if (c !== ${sep}) break records;\nq++;`);
    else body.push(`if (c === 10) q++;
else if (c === 13) { if (q + 1 >= limit) break records; q += buf[q + 1] === 10 ? 2 : 1; }
else break records;`);
  }
  const flush = dicts.length === 0 ? '' : `if (row - from >= ${FUSED_KEY_RUN}) {
  if (!host.runFlush(row)) break;
  from = row; ${dicts.map((f) => `d${f} = row;`).join(' ')}
}`;
  const from = dicts.length === 0 ? '' : `let from = row; ${dicts.map((f) => `if (d${f} < from) from = d${f};`).join(' ')}`;
  const src = `"use strict";
return function fused_${key.replace(/[^0-9a-z]/gi, '_')}(host, cols, bytes, pos, colOf, convs, buf, p, limit, stop, row, cap, out) {
${decl.join('\n')}
${from}
let lastStart = -1;
let q = 0, c = 0, d = 0, v = 0, s = 0, n = 0, nd = 0, digits = 0, frac = 0, neg = false;
records: while (row < cap && p < stop && p < limit) {
${flush}
${comment >= 0 ? `if (buf[p] === ${comment}) break;` : ''}
q = p;
${body.join('\n')}
lastStart = p;
p = q;
row++;
}
out[0] = row;
out[1] = lastStart;
return p;
};`;
  return new Function('pack', 'POW10', src)(packKey, POW10) as FusedLoop;
}
