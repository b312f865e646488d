/**
 * Exchanges: the stage boundaries of a physical plan. An exchange materialises every partition of
 * its input (one task per input partition) and redistributes the rows: by hash of key expressions,
 * to a single partition, round-robin, or broadcast (every consumer sees all rows).
 */
import type { Batch } from '../data/batch.js';
import type { ColumnData } from '../data/column.js';
import type { BoundExpr, BoundSortKey } from '../expr/expr.js';
import { boundToString } from '../expr/expr.js';
import type { Schema } from '../types.js';
import { hashRows } from '../data/key-table.js';
import { type ExecContext, PhysicalOp } from './operator.js';

/** How an exchange distributes rows. */
export type Partitioning =
  | { readonly kind: 'hash'; readonly keys: readonly BoundExpr[]; readonly partitions: number }
  | { readonly kind: 'single' }
  | { readonly kind: 'roundrobin'; readonly partitions: number }
  | { readonly kind: 'broadcast' }
  /** Range partitioning by sort keys, with bounds sampled from the input (for global sorts). */
  | { readonly kind: 'range'; readonly keys: readonly BoundSortKey[]; readonly partitions: number };

/**
 * Hash bucket (0..n-1) of each row of a batch, from its key columns. The bucket comes from the
 * hash's high bits (h * n / 2^32): the hash tables that consume a bucket index slots by the low
 * bits, and `h % n` would leave those constant within a bucket (every key of bucket 1 of 4 has
 * h & 3 === 1), so only 1 slot in n would start a probe. It also avoids a floating-point `%`.
 */
export function hashPartitionIds(b: Batch, keyFns: readonly ((b: Batch) => ColumnData)[], n: number): Int32Array {
  const h = hashRows(keyFns.map((f) => f(b)), b.numRows);
  const part = new Int32Array(b.numRows);
  const scale = n / 4294967296;
  for (let i = 0; i < b.numRows; i++) part[i] = ((h[i]! >>> 0) * scale) | 0;
  return part;
}

/** Redistributes its input's rows into a new set of partitions. */
export class ExchangeOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  constructor(readonly child: PhysicalOp, readonly partitioning: Partitioning) {
    super();
    this.children = [child];
  }
  get schema(): Schema {
    return this.child.schema;
  }
  numPartitions(): number {
    const p = this.partitioning;
    return p.kind === 'hash' || p.kind === 'roundrobin' || p.kind === 'range' ? p.partitions : 1;
  }

  /** The exchange's output partitions (its input stage runs once per job, via the scheduler). */
  materialize(ctx: ExecContext): Promise<Batch[][]> {
    if (!ctx.materializeExchange) throw new Error('internal: exchange executed outside a job');
    return ctx.materializeExchange(this);
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
      case 'range': return `Exchange rangepartitioning(${p.keys.map((k) => `${boundToString(k.expr)} ${k.ascending ? 'ASC' : 'DESC'}`).join(', ')}, ${p.partitions})`;
    }
  }
}
