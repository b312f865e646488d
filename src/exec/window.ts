/**
 * WindowOp: computes window functions over one partition of its input. The planner puts a hash
 * exchange on the PARTITION BY keys in front, so every window partition lies in one task. The
 * operator gathers the task's rows, sorts them by (partition keys, ORDER BY keys), finds the
 * window partitions and peer groups (rows equal on ORDER BY), and computes every function with
 * typed-array loops over the sorted rows:
 *  - ranking functions (row_number, rank, dense_rank, percent_rank, cume_dist, ntile) from the
 *    partition and peer boundaries; lag / lead / nth_value / first / last by index;
 *  - aggregates over frames: each row's frame is turned into an index range [lo, hi]; count,
 *    sum and avg use per-partition prefix sums (running and whole-partition frames) or a segment
 *    tree (sliding float frames), min / max a running best or a segment tree of row indices;
 *    every other aggregate (stddev, collect_list, DISTINCT, ...) runs through its registry
 *    Accumulator: one group per partition for whole-partition frames, an incrementally fed
 *    accumulator for running frames, one group per output row for sliding frames.
 * Output rows come in the sorted order: the input's columns followed by one column per function.
 */
import { Batch, concatBatches } from '../data/batch.js';
import { ColumnData, concatColumns, sliceColumn, take } from '../data/column.js';
import { ArithmeticOverflowError } from '../errors.js';
import { compileExpr, type CompiledExpr } from '../expr/codegen.js';
import type { BoundExpr, BoundSortKey, WindowFrame } from '../expr/expr.js';
import { boundToString } from '../expr/expr.js';
import { getAggregate } from '../expr/registry.js';
import { type BoundWindowFn, windowFnToString } from '../plan/logical.js';
import { type DataType, MAX_EXACT_INT, Schema, isList } from '../types.js';
import { type ExecContext, PhysicalOp } from './operator.js';
import type { OpCodec } from './op-codec.js';
import { FilterOp, ProjectOp } from './basic.js';
import { KeyTable } from './hashtable.js';
import { rowComparator } from './sort.js';
import '../expr/aggregates.js';

/** Partition and peer-group boundaries of sorted rows (per row; ends are exclusive). */
export interface WindowLayout {
  readonly n: number;
  readonly partStart: Int32Array;
  readonly partEnd: Int32Array;
  readonly peerStart: Int32Array;
  readonly peerEnd: Int32Array;
}

/** Marks in `out[i]` (i ≥ 1) rows whose value differs from the previous row's (nulls equal nulls, NaN equals NaN). */
function markChanges(col: ColumnData, out: Uint8Array): void {
  const n = col.length;
  if (col.type === 'null') return;
  if (col.type === 'utf8') {
    const s = col.strings();
    for (let i = 1; i < n; i++) if (s[i] !== s[i - 1]) out[i] = 1;
    return;
  }
  if (isList(col.type)) {
    const l = col.lists();
    for (let i = 1; i < n; i++) if (JSON.stringify(l[i]) !== JSON.stringify(l[i - 1])) out[i] = 1;
    return;
  }
  const v = col.values!;
  const valid = col.validity;
  for (let i = 1; i < n; i++) {
    if (valid) {
      const a = valid[i - 1]!;
      if (a !== valid[i]) { out[i] = 1; continue; }
      if (a === 0) continue;
    }
    const x = v[i - 1]!;
    const y = v[i]!;
    if (x !== y && !(x !== x && y !== y)) out[i] = 1;
  }
}

function spans(change: Uint8Array, n: number): { start: Int32Array; end: Int32Array } {
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (change[i]) s = i;
    start[i] = s;
  }
  let e = n;
  for (let i = n - 1; i >= 0; i--) {
    end[i] = e;
    if (change[i]) e = i;
  }
  return { start, end };
}

/**
 * Partition and peer boundaries of sorted rows: `partIds` (dense window-partition id per sorted
 * row, or null for a single partition) and the sorted ORDER BY key columns.
 */
export function windowLayout(n: number, partIds: Int32Array | null, orderKeys: readonly ColumnData[]): WindowLayout {
  const pchg = new Uint8Array(n);
  if (n > 0) pchg[0] = 1;
  if (partIds) for (let i = 1; i < n; i++) if (partIds[i] !== partIds[i - 1]) pchg[i] = 1;
  const ochg = pchg.slice();
  for (const c of orderKeys) markChanges(c, ochg);
  const p = spans(pchg, n);
  const q = spans(ochg, n);
  return { n, partStart: p.start, partEnd: p.end, peerStart: q.start, peerEnd: q.end };
}

