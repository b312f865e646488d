/**
 * One task: runs one partition of a stage and shapes its output for what consumes it — the job's
 * result, or the buckets of the next exchange (hash, single, round-robin, broadcast, or range with
 * sampled bounds). The same code runs inside workers and in the main thread.
 */
import { Batch, compactBatches, concatBatches } from '../data/batch.js';
import type { ColumnData } from '../data/column.js';
import { compileExpr } from '../expr/backend.js';
import type { BoundExpr, BoundSortKey } from '../expr/expr.js';
import { Schema } from '../types.js';
import { trimPool } from './array-pool.js';
import { usesRuns } from './median-partial.js';
import { BucketWriter } from './bucket-writer.js';
import { hashPartitionIds } from './exchange.js';
import { operatorName } from './memory.js';
import { type ExecContext, type PhysicalOp } from './operator.js';
import { compareAcross, sortIndices } from './sort.js';

/** What a task does with its output. */
export type OutputSpec =
  | { readonly kind: 'collect' }
  | { readonly kind: 'single' }
  | { readonly kind: 'broadcast' }
  | { readonly kind: 'hash'; readonly keys: readonly BoundExpr[]; readonly partitions: number }
  | { readonly kind: 'roundrobin'; readonly partitions: number; readonly start: number }
  /** Range exchange, first pass: keep the output whole and return a sample of its sort keys. */
  | { readonly kind: 'sample'; readonly keys: readonly BoundSortKey[]; readonly sampleSize: number; readonly seed: number }
  /** Range exchange, second pass: split rows by the bounds (a batch of key values, sorted). */
  | { readonly kind: 'range'; readonly keys: readonly BoundSortKey[]; readonly bounds: Batch; readonly partitions: number };

/** A task's output: buckets (one per consumer partition; one bucket for collect/single) and an optional key sample. */
export interface TaskOutput {
  readonly buckets: Batch[][];
  readonly sample?: Batch;
}

/** Number of buckets an output spec produces. */
export function bucketCount(o: OutputSpec): number {
  return o.kind === 'hash' || o.kind === 'roundrobin' || o.kind === 'range' ? o.partitions : 1;
}

/**
 * An operator that may yield batches already split for a hash exchange on its output's keys
 * (MedianPartialOp): `bucketOf(b, n)` is the bucket of `n` all of `b`'s rows hash to, or undefined.
 */
interface PreBucketed {
  bucketOf(b: Batch, n: number): number | undefined;
}

/** Runs partition `p` of `root`, shaping the output as `out` asks. */
export async function executeTask(root: PhysicalOp, p: number, out: OutputSpec, ctx: ExecContext): Promise<TaskOutput> {
  // Pooled shuffle arrays go once this thread runs other work (array-pool.ts).
  trimPool(usesRuns(root));
  const n = bucketCount(out);
  const buckets: Batch[][] = Array.from({ length: n }, () => []);
  const keyFns = out.kind === 'hash' ? out.keys.map(compileExpr) : out.kind === 'range' || out.kind === 'sample' ? out.keys.map((k) => compileExpr(k.expr)) : [];
  // Round-robin starts at a different bucket in every task (Spark starts at a random one) and deals rows, not batches.
  let rr = out.kind === 'roundrobin' ? out.start + p : 0;
  // Splitting outputs scatter rows into per-bucket builders (one copy per value); schemas with
  // array columns, and any batch whose column types differ from the schema's, are split with
  // `take` and the pieces compacted afterwards. One bucket needs no split.
  const splits = n > 1 && (out.kind === 'hash' || out.kind === 'roundrobin' || out.kind === 'range');
  const writer = splits && BucketWriter.supports(root.schema) ? new BucketWriter(root.schema, n) : null;
  // Whether buckets hold pieces to compact (unsplit outputs, or batches split with `take`).
  let pieces = !splits;
  // The task's output is held until the task ends: it counts against the memory budget.
  const held = ctx.memory.consumer(`the output of ${operatorName(root)}`);
  // Batches the root split for this hash exchange itself go to their bucket whole, uncompacted.
  const preSplit = splits && out.kind === 'hash' && 'bucketOf' in root ? (root as unknown as PreBucketed) : null;
  const whole: Batch[][] = preSplit ? Array.from({ length: n }, () => []) : [];
  try {
    for await (const b of root.execute(p, ctx)) {
      if (b.numRows === 0) continue;
      held.growBatch(b);
      let part: Int32Array;
      if (!splits) {
        buckets[0]!.push(b);
        continue;
      }
      const bucket = preSplit?.bucketOf(b, n);
      if (bucket !== undefined) {
        whole[bucket]!.push(b);
        continue;
      }
      switch (out.kind) {
        case 'roundrobin':
          part = new Int32Array(b.numRows);
          for (let i = 0; i < b.numRows; i++) part[i] = (rr + i) % n;
          rr += b.numRows;
          break;
        case 'hash':
          part = hashPartitionIds(b, keyFns, n);
          break;
        case 'range':
          part = rangePartitionIds(b, keyFns, out.keys, out.bounds);
          break;
      }
      if (writer?.accepts(b)) writer.write(b, part);
      else {
        splitByPartition(b, part, n).forEach((pb, i) => { if (pb.numRows) buckets[i]!.push(pb); });
        pieces = true;
      }
    }
  } finally {
    held.release();
  }
  if (writer) writer.finish().forEach((bs, i) => buckets[i]!.push(...bs));
  // Merge small pieces (hash splits of each input batch) into batches of the standard size, so
  // downstream loops stay long but working sets still fit in cache.
  const compact = pieces ? buckets.map((bs) => (bs.length > 1 ? compactBatches(root.schema, bs) : bs)) : buckets;
  whole.forEach((bs, i) => compact[i]!.push(...bs));
  if (out.kind !== 'sample') return { buckets: compact };
  return { buckets: compact, sample: sampleKeys(compact[0]!, keyFns, out.sampleSize, out.seed + p) };
}

