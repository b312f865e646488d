/**
 * Hash aggregation in three modes: 'partial' (per input partition: keys + partial states),
 * 'final' (after the shuffle: merge partial states, finish) and 'complete' (one phase, used when
 * an aggregate cannot be split, e.g. DISTINCT). Group ids come from GroupKeys (data/direct-keys.ts):
 * array slots for integer and boolean keys with a small range, else the KeyTable; its size (with
 * the accumulators' states) counts against the memory budget (memory.ts). Several count / sum /
 * avg aggregates update in one loop over the batch (`fusedUpdate`, expr/aggregates.ts).
 *
 * Measured 2026-12-06 09:05-10:00 UTC (shared 2-vCPU machine, load average 11-18 from other jobs,
 * times up to 10× their quiet values, so only the paired ratios mean anything):
 * `flock /work/wt/notes/bench.lock npx tsx --max-old-space-size=12000 bench/dbbench.ts --rows 1e7
 * --only groupby --q q1,q2,q4,q5,q9 --reps 5 --baseline <main's dist>`, median of the 5 paired
 * ratios, this build with specialised and fused loops against main, two runs: q1 1.08× / 0.92×,
 * q2 1.29× / 1.26×, q4 1.43× / 1.77×, q5 1.18× / 1.83×, q9 1.35× / 1.62× (single pairs ranged
 * 0.5-4.4×; q1 is within the noise). The fixed cost of a job is small next to these:
 * `range(10).count()` 1.1-2.3 ms, a groupBy of a 100-row cached frame with cache() + count()
 * 4-4.4 ms (best of 30-40, both builds alike).
 */
import { Batch } from '../data/batch.js';
import type { ColumnData } from '../data/column.js';
import type { Accumulator } from '../expr/registry.js';
import { getAggregate as getAggregateDef } from '../expr/registry.js';
import { compileExpr } from '../expr/backend.js';
import { fusedUpdate } from '../expr/aggregates.js';
import { type GroupedSums, groupedSumsFor } from '../kernels/grouped.js';
import type { BoundAgg, BoundExpr } from '../expr/expr.js';
import { boundToString } from '../expr/expr.js';
import { type DataType, type Field, Schema } from '../types.js';
import { GroupKeys } from '../data/direct-keys.js';
import type { OpCodec } from './op-codec.js';
import { operatorName } from './memory.js';
import { type ExecContext, PhysicalOp } from './operator.js';

/** Rows a partial aggregate sees before judging whether grouping reduces anything. */
const ADAPTIVE_MIN_ROWS = 100_000;
/** Groups per row above which a partial aggregate stops hashing and passes rows through. */
const ADAPTIVE_MAX_RATIO = 0.9;

/** Aggregation phase. */
export type AggMode = 'partial' | 'final' | 'complete';

/** Types of an aggregate's partial state columns, or undefined if it has none. */
export function aggStateTypes(a: BoundAgg): DataType[] | undefined {
  if (a.distinct) return undefined;
  return getAggregateDef(a.fn).stateTypes(a.args.map((x) => x.type), a.type);
}

