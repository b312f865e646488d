/**
 * Any registered aggregate over window frames, through its Accumulator: one group per partition
 * for whole-partition frames, an incrementally fed accumulator for running frames, one group per
 * output row for sliding frames. The fallback for aggregates without a faster `window.evaluate`
 * and for DISTINCT calls.
 */
import { type ColumnData, concatColumns, sliceColumn, take } from '../../data/column.js';
import type { AggregateFunctionDef, WindowInput } from '../../expr/function-defs.js';

/** Any registered aggregate over frames, through its Accumulator. */
export function accumulatorColumn(def: AggregateFunctionDef, x: WindowInput, distinct: boolean): ColumnData {
  const { layout: { n, partStart: ps, partEnd: pe }, columns: args, type } = x;
  const { lo, hi } = x.frame();
  const argTypes = x.args.map((a) => a.type);
  const create = () => def.create(argTypes, type, distinct);
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
    return take(concatColumns(type, results), idx);
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
  return concatColumns(type, parts);
}
