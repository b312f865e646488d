/**
 * Hash join: builds a KeyTable over the right side's partition (or the broadcast right side),
 * probes it with each left batch, applies a residual condition to candidate pairs, and emits the
 * rows each of Spark's join kinds calls for. With no equi-keys every pair is a candidate (nested
 * loop / cross join). Null keys never match. Pairs are generated in bounded chunks, so a cross
 * join streams its output; the build side counts against the memory budget (memory.ts).
 *
 * Output (issue 18): when every left row of a probe batch pairs once, in order, the left columns
 * are passed through (`gather`). db-benchmark j1 at 1e6 rows, answer materialised (cache() +
 * count()), 9 pairs against main's build, 2 threads: median 1.68× faster (80 ms against 180; CPU
 * 87 ms against 176). j2-j5 do not take it (some left rows match nothing) and did not move.
 *
 * Measured and left out (issue 18): gathering the output columns straight into shared memory in
 * a worker, so that posting them back needs no copy. On 1e6-row joins (j1, cache() + count(),
 * 10 runs, worker CPU profile) the gather into fresh SharedArrayBuffers took 2.7 s against 2.3 s
 * for the ordinary gather plus the copy (`take` 1.3 s, `toShared` 0.8 s): writing row by row into
 * fresh pages costs more than one bulk copy into them.
 */
import { Batch, concatBatches } from '../data/batch.js';
import { take } from '../data/column.js';
import { compileExpr, compilePredicate } from '../expr/backend.js';
import type { BoundExpr } from '../expr/expr.js';
import { boundRefs, boundToString, remapRefs } from '../expr/expr.js';
import type { JoinType } from '../plan/logical.js';
import { type Field, Schema } from '../types.js';
import { KeyTable, anyNullKey } from '../data/key-table.js';
import { ExchangeOp } from './exchange.js';
import type { OpCodec } from './op-codec.js';
import { type MemoryConsumer, operatorName } from './memory.js';
import { type ExecContext, PhysicalOp, collectPartition } from './operator.js';

/** Most candidate pairs generated (and rows emitted) at once for one left batch. */
const MAX_PAIRS = 1 << 18;

/** Growable Int32 pair list, reused across a task's probe batches (fewer large allocations). */
class PairList {
  left: Int32Array = new Int32Array(1024);
  right: Int32Array = new Int32Array(1024);
  size = 0;
  /** Empties the list, keeping room for at least `n` pairs. */
  reset(n: number): void {
    this.size = 0;
    if (this.left.length < n) {
      this.left = new Int32Array(n);
      this.right = new Int32Array(n);
    }
  }
  push(l: number, r: number): void {
    if (this.size === this.left.length) {
      const nl = new Int32Array(this.size * 2);
      nl.set(this.left);
      this.left = nl;
      const nr = new Int32Array(this.size * 2);
      nr.set(this.right);
      this.right = nr;
    }
    this.left[this.size] = l;
    this.right[this.size++] = r;
  }
}

