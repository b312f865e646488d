/**
 * MedianPartialOp: the partial phase of an aggregate with median (its other aggregates as
 * HashAggregateOp's partial phase would run them), shaped for the hash exchange above it. The
 * median's partial state is each group's values as a list<double>; this operator writes them
 * once, grouped and already split by shuffle bucket, so the exchange moves whole batches without
 * copying a value (task.ts asks `bucketOf`), and the final HashAggregateOp merges each row's run of
 * values with one block copy (PercentileAcc.merge in expr/aggregates.ts) before the quickselect.
 *
 * Two passes over the task's rows, with no per-row storage of its own: the first assigns group ids
 * (GroupKeys: direct slots for small integer domains), updates the other accumulators and counts
 * each group's non-null median arguments, keeping references to the key and argument columns;
 * the groups are then ordered by bucket (the exchange's hash of their keys, computed per group),
 * and the second pass looks the ids up again and scatters the values into one array in that
 * order (shared memory in workers, so posting it costs no copy). Each bucket's batch is then a
 * slice of it: key and state rows taken in bucket order, the list column a view.
 *
 * Against the single-phase plan it replaces (shuffle every row by hash, then group and select):
 * no per-row hashing, no per-row gather into bucket builders, no id chunks, and 8 bytes per value
 * through the exchange instead of the whole row.
 *
 * Measured on db-benchmark q6 (median and stddev of v3 by id4, id5: 1e4 groups) at 1e7 rows, 2
 * threads, paired against main's build (`flock /work/wt/notes/bench.lock npx tsx
 * --max-old-space-size=12000 bench/dbbench.ts --rows 1e7 --only groupby --q q6[,q8] --reps N
 * --baseline /work/wt/base/dist`, 2026-12-06, the 2-core machine shared with three other
 * helpers' builds and tests, load average 5-12, so the seconds are 1-5× their quiet values):
 *  - first version (one values array per task, a direct scatter), 13:05, load ~6: 1.31× (pairs
 *    1.31-1.32×; best 0.55 → 0.42 s); peak RSS 1372 → 1114 MB.
 *  - chunked arrays and the two-level scatter, 13:16 (reps 5, load 7-9): 1.44× (pairs 1.19-1.93×;
 *    best 1.10 → 0.75 s).
 *  - final (the final phase back in the workers, scheduler.ts rowsOf), 14:03 (reps 5, load 11-12):
 *    1.20× median of pairs (0.76-2.27×), best 2.39 → 1.39 s (1.72×); peak RSS 1544 → 1039 MB.
 * Worker profile (10 × q6, loaded): the second pass's scatter is the largest item, most of it
 * the first touch of the output arrays' pages (about 10 ms per MiB on this VM: 80 MB per run),
 * then the final phase's regrouping + quickselect (about a third of it) and the stddev update.
 *
 * Second round (issue 18, 2026-12-06 afternoon, machine load 7-12 throughout, so seconds are
 * 2-5× their quiet values and only paired or CPU-time figures mean much):
 *  - the output arrays come from a per-thread pool (array-pool.ts) that the scheduler refills when
 *    it drops the exchange's partitions, and the group-id copies from a thread scratch: no fresh
 *    pages per job. A fresh 40 MB fill measured 170-270 ms here against 6-10 ms refilled. Process
 *    CPU per q6 at 1e7 (scratch script, 8 runs, median): 851/915 ms (main's build) → 760/690 ms.
 *  - the final phase gathers one group at a time into a cached scratch and selects through a
 *    sampled window (expr/aggregates.ts PercentileAcc.finishRuns / windowSelect), instead of
 *    regrouping all 2.5M values of a task and quickselecting them; micro-benchmark (1e4 groups of
 *    1000 values, best of 10): 545 → 352 ms.
 *  - nearly unique keys pass rows through as one-row states after 100K rows, like HashAggregateOp.
 *  - A/B `flock /work/wt/notes/bench.lock npx tsx --max-old-space-size=12000 bench/dbbench.ts
 *    --rows 1e7 --only groupby --q q6 --reps 5 --baseline /work/wt/base/dist` (pool only, load
 *    ~9): 1.16× (pairs 0.83-1.67), best 1.89 → 1.64 s. At 1e6 (`--rows 1e6 --q q6 --reps 9`)
 *    against the build before the two-phase median (2cedfee^1): 1.08× (pairs 0.64-2.47, best
 *    0.12 → 0.11 s), and against main's build 1.21× (pairs 0.52-1.51): 1e6 is no longer slower.
 *  - memory (`npx tsx --max-old-space-size=12000 bench/mem-probe.ts --q q6,q10 [--lib base]`):
 *    RSS after q6 937 → 814 MB, q10's peak after it 1846 → 1689 MB. The whole groupby sequence
 *    (`bench/mem-probe.ts`, no --q), first version of the pool: RSS after q6 968 → 840 MB, peak
 *    (q10) 1873 → 1784 MB.
 *  - all of the above, same A/B command (16:25, load 14-16: CSV loads took 25-33 s instead of
 *    6): 1.74× (pairs 1.02-1.95), best 2.67 → 2.00 s; peak RSS of the q6 process 1119 → 749 MB.
 */
