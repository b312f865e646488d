/**
 * The plan side of the batch UDF kinds: `df.mapInArrow(fn, schema, options)` and
 * `df.groupBy(keys).applyInArrow(fn, schema, options)` become a MapInArrow / FlatMapGroupsInArrow
 * logical node holding the shipped function (function-ref.ts: by source with closures refused, or
 * a module reference), the declared output schema and the options. The public function and
 * option types live here.
 */
import type * as A from 'apache-arrow';
import { expectBoolean, expectInteger, expectName, expectRecord } from '../api-args.js';
import { IllegalArgumentError, didYouMean } from '../errors.js';
import { bindExpr } from '../expr/binder.js';
import type { Expr } from '../expr/expr.js';
import type { Value } from '../types.js';
import type { FlatMapGroupsInArrowNode, LogicalPlan, MapInArrowNode } from '../plan/logical.js';
import { type UdfSchemaInput, udfSchema } from './arrow-results.js';
import { type FunctionRef, type UdfContext, toFunctionRef } from './function-ref.js';

/** What a mapInArrow function may yield (or return): Arrow RecordBatches or Tables. */
export type ArrowBatchResult = A.RecordBatch | A.Table;

/**
 * A mapInArrow function: the partition's rows as an async iterable of Arrow RecordBatches, the
 * UDF context last; it yields or returns RecordBatches / Tables of the declared schema (an async
 * generator is the natural form).
 */
export type MapInArrowFunction<Args = unknown, State = unknown> = (
  batches: AsyncIterable<A.RecordBatch>,
  ctx: UdfContext<Args, State>,
) => AsyncIterable<ArrowBatchResult> | Iterable<ArrowBatchResult> | ArrowBatchResult | Promise<AsyncIterable<ArrowBatchResult> | Iterable<ArrowBatchResult> | ArrowBatchResult>;

/** What an applyInArrow function returns for a group: a Table, a RecordBatch, or an array of them (or a promise of one). */
export type ArrowGroupResult = A.Table | A.RecordBatch | readonly (A.Table | A.RecordBatch)[];

/** An applyInArrow function: one group's rows as an Arrow Table (every column, keys included), the UDF context last. */
export type ApplyInArrowFunction<Args = unknown, State = unknown> = (table: A.Table, ctx: UdfContext<Args, State>) => ArrowGroupResult | Promise<ArrowGroupResult>;

/** An applyInArrow function with `withKey: true`: the group's key values (one per key) come first. */
export type ApplyInArrowKeyFunction<Args = unknown, State = unknown> = (key: Value[], table: A.Table, ctx: UdfContext<Args, State>) => ArrowGroupResult | Promise<ArrowGroupResult>;

/** Options of `mapInArrow`. */
export interface MapInArrowOptions<Args = unknown> {
  /** A name for explain and messages (default: the function's name). */
  readonly name?: string;
  /** Values the function reads as `ctx.args` (structured-cloneable: numbers, strings, arrays, typed arrays, SharedArrayBuffers...). */
  readonly args?: Args;
  /** Builds per-worker state from `args` once per worker (read as `ctx.state`); shipped by source. */
  readonly init?: (args: Args) => unknown;
  /**
   * Whether the function always gives the same output for the same input (default true). These
   * nodes are never duplicated, reordered across filters or folded either way; recorded for explain.
   */
  readonly deterministic?: boolean;
}

/** Options of `applyInArrow`. */
export interface ApplyInArrowOptions<Args = unknown> extends MapInArrowOptions<Args> {
  /** Pass the group's key values (an array, one per key) as the first argument: `(key, table, ctx)`. Default false. */
  readonly withKey?: boolean;
  /** Largest group in bytes; a larger group fails the job with a UdfError naming it (default: a quarter of the worker's heap limit). */
  readonly maxGroupBytes?: number;
}

const MAP_OPTIONS = ['name', 'args', 'init', 'deterministic'];
const APPLY_OPTIONS = [...MAP_OPTIONS, 'withKey', 'maxGroupBytes'];

function checkOptions(options: unknown, known: readonly string[], what: string): Record<string, unknown> {
  if (options === undefined) return {};
  const o = expectRecord(options, what, 'options', `an options object { ${known.join(', ')} }`);
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new IllegalArgumentError(`${what}: unknown option '${k}'${didYouMean(k, known)}; the options are ${known.join(', ')}`);
  }
  if (o.deterministic !== undefined) expectBoolean(o.deterministic, what, 'deterministic');
  if (o.name !== undefined) expectName(o.name, what, 'name', 'UDF name');
  return o;
}

function shipped(fn: unknown, o: Record<string, unknown>, what: string): FunctionRef {
  return toFunctionRef(fn as FunctionRef, what, {
    ...(o.name !== undefined ? { name: o.name as string } : {}),
    ...(o.args !== undefined ? { args: o.args } : {}),
    ...(o.init !== undefined ? { init: o.init as (args: never) => unknown } : {}),
  });
}

/** The MapInArrow node of `input.mapInArrow(fn, schema, options)`. */
export function mapInArrowPlan(input: LogicalPlan, fn: unknown, schema: UdfSchemaInput, options: unknown, maxRecordsPerBatch: number): MapInArrowNode {
  const what = 'mapInArrow()';
  const o = checkOptions(options, MAP_OPTIONS, what);
  const out = udfSchema(schema, what);
  return { kind: 'mapInArrow', input, fn: shipped(fn, o, what), maxRecordsPerBatch, deterministic: o.deterministic !== false, schema: out };
}

/** The FlatMapGroupsInArrow node of `input.groupBy(keys).applyInArrow(fn, schema, options)`. */
export function applyInArrowPlan(input: LogicalPlan, keys: readonly Expr[], fn: unknown, schema: UdfSchemaInput, options: unknown): FlatMapGroupsInArrowNode {
  const what = 'applyInArrow()';
  const o = checkOptions(options, APPLY_OPTIONS, what);
  const out = udfSchema(schema, what);
  const withKey = o.withKey === undefined ? false : expectBoolean(o.withKey, what, 'withKey');
  const maxGroupBytes = o.maxGroupBytes === undefined ? null : expectInteger(o.maxGroupBytes, what, 'maxGroupBytes', 1);
  const bound = keys.map((k) => bindExpr(k, input.schema));
  return { kind: 'flatMapGroupsInArrow', input, keys: bound, fn: shipped(fn, o, what), withKey, maxGroupBytes, deterministic: o.deterministic !== false, schema: out };
}
