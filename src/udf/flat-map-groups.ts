/**
 * The FlatMapGroupsInArrow operator (`df.groupBy(keys).applyInArrow`, PySpark's applyInPandas):
 * its input is hash-partitioned by the keys, so every row of a group is in one partition. Per
 * partition it numbers the groups with the key table (null keys form one group, as in Spark),
 * orders the row indices by group with a counting sort, and for each group gathers its rows into
 * one Arrow Table (every input column) and calls the user function with it (and the key values
 * first with `withKey`), the UDF context last; the Tables (or RecordBatches) it returns, sync or
 * async, are checked against the declared schema. A group must fit in memory: its size is
 * computed before it is gathered and a group over the limit (`maxGroupBytes`, by default a quarter
 * of the thread's heap limit), or one whose allocation fails, fails the job with a UdfError
 * naming the group's key values.
 */
import * as A from 'apache-arrow';
import { getHeapStatistics } from 'node:v8';
import { type Batch, concatBatches, valueGetter } from '../data/batch.js';
import { batchToArrow } from '../data/arrow.js';
import { KeyTable } from '../data/key-table.js';
import { UdfError } from '../errors.js';
import { compileExpr } from '../expr/backend.js';
import { type BoundExpr, boundToString } from '../expr/expr.js';
import type { OpCodec } from '../exec/op-codec.js';
import { type ExecContext, PhysicalOp } from '../exec/operator.js';
import { columnBytes } from '../exec/serde.js';
import { type Field, Schema, type Value } from '../types.js';
import { ArrowResultReader, udfFailure } from './arrow-results.js';
import { type FunctionRef, resolveFunction } from './function-ref.js';