/**
 * The order in which to process rows: grouped by window partition (dense ids from a hash table,
 * so keys are grouped as groupBy groups them: nulls together, NaN together) with a counting sort,
 * then each partition sorted by the ORDER BY keys (stable). Returns the permutation and the
 * partition id of each sorted row (null when there are no partition keys).
 */
function windowOrder(b: Batch, partCols: readonly ColumnData[], orderBy: readonly BoundSortKey[], orderCols: readonly ColumnData[]): { idx: Int32Array; partIds: Int32Array | null } {
  const n = b.numRows;
  const idx = new Int32Array(n);
  let partIds: Int32Array | null = null;
  const starts: number[] = [0];
  if (partCols.length > 0) {
    const table = new KeyTable(partCols.map((c) => c.type));
    const ids = new Int32Array(n);
    table.insert(partCols, n, ids);
    const groups = table.size;
    const offs = new Int32Array(groups + 1);
    for (let i = 0; i < n; i++) offs[ids[i]! + 1]!++;
    for (let g = 0; g < groups; g++) offs[g + 1]! += offs[g]!;
    for (let g = 1; g <= groups; g++) starts.push(offs[g]!);
    const fill = offs.slice(0, groups);
    partIds = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const g = ids[i]!;
      const at = fill[g]!++;
      idx[at] = i;
      partIds[at] = g;
    }
  } else {
    for (let i = 0; i < n; i++) idx[i] = i;
    starts.push(n);
  }
  if (orderCols.length > 0) {
    const cmp = rowComparator(b, orderBy, orderCols.map((c) => () => c));
    // Array.prototype.sort (TimSort) with a comparator is several times faster than TypedArray sort.
    for (let g = 0; g + 1 < starts.length; g++) {
      const s = starts[g]!;
      const e = starts[g + 1]!;
      if (e - s < 2) continue;
      const part: number[] = new Array(e - s);
      for (let k = s; k < e; k++) part[k - s] = idx[k]!;
      part.sort(cmp);
      for (let k = s; k < e; k++) idx[k] = part[k - s]!;
    }
  }
  return { idx, partIds };
}

/** Each row's frame as an inclusive index range [lo, hi] (empty when lo > hi). */
export function frameBounds(frame: WindowFrame, L: WindowLayout, orderKey: { col: ColumnData; ascending: boolean } | null): { lo: Int32Array; hi: Int32Array } {
  const { n, partStart: ps, partEnd: pe, peerStart, peerEnd } = L;
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  const { start, end } = frame;
  if (frame.type === 'rows') {
    for (let i = 0; i < n; i++) {
      const a = ps[i]!;
      const b = pe[i]! - 1;
      lo[i] = start === 'unboundedPreceding' ? a : Math.min(b + 1, Math.max(a, i + (start as number)));
      hi[i] = end === 'unboundedFollowing' ? b : Math.max(a - 1, Math.min(b, i + (end as number)));
    }
    return { lo, hi };
  }
  const needsValues = (typeof start === 'number' && start !== 0) || (typeof end === 'number' && end !== 0);
  if (!needsValues || !orderKey) {
    for (let i = 0; i < n; i++) {
      lo[i] = start === 'unboundedPreceding' ? ps[i]! : peerStart[i]!;
      hi[i] = end === 'unboundedFollowing' ? pe[i]! - 1 : peerEnd[i]! - 1;
    }
    return { lo, hi };
  }
  // RANGE with value offsets over one numeric key: rows whose key lies in [v + start, v + end]
  // (mirrored for a descending key). Null and NaN keys have only their peers as offset bounds.
  const col = orderKey.col;
  const v = col.values!;
  const valid = col.validity;
  const dir = orderKey.ascending ? 1 : -1;
  const ok = (j: number) => (valid === null || valid[j] === 1) && v[j] === v[j];
  let i = 0;
  while (i < n) {
    const a = ps[i]!;
    const b = pe[i]!;
    // The rows with a usable key form one contiguous run [sa, sb) of the partition.
    let sa = a;
    while (sa < b && !ok(sa)) sa++;
    let sb = sa;
    while (sb < b && ok(sb)) sb++;
    for (let r = a; r < b; r++) {
      if (r < sa || r >= sb) {
        lo[r] = start === 'unboundedPreceding' ? a : peerStart[r]!;
        hi[r] = end === 'unboundedFollowing' ? b - 1 : peerEnd[r]! - 1;
        continue;
      }
      const x = dir * v[r]!;
      if (start === 'unboundedPreceding') lo[r] = a;
      else if (start === 0) lo[r] = peerStart[r]!;
      else {
        // first j in [sa, sb) with dir * v[j] >= x + start
        const t = x + (start as number);
        let l = sa;
        let h = sb;
        while (l < h) {
          const m = (l + h) >>> 1;
          if (dir * v[m]! >= t) h = m;
          else l = m + 1;
        }
        lo[r] = l;
      }
      if (end === 'unboundedFollowing') hi[r] = b - 1;
      else if (end === 0) hi[r] = peerEnd[r]! - 1;
      else {
        // last j in [sa, sb) with dir * v[j] <= x + end
        const t = x + (end as number);
        let l = sa;
        let h = sb;
        while (l < h) {
          const m = (l + h) >>> 1;
          if (dir * v[m]! > t) h = m;
          else l = m + 1;
        }
        hi[r] = l - 1;
      }
    }
    i = b;
  }
  return { lo, hi };
}

