/**
 * The physical operator model: every operator has an output schema, a partition count, and
 * produces each partition as an async stream of batches. `ExecContext` carries per-job state
 * (materialised exchanges, cancellation, metrics, the memory budget operators account their
 * buffers against) and the task runner that the scheduler provides.
 */
import type { Batch } from '../data/batch.js';
import { ExecutionError, KindlingError } from '../errors.js';
import type { Schema } from '../types.js';
import { type MemoryConsumer, MemoryTracker } from './memory.js';
import { type OpBuilder, type OpDescriber, opCodecs } from './op-codec.js';

/** Per-operator runtime metrics (filled during execution, shown by explain('analyze')). */
export interface OpMetrics {
  rows: number;
  batches: number;
  timeMs: number;
}

/** Per-job execution state. */
export class ExecContext {
  /** Results of exchanges already materialised in this job (keyed by the exchange operator). */
  readonly exchanges = new Map<PhysicalOp, Promise<Batch[][]>>();
  /** Metrics per operator. */
  readonly metrics = new Map<PhysicalOp, OpMetrics>();
  /** Provided by the scheduler: materialises an exchange (runs its input stage once per job). */
  materializeExchange: ((ex: PhysicalOp & { readonly child: PhysicalOp }) => Promise<Batch[][]>) | undefined;

  constructor(
    readonly signal?: AbortSignal,
    /** The memoryLimit budget buffering operators account against (memory.ts). */
    readonly memory: MemoryTracker = MemoryTracker.unlimited(),
  ) {}

  /** Throws if the job was cancelled. */
  checkCancelled(): void {
    if (this.signal?.aborted) throw new ExecutionError('job cancelled');
  }

  /** Metrics record of an operator. */
  metricsOf(op: PhysicalOp): OpMetrics {
    let m = this.metrics.get(op);
    if (!m) {
      m = { rows: 0, batches: 0, timeMs: 0 };
      this.metrics.set(op, m);
    }
    return m;
  }
}

/** A partitioned physical operator. */
export abstract class PhysicalOp {
  /** Output schema. */
  abstract readonly schema: Schema;
  /** Input operators. */
  abstract readonly children: readonly PhysicalOp[];
  /** Number of output partitions. */
  abstract numPartitions(): number;
  /** Produces partition `p`. */
  protected abstract run(p: number, ctx: ExecContext): AsyncIterable<Batch>;
  /** One-line description for explain. */
  abstract describe(): string;

  /**
   * Which partitions of which children partition `p` reads (as [child index, child partition]).
   * Default: partition `p` of every child. Used to send each task only the data it needs.
   */
  childPartitions(p: number): [number, number][] {
    return this.children.map((_, i) => [i, p]);
  }

  /**
   * The child whose rows this operator treats independently of how they are grouped into tasks
   * (filter, project, partial aggregate, the probe side of a broadcast join), or null. A stage
   * whose scan reaches the root through such children only can run morsel-driven (morsels.ts).
   */
  morselInput(): PhysicalOp | null {
    return null;
  }

  /**
   * This operator with the same parameters over other children (itself when they are the same).
   * By default rebuilt through its codec (op-codec.ts).
   */
  withChildren(children: readonly PhysicalOp[]): PhysicalOp {
    if (children.length === this.children.length && children.every((c, i) => c === this.children[i])) return this;
    const codec = opCodecs.of(this);
    if (!codec) throw new Error(`internal: ${this.describe()} has no codec to rebuild it over new children`);
    return codec.build(codec.describe(this, noSources), [...children], noSources);
  }

  /** Produces partition `p`, counting rows for metrics and checking cancellation. */
  async *execute(p: number, ctx: ExecContext): AsyncGenerator<Batch> {
    const m = ctx.metricsOf(this);
    for await (const b of this.run(p, ctx)) {
      ctx.checkCancelled();
      m.rows += b.numRows;
      m.batches++;
      yield b;
    }
  }
}

/** Rebuilding an operator over new children never touches a source (scans have no children). */
const noSources: OpDescriber & OpBuilder = {
  source(): never {
    throw new Error('internal: a scan was rebuilt over new children');
  },
};

/** Collects all batches of one partition (accounting them to `memory` when given). */
export async function collectPartition(op: PhysicalOp, p: number, ctx: ExecContext, memory?: MemoryConsumer): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of op.execute(p, ctx)) {
    if (b.numRows === 0) continue;
    memory?.growBatch(b);
    out.push(b);
  }
  return out;
}

/** Wraps a non-Kindling error thrown while running an operator with context. */
export function wrapTaskError(err: unknown, where: string): Error {
  if (err instanceof KindlingError) return err;
  const e = err as Error;
  return new ExecutionError(`${where} failed: ${e?.message ?? String(err)}`, { cause: err });
}

/** Turns a sync or async iterable into an async iterable. */
export async function* toAsync<T>(it: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  for await (const x of it as AsyncIterable<T>) yield x;
}
