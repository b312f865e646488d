/**
 * Offset window functions — lag and lead: the argument from the row `offset` rows before / after
 * within the window partition, or the default. They need an ordered window and ignore the frame.
 */
import { type ColumnData, concatColumns, take } from '../../data/column.js';
import { AnalysisError, TypeMismatchError } from '../../errors.js';
import { type DataType, commonType, isNumeric } from '../../types.js';
import type { FunctionRegistry, ResolvedSignature, WindowFunctionDef, WindowInput } from '../function-defs.js';
import { lit, litValue } from './helpers.js';

function resolve(argTypes: readonly DataType[], display: string): ResolvedSignature {
  const t = argTypes[0]!;
  const off = argTypes[1];
  if (off !== undefined && off !== 'int32' && off !== 'int64' && off !== 'null') {
    throw new TypeMismatchError(`cannot resolve ${display}: the offset must be an integer, got ${off}`);
  }
  const d = argTypes[2];
  if (d !== undefined && d !== 'null' && d !== t && t !== 'null' && !(isNumeric(d) && isNumeric(t)) && commonType(d, t) === undefined) {
    throw new TypeMismatchError(`cannot resolve ${display}: the default value has type ${d}, which does not fit the column type ${t}`);
  }
  // Spark casts the default to the input's type (numbers implicitly to any numeric type).
  const type = t === 'null' && d !== undefined ? d : t;
  const out: DataType[] = [type];
  if (off !== undefined) out.push('int32');
  if (d !== undefined) out.push(type);
  return { type, argTypes: out };
}

function offsetColumn(x: WindowInput, lead: boolean): ColumnData {
  const { layout: { n, partStart: ps, partEnd: pe }, columns } = x;
  const off = Number(litValue(x.args[1]) ?? 1) * (lead ? 1 : -1);
  const hasDefault = columns.length > 2;
  const src = hasDefault ? concatColumns(x.type, [columns[0]!, columns[2]!]) : columns[0]!;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = i + off;
    idx[i] = j >= ps[i]! && j < pe[i]! ? j : hasDefault ? n + i : -1;
  }
  return take(src, idx);
}

function offsetFunction(name: 'lag' | 'lead', doc: string): WindowFunctionDef {
  return {
    name, arity: [1, 3], doc, requiresOrder: true, usesFrame: false, nullable: true,
    resolve,
    bindArgs: (args, constant, display) => {
      const off = args.length > 1 ? constant(args[1]!, 'the offset') : 1;
      if (typeof off !== 'number' || !Number.isInteger(off)) throw new AnalysisError(`the offset of ${display} must be an integer constant, got ${String(off)}`);
      return [args[0]!, lit(off, 'int32'), ...(args.length > 2 ? [args[2]!] : [])];
    },
    evaluate: (x) => offsetColumn(x, name === 'lead'),
  };
}

const DEFS: readonly WindowFunctionDef[] = [
  offsetFunction('lag', 'lag(x, offset = 1, default = null): x from the row `offset` rows before within the partition, or default.'),
  offsetFunction('lead', 'lead(x, offset = 1, default = null): x from the row `offset` rows after within the partition, or default.'),
];

/** Registers lag and lead. */
export function register(registry: FunctionRegistry): void {
  registry.registerWindow(...DEFS);
}
