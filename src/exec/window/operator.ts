/**
 * WindowOp: computes window functions over one partition of its input. The planner puts a hash
 * exchange on the PARTITION BY keys in front, so every window partition lies in one task. The
 * operator gathers the task's rows, sorts them by (partition keys, ORDER BY keys), finds the
 * window partitions and peer groups (rows equal on ORDER BY) and each row's frame (./frames.ts),
 * and computes every function over the sorted rows by looking it up in the function registry:
 * a window-only function (row_number, lag, nth_value, ...; src/expr/window/) through its
 * `evaluate`; an aggregate through its faster `window.evaluate` where it has one (count, sum,
 * avg, min, max, first, last; src/expr/window/frame-aggregates.ts), otherwise through its
 * Accumulator (./accumulate.ts).
 * Output rows come in the sorted order: the input's columns followed by one column per function.
 * Over a WindowGroupLimit's Final phase on the same keys the rows already come in that order
 * (each partition contiguous and ranked; see window-group-limit.ts), so they are not sorted again.
 */
import { Batch, concatBatches } from '../../data/batch.js';
import { type ColumnData, take } from '../../data/column.js';
import { compileExpr, type CompiledExpr } from '../../expr/backend.js';
import type { BoundExpr, BoundSortKey } from '../../expr/expr.js';
import { boundToString } from '../../expr/expr.js';
import type { FrameRows, WindowInput, WindowLayout } from '../../expr/function-defs.js';
import { getAggregate, getWindowFunction } from '../../expr/registry.js';
import { type BoundWindowFn, windowFnToString } from '../../plan/logical.js';
import { Schema } from '../../types.js';
import { FilterOp, ProjectOp } from '../basic.js';
import { operatorName } from '../memory.js';
import { type ExecContext, PhysicalOp, collectPartition } from '../operator.js';
import type { OpCodec } from '../op-codec.js';
import { WindowGroupLimitOp } from '../window-group-limit.js';
import { accumulatorColumn } from './accumulate.js';
import { frameBounds, rankedPartIds, windowLayout, windowOrder } from './frames.js';

/** The evaluator input of one call: its arguments over the sorted rows, and its frame on demand. */
function windowInput(fn: BoundWindowFn, layout: WindowLayout, orderKey: { col: ColumnData; ascending: boolean } | null, columns: readonly ColumnData[]): WindowInput {
  let frame: FrameRows | undefined;
  return { layout, args: fn.args, columns, type: fn.type, frame: () => (frame ??= frameBounds(fn.frame, layout, orderKey)) };
}

/** One call's column: a window-only function's evaluator, or an aggregate's (fast path or accumulator). */
function functionColumn(fn: BoundWindowFn, x: WindowInput): ColumnData {
  const wdef = getWindowFunction(fn.fn);
  if (wdef) return wdef.evaluate(x);
  const def = getAggregate(fn.fn);
  return (fn.distinct ? undefined : def.window?.evaluate?.(x)) ?? accumulatorColumn(def, x, fn.distinct);
}

/**
 * Computes window functions over rows that all belong to one task: returns the rows sorted by
 * (partition keys, order keys) and one column per function, aligned with them.
 */
export function computeWindows(
  b: Batch,
  partitionBy: readonly BoundExpr[],
  orderBy: readonly BoundSortKey[],
  functions: readonly BoundWindowFn[],
  compiled?: { partFns: readonly CompiledExpr[]; orderFns: readonly CompiledExpr[]; argFns: readonly (readonly CompiledExpr[])[] },
  /** The rows are already in window order (each partition contiguous and sorted): no sort. */
  ranked = false,
): { sorted: Batch; columns: ColumnData[] } {
  const partFns = compiled?.partFns ?? partitionBy.map(compileExpr);
  const orderFns = compiled?.orderFns ?? orderBy.map((k) => compileExpr(k.expr));
  const argFns = compiled?.argFns ?? functions.map((f) => f.args.map(compileExpr));
  const n = b.numRows;
  const partCols = partFns.map((f) => f(b));
  let orderCols = orderFns.map((f) => f(b));
  let sorted = b;
  let partIds: Int32Array | null = null;
  if (ranked) partIds = rankedPartIds(partCols, n);
  else if (partCols.length + orderCols.length > 0 && n > 1) {
    const order = windowOrder(b, partCols, orderBy, orderCols);
    sorted = b.take(order.idx);
    partIds = order.partIds;
    orderCols = orderCols.map((c) => take(c, order.idx));
  }
  const L = windowLayout(n, partIds, orderCols);
  const orderKey = orderBy.length === 1 ? { col: orderCols[0]!, ascending: orderBy[0]!.ascending } : null;
  const columns = functions.map((fn, k) => functionColumn(fn, windowInput(fn, L, orderKey, argFns[k]!.map((f) => f(sorted)))));
  return { sorted, columns };
}

