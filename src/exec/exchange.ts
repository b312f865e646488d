/**
 * Exchanges: the stage boundaries of a physical plan. An exchange materialises every partition of
 * its input (one task per input partition) and redistributes the rows: by hash of key expressions,
 * to a single partition, round-robin, or broadcast (every consumer sees all rows).
 */
import { Batch, concatBatches } from '../data/batch.js';
import { compileExpr } from '../expr/codegen.js';
import type { BoundExpr } from '../expr/expr.js';
import { boundToString } from '../expr/expr.js';
import type { Schema } from '../types.js';
import { hashRows } from './hashtable.js';
import { type ExecContext, PhysicalOp, wrapTaskError } from './operator.js';

/** How an exchange distributes rows. */
export type Partitioning =
  | { readonly kind: 'hash'; readonly keys: readonly BoundExpr[]; readonly partitions: number }
  | { readonly kind: 'single' }
  | { readonly kind: 'roundrobin'; readonly partitions: number }
  | { readonly kind: 'broadcast' };

/** Splits one batch into `n` buckets by hash of the key columns. */
export function hashSplit(b: Batch, keyFns: readonly ((b: Batch) => import('../data/column.js').ColumnData)[], n: number): Batch[] {
  if (n === 1) return [b];
  const keys = keyFns.map((f) => f(b));
  const h = hashRows(keys, b.numRows);
  const counts = new Int32Array(n);
  const part = new Int32Array(b.numRows);
  for (let i = 0; i < b.numRows; i++) {
    const p = h[i]! % n;
    part[i] = p;
    counts[p]!++;
  }
  const idx: Int32Array[] = [];
  for (let p = 0; p < n; p++) idx.push(new Int32Array(counts[p]!));
  const fill = new Int32Array(n);
  for (let i = 0; i < b.numRows; i++) {
    const p = part[i]!;
    idx[p]![fill[p]!++] = i;
  }
  return idx.map((ix) => (ix.length === b.numRows ? b : b.take(ix)));
}

/** Redistributes its input's rows into a new set of partitions. */
export class ExchangeOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly keyFns;
  constructor(readonly child: PhysicalOp, readonly partitioning: Partitioning) {
    super();
    this.children = [child];
    this.keyFns = partitioning.kind === 'hash' ? partitioning.keys.map(compileExpr) : [];
  }
  get schema(): Schema {
    return this.child.schema;
  }
  numPartitions(): number {
    const p = this.partitioning;
    return p.kind === 'hash' || p.kind === 'roundrobin' ? p.partitions : 1;
  }

  /** Runs the input stage (one task per input partition) and buckets its output. */
  materialize(ctx: ExecContext): Promise<Batch[][]> {
    let pending = ctx.exchanges.get(this);
    if (!pending) {
      pending = this.shuffle(ctx);
      ctx.exchanges.set(this, pending);
    }
    return pending;
  }

  private async shuffle(ctx: ExecContext): Promise<Batch[][]> {
    const n = this.numPartitions();
    const buckets: Batch[][] = Array.from({ length: n }, () => []);
    const inputs = this.child.numPartitions();
    let rr = 0;
    for (let p = 0; p < inputs; p++) {
      try {
        for await (const b of this.child.execute(p, ctx)) {
          if (b.numRows === 0) continue;
          switch (this.partitioning.kind) {
            case 'single':
            case 'broadcast':
              buckets[0]!.push(b);
              break;
            case 'roundrobin':
              buckets[rr++ % n]!.push(b);
              break;
            case 'hash': {
              const parts = hashSplit(b, this.keyFns, n);
              parts.forEach((pb, i) => {
                if (pb.numRows) buckets[i]!.push(pb);
              });
              break;
            }
          }
        }
      } catch (err) {
        throw wrapTaskError(err, `task for partition ${p} of the stage feeding ${this.describe()}`);
      }
    }
    // Compact many small pieces per bucket into one batch to keep downstream loops long.
    return buckets.map((bs) => (bs.length > 1 ? [concatBatches(this.schema, bs)] : bs));
  }

  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    const buckets = await this.materialize(ctx);
    for (const b of buckets[p] ?? []) yield b;
  }

  describe(): string {
    const p = this.partitioning;
    switch (p.kind) {
      case 'hash': return `Exchange hashpartitioning(${p.keys.map(boundToString).join(', ')}, ${p.partitions})`;
      case 'single': return 'Exchange SinglePartition';
      case 'roundrobin': return `Exchange RoundRobinPartitioning(${p.partitions})`;
      case 'broadcast': return 'BroadcastExchange';
    }
  }
}
