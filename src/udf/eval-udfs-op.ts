/**
 * The EvalUdfs operator (Spark's BatchEvalPython / ArrowEvalPython): for each input batch,
 * evaluates the UDF calls' argument expressions, calls each user function (resolved once per
 * thread through function-ref.ts) and appends one column per call. Scalar UDFs are called once
 * per row; vectorized UDFs once per slice of at most `batchSize` rows, with apache-arrow Vectors.
 * Results are checked against the return type (udf-values.ts); failures are UdfErrors naming the
 * UDF, the row and its arguments. Rows are independent, so morsel-driven stages run through it.
 */
import * as A from 'apache-arrow';
import { Batch, valueGetter } from '../data/batch.js';
import { type ColumnData, concatColumns, sliceColumn, take } from '../data/column.js';
import { columnToArrowData } from '../data/arrow.js';
import { ExecutionError, UdfError } from '../errors.js';
import { type CompiledExpr, compileExpr } from '../expr/backend.js';
import type { BoundUdf } from '../expr/expr.js';
import { boundToString } from '../expr/expr.js';
import type { OpCodec } from '../exec/op-codec.js';
import { type ExecContext, PhysicalOp } from '../exec/operator.js';
import { type Field, Schema, type Value } from '../types.js';
import { type ResolvedFunction, resolveFunction } from './function-ref.js';
import type { UdfKind } from './spec.js';
import { ResultWriter, resultColumn, showValue } from './udf-values.js';

/** Evaluates UDF calls over its child's rows; output = the child's columns ++ one column per call. */
export class EvalUdfsOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly args: readonly (readonly CompiledExpr[])[];
  constructor(
    readonly child: PhysicalOp,
    readonly udfs: readonly BoundUdf[],
    /** Rows per vectorized call for UDFs without their own batchSize (the session's setting). */
    readonly defaultBatchSize: number,
    readonly schema: Schema,
  ) {
    super();
    this.children = [child];
    this.args = udfs.map((u) => u.args.map(compileExpr));
  }
  numPartitions(): number {
    return this.child.numPartitions();
  }
  override morselInput(): PhysicalOp {
    return this.child;
  }
  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    const fns = await Promise.all(this.udfs.map((u) => resolveFunction(u.udf.fn)));
    let row = 0;
    for await (const b of this.child.execute(p, ctx)) {
      const cols = [...b.columns];
      for (let k = 0; k < this.udfs.length; k++) {
        const u = this.udfs[k]!;
        const args = this.args[k]!.map((f) => f(b));
        const call: UdfCall = { udf: u, fn: fns[k]!, where: { partition: p, firstRow: row }, batchSize: u.udf.batchSize ?? this.defaultBatchSize, ctx };
        cols.push(await EVALUATORS[u.udf.kind](call, args, b.numRows));
        ctx.checkCancelled();
      }
      row += b.numRows;
      yield new Batch(this.schema, cols, b.numRows);
    }
  }
  describe(): string {
    const w = this.child.schema.length;
    return `EvalUdfs [${this.udfs.map((u, j) => `${boundToString(u)}#${w + j}${u.udf.kind === 'vectorized' ? ' (arrow)' : ''}`).join(', ')}]`;
  }
}

export const evalUdfsCodec: OpCodec<EvalUdfsOp, { udfs: readonly BoundUdf[]; batchSize: number; fields: readonly Field[] }> = {
  kind: 'evalUdfs',
  type: EvalUdfsOp,
  describe: (o) => ({ udfs: o.udfs, batchSize: o.defaultBatchSize, fields: o.schema.fields }),
  build: (d, [child]) => new EvalUdfsOp(child!, d.udfs, d.batchSize, new Schema(d.fields)),
};

/** Where a batch came from, for messages. */
interface Where { readonly partition: number; readonly firstRow: number }

/** One UDF call over one batch: the call, its resolved function, where the rows come from. */
interface UdfCall {
  readonly udf: BoundUdf;
  readonly fn: ResolvedFunction;
  readonly where: Where;
  /** Rows per call for kinds that call per batch. */
  readonly batchSize: number;
  readonly ctx: ExecContext;
}

/** How each UDF kind evaluates a batch's argument columns into its result column (a new kind adds a line). */
const EVALUATORS: Record<UdfKind, (call: UdfCall, args: readonly ColumnData[], n: number) => ColumnData | Promise<ColumnData>> = {
  scalar: evalScalar,
  vectorized: evalVectorized,
};