/** A random sample of rows' sort-key values (as a batch of the key columns). */
function sampleKeys(batches: Batch[], keyFns: ((b: Batch) => ColumnData)[], size: number, seed: number): Batch | undefined {
  const live = batches.filter((x) => x.numRows > 0);
  if (live.length === 0) return undefined;
  const b = live.length === 1 ? live[0]! : concatBatches(live[0]!.schema, live);
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const m = Math.min(size, b.numRows);
  const idx = new Int32Array(m);
  for (let i = 0; i < m; i++) idx[i] = Math.floor(rnd() * b.numRows);
  const keys = keyFns.map((f) => f(b));
  const fields = keys.map((c, i) => ({ name: `k${i}`, type: c.type, nullable: true }));
  const keyBatch = new Batch(new Schema(fields), keys, b.numRows);
  return keyBatch.take(idx);
}

/** Picks `partitions - 1` bounds from key samples (sorted), as a batch of key columns. */
export function chooseBounds(samples: readonly Batch[], keys: readonly BoundSortKey[], partitions: number): Batch | undefined {
  const live = samples.filter((s) => s.numRows > 0);
  if (live.length === 0) return undefined;
  const all = concatBatches(live[0]!.schema, live);
  const refKeys: BoundSortKey[] = keys.map((k, i) => ({ ...k, expr: { kind: 'ref', index: i, type: all.schema.fields[i]!.type, name: `k${i}` } }));
  const order = sortIndices(all, refKeys, refKeys.map((k) => compileExpr(k.expr)));
  const picks: number[] = [];
  for (let j = 1; j < partitions; j++) picks.push(order[Math.min(order.length - 1, Math.floor((j * order.length) / partitions))]!);
  return all.take(Int32Array.from(picks));
}

/** Range bucket of each row of a batch: the number of bounds it sorts after (or ties with). */
export function rangePartitionIds(b: Batch, keyFns: readonly ((b: Batch) => ColumnData)[], keys: readonly BoundSortKey[], bounds: Batch): Int32Array {
  const cols = keyFns.map((f) => f(b));
  const cmp = compareAcross(cols, bounds.columns, keys);
  const nb = bounds.numRows;
  const part = new Int32Array(b.numRows);
  for (let i = 0; i < b.numRows; i++) {
    // first bound greater than the row → partition index
    let lo = 0;
    let hi = nb;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(i, mid) >= 0) lo = mid + 1;
      else hi = mid;
    }
    part[i] = lo;
  }
  return part;
}

/** Splits a batch's rows into `n` batches by a partition id per row. */
export function splitByPartition(b: Batch, part: Int32Array, n: number, counts?: Int32Array): Batch[] {
  if (!counts) {
    counts = new Int32Array(n);
    for (let i = 0; i < b.numRows; i++) counts[part[i]!]!++;
  }
  const idx = Array.from({ length: n }, (_, p) => new Int32Array(counts![p]!));
  const fill = new Int32Array(n);
  for (let i = 0; i < b.numRows; i++) {
    const p = part[i]!;
    idx[p]![fill[p]!++] = i;
  }
  return idx.map((ix) => (ix.length === b.numRows ? b : b.take(ix)));
}
