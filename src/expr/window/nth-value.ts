/**
 * nth_value: the argument at the n-th row of each row's window frame (optionally skipping nulls),
 * and the frame lookup it shares with the first / last aggregates over windows.
 */
import { type ColumnData, take } from '../../data/column.js';
import { AnalysisError, TypeMismatchError } from '../../errors.js';
import type { FunctionRegistry, WindowFunctionDef } from '../function-defs.js';
import { lit, litValue, validMask, validPrefix } from './helpers.js';

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

/**
 * `col` at the `nth` row (1-based) of each frame [lo, hi], counted from the frame's end when
 * `fromEnd`, among the non-null values when `ignoreNulls`; null when the frame is shorter.
 */
export function nthColumn(col: ColumnData, lo: Int32Array, hi: Int32Array, nth: number, ignoreNulls: boolean, fromEnd: boolean): ColumnData {
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

const NTH_VALUE: WindowFunctionDef = {
  name: 'nth_value', arity: [2, 3], requiresOrder: false, usesFrame: true, nullable: true,
  doc: 'nth_value(x, n, ignoreNulls = false): x at the n-th row (1-based) of the window frame, or null when the frame is shorter.',
  resolve: (argTypes, display) => {
    const n = argTypes[1]!;
    if (n !== 'int32' && n !== 'int64') throw new TypeMismatchError(`cannot resolve ${display}: n must be an integer, got ${n}`);
    if (argTypes[2] !== undefined && argTypes[2] !== 'boolean') throw new TypeMismatchError(`cannot resolve ${display}: ignoreNulls must be a boolean, got ${argTypes[2]}`);
    return { type: argTypes[0]!, argTypes: argTypes.length === 3 ? [argTypes[0]!, 'int32', 'boolean'] : [argTypes[0]!, 'int32'] };
  },
  bindArgs: (args, constant, display) => {
    const n = constant(args[1]!, 'n');
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw new AnalysisError(`n of ${display} must be a positive integer, got ${String(n)}`);
    const ignore = args.length > 2 ? constant(args[2]!, 'ignoreNulls') : false;
    return [args[0]!, lit(n, 'int32'), lit(ignore === true, 'boolean')];
  },
  evaluate: (x) => {
    const { lo, hi } = x.frame();
    return nthColumn(x.columns[0]!, lo, hi, Number(litValue(x.args[1])), litValue(x.args[2]) === true, false);
  },
};

/** Registers nth_value. */
export function register(registry: FunctionRegistry): void {
  registry.registerWindow(NTH_VALUE);
}