import { Batch } from '../data/batch.js';
import { ColumnData, take } from '../data/column.js';
import { allocArray } from '../data/alloc.js';
import { GroupKeys } from '../data/direct-keys.js';
import { compileExpr } from '../expr/backend.js';
import { fusedUpdate } from '../expr/aggregates.js';
import type { BoundAgg, BoundExpr } from '../expr/expr.js';
import { boundToString } from '../expr/expr.js';
import type { Accumulator } from '../expr/function-defs.js';
import { getAggregate } from '../expr/registry.js';
import { type Field, Schema, listOf } from '../types.js';
import { ADAPTIVE_MAX_RATIO, ADAPTIVE_MIN_ROWS, aggStateTypes } from './aggregate.js';
import { dropWithPool, giveScratch, leasePooled, releasePooled, takeScratch } from './array-pool.js';
import { hashPartitionIds } from './exchange.js';
import { operatorName } from './memory.js';
import type { OpCodec } from './op-codec.js';
import { type ExecContext, PhysicalOp } from './operator.js';
import { columnBytes } from './serde.js';

/** Whether an aggregate is one MedianPartialOp keeps as runs of values. */
const isRun = (a: BoundAgg): boolean => a.fn === 'median' && !a.distinct;
/**
 * Most values in one output array (4 MiB; tests lower it): glibc serves allocations above its mmap threshold
 * (at most 32 MiB) with fresh pages every time, and first touches of fresh memory cost about
 * 10 ms per MiB on this VM; arrays this size come back from the allocator's free lists instead.
 */
export const medianPartialTuning = {
  chunkValues: 1 << 19,
  /** Rows a task sees before judging whether its keys are nearly unique (tests lower it). */
  adaptiveMinRows: ADAPTIVE_MIN_ROWS,
  /** Rows this thread passed through as one-row states (tests read it). */
  passedThrough: 0,
};

/** A batch's rows kept for the second pass: group ids and each median's argument. */
interface Kept {
  readonly ids: Int32Array;
  readonly vals: ColumnData[];
  readonly n: number;
}

