/**
 * The MapInArrow operator (`df.mapInArrow`, PySpark's mapInPandas / mapInArrow): for each
 * partition it hands the user function an async iterable of the partition's rows as Arrow
 * RecordBatches (at most `maxRecordsPerBatch` rows each, zero-copy slices of the input batches)
 * and the UDF context last, and reads back the RecordBatches or Tables it yields (or returns),
 * checked against the declared schema. The function is resolved once per thread (a module
 * imported, `init` run once per worker). Its own errors become a UdfError naming it and the
 * partition; errors from the rows it reads (upstream operators, cancellation) pass unchanged.
 */
import type * as A from 'apache-arrow';
import type { Batch } from '../data/batch.js';
import { batchToArrow } from '../data/arrow.js';
import { UdfError } from '../errors.js';
import type { OpCodec } from '../exec/op-codec.js';
import { type ExecContext, PhysicalOp } from '../exec/operator.js';
import { type Field, Schema } from '../types.js';
import { ArrowResultReader, isArrowResult, schemaDDL, udfFailure } from './arrow-results.js';
import { type FunctionRef, resolveFunction } from './function-ref.js';

/** Applies a user function to each partition's Arrow batches. */
export class MapInArrowOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly reader: ArrowResultReader;

  constructor(
    readonly child: PhysicalOp,
    readonly fn: FunctionRef,
    /** Rows per batch handed to the function (0: the input batches as they come). */
    readonly maxRecordsPerBatch: number,
    readonly schema: Schema,
  ) {
    super();
    this.children = [child];
    this.reader = new ArrowResultReader(schema, `mapInArrow UDF '${fn.name}'`);
  }

  numPartitions(): number {
    return this.child.numPartitions();
  }

  /** The partition's rows as Arrow batches; remembers an error raised upstream so it is not blamed on the UDF. */
  private async *input(p: number, ctx: ExecContext, upstream: { error?: unknown }): AsyncGenerator<A.RecordBatch> {
    const max = this.maxRecordsPerBatch;
    try {
      for await (const b of this.child.execute(p, ctx)) {
        ctx.checkCancelled();
        if (b.numRows === 0) continue;
        if (max <= 0 || b.numRows <= max) {
          yield batchToArrow(b);
          continue;
        }
        for (let s = 0; s < b.numRows; s += max) {
          ctx.checkCancelled();
          yield batchToArrow(b.slice(s, s + max));
        }
      }
    } catch (err) {
      upstream.error = err;
      throw err;
    }
  }

  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    const where = `in partition ${p}`;
    const upstream: { error?: unknown } = {};
    const fail = (err: unknown): Error => ('error' in upstream && err === upstream.error ? (err as Error) : udfFailure(this.reader.what, where, err));
    const { fn, ctx: udfCtx } = await resolveFunction(this.fn);
    let result: unknown;
    try {
      result = await fn(this.input(p, ctx, upstream), udfCtx);
    } catch (err) {
      throw fail(err);
    }
    if (isArrowResult(result)) {
      yield* this.reader.read(result, where, false);
      return;
    }
    const it = iteratorOf(result);
    if (!it) {
      throw new UdfError(`${this.reader.what} returned ${result === null ? 'null' : typeof result} ${where}; it should return or yield Arrow RecordBatches or Tables with the columns [${schemaDDL(this.schema)}] (write it as an async generator: async function* (batches, ctx) { for await (const b of batches) yield ... })`);
    }
    let done = false;
    try {
      for (;;) {
        let r: IteratorResult<unknown>;
        try {
          r = await it.next();
        } catch (err) {
          done = true;
          throw fail(err);
        }
        if (r.done) {
          done = true;
          return;
        }
        ctx.checkCancelled();
        yield* this.reader.read(r.value, where, false);
      }
    } finally {
      // Stopped early (a limit above, an error): let the function's generator clean up.
      if (!done) await it.return?.();
    }
  }

  describe(): string {
    return `MapInArrow ${this.fn.name}(${this.child.schema.names.join(', ')}), [${this.schema.names.join(', ')}]`;
  }
}

/** An iterator over a sync or async iterable, or null for anything else. */
export function iteratorOf(x: unknown): AsyncIterator<unknown> | Iterator<unknown> | null {
  if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return null;
  const o = x as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
  if (typeof o[Symbol.asyncIterator] === 'function') return o[Symbol.asyncIterator]!();
  if (typeof o[Symbol.iterator] === 'function') return o[Symbol.iterator]!();
  return null;
}

export const mapInArrowCodec: OpCodec<MapInArrowOp, { fn: FunctionRef; maxRecordsPerBatch: number; fields: readonly Field[] }> = {
  kind: 'mapInArrow',
  type: MapInArrowOp,
  describe: (o) => ({ fn: o.fn, maxRecordsPerBatch: o.maxRecordsPerBatch, fields: o.schema.fields }),
  build: (d, [child]) => new MapInArrowOp(child!, d.fn, d.maxRecordsPerBatch, new Schema(d.fields)),
};
