/**
 * Fast window evaluators for the common aggregates over frames (attached to their definitions in
 * src/expr/aggregates.ts as `window` hooks): count, sum and avg from per-partition prefix sums
 * (running and whole-partition frames) or a segment tree (sliding float frames); min / max from a
 * running best or a segment tree of row indices; first / last by index. Other aggregates, and
 * DISTINCT calls, run through their accumulators (src/exec/window/accumulate.ts).
 */
import { ColumnData, take } from '../../data/column.js';
import { ArithmeticOverflowError, TypeMismatchError } from '../../errors.js';
import { type DataType, MAX_EXACT_INT, isDecimal, isList } from '../../types.js';
import type { AggregateWindowHooks, WindowLayout } from '../function-defs.js';
import { lit, litValue, validMask, validPrefix } from './helpers.js';
import { nthColumn } from './nth-value.js';
import { BestTree, SumTree } from './segment-tree.js';

function countColumn(args: readonly ColumnData[], n: number, lo: Int32Array, hi: Int32Array): ColumnData {
  let valid: Uint8Array | null = null;
  if (args.length === 1) valid = validMask(args[0]!);
  else if (args.length > 1) {
    valid = new Uint8Array(n).fill(1);
    for (const a of args) {
      const m = validMask(a);
      if (m) for (let i = 0; i < n; i++) valid[i]! &= m[i]!;
    }
  }
  const out = new Float64Array(n);
  if (!valid) {
    for (let i = 0; i < n; i++) out[i] = Math.max(0, hi[i]! - lo[i]! + 1);
  } else {
    const p = validPrefix(valid, n);
    for (let i = 0; i < n; i++) out[i] = lo[i]! <= hi[i]! ? p[hi[i]! + 1]! - p[lo[i]!]! : 0;
  }
  return new ColumnData('int64', n, out, null);
}

function sumAvgColumn(col: ColumnData, L: WindowLayout, lo: Int32Array, hi: Int32Array, type: DataType, avg: boolean): ColumnData {
  const n = L.n;
  const ps = L.partStart;
  const out = new Float64Array(n);
  const has = new Uint8Array(n);
  if (col.type === 'null') return new ColumnData(type, n, out, has);
  const v = col.values!;
  const valid = col.validity;
  const cnt = validPrefix(valid, n);
  // running sum per partition, in row order (the order a plain aggregate adds in)
  const run = new Float64Array(n);
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const prev = i === ps[i] ? 0 : run[i - 1]!;
    const x = valid && !valid[i] ? 0 : v[i]!;
    const s = prev + x;
    run[i] = s;
    const a = s < 0 ? -s : s;
    if (a > maxAbs) maxAbs = a;
  }
  const exactDiff = col.type !== 'float64' && maxAbs <= MAX_EXACT_INT;
  let tree: SumTree | null = null;
  for (let i = 0; i < n; i++) {
    const a = lo[i]!;
    const b = hi[i]!;
    if (a > b) continue;
    const c = cnt[b + 1]! - cnt[a]!;
    if (c === 0) continue;
    let s: number;
    if (a === ps[i]) s = run[b]!;
    else if (exactDiff) s = run[b]! - run[a - 1]!;
    else s = (tree ??= new SumTree(n, v, valid)).query(a, b);
    out[i] = avg ? s / c : s;
    has[i] = 1;
  }
  if (type === 'int64') {
    for (let i = 0; i < n; i++) {
      const x = out[i]!;
      if (x > MAX_EXACT_INT || x < -MAX_EXACT_INT) throw new ArithmeticOverflowError(`sum overflowed the exact int64 range ±2^53 (got about ${x}); cast the column to double before summing`);
    }
  }
  let allValid = true;
  for (let i = 0; i < n; i++) if (!has[i]) { allValid = false; break; }
  return new ColumnData(type, n, out, allValid ? null : has);
}

function minMaxColumn(col: ColumnData, L: WindowLayout, lo: Int32Array, hi: Int32Array, isMax: boolean): ColumnData {
  const n = L.n;
  const ps = L.partStart;
  if (col.type === 'null') return col;
  const valid = col.validity;
  let better: (i: number, j: number) => boolean;
  if (col.type === 'utf8') {
    const s = col.strings() as string[];
    better = isMax ? (i, j) => s[i]! > s[j]! : (i, j) => s[i]! < s[j]!;
  } else {
    const v = col.values!;
    // NaN is larger than every number (Spark's ordering).
    better = isMax
      ? (i, j) => { const x = v[i]!; const y = v[j]!; return x > y || (x !== x && y === y); }
      : (i, j) => { const x = v[i]!; const y = v[j]!; return x < y || (y !== y && x === x); };
  }
  // best row of [partition start, i]
  const run = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const prev = i === ps[i] ? -1 : run[i - 1]!;
    const here = valid && !valid[i] ? -1 : i;
    run[i] = prev < 0 ? here : here < 0 ? prev : better(here, prev) ? here : prev;
  }
  let tree: BestTree | null = null;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = lo[i]!;
    const b = hi[i]!;
    if (a > b) idx[i] = -1;
    else if (a === ps[i]) idx[i] = run[b]!;
    else idx[i] = (tree ??= new BestTree(n, valid, better)).query(a, b);
  }
  return take(col, idx);
}

/** count over frames: never null. */
export const COUNT_OVER_FRAMES: AggregateWindowHooks = {
  nullable: false,
  evaluate: (x) => {
    const { lo, hi } = x.frame();
    return countColumn(x.columns, x.layout.n, lo, hi);
  },
};

/** sum (`avg` false) or avg over frames. */
export function sumAvgOverFrames(avg: boolean): AggregateWindowHooks {
  return {
    evaluate: (x) => {
      if (isDecimal(x.columns[0]!.type)) return undefined; // exact decimals: the accumulator
      const { lo, hi } = x.frame();
      return sumAvgColumn(x.columns[0]!, x.layout, lo, hi, x.type, avg);
    },
  };
}

/** min or max over frames (array arguments use the accumulator). */
export function minMaxOverFrames(isMax: boolean): AggregateWindowHooks {
  return {
    evaluate: (x) => {
      if (isList(x.columns[0]!.type) || isDecimal(x.columns[0]!.type)) return undefined;
      const { lo, hi } = x.frame();
      return minMaxColumn(x.columns[0]!, x.layout, lo, hi, isMax);
    },
  };
}

/** first or last over frames; the optional ignoreNulls argument must be a constant boolean. */
export function firstLastOverFrames(last: boolean): AggregateWindowHooks {
  return {
    bindArgs: (args, constant, display) => {
      if (args.length < 2) return [...args];
      const ignore = constant(args[1]!, 'ignoreNulls');
      if (typeof ignore !== 'boolean' && ignore !== null) throw new TypeMismatchError(`ignoreNulls of ${display} must be a boolean`);
      return [args[0]!, lit(ignore === true, 'boolean')];
    },
    evaluate: (x) => {
      const { lo, hi } = x.frame();
      return nthColumn(x.columns[0]!, lo, hi, 1, x.columns.length > 1 && litValue(x.args[1]) !== false, last);
    },
  };
}