// ------------------------------------------------------------------ helpers

function int32Column(values: Int32Array): ColumnData {
  return new ColumnData('int32', values.length, values, null);
}

function float64Column(values: Float64Array, validity: Uint8Array | null = null): ColumnData {
  return new ColumnData('float64', values.length, values, validity);
}

/** 1 where the value is present. */
function validMask(col: ColumnData): Uint8Array | null {
  if (col.type === 'null') return new Uint8Array(col.length);
  return col.validity;
}

/** prefix[i] = number of valid rows before i (length n + 1). */
function validPrefix(valid: Uint8Array | null, n: number): Int32Array {
  const p = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) p[i + 1] = p[i]! + (valid ? valid[i]! : 1);
  return p;
}

/** Sum segment tree over values (nulls as 0); query is inclusive. */
class SumTree {
  private readonly t: Float64Array;
  constructor(private readonly size: number, values: ArrayLike<number>, valid: Uint8Array | null) {
    this.t = new Float64Array(2 * size);
    for (let i = 0; i < size; i++) this.t[size + i] = valid && !valid[i] ? 0 : values[i]!;
    for (let i = size - 1; i >= 1; i--) this.t[i] = this.t[2 * i]! + this.t[2 * i + 1]!;
  }
  query(l: number, r: number): number {
    let res = 0;
    let a = l + this.size;
    let b = r + 1 + this.size;
    const t = this.t;
    while (a < b) {
      if (a & 1) res += t[a++]!;
      if (b & 1) res += t[--b]!;
      a >>= 1;
      b >>= 1;
    }
    return res;
  }
}

/** Segment tree of row indices picking the best row by `better` (-1 = no row); query is inclusive. */
class BestTree {
  private readonly t: Int32Array;
  constructor(private readonly size: number, valid: Uint8Array | null, private readonly better: (i: number, j: number) => boolean) {
    this.t = new Int32Array(2 * size).fill(-1);
    for (let i = 0; i < size; i++) this.t[size + i] = valid && !valid[i] ? -1 : i;
    for (let i = size - 1; i >= 1; i--) this.t[i] = this.pick(this.t[2 * i]!, this.t[2 * i + 1]!);
  }
  private pick(a: number, b: number): number {
    if (a < 0) return b;
    if (b < 0) return a;
    return this.better(b, a) ? b : a;
  }
  query(l: number, r: number): number {
    let res = -1;
    let a = l + this.size;
    let b = r + 1 + this.size;
    const t = this.t;
    while (a < b) {
      if (a & 1) res = this.pick(res, t[a++]!);
      if (b & 1) res = this.pick(res, t[--b]!);
      a >>= 1;
      b >>= 1;
    }
    return res;
  }
}

// ------------------------------------------------------------------ functions

interface FnInput {
  readonly L: WindowLayout;
  readonly args: readonly ColumnData[];
  readonly fn: BoundWindowFn;
  readonly orderKey: { col: ColumnData; ascending: boolean } | null;
}

function litValue(e: BoundExpr | undefined): unknown {
  return e && e.kind === 'lit' ? e.value : undefined;
}