/** The default largest group, in bytes: a quarter of this thread's heap limit. */
export function defaultMaxGroupBytes(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / 4);
}

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`;
}

function formatKeyValue(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `'${v}'`;
  if (v instanceof Date) return `'${v.toISOString()}'`;
  return String(v);
}

/** Bytes each group's rows take in `b` (fixed widths, validity, offsets and variable-length data). */
function groupBytes(b: Batch, ids: Int32Array, counts: Int32Array): Float64Array {
  const out = new Float64Array(counts.length);
  let perRow = 0;
  for (const col of b.columns) {
    perRow += (col.values?.BYTES_PER_ELEMENT ?? 0) + (col.validity ? 1 : 0) + (col.offsets ? 4 : 0);
    const off = col.offsets;
    if (!off) continue;
    // utf8: its bytes; a list: its elements at the child's average width.
    const width = col.bytes ? 1 : col.child && col.child.length > 0 ? columnBytes(col.child) / col.child.length : 0;
    for (let i = 0; i < b.numRows; i++) out[ids[i]!] += (off[i + 1]! - off[i]!) * width;
  }
  for (let g = 0; g < counts.length; g++) out[g] += counts[g]! * perRow;
  return out;
}

/** Applies a user function to each group of its (key-partitioned) input. */
export class FlatMapGroupsInArrowOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly reader: ArrowResultReader;
  private readonly keyFns;

  constructor(
    readonly child: PhysicalOp,
    /** Grouping expressions over the child's columns. */
    readonly keys: readonly BoundExpr[],
    readonly fn: FunctionRef,
    /** Pass the group's key values as the first argument. */
    readonly withKey: boolean,
    /** Largest group in bytes; null: {@link defaultMaxGroupBytes}. */
    readonly maxGroupBytes: number | null,
    readonly schema: Schema,
  ) {
    super();
    this.children = [child];
    this.keyFns = keys.map(compileExpr);
    this.reader = new ArrowResultReader(schema, `applyInArrow UDF '${fn.name}'`);
  }

  numPartitions(): number {
    return this.child.numPartitions();
  }

  private keyNames(): string[] {
    return this.keys.map((k) => (k.kind === 'ref' ? this.child.schema.fields[k.index]!.name : boundToString(k)));
  }

  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    const parts: Batch[] = [];
    for await (const b of this.child.execute(p, ctx)) if (b.numRows > 0) parts.push(b);
    if (parts.length === 0) return;
    const { fn, ctx: udfCtx } = await resolveFunction(this.fn);
    let all: Batch;
    try {
      all = concatBatches(this.child.schema, parts);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      const rows = parts.reduce((t, b) => t + b.numRows, 0);
      throw new UdfError(`applyInArrow UDF '${this.fn.name}': the ${rows} rows of partition ${p} could not be buffered for grouping (${err.message}); its groups must fit in one worker's memory: raise spark.sql.shuffle.partitions, group by more keys or raise workerHeapMB`, { cause: err });
    }
    parts.length = 0;
    const n = all.numRows;
    // Dense group ids in order of first appearance; no keys: the whole input is one group.
    const ids = new Int32Array(n);
    let keyCols: Batch['columns'] = [];
    if (this.keys.length > 0) {
      const table = new KeyTable(this.keys.map((k) => k.type));
      table.insert(this.keyFns.map((f) => f(all)), n, ids);
      keyCols = table.keyColumns();
    }
    const groups = this.keys.length > 0 ? keyCols[0]!.length : 1;
    const getters = keyCols.map((c) => valueGetter(c));
    const keyOf = (g: number): Value[] => getters.map((get) => get(g));
    const names = this.keyNames();
    const groupName = (g: number) => `in group (${names.map((k, i) => `${k}=${formatKeyValue(keyOf(g)[i]!)}`).join(', ')})`;
    // Counting sort of row indices by group: group g's rows are order[start[g] .. start[g + 1]).
    const counts = new Int32Array(groups);
    for (let i = 0; i < n; i++) counts[ids[i]!]!++;
    const start = new Int32Array(groups + 1);
    for (let g = 0; g < groups; g++) start[g + 1] = start[g]! + counts[g]!;
    const fill = start.slice(0, groups);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[fill[ids[i]!]!++] = i;
    const sizes = groupBytes(all, ids, counts);
    const limit = this.maxGroupBytes ?? defaultMaxGroupBytes();
    for (let g = 0; g < groups; g++) {
      ctx.checkCancelled();
      const where = groupName(g);
      if (sizes[g]! > limit) {
        throw new UdfError(
          `applyInArrow UDF '${this.fn.name}': the group ${where.slice('in group '.length)} holds ${counts[g]} rows (${formatBytes(sizes[g]!)}), more than the ${formatBytes(limit)} one group may take ${this.maxGroupBytes === null ? "(a quarter of the worker's heap limit)" : '(maxGroupBytes)'} in partition ${p}; ` +
            'a group must fit in one worker\'s memory: group by more keys, aggregate first, or raise the limit (applyInArrow option maxGroupBytes, session option workerHeapMB)',
        );
      }
      let table: A.Table;
      try {
        table = new A.Table([batchToArrow(all.take(order.subarray(start[g]!, start[g + 1]!)))]);
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        throw new UdfError(`applyInArrow UDF '${this.fn.name}': the group ${where.slice('in group '.length)} (${counts[g]} rows, ${formatBytes(sizes[g]!)}) could not be allocated in partition ${p} (${err.message}); a group must fit in one worker's memory: group by more keys or raise workerHeapMB`, { cause: err });
      }
      let result: unknown;
      try {
        result = await (this.withKey ? fn(keyOf(g), table, udfCtx) : fn(table, udfCtx));
      } catch (err) {
        throw udfFailure(this.reader.what, where, err);
      }
      yield* this.reader.read(result, where, true);
    }
  }

  describe(): string {
    return `FlatMapGroupsInArrow [${this.keys.map(boundToString).join(', ')}], ${this.fn.name}(${this.child.schema.names.join(', ')}), [${this.schema.names.join(', ')}]`;
  }
}

export const flatMapGroupsCodec: OpCodec<FlatMapGroupsInArrowOp, { keys: readonly BoundExpr[]; fn: FunctionRef; withKey: boolean; maxGroupBytes: number | null; fields: readonly Field[] }> = {
  kind: 'flatMapGroupsInArrow',
  type: FlatMapGroupsInArrowOp,
  describe: (o) => ({ keys: o.keys, fn: o.fn, withKey: o.withKey, maxGroupBytes: o.maxGroupBytes, fields: o.schema.fields }),
  build: (d, [child]) => new FlatMapGroupsInArrowOp(child!, d.keys, d.fn, d.withKey, d.maxGroupBytes, new Schema(d.fields)),
};