/** Computes window functions over each partition of its input (see the module comment). */
export class WindowOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly compiled;
  /**
   * The input is a WindowGroupLimit's Final phase on the same keys, whose output is already in
   * window order (groups contiguous, each ranked), so the rows are not sorted again (q8).
   */
  readonly ranked: boolean;

  constructor(
    readonly child: PhysicalOp,
    readonly partitionBy: readonly BoundExpr[],
    readonly orderBy: readonly BoundSortKey[],
    readonly functions: readonly BoundWindowFn[],
    /** The input's columns, then one column per function. */
    readonly schema: Schema,
  ) {
    super();
    this.children = [child];
    this.compiled = {
      partFns: partitionBy.map(compileExpr),
      orderFns: orderBy.map((k) => compileExpr(k.expr)),
      argFns: functions.map((f) => f.args.map(compileExpr)),
    };
    const json = (x: unknown) => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    const same = (a: unknown, b: unknown) => json(a) === json(b);
    this.ranked = child instanceof WindowGroupLimitOp && child.mode === 'final' && same(child.partitionBy, partitionBy) && same(child.orderBy, orderBy);
  }

  numPartitions(): number {
    return this.child.numPartitions();
  }

  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    // The task's rows are held until its window partitions are computed: they count against memoryLimit.
    const memory = ctx.memory.consumer(`the partitions of ${operatorName(this)}`);
    let out: Batch;
    try {
      const batches = await collectPartition(this.child, p, ctx, memory);
      if (batches.length === 0) return;
      const input = concatBatches(this.child.schema, batches);
      ctx.checkCancelled();
      const { sorted, columns } = computeWindows(input, this.partitionBy, this.orderBy, this.functions, this.compiled, this.ranked);
      out = new Batch(this.schema, [...sorted.columns, ...columns], sorted.numRows);
    } finally {
      memory.release();
    }
    yield out;
  }

  describe(): string {
    const keys = this.orderBy.map((k) => `${boundToString(k.expr)} ${k.ascending ? 'ASC' : 'DESC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`);
    return `Window [${this.functions.map(windowFnToString).join(', ')}] partitionBy=[${this.partitionBy.map(boundToString).join(', ')}] orderBy=[${keys.join(', ')}]`;
  }
}

/**
 * True if `op`'s partitions already hold every row of each window partition for `keys` (so a
 * window on these keys needs no exchange): `op` is a WindowOp on the same keys, possibly under
 * projections that pass the key columns through and filters.
 */
export function partitionedForWindow(op: PhysicalOp, keys: readonly BoundExpr[]): boolean {
  const norm = (ks: readonly BoundExpr[]) => JSON.stringify(ks.map((k) => (k.kind === 'ref' ? { ref: k.index } : k)));
  let cur = op;
  let ks: readonly BoundExpr[] = keys;
  for (;;) {
    if (cur instanceof WindowOp) return norm(cur.partitionBy) === norm(ks);
    if (cur instanceof FilterOp) { cur = cur.child; continue; }
    if (cur instanceof ProjectOp) {
      const project = cur;
      const mapped: BoundExpr[] = [];
      for (const k of ks) {
        const e = k.kind === 'ref' ? project.exprs[k.index] : undefined;
        if (!e || e.kind !== 'ref') return false;
        mapped.push(e);
      }
      ks = mapped;
      cur = cur.child;
      continue;
    }
    return false;
  }
}

/** Window stages can run on worker threads: the operator as plain data. */
export const windowCodec: OpCodec<WindowOp, { partitionBy: readonly BoundExpr[]; orderBy: readonly BoundSortKey[]; functions: readonly BoundWindowFn[]; fields: Schema['fields'] }> = {
  kind: 'window',
  type: WindowOp,
  describe: (op) => ({ partitionBy: op.partitionBy, orderBy: op.orderBy, functions: op.functions, fields: op.schema.fields }),
  build: (d, [child]) => new WindowOp(child!, d.partitionBy, d.orderBy, d.functions, new Schema(d.fields)),
};