/** Hash aggregate operator. */
export class HashAggregateOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly groupFns;
  private readonly argFns;
  private readonly stateWidths: number[];
  private readonly groupedSums: GroupedSums | null;

  constructor(
    readonly child: PhysicalOp,
    readonly mode: AggMode,
    /** partial/complete: expressions over the input; final: unused (keys are the first columns). */
    readonly groupBy: readonly BoundExpr[],
    readonly aggs: readonly BoundAgg[],
    readonly schema: Schema,
    /** Direct (array-indexed) group ids for small integer key domains (`kindling.aggregate.direct`). */
    readonly direct = true,
  ) {
    super();
    this.children = [child];
    this.groupFns = groupBy.map(compileExpr);
    this.argFns = aggs.map((a) => a.args.map(compileExpr));
    this.stateWidths = aggs.map((a) => aggStateTypes(a)?.length ?? 0);
    this.groupedSums = groupedSumsFor(aggs);
  }

  /** Output schema of a partial aggregate: key columns then each aggregate's state columns. */
  static partialSchema(groupFields: Schema, aggs: readonly BoundAgg[]): Schema {
    const fields = [...groupFields.fields];
    aggs.forEach((a, i) => {
      (aggStateTypes(a) ?? []).forEach((t, j) => fields.push({ name: `_agg${i}_${j}`, type: t, nullable: true }));
    });
    return new Schema(fields);
  }

  numPartitions(): number {
    return this.child.numPartitions();
  }

  /** A partial aggregate may see its input's rows in any grouping: the final phase merges the states. */
  override morselInput(): PhysicalOp | null {
    return this.mode === 'partial' ? this.child : null;
  }

  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    // The hash table and the accumulators' states count against memoryLimit.
    const memory = ctx.memory.consumer(`the hash table of ${operatorName(this)}`);
    try {
      yield* this.aggregate(p, ctx, (table) => memory.resize(table.byteSize() + table.size * this.stateBytesPerGroup));
    } finally {
      memory.release();
    }
  }

  /** Bytes of accumulator state per group (an estimate: 8 bytes per state column, plus a validity byte). */
  private get stateBytesPerGroup(): number {
    return this.stateWidths.reduce((n, w) => n + 9 * Math.max(1, w), 0);
  }

  private async *aggregate(p: number, ctx: ExecContext, account: (table: GroupKeys) => void): AsyncIterable<Batch> {
    const nKeys = this.groupBy.length;
    const keyTypes = this.schema.fields.slice(0, nKeys).map((f) => f.type);
    const table = new GroupKeys(keyTypes, { direct: this.direct });
    const newAccs = () => this.aggs.map((a) => getAggregateDef(a.fn).create(a.args.map((x) => x.type), a.type, a.distinct));
    const accs: Accumulator[] = newAccs();
    let ids = new Int32Array(0);
    let rowsSeen = 0;
    let passThrough = false;
    for await (const b of this.child.execute(p, ctx)) {
      const n = b.numRows;
      if (ids.length < n) ids = new Int32Array(n);
      if (passThrough) {
        yield this.singleRowStates(b, ids);
        continue;
      }
      let keys: ColumnData[];
      if (this.mode === 'final') keys = b.columns.slice(0, nKeys) as ColumnData[];
      else keys = this.groupFns.map((f) => f(b));
      if (nKeys === 0) {
        ids.fill(0, 0, n);
        if (table.size === 0) table.size = 1;
      } else {
        table.insert(keys, n, ids);
      }
      const groups = table.size;
      account(table);
      if (this.mode === 'final') {
        let c = nKeys;
        accs.forEach((acc, i) => {
          const w = this.stateWidths[i]!;
          acc.grow(groups);
          acc.merge(ids, n, b.columns.slice(c, c + w));
          c += w;
        });
      } else {
        for (const acc of accs) acc.grow(groups);
        const args = this.argFns.map((fs) => fs.map((f) => f(b)));
        // count / sum / avg together: one pass over the rows (expr/aggregates.ts).
        if (this.groupedSums !== null || !fusedUpdate(accs, ids, n, args)) {
          for (let i = 0; i < accs.length; i++) {
            const acc = accs[i]!;
            // Segment-sum kernel where the session's kernel backend takes it and the cost model says so.
            if (!(this.groupedSums && (await this.groupedSums(i, acc, ids, n, groups, args[i]!)))) acc.update(ids, n, args[i]!);
          }
        }
      }
      rowsSeen += n;
      // Adaptive partial aggregation: when the keys are nearly unique, hashing here only
      // duplicates the final phase's work; emit what we have and pass later rows straight on.
      if (this.mode === 'partial' && nKeys > 0 && rowsSeen >= ADAPTIVE_MIN_ROWS && groups > rowsSeen * ADAPTIVE_MAX_RATIO) {
        passThrough = true;
        yield this.output(table, accs, groups);
        table.reset();
        account(table);
      }
    }
    if (passThrough) return;
    // A whole-frame aggregate yields one row even over no input (count = 0, sum = null).
    if (nKeys === 0 && table.size === 0 && this.mode !== 'partial') table.size = 1;
    const groups = table.size;
    if (groups === 0) return;
    yield this.output(table, accs, groups);
  }

  private output(table: GroupKeys, accs: readonly Accumulator[], groups: number): Batch {
    const keyCols = this.groupBy.length === 0 ? [] : table.keyColumns();
    const outCols: ColumnData[] = [...keyCols];
    for (const acc of accs) {
      acc.grow(groups);
      if (this.mode === 'partial') outCols.push(...acc.state(groups));
      else outCols.push(acc.finish(groups));
    }
    return new Batch(this.schema, outCols, groups);
  }

  /** Partial states of one row each (pass-through mode): keys as evaluated, fresh accumulators per row. */
  private singleRowStates(b: Batch, ids: Int32Array): Batch {
    const n = b.numRows;
    for (let i = 0; i < n; i++) ids[i] = i;
    const keys = this.groupFns.map((f) => f(b));
    const cols: ColumnData[] = [...keys];
    this.aggs.forEach((a, i) => {
      const acc = getAggregateDef(a.fn).create(a.args.map((x) => x.type), a.type, a.distinct);
      acc.grow(n);
      acc.update(ids, n, this.argFns[i]!.map((f) => f(b)));
      cols.push(...acc.state(n));
    });
    return new Batch(this.schema, cols, n);
  }

  describe(): string {
    const keys = this.mode === 'final' ? this.schema.names.slice(0, this.groupBy.length) : this.groupBy.map(boundToString);
    const fns = this.aggs.map((a) => `${a.fn}(${a.distinct ? 'DISTINCT ' : ''}${a.args.map(boundToString).join(', ')})`);
    return `HashAggregate(mode=${this.mode}, keys=[${keys.join(', ')}], functions=[${fns.join(', ')}]${this.direct ? '' : ', direct=false'})`;
  }
}

export const aggregateCodec: OpCodec<HashAggregateOp, { mode: AggMode; groupBy: readonly BoundExpr[]; aggs: readonly BoundAgg[]; fields: readonly Field[]; direct: boolean }> = {
  kind: 'aggregate',
  type: HashAggregateOp,
  describe: (o) => ({ mode: o.mode, groupBy: o.groupBy, aggs: o.aggs, fields: o.schema.fields, direct: o.direct }),
  build: (d, [child]) => new HashAggregateOp(child!, d.mode, d.groupBy, d.aggs, new Schema(d.fields), d.direct),
};