/** Partial aggregate with median, its output pre-split for a hash exchange of `partitions` buckets. */
export class MedianPartialOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly groupFns;
  private readonly argFns;
  /** The bucket of each batch this operator yielded (when split for the exchange). */
  private readonly buckets = new WeakMap<Batch, number>();

  /** True when the partial phase of `aggs` can run here: a median among them, and every one splittable. */
  static applies(aggs: readonly BoundAgg[]): boolean {
    return aggs.some(isRun) && aggs.every((a) => aggStateTypes(a) !== undefined);
  }

  constructor(
    readonly child: PhysicalOp,
    readonly groupBy: readonly BoundExpr[],
    readonly aggs: readonly BoundAgg[],
    /** HashAggregateOp.partialSchema of the keys and aggregates. */
    readonly schema: Schema,
    readonly direct: boolean,
    /** Buckets of the hash exchange on the keys above this operator (1: no split). */
    readonly partitions: number,
  ) {
    super();
    this.children = [child];
    this.groupFns = groupBy.map(compileExpr);
    this.argFns = aggs.map((a) => a.args.map(compileExpr));
  }

  numPartitions(): number {
    return this.child.numPartitions();
  }

  override morselInput(): PhysicalOp | null {
    return this.child;
  }

  /**
   * The exchange bucket (of `n`) that every row of `b` belongs to, when `b` is one of this
   * operator's outputs split for a hash exchange of its keys over `n` partitions; else undefined.
   */
  bucketOf(b: Batch, n: number): number | undefined {
    return n === this.partitions ? this.buckets.get(b) : undefined;
  }

  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    const memory = ctx.memory.consumer(`the hash table of ${operatorName(this)}`);
    try {
      const nKeys = this.groupBy.length;
      const table = new GroupKeys(this.schema.fields.slice(0, nKeys).map((f) => f.type), { direct: this.direct });
      const accs = this.aggs.map((a) => (isRun(a) ? null : getAggregate(a.fn).create(a.args.map((x) => x.type), a.type, a.distinct)));
      const others = accs.filter((a): a is Accumulator => a !== null);
      const runIdx = this.aggs.flatMap((a, i) => (isRun(a) ? [i] : []));
      let counts: Int32Array[] = runIdx.map(() => new Int32Array(64));
      const kept: Kept[] = [];
      let keptBytes = 0;
      let rowIds = new Int32Array(0);
      let rowsSeen = 0;
      let passThrough = false;
      for await (const b of this.child.execute(p, ctx)) {
        const n = b.numRows;
        if (n === 0) continue;
        if (passThrough) {
          if (rowIds.length < n) rowIds = new Int32Array(n);
          medianPartialTuning.passedThrough += n;
          yield this.singleRowStates(b, rowIds);
          continue;
        }
        // This batch's group ids, kept for the second pass (thread scratch, given back after output).
        const ids = takeScratch(n);
        const keys = this.groupFns.map((f) => f(b));
        this.assign(table, keys, n, ids);
        const groups = table.size;
        for (const acc of others) acc.grow(groups);
        const args = this.argFns.filter((_, i) => accs[i] !== null).map((fs) => fs.map((f) => f(b)));
        if (!fusedUpdate(others, ids, n, args)) others.forEach((acc, i) => acc.update(ids, n, args[i]!));
        const vals = runIdx.map((i) => this.argFns[i]![0]!(b));
        counts = counts.map((c, r) => {
          const out = c.length >= groups ? c : grownI32(c, groups);
          countValid(out, ids, n, vals[r]!.type === 'null' ? new Uint8Array(n) : vals[r]!.validity);
          return out;
        });
        kept.push({ ids, vals, n });
        keptBytes += 4 * n;
        for (const c of vals) keptBytes += columnBytes(c);
        memory.resize(table.byteSize() + keptBytes + groups * 9 * (this.schema.length - nKeys));
        rowsSeen += n;
        // Nearly unique keys (as HashAggregateOp's adaptive partial phase): grouping reduces
        // nothing and runs of one value cost more per value than whole rows; emit the groups so
        // far and pass later rows on as one-row states, which the exchange splits by hash.
        if (nKeys > 0 && rowsSeen >= medianPartialTuning.adaptiveMinRows && groups > rowsSeen * ADAPTIVE_MAX_RATIO) {
          passThrough = true;
          yield* this.output(table, accs, counts, runIdx, kept);
          giveScratch(kept.map((k) => k.ids));
          kept.length = 0;
          memory.resize(0);
        }
      }
      if (passThrough) return;
      const groups = table.size;
      if (groups === 0) return;
      yield* this.output(table, accs, counts, runIdx, kept);
      giveScratch(kept.map((k) => k.ids));
    } finally {
      memory.release();
    }
  }

  /**
   * Partial states of one row each (pass-through mode): the keys as evaluated, fresh accumulators
   * for the other aggregates, and each median's value as a run of one (none for a null), copied.
   */
  private singleRowStates(b: Batch, ids: Int32Array): Batch {
    const n = b.numRows;
    for (let i = 0; i < n; i++) ids[i] = i;
    const cols: ColumnData[] = this.groupFns.map((f) => f(b));
    this.aggs.forEach((a, i) => {
      const args = this.argFns[i]!.map((f) => f(b));
      if (isRun(a)) {
        cols.push(singleRuns(args[0]!, n));
        return;
      }
      const acc = getAggregate(a.fn).create(a.args.map((x) => x.type), a.type, a.distinct);
      acc.grow(n);
      acc.update(ids, n, args);
      cols.push(...acc.state(n));
    });
    return new Batch(this.schema, cols, n);
  }

  /** Group ids of rows [0, n) (one group without keys). */
  private assign(table: GroupKeys, keys: readonly ColumnData[], n: number, ids: Int32Array): void {
    if (keys.length > 0) table.insert(keys, n, ids);
    else {
      ids.fill(0, 0, n);
      if (table.size === 0) table.size = 1;
    }
  }

  /**
   * The task's groups in bucket order, each median's values as runs: one batch per chunk, a chunk
   * being consecutive groups of one bucket with at most `medianPartialTuning.chunkValues` values in all (or one group).
   */
  private *output(table: GroupKeys, accs: readonly (Accumulator | null)[], counts: readonly Int32Array[], runIdx: readonly number[], kept: readonly Kept[]): Iterable<Batch> {
    const groups = table.size;
    const nKeys = this.groupBy.length;
    const keyCols = nKeys > 0 ? table.keyColumns() : [];
    const nb = nKeys > 0 ? this.partitions : 1;
    // Groups in bucket order (a counting sort of the per-group bucket).
    const bounds = new Int32Array(nb + 1);
    const order = new Int32Array(groups);
    if (nb > 1) {
      const keyBatch = new Batch(new Schema(this.schema.fields.slice(0, nKeys)), keyCols, groups);
      const part = hashPartitionIds(keyBatch, keyCols.map((_, i) => (x: Batch) => x.columns[i]!), nb);
      for (let g = 0; g < groups; g++) bounds[part[g]! + 1]++;
      for (let k = 0; k < nb; k++) bounds[k + 1] += bounds[k]!;
      const next = bounds.slice(0, nb);
      for (let g = 0; g < groups; g++) order[next[part[g]!]!++] = g;
    } else {
      bounds[1] = groups;
      for (let g = 0; g < groups; g++) order[g] = g;
    }
    // Per median: each group's first position in bucket order.
    const offsets = counts.map((c) => {
      const o = new Int32Array(groups + 1);
      for (let at = 0; at < groups; at++) o[at + 1] = o[at]! + c[order[at]!]!;
      return o;
    });
    // Chunks (as ranges of `order`), each with its bucket.
    const starts: number[] = [];
    const chunkBucket: number[] = [];
    for (let bkt = 0; bkt < nb; bkt++) {
      let fill = 0;
      for (let at = bounds[bkt]!; at < bounds[bkt + 1]!; at++) {
        let c = 0;
        for (const o of offsets) c += o[at + 1]! - o[at]!;
        if (at === bounds[bkt] || (fill > 0 && fill + c > medianPartialTuning.chunkValues)) {
          starts.push(at);
          chunkBucket.push(bkt);
          fill = 0;
        }
        fill += c;
      }
    }
    starts.push(groups);
    const nChunks = chunkBucket.length;
    // Each group's chunk, and per median its write cursor within the chunk's array.
    const chunkOf = new Int32Array(groups);
    const cursors = offsets.map(() => new Int32Array(groups));
    const arrays = offsets.map((o, r) => Array.from({ length: nChunks }, (_, c) => {
      const lo = o[starts[c]!]!;
      for (let at = starts[c]!; at < starts[c + 1]!; at++) {
        chunkOf[order[at]!] = c;
        cursors[r]![order[at]!] = o[at]! - lo;
      }
      const len = o[starts[c + 1]!]! - lo;
      // Pooled only where the task posts the batches whole (split for the exchange), so that the
      // scheduler's release finds the arrays; a single bucket is compacted (copied) by the task.
      return nb > 1 ? leasePooled(len, Math.max(1024, 2 ** Math.ceil(Math.log2(Math.max(1, len))))) : allocArray(Float64Array, len);
    }));
    arrays.forEach((out, r) => scatterRuns(out, chunkOf, cursors[r]!, kept, r));
    const states = accs.map((acc) => (acc ? acc.state(groups) : null));
    for (let c = 0; c < nChunks; c++) {
      const s = starts[c]!;
      const e = starts[c + 1]!;
      const whole = nb === 1 && s === 0 && e === groups;
      const idx = order.subarray(s, e);
      const pick = (col: ColumnData) => (whole ? col : take(col, idx));
      const cols: ColumnData[] = keyCols.map(pick);
      accs.forEach((_, i) => {
        const st = states[i];
        if (st) {
          cols.push(...st.map(pick));
          return;
        }
        const r = runIdx.indexOf(i);
        const o = offsets[r]!;
        const listOffsets = new Int32Array(e - s + 1);
        for (let at = s; at <= e; at++) listOffsets[at - s] = o[at]! - o[s]!;
        const values = arrays[r]![c]!;
        cols.push(new ColumnData(listOf('float64'), e - s, null, null, listOffsets, null, new ColumnData('float64', values.length, values, null)));
      });
      const out = new Batch(this.schema, cols, e - s);
      if (nb > 1) this.buckets.set(out, chunkBucket[c]!);
      yield out;
    }
  }

  /**
   * Hands the runs of `batches` (this operator's output, read by every task that needed it) back to
   * the pools of the threads that wrote them (array-pool.ts). The scheduler calls it when it drops
   * the exchange partitions above this operator.
   */
  releaseOutput(batches: readonly Batch[]): void {
    const nKeys = this.groupBy.length;
    const cols: number[] = [];
    let at = nKeys;
    for (const a of this.aggs) {
      if (isRun(a)) cols.push(at);
      at += isRun(a) ? 1 : aggStateTypes(a)!.length;
    }
    for (const b of batches) {
      for (const c of cols) {
        const v = b.columns[c]?.child?.values;
        if (v) releasePooled(v);
      }
    }
  }

  describe(): string {
    const fns = this.aggs.map((a) => `${a.fn}(${a.args.map(boundToString).join(', ')})`);
    return `MedianPartialAggregate(keys=[${this.groupBy.map(boundToString).join(', ')}], functions=[${fns.join(', ')}], buckets=${this.partitions})`;
  }
}

