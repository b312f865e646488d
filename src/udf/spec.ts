/**
 * A UDF call's description as plain data (`UdfSpec`, inside `udf` expressions and EvalUdfs plan
 * nodes, shipped to the workers in stage specs), the options users pass, and their checks:
 * return types (a Kindling type, a type name or an Arrow DataType), nulls, errors, batch size.
 */
import * as A from 'apache-arrow';
import { fromArrowType } from '../data/arrow.js';
import { IllegalArgumentError } from '../errors.js';
import { type DataType, parseTypeName } from '../types.js';
import type { FunctionRef } from './function-ref.js';

/** The UDF kinds an expression can call: one value per row, or Arrow vectors per batch. */
export type UdfKind = 'scalar' | 'vectorized';

/** A UDF as plain, structured-cloneable data. */
export interface UdfSpec {
  /** Name shown in column names, explain and errors. */
  readonly name: string;
  readonly kind: UdfKind;
  /** The shipped function (source or module reference; its id is unique per UDF). */
  readonly fn: FunctionRef;
  readonly returnType: DataType;
  readonly deterministic: boolean;
  readonly nulls: 'skip' | 'pass';
  readonly onError: 'fail' | 'null';
  /** Rows per call of a vectorized UDF; null = the session's `spark.sql.execution.arrow.maxRecordsPerBatch`. */
  readonly batchSize: number | null;
}

/** What a return type may be given as: a Kindling type, a type name (`'double'`, `'array<int>'`) or an Arrow DataType. */
export type ReturnTypeInput = DataType | string | A.DataType;

/** Options of `F.udf` / `F.arrowUdf` (and their `fromModule` forms). */
export interface UdfOptions<Args = unknown> {
  /** Name in column names, explain and errors (default: the function's name, else `udf`). */
  readonly name?: string;
  /** False for a function whose result may differ between calls (random, time): never duplicated, folded or moved across filters. Default true. */
  readonly deterministic?: boolean;
  /**
   * `'skip'` (default): a row with a null argument gives null without calling the function (for
   * an arrowUdf such rows are left out of the vectors it receives); `'pass'`: nulls are passed
   * (`null` to a scalar UDF, null slots in the vectors).
   */
  readonly nulls?: 'skip' | 'pass';
  /** `'fail'` (default): the job fails with a UdfError naming the UDF and row; `'null'`: that row's (or batch's) result is null. */
  readonly onError?: 'fail' | 'null';
  /** Values the function reads as `ctx.args` (structured-cloneable; shipped with it). */
  readonly args?: Args;
  /** Builds per-worker state from `args`, once per worker thread; read as `ctx.state`. Shipped by source. */
  readonly init?: (args: never) => unknown;
  /** arrowUdf only: at most this many rows per call (default: the session's `spark.sql.execution.arrow.maxRecordsPerBatch`, 10000). */
  readonly batchSize?: number;
}

/** Spark's setting for the rows per Arrow batch handed to a vectorized UDF. */
export const ARROW_BATCH_KEY = 'spark.sql.execution.arrow.maxRecordsPerBatch';
/** Its default, as in Spark. */
export const DEFAULT_ARROW_BATCH = 10_000;

/** Parses a return type; `what` names the API for the message. */
export function parseReturnType(t: ReturnTypeInput, what: string): DataType {
  if (t instanceof A.DataType) return fromArrowType(t, 'the return type');
  if (typeof t === 'string') {
    const parsed = parseTypeName(t);
    if (parsed !== undefined) return parsed;
  }
  throw new IllegalArgumentError(`${what}: unknown return type ${typeof t === 'string' ? `'${t}'` : String(t)}; give a type name such as 'double', 'int', 'bigint', 'string', 'boolean', 'date', 'timestamp', 'array<double>', or an apache-arrow DataType`);
}

const KNOWN_OPTIONS = ['name', 'deterministic', 'nulls', 'onError', 'args', 'init', 'batchSize'];

/** Checks the options and fills the defaults (the function itself is shipped by the caller). */
export function checkUdfOptions(kind: UdfKind, o: UdfOptions, what: string): { deterministic: boolean; nulls: 'skip' | 'pass'; onError: 'fail' | 'null'; batchSize: number | null } {
  if (o === null || typeof o !== 'object') throw new IllegalArgumentError(`${what}: options should be an object, got ${o === null ? 'null' : typeof o}`);
  for (const k of Object.keys(o)) {
    if (!KNOWN_OPTIONS.includes(k)) throw new IllegalArgumentError(`${what}: unknown option '${k}'; the options are ${KNOWN_OPTIONS.join(', ')}`);
  }
  if (o.deterministic !== undefined && typeof o.deterministic !== 'boolean') throw new IllegalArgumentError(`${what}: deterministic should be true or false`);
  if (o.nulls !== undefined && o.nulls !== 'skip' && o.nulls !== 'pass') throw new IllegalArgumentError(`${what}: nulls should be 'skip' or 'pass', got ${String(o.nulls)}`);
  if (o.onError !== undefined && o.onError !== 'fail' && o.onError !== 'null') throw new IllegalArgumentError(`${what}: onError should be 'fail' or 'null', got ${String(o.onError)}`);
  if (o.batchSize !== undefined) {
    if (kind !== 'vectorized') throw new IllegalArgumentError(`${what}: batchSize is an option of F.arrowUdf (a scalar UDF is called once per row)`);
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new IllegalArgumentError(`${what}: batchSize should be a positive integer, got ${String(o.batchSize)}`);
  }
  return { deterministic: o.deterministic ?? true, nulls: o.nulls ?? 'skip', onError: o.onError ?? 'fail', batchSize: o.batchSize ?? null };
}

/**
 * The rows per Arrow batch a value of `spark.sql.execution.arrow.maxRecordsPerBatch` asks for: a
 * positive integer, or 0 for no limit (zero or negative, as in Spark); unset: the default.
 */
export function parseArrowBatchSize(value: string | undefined): number {
  if (value === undefined) return DEFAULT_ARROW_BATCH;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) {
    throw new IllegalArgumentError(`${ARROW_BATCH_KEY} should be an integer number of rows per Arrow batch (0 or less: no limit), got '${value}'`);
  }
  return n > 0 ? n : 0;
}

/** Checks a value of `spark.sql.execution.arrow.maxRecordsPerBatch` when it is set. */
export function checkArrowBatchSize(value: string): void {
  parseArrowBatchSize(value);
}