function rankingColumn(name: string, L: WindowLayout, fn: BoundWindowFn): ColumnData {
  const { n, partStart: ps, partEnd: pe, peerStart, peerEnd } = L;
  switch (name) {
    case 'row_number': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = i - ps[i]! + 1;
      return int32Column(out);
    }
    case 'rank': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = peerStart[i]! - ps[i]! + 1;
      return int32Column(out);
    }
    case 'dense_rank': {
      const out = new Int32Array(n);
      let r = 0;
      for (let i = 0; i < n; i++) {
        if (i === ps[i]) r = 1;
        else if (i === peerStart[i]) r++;
        out[i] = r;
      }
      return int32Column(out);
    }
    case 'percent_rank': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const size = pe[i]! - ps[i]!;
        out[i] = size <= 1 ? 0 : (peerStart[i]! - ps[i]!) / (size - 1);
      }
      return float64Column(out);
    }
    case 'cume_dist': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = (peerEnd[i]! - ps[i]!) / (pe[i]! - ps[i]!);
      return float64Column(out);
    }
    case 'ntile': {
      // Spark / SQL: the first (size % k) buckets hold one row more.
      const k = Number(litValue(fn.args[0]));
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const size = pe[i]! - ps[i]!;
        const r = i - ps[i]!;
        const base = Math.floor(size / k);
        const rem = size % k;
        const big = rem * (base + 1);
        out[i] = r < big ? Math.floor(r / (base + 1)) + 1 : rem + Math.floor((r - big) / base) + 1;
      }
      return int32Column(out);
    }
    default: throw new Error(`not a ranking function: ${name}`);
  }
}

function offsetColumn(x: FnInput, lead: boolean): ColumnData {
  const { L, args, fn } = x;
  const { n, partStart: ps, partEnd: pe } = L;
  const off = Number(litValue(fn.args[1]) ?? 1) * (lead ? 1 : -1);
  const hasDefault = args.length > 2;
  const src = hasDefault ? concatColumns(fn.type, [args[0]!, args[2]!]) : args[0]!;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = i + off;
    idx[i] = j >= ps[i]! && j < pe[i]! ? j : hasDefault ? n + i : -1;
  }
  return take(src, idx);
}

/** For every row, the nearest valid row at or after it (n if none) / at or before it (-1 if none). */
function nearestValid(valid: Uint8Array | null, n: number): { next: Int32Array; prev: Int32Array } {
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  let k = n;
  for (let i = n - 1; i >= 0; i--) {
    if (!valid || valid[i]) k = i;
    next[i] = k;
  }
  k = -1;
  for (let i = 0; i < n; i++) {
    if (!valid || valid[i]) k = i;
    prev[i] = k;
  }
  return { next, prev };
}

function nthColumn(col: ColumnData, lo: Int32Array, hi: Int32Array, nth: number, ignoreNulls: boolean, fromEnd: boolean): ColumnData {
  const n = lo.length;
  const idx = new Int32Array(n);
  if (!ignoreNulls) {
    for (let i = 0; i < n; i++) {
      const a = lo[i]!;
      const b = hi[i]!;
      const j = fromEnd ? b - nth + 1 : a + nth - 1;
      idx[i] = a <= b && j >= a && j <= b ? j : -1;
    }
    return take(col, idx);
  }
  const valid = validMask(col);
  if (nth === 1) {
    const { next, prev } = nearestValid(valid, n);
    for (let i = 0; i < n; i++) {
      const a = lo[i]!;
      const b = hi[i]!;
      if (a > b) { idx[i] = -1; continue; }
      const j = fromEnd ? prev[b]! : next[a]!;
      idx[i] = j >= a && j <= b ? j : -1;
    }
    return take(col, idx);
  }
  // positions of the valid rows, and how many come before each row
  const before = validPrefix(valid, n);
  const pos = new Int32Array(before[n]!);
  for (let i = 0, k = 0; i < n; i++) if (!valid || valid[i]) pos[k++] = i;
  for (let i = 0; i < n; i++) {
    const a = lo[i]!;
    const b = hi[i]!;
    if (a > b) { idx[i] = -1; continue; }
    const r = fromEnd ? before[b + 1]! - nth : before[a]! + nth - 1;
    const j = r >= 0 && r < pos.length ? pos[r]! : -1;
    idx[i] = j >= a && j <= b ? j : -1;
  }
  return take(col, idx);
}

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

