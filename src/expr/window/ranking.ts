/**
 * Ranking window functions — row_number, rank, dense_rank, percent_rank, cume_dist and ntile —
 * computed from the partition and peer-group boundaries of the sorted rows. They need an ordered
 * window, ignore the frame and are never null.
 */
import type { ColumnData } from '../../data/column.js';
import { AnalysisError, TypeMismatchError } from '../../errors.js';
import type { DataType } from '../../types.js';
import type { FunctionRegistry, WindowFunctionDef, WindowInput } from '../function-defs.js';
import { float64Column, int32Column, lit, litValue } from './helpers.js';

function ranking(name: string, type: DataType, doc: string, evaluate: (x: WindowInput) => ColumnData): WindowFunctionDef {
  return { name, arity: [0, 0], doc, requiresOrder: true, usesFrame: false, nullable: false, resolve: () => ({ type, argTypes: [] }), evaluate };
}

const DEFS: readonly WindowFunctionDef[] = [
  ranking('row_number', 'int32', 'Sequential number of the row within its window partition, starting at 1.', ({ layout: { n, partStart: ps } }) => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i - ps[i]! + 1;
    return int32Column(out);
  }),
  ranking('rank', 'int32', 'Rank of the row within its partition, with gaps after ties (1, 1, 3).', ({ layout: { n, partStart: ps, peerStart } }) => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = peerStart[i]! - ps[i]! + 1;
    return int32Column(out);
  }),
  ranking('dense_rank', 'int32', 'Rank of the row within its partition, without gaps after ties (1, 1, 2).', ({ layout: { n, partStart: ps, peerStart } }) => {
    const out = new Int32Array(n);
    let r = 0;
    for (let i = 0; i < n; i++) {
      if (i === ps[i]) r = 1;
      else if (i === peerStart[i]) r++;
      out[i] = r;
    }
    return int32Column(out);
  }),
  ranking('percent_rank', 'float64', 'Relative rank (rank - 1) / (rows in partition - 1), 0 for a single-row partition.', ({ layout: { n, partStart: ps, partEnd: pe, peerStart } }) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const size = pe[i]! - ps[i]!;
      out[i] = size <= 1 ? 0 : (peerStart[i]! - ps[i]!) / (size - 1);
    }
    return float64Column(out);
  }),
  ranking('cume_dist', 'float64', 'Fraction of partition rows ordered at or before the row (peers included).', ({ layout: { n, partStart: ps, partEnd: pe, peerEnd } }) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (peerEnd[i]! - ps[i]!) / (pe[i]! - ps[i]!);
    return float64Column(out);
  }),
  {
    name: 'ntile', arity: [1, 1], requiresOrder: true, usesFrame: false, nullable: false,
    doc: 'ntile(n): splits each ordered partition into n buckets as evenly as possible (earlier buckets get the extra rows) and returns the bucket number.',
    resolve: (argTypes, display) => {
      const t = argTypes[0]!;
      if (t !== 'int32' && t !== 'int64') throw new TypeMismatchError(`cannot resolve ${display}: the number of buckets must be an integer, got ${t}`);
      return { type: 'int32', argTypes: ['int32'] };
    },
    bindArgs: (args, constant, display) => {
      const n = constant(args[0]!, 'the number of buckets');
      if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw new AnalysisError(`the number of buckets of ${display} must be a positive integer, got ${String(n)}`);
      return [lit(n, 'int32')];
    },
    evaluate: ({ layout: { n, partStart: ps, partEnd: pe }, args }) => {
      // Spark / SQL: the first (size % k) buckets hold one row more.
      const k = Number(litValue(args[0]));
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
    },
  },
];

/** Registers the ranking window functions. */
export function register(registry: FunctionRegistry): void {
  registry.registerWindow(...DEFS);
}
