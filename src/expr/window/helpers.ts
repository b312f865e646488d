/** Small pieces shared by the window evaluators: result columns, validity masks and prefixes, literal arguments. */
import { ColumnData } from '../../data/column.js';
import type { BoundExpr } from '../expr.js';

/** An int32 column without nulls. */
export function int32Column(values: Int32Array): ColumnData {
  return new ColumnData('int32', values.length, values, null);
}

/** A float64 column. */
export function float64Column(values: Float64Array, validity: Uint8Array | null = null): ColumnData {
  return new ColumnData('float64', values.length, values, validity);
}

/** 1 where the value is present (null when every value is). */
export function validMask(col: ColumnData): Uint8Array | null {
  if (col.type === 'null') return new Uint8Array(col.length);
  return col.validity;
}

/** prefix[i] = number of valid rows before i (length n + 1). */
export function validPrefix(valid: Uint8Array | null, n: number): Int32Array {
  const p = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) p[i + 1] = p[i]! + (valid ? valid[i]! : 1);
  return p;
}

/** The value of a literal argument (undefined when absent or not a literal). */
export function litValue(e: BoundExpr | undefined): unknown {
  return e && e.kind === 'lit' ? e.value : undefined;
}

/** A literal bound argument. */
export function lit(value: number | boolean | null, type: 'int32' | 'boolean'): BoundExpr {
  return { kind: 'lit', value, type };
}