/** Each row's value as a list of one (empty for a null), the values copied. */
function singleRuns(v: ColumnData, n: number): ColumnData {
  const offsets = new Int32Array(n + 1);
  const valid = v.type === 'null' ? new Uint8Array(n) : v.validity;
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (!valid || valid[i]) m++;
    offsets[i + 1] = m;
  }
  const values = allocArray(Float64Array, m);
  const src = v.values;
  if (src) for (let i = 0, k = 0; i < n; i++) if (!valid || valid[i]) values[k++] = Number(src[i]);
  return new ColumnData(listOf('float64'), n, null, null, offsets, null, new ColumnData('float64', m, values, null));
}

/** Whether a plan (a task's stage) writes or reads median runs: an aggregate of a median in any phase. */
export function usesRuns(op: PhysicalOp): boolean {
  const aggs = (op as { aggs?: readonly BoundAgg[] }).aggs;
  return (Array.isArray(aggs) && aggs.some(isRun)) || op.children.some(usesRuns);
}

function grownI32(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/** counts[ids[i]] += 1 for the valid rows of [0, n). */
function countValid(counts: Int32Array, ids: Int32Array, n: number, valid: Uint8Array | null): void {
  if (valid) for (let i = 0; i < n; i++) counts[ids[i]!]! += valid[i]!;
  else for (let i = 0; i < n; i++) counts[ids[i]!]!++;
}

/** Rows staged per round of scatterRuns (12 MiB of scratch per thread). */
const STAGE_ROWS = 1 << 20;
let stageVals = new Float64Array(0);
let stagePos = new Int32Array(0);
dropWithPool(() => {
  stageVals = new Float64Array(0);
  stagePos = new Int32Array(0);
});

/**
 * Writes each kept row's value (median `r`) into its group's chunk at the group's cursor. In two
 * levels, in rounds of about STAGE_ROWS rows: the rows are first staged by chunk (value and
 * position in a thread's scratch, a dozen write streams), then each chunk's staged values are
 * written into its array, whose few MiB stay in cache. Writing straight to the groups (1e4 write
 * streams over 40 MB on q6) missed the caches and TLB on almost every row.
 */
function scatterRuns(out: readonly Float64Array[], chunkOf: Int32Array, cursor: Int32Array, kept: readonly Kept[], r: number): void {
  const nChunks = out.length;
  let cap = STAGE_ROWS;
  for (const k of kept) cap = Math.max(cap, k.n);
  if (stageVals.length < cap) {
    stageVals = new Float64Array(cap);
    stagePos = new Int32Array(cap);
  }
  const sv = stageVals;
  const sp = stagePos;
  const bounds = new Int32Array(nChunks + 1);
  const next = new Int32Array(nChunks);
  for (let i0 = 0; i0 < kept.length; ) {
    let i1 = i0;
    let rows = 0;
    while (i1 < kept.length && rows + kept[i1]!.n <= cap) rows += kept[i1++]!.n;
    bounds.fill(0);
    for (let i = i0; i < i1; i++) {
      const k = kept[i]!;
      countChunks(bounds, chunkOf, k.ids, k.n, k.vals[r]!);
    }
    for (let c = 0; c < nChunks; c++) bounds[c + 1] += bounds[c]!;
    next.set(bounds.subarray(0, nChunks));
    for (let i = i0; i < i1; i++) {
      const k = kept[i]!;
      const col = k.vals[r]!;
      if (col.type !== 'null') stage(sv, sp, next, chunkOf, cursor, k.ids, k.n, col.values!, col.validity);
    }
    for (let c = 0; c < nChunks; c++) {
      const a = out[c]!;
      for (let j = bounds[c]!, e = bounds[c + 1]!; j < e; j++) a[sp[j]!] = sv[j]!;
    }
    i0 = i1;
  }
}

/** Adds the valid rows of a batch to their chunks' counts (`bounds[chunk + 1]`). */
function countChunks(bounds: Int32Array, chunkOf: Int32Array, ids: Int32Array, n: number, col: ColumnData): void {
  if (col.type === 'null') return;
  const valid = col.validity;
  if (valid) for (let i = 0; i < n; i++) bounds[chunkOf[ids[i]!]! + 1]! += valid[i]!;
  else for (let i = 0; i < n; i++) bounds[chunkOf[ids[i]!]! + 1]!++;
}

/** Stages the valid rows of a batch by chunk: value and its position in the chunk's array. */
function stage(sv: Float64Array, sp: Int32Array, next: Int32Array, chunkOf: Int32Array, cursor: Int32Array, ids: Int32Array, n: number, src: ArrayLike<number>, valid: Uint8Array | null): void {
  if (src instanceof Float64Array && !valid) {
    for (let i = 0; i < n; i++) {
      const g = ids[i]!;
      const j = next[chunkOf[g]!]!++;
      sv[j] = src[i]!;
      sp[j] = cursor[g]!++;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    if (valid && !valid[i]) continue;
    const g = ids[i]!;
    const j = next[chunkOf[g]!]!++;
    sv[j] = Number(src[i]);
    sp[j] = cursor[g]!++;
  }
}

export const medianPartialCodec: OpCodec<MedianPartialOp, { groupBy: readonly BoundExpr[]; aggs: readonly BoundAgg[]; fields: readonly Field[]; direct: boolean; partitions: number }> = {
  kind: 'median-partial',
  type: MedianPartialOp,
  describe: (o) => ({ groupBy: o.groupBy, aggs: o.aggs, fields: o.schema.fields, direct: o.direct, partitions: o.partitions }),
  build: (d, [child]) => new MedianPartialOp(child!, d.groupBy, d.aggs, new Schema(d.fields), d.direct, d.partitions),
};
