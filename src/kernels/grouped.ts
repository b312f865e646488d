/**
 * Grouped reductions over integer group ids for hash aggregation: where the session's kernel
 * choice (the expression backend in scope when the operator is built) names kernel backends other
 * than js, sum and avg over a numeric argument fold each batch through the `segment_sum` kernel
 * of the backend the calibration says is cheapest for that many rows (cost.ts), when one of them
 * has the kernel for doubles (precision policy: only with `precision: 'float32'`; integer
 * columns never, so integer sums stay exact). Otherwise, and for every other
 * aggregate, the accumulator's own typed-array loop runs.
 */
import type { ColumnData } from '../data/column.js';
import { JS_BACKEND, activeExprBackend } from '../expr/backend.js';
import type { BoundAgg } from '../expr/expr.js';
import type { Accumulator } from '../expr/function-defs.js';
import { kernelCalibration, pickBackend } from './cost.js';
import { findKernel, typeOf } from './registry.js';

/** Folds one batch of aggregate `i` through a segment-sum kernel; false when the accumulator's own loop must run. */
export type GroupedSums = (i: number, acc: Accumulator, ids: Int32Array, n: number, numGroups: number, args: readonly ColumnData[]) => Promise<boolean>;

const SEGMENT_AGGS = new Set(['sum', 'avg']);

/** The grouped-sum hook for an aggregate operator built now, or null when only js may run (the common case). */
export function groupedSumsFor(aggs: readonly BoundAgg[]): GroupedSums | null {
  const backend = activeExprBackend();
  const candidates = (backend.kernelBackends ?? []).filter((b) => b !== 'js');
  if (backend === JS_BACKEND || candidates.length === 0) return null;
  const eligible = aggs.map((a) => !a.distinct && SEGMENT_AGGS.has(a.fn) && a.args.length === 1);
  if (!eligible.some(Boolean)) return null;
  return async (i, acc, ids, n, numGroups, args) => {
    const col = args[0];
    // Doubles only: int32/int64 sums stay exact on js (int64 values are float64 arrays too).
    if (!eligible[i] || !acc.addGroupSums || col?.type !== 'float64' || !(col.values instanceof Float64Array)) return false;
    const x = col.values.subarray(0, n);
    const type = typeOf(x);
    const pick = pickBackend(kernelCalibration(), 'segment_sum', n, candidates.filter((b) => findKernel(b, 'segment_sum', type)));
    if (pick === 'js') return false;
    const valid = col.validity ? col.validity.subarray(0, n) : null;
    const groups = ids.subarray(0, n);
    const sums = await findKernel(pick, 'segment_sum', type)!(x, groups, numGroups, valid);
    const counts = new Float64Array(numGroups);
    if (valid) for (let r = 0; r < n; r++) counts[groups[r]!]! += valid[r]!;
    else for (let r = 0; r < n; r++) counts[groups[r]!]!++;
    acc.addGroupSums(sums, counts, numGroups);
    return true;
  };
}