/** Any registered aggregate over frames, through its Accumulator. */
function accumulatorColumn(fn: BoundWindowFn, args: readonly ColumnData[], L: WindowLayout, lo: Int32Array, hi: Int32Array): ColumnData {
  const n = L.n;
  const ps = L.partStart;
  const pe = L.partEnd;
  const def = getAggregate(fn.fn);
  const argTypes = fn.args.map((a) => a.type);
  const create = () => def.create(argTypes, fn.type, fn.distinct);
  let whole = true;
  let running = true;
  for (let i = 0; i < n; i++) {
    if (lo[i] !== ps[i]) { whole = false; running = false; break; }
    if (hi[i] !== pe[i]! - 1) whole = false;
  }
  if (whole) {
    // one group per window partition
    const groups = new Int32Array(n);
    let g = -1;
    for (let i = 0; i < n; i++) {
      if (i === ps[i]) g++;
      groups[i] = g;
    }
    const acc = create();
    acc.grow(g + 1);
    acc.update(groups, n, args);
    return take(acc.finish(g + 1), groups);
  }
  if (running) {
    // frames grow from the partition start: feed rows as the frame end advances, finish at each new end
    const results: ColumnData[] = [];
    const idx = new Int32Array(n);
    const zeros = new Int32Array(n);
    let i = 0;
    while (i < n) {
      const end = pe[i]!;
      const acc = create();
      acc.grow(1);
      let fed = i - 1; // last row fed
      let lastHi = Number.NaN;
      for (let r = i; r < end; r++) {
        const h = hi[r]!;
        if (h !== lastHi) {
          if (h > fed) {
            const m = h - fed;
            acc.update(zeros.subarray(0, m), m, args.map((c) => sliceColumn(c, fed + 1, h + 1)));
            fed = h;
          }
          results.push(acc.finish(1));
          lastHi = h;
        }
        idx[r] = results.length - 1;
      }
      i = end;
    }
    return take(concatColumns(fn.type, results), idx);
  }
  // sliding frames: one group per output row, in chunks that bound the copied rows
  const CHUNK = 1 << 20;
  const parts: ColumnData[] = [];
  let r0 = 0;
  while (r0 < n) {
    let total = 0;
    let r1 = r0;
    while (r1 < n && (r1 === r0 || total + Math.max(0, hi[r1]! - lo[r1]! + 1) <= CHUNK)) {
      total += Math.max(0, hi[r1]! - lo[r1]! + 1);
      r1++;
    }
    const groups = new Int32Array(total);
    const rows = new Int32Array(total);
    let k = 0;
    for (let r = r0; r < r1; r++) {
      for (let j = lo[r]!; j <= hi[r]!; j++) {
        groups[k] = r - r0;
        rows[k++] = j;
      }
    }
    const acc = create();
    acc.grow(r1 - r0);
    acc.update(groups, total, args.map((c) => take(c, rows)));
    parts.push(acc.finish(r1 - r0));
    r0 = r1;
  }
  return concatColumns(fn.type, parts);
}

function functionColumn(x: FnInput): ColumnData {
  const { L, args, fn } = x;
  switch (fn.fn) {
    case 'row_number': case 'rank': case 'dense_rank': case 'percent_rank': case 'cume_dist': case 'ntile':
      return rankingColumn(fn.fn, L, fn);
    case 'lag': return offsetColumn(x, false);
    case 'lead': return offsetColumn(x, true);
    default: break;
  }
  const { lo, hi } = frameBounds(fn.frame, L, x.orderKey);
  if (fn.fn === 'nth_value') return nthColumn(args[0]!, lo, hi, Number(litValue(fn.args[1])), litValue(fn.args[2]) === true, false);
  if (!fn.distinct) {
    switch (fn.fn) {
      case 'count': return countColumn(args, L.n, lo, hi);
      case 'sum': return sumAvgColumn(args[0]!, L, lo, hi, fn.type, false);
      case 'avg': return sumAvgColumn(args[0]!, L, lo, hi, fn.type, true);
      case 'min': case 'max':
        if (!isList(args[0]!.type)) return minMaxColumn(args[0]!, L, lo, hi, fn.fn === 'max');
        break;
      case 'first': case 'last':
        return nthColumn(args[0]!, lo, hi, 1, args.length > 1 && litValue(fn.args[1]) !== false, fn.fn === 'last');
      default: break;
    }
  }
  return accumulatorColumn(fn, args, L, lo, hi);
}

/**
 * Computes window functions over rows that all belong to one task: returns the rows sorted by
 * (partition keys, order keys) and one column per function, aligned with them.
 */
