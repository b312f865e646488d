/**
 * Window geometry over one task's rows: the order to process them in (grouped by window partition,
 * then sorted by the ORDER BY keys), the partition and peer-group boundaries of the sorted rows,
 * and each row's frame (ROWS, RANGE with peers, RANGE with value offsets over one numeric key) as
 * an index range.
 */
import type { Batch } from '../../data/batch.js';
import type { ColumnData } from '../../data/column.js';
import { GroupKeys } from '../../data/direct-keys.js';
import type { BoundSortKey, WindowFrame } from '../../expr/expr.js';
import type { FrameRows, WindowLayout } from '../../expr/function-defs.js';
import { isDecimal, isList } from '../../types.js';
import { rowComparator } from '../sort.js';

/** Marks in `out[i]` (i ≥ 1) rows whose value differs from the previous row's (nulls equal nulls, NaN equals NaN). */
function markChanges(col: ColumnData, out: Uint8Array): void {
  const n = col.length;
  if (col.type === 'null') return;
  if (col.type === 'utf8' || col.type === 'binary') {
    const s = col.strings();
    for (let i = 1; i < n; i++) if (s[i] !== s[i - 1]) out[i] = 1;
    return;
  }
  if (isList(col.type)) {
    const l = col.lists();
    for (let i = 1; i < n; i++) if (JSON.stringify(l[i]) !== JSON.stringify(l[i - 1])) out[i] = 1;
    return;
  }
  const v = isDecimal(col.type) ? col.bigints() : col.values!;
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

/**
 * Start and end (exclusive) of each row's run of unchanged rows. Each loop is in its own function
 * that ends with it: a function compiled on stack replacement during its first call has no type
 * feedback for code after the loop yet, and would deoptimise there on every call.
 */
function spans(change: Uint8Array, n: number): { start: Int32Array; end: Int32Array } {
  return { start: spanStarts(change, n), end: spanEnds(change, n) };
}

function spanStarts(change: Uint8Array, n: number): Int32Array {
  const start = new Int32Array(n);
  for (let i = 0, s = 0; i < n; i++) {
    if (change[i]) s = i;
    start[i] = s;
  }
  return start;
}

function spanEnds(change: Uint8Array, n: number): Int32Array {
  const end = new Int32Array(n);
  for (let i = n - 1, e = n; i >= 0; i--) {
    end[i] = e;
    if (change[i]) e = i;
  }
  return end;
}

/** Marks in `out[i]` (i ≥ 1) rows whose partition id differs from the previous row's. */
function markIdChanges(ids: Int32Array, n: number, out: Uint8Array): Uint8Array {
  for (let i = 1; i < n; i++) if (ids[i] !== ids[i - 1]) out[i] = 1;
  return out;
}

/**
 * Partition and peer boundaries of sorted rows: `partIds` (dense window-partition id per sorted
 * row, or null for a single partition) and the sorted ORDER BY key columns.
 */
export function windowLayout(n: number, partIds: Int32Array | null, orderKeys: readonly ColumnData[]): WindowLayout {
  const pchg = new Uint8Array(n);
  if (n > 0) pchg[0] = 1;
  if (partIds) markIdChanges(partIds, n, pchg);
  const ochg = pchg.slice();
  for (const c of orderKeys) markChanges(c, ochg);
  const p = spans(pchg, n);
  const q = spans(ochg, n);
  return { n, partStart: p.start, partEnd: p.end, peerStart: q.start, peerEnd: q.end };
}

/**
 * Partitions of at most this many rows are insertion-sorted by {@link windowOrder}. Measured
 * 2026-12-06 17:27 UTC, `npx tsx bench/dbbench.ts --rows 1e7 --only groupby --q q8 --reps 7
 * --baseline <build without it>` (q8's window numbers 2e5 rows in 1e5 partitions of two): 1.04×
 * (pairs 0.91-1.30); a worker profile had put windowOrder at ~47 ms CPU per q8 run before.
 */
const SMALL_PARTITION = 8;

/** Dense window-partition ids of rows `0..n` into `ids`, by first appearance (GroupKeys: nulls together, NaN together); returns how many. */
function partitionIds(partCols: readonly ColumnData[], n: number, ids: Int32Array): number {
  const table = new GroupKeys(partCols.map((c) => c.type));
  table.insert(partCols, n, ids);
  return table.size;
}

/**
 * The partition id of each row of rows that are already in window order: each window partition's
 * rows contiguous and sorted by the ORDER BY keys (a WindowGroupLimit's Final output). Grouped as
 * {@link windowOrder} groups them, so the layout is the one the sort would give; null without
 * partition keys.
 */
export function rankedPartIds(partCols: readonly ColumnData[], n: number): Int32Array | null {
  if (partCols.length === 0) return null;
  const ids = new Int32Array(n);
  partitionIds(partCols, n, ids);
  return ids;
}

/**
 * The order in which to process rows: grouped by window partition (dense ids from GroupKeys: direct
 * slots for small integer ranges, else a hash table,
 * so keys are grouped as groupBy groups them: nulls together, NaN together) with a counting sort,
 * then each partition sorted by the ORDER BY keys (stable). Returns the permutation and the
 * partition id of each sorted row (null when there are no partition keys).
 */
export function windowOrder(b: Batch, partCols: readonly ColumnData[], orderBy: readonly BoundSortKey[], orderCols: readonly ColumnData[]): { idx: Int32Array; partIds: Int32Array | null } {
  const n = b.numRows;
  const idx = new Int32Array(n);
  let partIds: Int32Array | null = null;
  const starts: number[] = [0];
  if (partCols.length > 0) {
    const ids = new Int32Array(n);
    const groups = partitionIds(partCols, n, ids);
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
    // Small partitions (a top-K's final phase hands over 1–2 rows per group) are insertion-sorted
    // in place instead: stable as well, no array and no sort call per partition.
    for (let g = 0; g + 1 < starts.length; g++) {
      const s = starts[g]!;
      const e = starts[g + 1]!;
      if (e - s < 2) continue;
      if (e - s <= SMALL_PARTITION) {
        for (let k = s + 1; k < e; k++) {
          const r = idx[k]!;
          let j = k;
          while (j > s && cmp(idx[j - 1]!, r) > 0) {
            idx[j] = idx[j - 1]!;
            j--;
          }
          idx[j] = r;
        }
        continue;
      }
      const part: number[] = new Array(e - s);
      for (let k = s; k < e; k++) part[k - s] = idx[k]!;
      part.sort(cmp);
      for (let k = s; k < e; k++) idx[k] = part[k - s]!;
    }
  }
  return { idx, partIds };
}

/** Each row's frame as an inclusive index range [lo, hi] (empty when lo > hi). */
export function frameBounds(frame: WindowFrame, L: WindowLayout, orderKey: { col: ColumnData; ascending: boolean } | null): FrameRows {
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