function failure(u: BoundUdf, where: Where, row: number, args: readonly unknown[] | null, what: string): UdfError {
  const shown = args ? ` with arguments (${args.map(showValue).join(', ')})` : '';
  return new UdfError(`UDF ${u.udf.name} failed on row ${where.firstRow + row} of partition ${where.partition}${shown}: ${what}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
}

/** Calls a scalar UDF once per row (rows with a null argument skipped under nulls: 'skip'). */
function evalScalar(call: UdfCall, args: readonly ColumnData[], n: number): ColumnData {
  const { udf: u, where } = call;
  const { fn, ctx } = call.fn;
  const skip = u.udf.nulls === 'skip';
  const toNull = u.udf.onError === 'null';
  const getters = args.map(valueGetter);
  const m = args.length;
  const values: unknown[] = new Array(m + 1);
  values[m] = ctx;
  const out = new ResultWriter(u.type, n);
  for (let i = 0; i < n; i++) {
    let anyNull = false;
    for (let j = 0; j < m; j++) {
      const v: Value = getters[j]!(i);
      if (v === null) anyNull = true;
      values[j] = v;
    }
    if (anyNull && skip) continue;
    let result: unknown;
    try {
      result = fn.apply(undefined, values);
    } catch (err) {
      if (toNull) continue;
      throw failure(u, where, i, values.slice(0, m), messageOf(err));
    }
    if (result instanceof Promise) {
      result.catch(() => undefined);
      throw failure(u, where, i, values.slice(0, m), 'a scalar UDF returned a promise; use F.arrowUdf for async functions (it is called once per batch and may be async)');
    }
    const bad = out.set(i, result);
    if (bad !== null) {
      if (toNull) continue;
      throw failure(u, where, i, values.slice(0, m), bad);
    }
  }
  return out.finish();
}

/** Waits for a UDF's promise, giving up when the job is cancelled (checked every 50 ms). */
async function awaitCancellable<T>(p: Promise<T>, ctx: ExecContext): Promise<T> {
  if (!ctx.signal) return p;
  let timer: ReturnType<typeof setInterval> | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (ctx.signal!.aborted) reject(new ExecutionError('job cancelled'));
    }, 50);
  });
  try {
    return await Promise.race([p, cancelled]);
  } finally {
    clearInterval(timer);
  }
}

/** Calls a vectorized UDF per slice of at most `batchSize` rows (rows with a null argument left out under nulls: 'skip'). */
async function evalVectorized(call: UdfCall, args: readonly ColumnData[], n: number): Promise<ColumnData> {
  const { udf: u, fn: r, where, batchSize, ctx } = call;
  // Under 'skip', `rows` lists the rows whose arguments are all non-null (null: every row).
  let rows: Int32Array | null = null;
  if (u.udf.nulls === 'skip' && args.some((a) => a.type === 'null' || a.validity !== null)) {
    const keep = new Int32Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      let ok = true;
      for (const a of args) if (a.type === 'null' || (a.validity !== null && a.validity[i] === 0)) { ok = false; break; }
      if (ok) keep[k++] = i;
    }
    rows = keep.subarray(0, k);
  }
  const m = rows ? rows.length : n;
  const pieces: ColumnData[] = [];
  for (let s = 0; s < m; s += batchSize) {
    const e = Math.min(m, s + batchSize);
    const sliced = args.map((a) => (rows ? take(a, rows.subarray(s, e)) : sliceColumn(a, s, e)));
    const vectors = sliced.map((c) => A.makeVector(columnToArrowData(c)));
    const rowOf = (i: number) => (rows ? rows[s + i]! : s + i);
    let res: unknown;
    try {
      res = r.fn(...vectors, r.ctx);
      // Only a pending result needs waiting for (and watching for cancellation).
      if (res instanceof Promise || (res != null && typeof (res as { then?: unknown }).then === 'function')) res = await awaitCancellable(Promise.resolve(res), ctx);
    } catch (err) {
      if (err instanceof ExecutionError && err.message === 'job cancelled') throw err;
      if (u.udf.onError === 'null') {
        pieces.push(resultColumn(u.type, null, e - s, true).column);
        continue;
      }
      throw failure(u, where, rowOf(0), null, `${messageOf(err)} (in the batch of rows ${where.firstRow + rowOf(0)}..${where.firstRow + rowOf(e - s - 1)})`);
    }
    const { column, error } = resultColumn(u.type, res, e - s, u.udf.onError === 'null');
    if (error !== null) throw failure(u, where, rowOf(error.row ?? 0), error.row === null ? null : sliced.map((c) => valueGetter(c)(error.row!)), error.message);
    pieces.push(column);
    ctx.checkCancelled();
  }
  const compact = pieces.length ? concatColumns(u.type, pieces) : resultColumn(u.type, null, 0, true).column;
  if (!rows) return compact;
  // Scatter back: skipped rows get null.
  const idx = new Int32Array(n).fill(-1);
  for (let k = 0; k < rows.length; k++) idx[rows[k]!] = k;
  return take(compact, idx);
}