export function computeWindows(
  b: Batch,
  partitionBy: readonly BoundExpr[],
  orderBy: readonly BoundSortKey[],
  functions: readonly BoundWindowFn[],
  compiled?: { partFns: readonly CompiledExpr[]; orderFns: readonly CompiledExpr[]; argFns: readonly (readonly CompiledExpr[])[] },
): { sorted: Batch; columns: ColumnData[] } {
  const partFns = compiled?.partFns ?? partitionBy.map(compileExpr);
  const orderFns = compiled?.orderFns ?? orderBy.map((k) => compileExpr(k.expr));
  const argFns = compiled?.argFns ?? functions.map((f) => f.args.map(compileExpr));
  const n = b.numRows;
  const partCols = partFns.map((f) => f(b));
  let orderCols = orderFns.map((f) => f(b));
  let sorted = b;
  let partIds: Int32Array | null = null;
  if (partCols.length + orderCols.length > 0 && n > 1) {
    const order = windowOrder(b, partCols, orderBy, orderCols);
    sorted = b.take(order.idx);
    partIds = order.partIds;
    orderCols = orderCols.map((c) => take(c, order.idx));
  }
  const L = windowLayout(n, partIds, orderCols);
  const orderKey = orderBy.length === 1 ? { col: orderCols[0]!, ascending: orderBy[0]!.ascending } : null;
  const columns = functions.map((fn, k) => functionColumn({ L, fn, orderKey, args: argFns[k]!.map((f) => f(sorted)) }));
  return { sorted, columns };
}

/** Computes window functions over each partition of its input (see the module comment). */
export class WindowOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly compiled;

  constructor(
    readonly child: PhysicalOp,
    readonly partitionBy: readonly BoundExpr[],
    readonly orderBy: readonly BoundSortKey[],
    readonly functions: readonly BoundWindowFn[],
    /** The input's columns, then one column per function. */
    readonly schema: Schema,
  ) {
    super();
    this.children = [child];
    this.compiled = {
      partFns: partitionBy.map(compileExpr),
      orderFns: orderBy.map((k) => compileExpr(k.expr)),
      argFns: functions.map((f) => f.args.map(compileExpr)),
    };
  }

  numPartitions(): number {
    return this.child.numPartitions();
  }

  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    const batches: Batch[] = [];
    for await (const b of this.child.execute(p, ctx)) if (b.numRows > 0) batches.push(b);
    if (batches.length === 0) return;
    const input = concatBatches(this.child.schema, batches);
    ctx.checkCancelled();
    const { sorted, columns } = computeWindows(input, this.partitionBy, this.orderBy, this.functions, this.compiled);
    yield new Batch(this.schema, [...sorted.columns, ...columns], sorted.numRows);
  }

  describe(): string {
    const keys = this.orderBy.map((k) => `${boundToString(k.expr)} ${k.ascending ? 'ASC' : 'DESC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`);
    return `Window [${this.functions.map(windowFnToString).join(', ')}] partitionBy=[${this.partitionBy.map(boundToString).join(', ')}] orderBy=[${keys.join(', ')}]`;
  }
}

/**
 * True if `op`'s partitions already hold every row of each window partition for `keys` (so a
 * window on these keys needs no exchange): `op` is a WindowOp on the same keys, possibly under
 * projections that pass the key columns through and filters.
 */
export function partitionedForWindow(op: PhysicalOp, keys: readonly BoundExpr[]): boolean {
  const norm = (ks: readonly BoundExpr[]) => JSON.stringify(ks.map((k) => (k.kind === 'ref' ? { ref: k.index } : k)));
  let cur = op;
  let ks: readonly BoundExpr[] = keys;
  for (;;) {
    if (cur instanceof WindowOp) return norm(cur.partitionBy) === norm(ks);
    if (cur instanceof FilterOp) { cur = cur.child; continue; }
    if (cur instanceof ProjectOp) {
      const project = cur;
      const mapped: BoundExpr[] = [];
      for (const k of ks) {
        const e = k.kind === 'ref' ? project.exprs[k.index] : undefined;
        if (!e || e.kind !== 'ref') return false;
        mapped.push(e);
      }
      ks = mapped;
      cur = cur.child;
      continue;
    }
    return false;
  }
}

/** Window stages can run on worker threads: the operator as plain data. */
export const windowCodec: OpCodec<WindowOp, { partitionBy: readonly BoundExpr[]; orderBy: readonly BoundSortKey[]; functions: readonly BoundWindowFn[]; fields: Schema['fields'] }> = {
  kind: 'window',
  type: WindowOp,
  describe: (op) => ({ partitionBy: op.partitionBy, orderBy: op.orderBy, functions: op.functions, fields: op.schema.fields }),
  build: (d, [child]) => new WindowOp(child!, d.partitionBy, d.orderBy, d.functions, new Schema(d.fields)),
};