/** Equi-join (plus residual condition) of two partitioned inputs. */
export class HashJoinOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly leftKeyFns;
  private readonly rightKeyFns;
  private readonly cond;
  private readonly pairSchema: Schema;
  /** Columns of the joined row the residual condition reads (the condition is compiled over just these). */
  private readonly condCols: readonly number[];
  private readonly condSchema: Schema;

  constructor(
    readonly left: PhysicalOp,
    readonly right: PhysicalOp,
    readonly joinType: JoinType,
    readonly leftKeys: readonly BoundExpr[],
    readonly rightKeys: readonly BoundExpr[],
    readonly condition: BoundExpr | null,
    /** True when the right input is a broadcast (one partition read by every task). */
    readonly broadcastRight: boolean,
    readonly schema: Schema,
    /**
     * Which columns of the joined row (left columns, then right) are emitted, in order; null emits
     * all. The planner sets it from the projection above the join so that columns nobody reads
     * (typically the key columns) are never gathered. Ignored for semi and anti joins, which
     * emit the left row as it is.
     */
    readonly outputCols: readonly number[] | null = null,
  ) {
    super();
    this.children = [left, right];
    this.leftKeyFns = leftKeys.map(compileExpr);
    this.rightKeyFns = rightKeys.map(compileExpr);
    this.pairSchema = new Schema([...left.schema.fields, ...right.schema.fields]);
    this.condCols = condition ? [...boundRefs(condition)].sort((a, b) => a - b) : [];
    this.condSchema = new Schema(this.condCols.map((j) => this.pairSchema.fields[j]!));
    const pos = new Map(this.condCols.map((j, k) => [j, k]));
    this.cond = condition ? compilePredicate(remapRefs(condition, (j) => pos.get(j)!)) : null;
  }

  numPartitions(): number {
    return this.left.numPartitions();
  }

  override childPartitions(p: number): [number, number][] {
    return [[0, p], [1, this.broadcastRight ? 0 : p]];
  }

  /**
   * Probing a broadcast build side treats each left row on its own, unless unmatched build rows
   * are emitted (right / full outer joins), which needs every left row of the partition.
   */
  override morselInput(): PhysicalOp | null {
    return this.broadcastRight && this.right instanceof ExchangeOp && this.joinType !== 'right' && this.joinType !== 'full' ? this.left : null;
  }

  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    // The build side is held while the left side streams through: it counts against memoryLimit.
    const memory = ctx.memory.consumer(`the build side of ${operatorName(this)}`, 'put the smaller input on the right, or lower autoBroadcastJoinThreshold so it is not broadcast');
    try {
      yield* this.probe(p, ctx, memory);
    } finally {
      memory.release();
    }
  }

  private async *probe(p: number, ctx: ExecContext, memory: MemoryConsumer): AsyncIterable<Batch> {
    const rightBatches = await collectPartition(this.right, this.broadcastRight ? 0 : p, ctx, memory);
    const build = concatBatches(this.right.schema, rightBatches);
    const nb = build.numRows;
    const buildKeys = this.rightKeyFns.map((f) => f(build));
    const table = new KeyTable(buildKeys.map((k) => k.type));
    const ids = new Int32Array(nb);
    table.insert(buildKeys, nb, ids);
    const head = new Int32Array(table.size).fill(-1);
    const next = new Int32Array(nb).fill(-1);
    memory.grow(table.byteSize() + head.byteLength + next.byteLength);
    // Insert in reverse so chains list build rows in their original order.
    for (let i = nb - 1; i >= 0; i--) {
      if (anyNullKey(buildKeys, i)) continue;
      const g = ids[i]!;
      next[i] = head[g]!;
      head[g] = i;
    }
    const jt = this.joinType;
    const trackRight = jt === 'right' || jt === 'full';
    const matchedRight = trackRight ? new Uint8Array(nb) : null;
    const trackLeft = jt === 'left_semi' || jt === 'left_anti' || jt === 'left' || jt === 'full';
    let probeIds = new Int32Array(0);
    const pairs = new PairList();

    for await (const lb of this.left.execute(p, ctx)) {
      const n = lb.numRows;
      if (probeIds.length < n) probeIds = new Int32Array(n);
      const keys = this.leftKeyFns.map((f) => f(lb));
      if (table.size > 0) table.find(keys, n, probeIds);
      else probeIds.fill(-1, 0, n);
      const hit = trackLeft ? new Uint8Array(n) : null;
      // Candidate pairs are generated in chunks of at most MAX_PAIRS (a cross join or a hot key
      // pairs one left row with many build rows), resuming at left row `i`, build row `r`.
      let i = 0;
      let r = -1;
      for (;;) {
        // Most equi-joins emit about one pair per probe row: start with room for n.
        pairs.reset(Math.min(n, MAX_PAIRS));
        for (; i < n; i++) {
          if (r < 0) {
            const g = probeIds[i]!;
            if (g < 0 || anyNullKey(keys, i)) continue;
            r = head[g]!;
          }
          while (r >= 0 && pairs.size < MAX_PAIRS) {
            pairs.push(i, r);
            r = next[r]!;
          }
          if (r >= 0) break;
        }
        const last = i >= n;
        // Residual condition over candidate pairs.
        let li = pairs.left.subarray(0, pairs.size);
        let ri = pairs.right.subarray(0, pairs.size);
        if (this.cond && pairs.size > 0) {
          const joined = new Batch(this.condSchema, this.gather(this.condCols, lb, build, li, ri), pairs.size);
          const { mask, count } = this.cond(joined);
          const l2 = new Int32Array(count);
          const r2 = new Int32Array(count);
          let k = 0;
          for (let j = 0; j < pairs.size; j++) if (mask[j]) { l2[k] = li[j]!; r2[k++] = ri[j]!; }
          li = l2;
          ri = r2;
        }
        if (matchedRight) for (let j = 0; j < ri.length; j++) matchedRight[ri[j]!] = 1;
        if (hit) for (let j = 0; j < li.length; j++) hit[li[j]!] = 1;
        if (jt !== 'left_semi' && jt !== 'left_anti') {
          if (last && (jt === 'left' || jt === 'full')) [li, ri] = this.withUnmatchedLeft(pairs, hit!, n, li, ri);
          if (li.length) yield this.output(lb, build, li, ri);
        }
        if (last) break;
      }

      if (jt === 'left_semi' || jt === 'left_anti') {
        const want = jt === 'left_semi' ? 1 : 0;
        const mask = new Uint8Array(n);
        let count = 0;
        for (let i = 0; i < n; i++) if (hit![i] === want) { mask[i] = 1; count++; }
        if (count) yield new Batch(this.schema, lb.filter(mask, count).columns, count);
      }
    }

    if (matchedRight) {
      let count = 0;
      for (let r = 0; r < nb; r++) if (!matchedRight[r]) count++;
      if (count) {
        const ri = new Int32Array(count);
        let k = 0;
        for (let r = 0; r < nb; r++) if (!matchedRight[r]) ri[k++] = r;
        const li = new Int32Array(count).fill(-1);
        const emptyLeft = Batch.empty(this.left.schema);
        yield this.output(emptyLeft, build, li, ri);
      }
    }
  }

  /** Appends a pair (i, -1) for every left row `i` of the batch that matched nothing (left / full outer joins). */
  private withUnmatchedLeft(pairs: PairList, hit: Uint8Array, n: number, li: Int32Array, ri: Int32Array): [Int32Array, Int32Array] {
    let extra = 0;
    for (let i = 0; i < n; i++) if (!hit[i]) extra++;
    if (!extra) return [li, ri];
    if (li.buffer === pairs.left.buffer) {
      // No residual condition: the matched pairs are the list's prefix; append in place.
      for (let i = 0; i < n; i++) if (!hit[i]) pairs.push(i, -1);
      return [pairs.left.subarray(0, pairs.size), pairs.right.subarray(0, pairs.size)];
    }
    const l2 = new Int32Array(li.length + extra);
    const r2 = new Int32Array(li.length + extra);
    l2.set(li);
    r2.set(ri);
    let k = li.length;
    for (let i = 0; i < n; i++) if (!hit[i]) { l2[k] = i; r2[k++] = -1; }
    return [l2, r2];
  }

  /**
   * Gathers the listed columns of the joined rows (left row `li[k]`, build row `ri[k]`; -1 is
   * null). When every left row of the batch is paired once, in order (a key join where each row
   * finds one match, the usual fact-to-dimension join), the left columns are the batch's own,
   * not gathered copies: on j1/j5 of db-benchmark most of the output is the left side, and a
   * cached one is already in shared memory, so it also goes back to the main thread uncopied.
   */
  private gather(cols: readonly number[], lb: Batch, build: Batch, li: Int32Array, ri: Int32Array) {
    const nl = lb.columns.length;
    const same = isIdentity(li, lb.numRows);
    return cols.map((j) => (j < nl ? (same ? lb.columns[j]! : take(lb.columns[j]!, li)) : take(build.columns[j - nl]!, ri)));
  }

  private output(lb: Batch, build: Batch, li: Int32Array, ri: Int32Array): Batch {
    const cols = this.gather(this.outputCols ?? Array.from({ length: lb.columns.length + build.columns.length }, (_, j) => j), lb, build, li, ri);
    return new Batch(this.schema, cols, li.length);
  }

  describe(): string {
    const keys = this.leftKeys.map((k, i) => `${boundToString(k)} = ${boundToString(this.rightKeys[i]!)}`).join(' AND ');
    const kind = this.leftKeys.length ? (this.broadcastRight ? 'BroadcastHashJoin' : 'ShuffledHashJoin') : 'BroadcastNestedLoopJoin';
    const out = this.outputCols ? ` output=[${this.outputCols.map((j) => `${this.pairSchema.fields[j]!.name}#${j}`).join(', ')}]` : '';
    return `${kind} ${this.joinType}${keys ? ` [${keys}]` : ''}${this.condition ? ` condition=${boundToString(this.condition)}` : ''}${out}`;
  }
}

/** True when `li` is 0, 1, …, n - 1. */
function isIdentity(li: Int32Array, n: number): boolean {
  if (li.length !== n) return false;
  for (let i = 0; i < n; i++) if (li[i] !== i) return false;
  return true;
}

export const joinCodec: OpCodec<HashJoinOp, {
  joinType: JoinType; leftKeys: readonly BoundExpr[]; rightKeys: readonly BoundExpr[]; condition: BoundExpr | null;
  broadcastRight: boolean; fields: readonly Field[]; outputCols: readonly number[] | null;
}> = {
  kind: 'join',
  type: HashJoinOp,
  describe: (o) => ({
    joinType: o.joinType, leftKeys: o.leftKeys, rightKeys: o.rightKeys, condition: o.condition,
    broadcastRight: o.broadcastRight, fields: o.schema.fields, outputCols: o.outputCols,
  }),
  build: (d, [left, right]) => new HashJoinOp(left!, right!, d.joinType, d.leftKeys, d.rightKeys, d.condition, d.broadcastRight, new Schema(d.fields), d.outputCols),
};
