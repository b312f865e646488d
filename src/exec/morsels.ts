/**
 * Morsel-driven map stages. A stage that scans a source and feeds a hash or single-partition
 * exchange does not need one task per input partition: the exchange concatenates what the tasks
 * write, per bucket, in task order, so only the order of rows matters downstream, not which rows
 * shared a task. Such a stage runs one task per worker over input morsels (one batch of an
 * in-memory partition, or one whole partition of any other source), each task taking an equal,
 * contiguous run of them: task t of T takes morsels [⌊tM/T⌋, ⌊(t+1)M/T⌋), so rows reach every
 * bucket in the same order as with a task per partition. Compared with that, a stage costs one
 * round trip per worker instead of one per partition, the workers' shares differ by at most one
 * morsel instead of one partition (the last partition no longer runs alone at the end), and each
 * task's partial aggregate covers many partitions (fewer partial rows to shuffle and merge). The
 * deal is fixed, not first-come: results (the rounding of floating-point sums included) do not
 * depend on which worker ran faster, so a job gives the same answer every time at a given thread
 * count.
 *
 * Qualifying stages: scan (no pushed limit) → operators that pass their `morselInput()` on
 * (filter, project, broadcast-join probe, partial aggregate), any number and order
 * (`morselScan`). A retried task redoes its own morsels.
 */
import type { Batch } from '../data/batch.js';
import type { SourceCodec, SourceSpec } from '../io/source-codec.js';
import { type DataSource, MemorySource, projectBatch } from '../io/source.js';
import { Schema } from '../types.js';
import { ScanOp } from './basic.js';
import { type PhysicalOp, toAsync } from './operator.js';

/** How a morsel-driven stage run splits its scan: the morsels, and how many tasks share them. */
export interface MorselPlan {
  /** Morsel m reads partition `morsels[2m]` of the source, batch `morsels[2m + 1]` of it (-1: the whole partition). */
  readonly morsels: Int32Array;
  /** Number of tasks; task t takes the t-th of `tasks` equal contiguous runs of morsels. */
  readonly tasks: number;
}

/** The morsels of a source: each non-empty batch of an in-memory source, else each partition. */
export function morselsOf(source: DataSource): Int32Array {
  const list: number[] = [];
  if (source instanceof MemorySource) {
    source.partitions.forEach((bs, p) => bs.forEach((b, i) => { if (b.numRows > 0) list.push(p, i); }));
  } else {
    for (let p = 0; p < source.numPartitions(); p++) list.push(p, -1);
  }
  return Int32Array.from(list);
}

/** Morsels [start, end) of task `task`: the task-th of `plan.tasks` equal contiguous runs. */
export function morselRun(plan: MorselPlan, task: number): [number, number] {
  const count = plan.morsels.length / 2;
  return [Math.floor((task * count) / plan.tasks), Math.floor(((task + 1) * count) / plan.tasks)];
}

/** The source partitions task `task` reads (so only those travel with its request). */
export function partitionsOfRun(plan: MorselPlan, task: number): Set<number> {
  const [start, end] = morselRun(plan, task);
  const out = new Set<number>();
  for (let m = start; m < end; m++) out.add(plan.morsels[2 * m]!);
  return out;
}

/** A source read by morsels: its partition `t` is what task `t` takes. */
export class MorselSource implements DataSource {
  constructor(readonly inner: DataSource, readonly plan: MorselPlan) {}
  get schema(): Schema {
    return this.inner.schema;
  }
  numPartitions(): number {
    return this.plan.tasks;
  }
  async *read(task: number, columns: readonly number[]): AsyncIterable<Batch> {
    const inner = this.inner;
    const schema = new Schema(columns.map((i) => inner.schema.fields[i]!));
    const ms = this.plan.morsels;
    const [start, end] = morselRun(this.plan, task);
    for (let m = start; m < end; m++) {
      const p = ms[2 * m]!;
      const b = ms[2 * m + 1]!;
      if (b >= 0 && inner instanceof MemorySource) yield projectBatch(inner.partitions[p]![b]!, columns, schema);
      else yield* toAsync(inner.read(p, columns));
    }
  }
  describe(): string {
    return this.inner.describe();
  }
  estimatedBytes(): number | undefined {
    return this.inner.estimatedBytes();
  }
}

/** A morsel source as plain data: its inner source and the plan (a worker's task `t` reads run `t`). */
export const morselSourceCodec: SourceCodec<MorselSource, { inner: SourceSpec; plan: MorselPlan }> = {
  kind: 'morsels',
  type: MorselSource,
  describe: (s, ctx) => ({ inner: ctx.describe(s.inner), plan: s.plan }),
  build: (d, ctx) => new MorselSource(ctx.build(d.inner), d.plan),
};

/**
 * The scan that drives a morsel-driven run of the stage rooted at `root`, or null when the stage
 * does not qualify (see the module comment). Only worth it with more than one morsel.
 */
export function morselScan(root: PhysicalOp): ScanOp | null {
  for (let o: PhysicalOp | null = root; o; o = o.morselInput()) {
    if (o instanceof ScanOp) return o.limit === null && !(o.source instanceof MorselSource) ? o : null;
  }
  return null;
}

/** The stage rooted at `root` with `scan` (found by morselScan) reading `source` instead; other operators are kept. */
export function withScanSource(root: PhysicalOp, scan: ScanOp, source: DataSource): PhysicalOp {
  const rec = (o: PhysicalOp): PhysicalOp =>
    o === scan ? new ScanOp(source, scan.columns, scan.filters, scan.limit, scan.schema) : o.withChildren(o.children.map(rec));
  return rec(root);
}
