/**
 * Job execution: optimises and plans a logical tree, cuts the physical plan into stages at
 * exchanges, and runs each stage as one task per partition — on the worker pool when there is
 * one and the stage can be described as data, else in the main thread. A stage that scans and
 * feeds a hash or single-partition exchange instead runs one task per worker over morsels
 * (morsels.ts). Stages run as soon as the exchanges they read are materialised (a DAG:
 * independent stages run concurrently). Emits job/stage/task events and keeps per-stage metrics
 * for explain('analyze'). Shuffle data is dropped as soon as the tasks reading it have run
 * (`releaseRead`, `releaseStage`), not at the end of the job: with q8, q10 and j1-j5 on 1e6 rows at
 * 2 threads (`npm run bench:db -- --rows 1e6 --q q8,q10,j1,j2,j3,j4,j5 --baseline <previous dist>`),
 * peak RSS went 755 → 704 MB and 831 → 775 MB in two paired runs (about −7%); the question times
 * other than q8 did not move beyond the noise of this shared 2-vCPU VM.
 *
 * Small stages over in-memory data run in the main thread (`Job.smallStage`, issue 18): a worker
 * round trip cost 1-2 ms of a 10 ms question at 1e6 rows (the final aggregate of 100 groups: 1.7
 * ms of stage time for 0.1-0.3 ms of task work; counting the cached answer: 1.7 ms). Most of the
 * main thread's `postTask` time in CPU profiles is the OS running the woken worker, not the
 * message: posting a 1e6-row task's cached input (32 shared buffers, 68 objects) takes 0.12-0.17
 * ms. Measured with db-benchmark's answers materialised (cache() + count()), paired A/B against
 * main's build in two live processes (scratch script, 9 pairs, 1e6 rows, 2 threads, load average
 * 3-5 from other jobs), median speed-up: q1 1.10×, q2 1.26×, q3 1.05×, q4 1.40×, q5 0.99×, q7
 * 1.13×, q9 1.10× (q4 15.0 ms against 21.1); joins unchanged (their time is the probe's output).
 */
import { withExprBackend } from '../expr/backend.js';
import type { KernelRequest } from '../kernels/index.js';
import { setMaxListeners } from 'node:events';
import type { Batch } from '../data/batch.js';
import { AnalysisError, ExecutionError, KindlingError, ResultTooLargeError } from '../errors.js';
import { optimize } from '../plan/optimizer/index.js';
import type { LogicalPlan } from '../plan/logical.js';
import { planDepth } from '../plan/tree.js';
import { type PlannerConfig, planPhysical } from '../plan/physical.js';
import { registerBuiltinCodecs } from './codecs.js';
import { ExchangeOp } from './exchange.js';
import { ExecContext, type PhysicalOp } from './operator.js';
import { type MemoryConsumer, MemoryTracker, formatBytes } from './memory.js';
import { type MorselPlan, MorselSource, morselScan, morselsOf, partitionsOfRun, withScanSource } from './morsels.js';
import { EvalUdfsOp } from '../udf/eval-udfs-op.js';
import { FlatMapGroupsInArrowOp } from '../udf/flat-map-groups.js';
import { MapInArrowOp } from '../udf/map-in-arrow.js';
import { MemorySource } from '../io/source.js';
import { ScanOp } from './basic.js';
import { HashJoinOp } from './join.js';
import { InputOp, type MemoryInput, NotSerializable, type OpSpec, describeStage, onlyPartitions, partitionsRead, sharedPartitions } from './plan-spec.js';
import { TaskError, type WorkerPool, cancellationError } from './pool.js';
import { batchBytes, shareBatch, unshareBatch } from './serde.js';
import { type OutputSpec, bucketCount, chooseBounds, executeTask } from './task.js';
import type { TaskRequest } from './worker.js';

/** Metrics of one stage after it ran. */
export interface StageMetrics {
  readonly stageId: number;
  readonly description: string;
  readonly tasks: number;
  /** Input morsels the tasks shared, for a morsel-driven stage (see exec/morsels.ts); else 0. */
  readonly morsels: number;
  readonly rows: number;
  readonly bytes: number;
  readonly timeMs: number;
  readonly onWorkers: boolean;
  readonly retries: number;
}

/** Events a Session emits while running jobs. */
export interface JobEvents {
  jobStart: { jobId: number; stages: number };
  stageSubmitted: { jobId: number; stageId: number; tasks: number; description: string };
  taskEnd: { jobId: number; stageId: number; partition: number; rows: number; timeMs: number; attempt: number };
  stageCompleted: { jobId: number } & StageMetrics;
  jobEnd: { jobId: number; timeMs: number; succeeded: boolean; error?: Error; stages: StageMetrics[] };
}

/** Receives job events. */
export type JobListener = <K extends keyof JobEvents>(event: K, payload: JobEvents[K]) => void;

/** How jobs run: pool (null = main thread only), modules for workers, events, cancellation. */
export interface RunOptions {
  readonly pool: WorkerPool | null;
  readonly modules: readonly string[];
  readonly emit?: JobListener;
  readonly signal?: AbortSignal;
  /** A second cancellation source, aborted by Session.stop() (its reason is the error jobs fail with). */
  readonly stopSignal?: AbortSignal;
  /** Largest result the job may gather (bytes; 0 or absent = unlimited), like spark.driver.maxResultSize. */
  readonly maxResultSize?: number;
  /** Estimated heap bytes per result row, counted toward maxResultSize (collect() turns rows into objects). */
  readonly resultRowBytes?: number;
  /** Operator memory budget of the job in bytes (0 or absent = unlimited); each worker task gets its share (memory.ts). */
  readonly memoryLimit?: number;
  /** The kernel backend workers compile expressions with (absent: js). */
  readonly kernels?: KernelRequest;
  /** Stages reading at most this many in-memory rows run in the main thread (absent: `smallStageRows()`; 0: never). */
  readonly smallStageRows?: number;
  /** Called with each result partition as it arrives (a cache merges CSV split dictionaries meanwhile, io/csv-dictionary-merge.ts). */
  readonly onResult?: (partition: number, batches: readonly Batch[]) => void;
}

/**
 * Stages reading at most this many in-memory rows run in the main thread (Job.smallStage): the
 * environment variable KINDLING_SMALL_STAGE_ROWS when set (0: every stage goes to the pool; the
 * test suite sets 0 so that its small data still exercises the workers), else 32768.
 */
export function smallStageRows(): number {
  const env = process.env['KINDLING_SMALL_STAGE_ROWS'];
  return env !== undefined && env !== '' ? Number(env) : 32_768;
}

/** Result of running a job. */
export interface JobResult {
  readonly partitions: Batch[][];
  readonly physical: PhysicalOp;
  readonly context: ExecContext;
  readonly stages: StageMetrics[];
  readonly timeMs: number;
}

let nextJobId = 1;

// Stages are described for workers through the operator and source codecs.
registerBuiltinCodecs();

/**
 * How many operators deep an optimized plan may be: physical planning, the stage codec and the
 * operator pipeline recurse once per operator. Chains of filters and projections are combined by
 * the optimizer first, so only chains that cannot be combined come near it.
 */
export const MAX_PLAN_DEPTH = 500;

/** Plans a logical tree for execution. */
export function prepare(plan: LogicalPlan, cfg: PlannerConfig): { optimized: LogicalPlan; physical: PhysicalOp } {
  const optimized = optimize(plan, { disabledRules: cfg.optimizerExcludedRules ?? [] });
  const depth = planDepth(optimized);
  if (depth > MAX_PLAN_DEPTH) {
    throw new AnalysisError(`the query plan is ${depth} operators deep after optimization, more than the limit of ${MAX_PLAN_DEPTH} (chained filter()/withColumn() calls that cannot be combined add one operator each); set several columns in one withColumns()/select(), or write an intermediate result and read it back`);
  }
  return { optimized, physical: withExprBackend(cfg.exprBackend, () => planPhysical(optimized, cfg)) };
}

function rowsOf(buckets: readonly (readonly Batch[])[]): number {
  let n = 0;
  // A list column's elements count as rows (the median's partial states hold a group's values per row).
  for (const bs of buckets) for (const b of bs) n += b.columns.reduce((m, c) => Math.max(m, c.child?.length ?? 0), b.numRows);
  return n;
}

function bytesOf(buckets: readonly (readonly Batch[])[]): number {
  let n = 0;
  for (const bs of buckets) for (const b of bs) n += batchBytes(b);
  return n;
}

/** One running job. */
class Job {
  readonly id = nextJobId++;
  readonly ctx: ExecContext;
  readonly stages: StageMetrics[] = [];
  private stageIds = new Map<PhysicalOp, number>();
  private nextStage = 0;
  private readonly abort = new AbortController();
  /** Set when the job was cancelled from outside (caller's signal, session stop): its reason says why. */
  private cancelledBy: AbortSignal | undefined;
  private readonly unlisten: (() => void)[] = [];
  /** Bytes of result partitions gathered so far (checked against maxResultSize). */
  private resultBytes = 0;
  /** Shuffle data: how many operators of the plan read each exchange (see releaseRead). */
  private readonly readers = new Map<PhysicalOp, number>();
  /** Shuffle data: each materialised exchange's partitions and the budget they hold. */
  private readonly shuffled = new Map<PhysicalOp, { parts: Batch[][]; held: MemoryConsumer | null }>();

  constructor(readonly root: PhysicalOp, readonly opts: RunOptions) {
    // Every running task listens to the job's signal (piscina): not a leak.
    setMaxListeners(0, this.abort.signal);
    for (const signal of [opts.signal, opts.stopSignal]) {
      if (!signal) continue;
      const cancel = () => {
        this.cancelledBy ??= signal;
        this.abort.abort(signal.reason);
      };
      if (signal.aborted) cancel();
      else {
        signal.addEventListener('abort', cancel, { once: true });
        this.unlisten.push(() => signal.removeEventListener('abort', cancel));
      }
    }
    const limit = opts.memoryLimit ?? 0;
    this.ctx = new ExecContext(this.abort.signal, new MemoryTracker(limit, `memoryLimit ${formatBytes(limit)}`));
    this.ctx.materializeExchange = (ex) => this.materialize(ex as ExchangeOp);
    const seen = new Set<PhysicalOp>();
    const walk = (o: PhysicalOp) => {
      if (seen.has(o)) return;
      seen.add(o);
      for (const c of o.children) {
        if (c instanceof ExchangeOp) this.readers.set(c, (this.readers.get(c) ?? 0) + 1);
        walk(c);
      }
    };
    walk(root);
  }

  /**
   * Shuffle buffers are released as soon as they are read: once the task that reads partition `q`
   * of an exchange has finished (retries included), and no other task of the stage and no other
   * operator of the plan reads it, the main thread drops its batches (and their share of the memory
   * budget), so the shared buffers can be freed while later tasks and stages run instead of at
   * the end of the job. `reads` counts the readers of each exchange partition among the stage's
   * tasks; `inputs`/`shared` are the stage's input exchanges and the copies posted to workers.
   */
  private releaseRead(reads: Map<PhysicalOp, Int32Array>, taskReads: Map<PhysicalOp | object, Set<number>>, shared?: { inputs: readonly PhysicalOp[]; data: unknown[][][] }): void {
    for (const [ex, counts] of reads) {
      const qs = taskReads.get(ex);
      const entry = this.shuffled.get(ex);
      if (!qs || !entry || this.readers.get(ex) !== 1) continue;
      for (const q of qs) {
        if (--counts[q]! !== 0 || !entry.parts[q]) continue;
        entry.held?.resize(Math.max(0, entry.held.held - bytesOf([entry.parts[q]!])));
        releaseOutput(ex, entry.parts[q]!);
        entry.parts[q] = [];
        const i = shared ? shared.inputs.indexOf(ex) : -1;
        if (i >= 0) shared!.data[i]![q] = [];
      }
    }
  }

  /** After a stage has run: the exchanges it read that no other operator reads are forgotten. */
  private releaseStage(root: PhysicalOp): void {
    for (const ex of stageOps(root)) {
      if (!(ex instanceof ExchangeOp) || ex === root) continue;
      const left = (this.readers.get(ex) ?? 0) - 1;
      this.readers.set(ex, left);
      if (left > 0) continue;
      const entry = this.shuffled.get(ex);
      for (const bs of entry?.parts ?? []) releaseOutput(ex, bs);
      entry?.held?.release();
      this.shuffled.delete(ex);
      this.ctx.exchanges.delete(ex);
    }
  }

  /** Per exchange read by the stage: how many of its tasks read each of the exchange's partitions. */
  private partitionReaders(root: PhysicalOp, parts: readonly number[], readsOf: (part: number) => Map<PhysicalOp | object, Set<number>>): Map<PhysicalOp, Int32Array> {
    const out = new Map<PhysicalOp, Int32Array>();
    for (const part of parts) {
      for (const [k, qs] of readsOf(part)) {
        if (!(k instanceof ExchangeOp)) continue;
        let counts = out.get(k);
        if (!counts) out.set(k, (counts = new Int32Array(k.numPartitions())));
        for (const q of qs) counts[q]!++;
      }
    }
    return out;
  }

  /** Stops listening to the outside signals (the session's lives longer than the job). */
  dispose(): void {
    for (const f of this.unlisten) f();
  }

  private stageId(op: PhysicalOp): number {
    let id = this.stageIds.get(op);
    if (id === undefined) {
      id = this.nextStage++;
      this.stageIds.set(op, id);
    }
    return id;
  }

  /** Materialises an exchange: runs its input stage and gathers the buckets per output partition. */
  materialize(ex: ExchangeOp): Promise<Batch[][]> {
    let pending = this.ctx.exchanges.get(ex);
    if (!pending) {
      pending = this.runExchange(ex);
      this.ctx.exchanges.set(ex, pending);
      pending.catch(() => this.abort.abort());
    }
    return pending;
  }

  private async runExchange(ex: ExchangeOp): Promise<Batch[][]> {
    const p = ex.partitioning;
    if (p.kind === 'range') {
      const first = await this.runStage(ex.child, { kind: 'sample', keys: p.keys, sampleSize: 64, seed: 17 }, ex.describe());
      const bounds = chooseBounds(first.samples, p.keys, p.partitions);
      const parts = first.buckets.map((b) => b[0] ?? []);
      if (!bounds) return Array.from({ length: p.partitions }, (_, i) => (i === 0 ? parts.flat() : []));
      const input = new InputOp(ex.child.schema, parts);
      const second = await this.runStage(input, { kind: 'range', keys: p.keys, bounds, partitions: p.partitions }, `${ex.describe()} (split)`, [parts]);
      // The first pass's output is garbage once split: give back its share of the budget.
      first.held?.release();
      return this.keep(ex, gather(second.buckets, p.partitions), second.held);
    }
    const out: OutputSpec =
      p.kind === 'hash' ? { kind: 'hash', keys: p.keys, partitions: p.partitions }
      : p.kind === 'roundrobin' ? { kind: 'roundrobin', partitions: p.partitions, start: 0 }
      : p.kind === 'broadcast' ? { kind: 'broadcast' }
      : { kind: 'single' };
    const res = await this.runStage(ex.child, out, ex.describe());
    return this.keep(ex, gather(res.buckets, bucketCount(out)), res.held);
  }

  private keep(ex: ExchangeOp, parts: Batch[][], held: MemoryConsumer | null): Batch[][] {
    this.shuffled.set(ex, { parts, held });
    return parts;
  }

  /**
   * What the main thread holds of a stage's output until the job ends (shuffle data, the result):
   * accounted against the job's memory budget as each task's output arrives.
   */
  private heldOutput(description: string, output: OutputSpec): MemoryConsumer {
    const what = output.kind === 'collect' ? 'the job\'s result' : `the shuffle data of ${description}`;
    return this.ctx.memory.consumer(what);
  }

  /** Runs every partition of a stage; returns per-task buckets (and samples). */
  async runStage(
    root: PhysicalOp,
    output: OutputSpec,
    description: string,
    directInputs?: readonly (readonly (readonly Batch[])[])[],
    only?: number,
  ): Promise<{ buckets: Batch[][][]; samples: Batch[]; held: MemoryConsumer | null }> {
    const stageId = this.stageId(root);
    const t0 = performance.now();
    // Inputs first (concurrently): the exchanges this stage reads (for direct inputs, the root InputOp).
    let spec: OpSpec | undefined;
    const inputs: PhysicalOp[] = [];
    const memories: MemoryInput[] = [];
    const pool = this.opts.pool;
    // Scan → … → hash buckets or one partition: tasks share the scan's morsels instead of one task per partition.
    const driver = (output.kind === 'hash' || output.kind === 'single') && !directInputs ? morselScan(root) : null;
    const morsels = driver ? morselsOf(driver.source) : null;
    const morselCount = morsels ? morsels.length / 2 : 0;
    let split: MorselPlan | undefined = morselCount > 1 ? { morsels: morsels!, tasks: Math.min(pool?.threads ?? 1, morselCount) } : undefined;
    // The stage as its tasks run it: with a morsel-driven scan, the scan reads a MorselSource.
    let runRoot = split ? withScanSource(root, driver!, new MorselSource(driver!.source, split)) : root;
    if (pool) {
      try {
        spec = describeStage(runRoot, inputs, memories);
      } catch (err) {
        if (!(err instanceof NotSerializable)) throw err;
        spec = undefined;
        // UDFs run in the workers, never silently in the main thread.
        const udf = stageOps(runRoot).find((o) => o instanceof EvalUdfsOp);
        if (udf) throw new ExecutionError(`${udf.describe()} cannot run on the worker threads: ${err.message}; UDFs only run in the main thread with threads: 1`);
      }
    }
    const inputData = directInputs ?? (spec ? await Promise.all(inputs.map((x) => this.materialize(x as ExchangeOp))) : []);
    // A small stage over data already in memory runs in the main thread (see smallStage).
    if (pool && spec && this.smallStage(runRoot, inputData)) spec = undefined;
    // In the main thread one task takes every morsel.
    if (split && !(pool && spec) && split.tasks !== 1) {
      split = { morsels: morsels!, tasks: 1 };
      runRoot = withScanSource(root, driver!, new MorselSource(driver!.source, split));
    }
    const tasks = split ? split.tasks : root.numPartitions();
    this.opts.emit?.('stageSubmitted', { jobId: this.id, stageId, tasks, description });
    let retries = 0;
    const buckets: Batch[][][] = new Array(tasks);
    // Every partition, or only the one asked for (toLocalIterator runs the result stage one partition at a time).
    const parts = only === undefined ? Array.from({ length: tasks }, (_, i) => i) : [only];
    const samples: Batch[] = [];
    const onWorkers = !!(pool && spec);
    // toLocalIterator (one result partition at a time) holds one partition at a time: not accounted.
    const held = only === undefined ? this.heldOutput(description, output) : null;
    // toLocalIterator runs the result stage once per partition, over the same exchanges: keep them.
    const release = only === undefined;
    if (pool && spec) {
      const shared = inputData.map((parts) => parts.map((bs) => bs.map(shareBatch)));
      const sharedMem = memories.map(sharedPartitions);
      const wireOut = (output.kind === 'range' ? { ...output, bounds: shareBatch(output.bounds) } : output) as TaskRequest['output'];
      // At most `threads` tasks run at once: each gets that share of the budget.
      const limit = this.opts.memoryLimit ?? 0;
      const budget = { limit: limit > 0 ? Math.max(1, Math.floor(limit / pool.threads)) : 0, scope: `a task's share: memoryLimit ${formatBytes(limit)} / ${pool.threads} threads` };
      const readers = release ? this.partitionReaders(root, parts, (part) => partitionsRead(root, split ? 0 : part)) : null;
      await Promise.all(
        parts.map(async (part) => {
          // Send each task only the partitions it reads (not every shared buffer of the stage);
          // a morsel-driven task, the partitions its run of morsels covers.
          const reads = partitionsRead(root, split ? 0 : part);
          const req: Omit<TaskRequest, 'control'> = {
            stage: spec!,
            partition: part,
            inputs: shared.map((parts, i) => onlyPartitions(parts, reads.get(inputs[i]!))),
            memory: sharedMem.map((parts, i) => onlyPartitions(parts, split && memories[i]!.source === driver!.source ? partitionsOfRun(split, part) : reads.get(memories[i]!.source))),
            output: wireOut,
            modules: this.opts.modules,
            budget,
            ...(this.opts.kernels ? { kernels: this.opts.kernels } : {}),
          };
          let reply;
          try {
            // The pool adds the task's control array (cancellation flag and phase).
            reply = await pool.run(req, this.abort.signal, () => retries++);
          } catch (err) {
            throw this.taskFailure(err, stageId, part, description);
          }
          if (readers) this.releaseRead(readers, reads, { inputs, data: shared });
          buckets[part] = reply.buckets.map((bs) => bs.map((b) => unshareBatch(b, root.schema)));
          this.hold(held, buckets[part]!, stageId, part, description);
          if (output.kind === 'collect') this.checkResultSize(buckets[part]!, stageId, part, description);
          if (output.kind === 'collect') this.opts.onResult?.(part, buckets[part]![0] ?? []);
          if (reply.sample) samples.push(unshareBatch(reply.sample));
          this.opts.emit?.('taskEnd', { jobId: this.id, stageId, partition: part, rows: rowsOf(buckets[part]!), timeMs: reply.timeMs, attempt: 0 });
        }),
      );
    } else {
      const readers = release ? this.partitionReaders(root, parts, (part) => partitionsRead(root, split ? 0 : part)) : null;
      for (const part of parts) {
        const ts = performance.now();
        try {
          this.ctx.checkCancelled();
          const res = await executeTask(runRoot, part, output, this.ctx);
          if (readers) this.releaseRead(readers, partitionsRead(root, split ? 0 : part));
          buckets[part] = res.buckets;
          if (res.sample) samples.push(res.sample);
        } catch (err) {
          throw this.taskFailure(err, stageId, part, description);
        }
        this.hold(held, buckets[part]!, stageId, part, description);
        if (output.kind === 'collect') this.checkResultSize(buckets[part]!, stageId, part, description);
        if (output.kind === 'collect') this.opts.onResult?.(part, buckets[part]![0] ?? []);
        this.opts.emit?.('taskEnd', { jobId: this.id, stageId, partition: part, rows: rowsOf(buckets[part]!), timeMs: performance.now() - ts, attempt: 0 });
      }
    }
    if (release) this.releaseStage(root);
    const all = buckets.flat();
    const m: StageMetrics = { stageId, description, tasks, morsels: split ? morselCount : 0, rows: rowsOf(all), bytes: bytesOf(all), timeMs: performance.now() - t0, onWorkers, retries };
    this.stages.push(m);
    this.opts.emit?.('stageCompleted', { jobId: this.id, ...m });
    return { buckets, samples, held };
  }

  /**
   * Whether a stage is small enough to run in the main thread although there is a pool: it reads
   * only in-memory data (exchange output, cached or local frames), at most `smallStageRows()` rows
   * of it, and holds no user code (UDFs and worker modules run on the workers, never silently in
   * the main thread), no nested-loop join (its output can be the product of its inputs) and no
   * kernel backend other than js. Posting such a stage costs more than running it: a round trip
   * to a worker is 0.5-1.5 ms on this VM, and under load more, against some microseconds of work
   * for the final aggregate of 100 groups or the count of a cached answer.
   */
  private smallStage(root: PhysicalOp, inputData: readonly (readonly (readonly Batch[])[])[]): boolean {
    const limit = this.opts.smallStageRows ?? smallStageRows();
    if (!(limit > 0) || this.opts.modules.length > 0 || this.opts.kernels) return false;
    let rows = 0;
    for (const parts of inputData) rows += rowsOf(parts);
    for (const o of stageOps(root)) {
      if (o instanceof EvalUdfsOp || o instanceof MapInArrowOp || o instanceof FlatMapGroupsInArrowOp) return false;
      if (o instanceof HashJoinOp && o.leftKeys.length === 0) return false;
      if (!(o instanceof ScanOp)) continue;
      const source = o.source instanceof MorselSource ? o.source.inner : o.source;
      if (!(source instanceof MemorySource)) return false;
      rows += rowsOf(source.partitions);
      if (rows > limit) return false;
    }
    return rows <= limit;
  }

  /** Accounts a task's output that the main thread now holds (fails the job past memoryLimit). */
  private hold(held: MemoryConsumer | null, partition: readonly (readonly Batch[])[], stageId: number, part: number, description: string): void {
    if (!held) return;
    try {
      held.grow(bytesOf(partition));
    } catch (err) {
      throw this.taskFailure(err, stageId, part, description);
    }
  }

  /** Adds a result partition's size to the job's total; fails the job past maxResultSize. */
  private checkResultSize(partition: readonly (readonly Batch[])[], stageId: number, part: number, description: string): void {
    const limit = this.opts.maxResultSize ?? 0;
    if (limit <= 0) return;
    const perRow = this.opts.resultRowBytes ?? 0;
    for (const bs of partition) for (const b of bs) this.resultBytes += batchBytes(b) + b.numRows * perRow;
    if (this.resultBytes <= limit) return;
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    const err = new ResultTooLargeError(
      `Total size of results (at least ${mib(this.resultBytes)}) is bigger than maxResultSize (${mib(limit)}): ` +
        'write the result with df.write, iterate it with df.toLocalIterator(), reduce it (filter, limit, agg), ' +
        'or raise Session.create({ maxResultSize }) (0 = unlimited)',
    );
    throw this.taskFailure(err, stageId, part, description);
  }

  private taskFailure(err: unknown, stageId: number, part: number, description: string): Error {
    this.abort.abort();
    const original = err instanceof TaskError ? err.original : (err as Error);
    if (this.cancelledBy) return cancellationError(this.cancelledBy);
    const where = ` [stage ${stageId} (${description}), partition ${part}]`;
    if (original instanceof KindlingError) {
      if (!original.message.includes('[stage ')) original.message += where;
      return original;
    }
    return new ExecutionError(`${original?.message ?? String(err)}${where}`, { cause: original });
  }
}

/**
 * An exchange's input operator whose output buffers go back to a pool once read
 * (MedianPartialOp, array-pool.ts): told when the scheduler drops the exchange's batches.
 */
interface ReleasesOutput {
  releaseOutput(batches: readonly Batch[]): void;
}

function releaseOutput(ex: PhysicalOp, batches: readonly Batch[]): void {
  const child = (ex as ExchangeOp).child;
  if (batches.length > 0 && 'releaseOutput' in child) (child as unknown as ReleasesOutput).releaseOutput(batches);
}

/** Buckets of every task → batches per output partition. */
function gather(perTask: readonly (readonly Batch[][])[], n: number): Batch[][] {
  const out: Batch[][] = Array.from({ length: n }, () => []);
  for (const task of perTask) task.forEach((bs, i) => out[i]!.push(...bs));
  return out;
}

/** Runs a physical plan: every partition of the final stage (collect), inputs first. */
export async function runPhysical(physical: PhysicalOp, opts: RunOptions): Promise<JobResult> {
  const job = new Job(physical, opts);
  const t0 = performance.now();
  opts.emit?.('jobStart', { jobId: job.id, stages: countStages(physical) });
  try {
    const res = await job.runStage(physical, { kind: 'collect' }, 'ResultStage');
    const partitions = res.buckets.map((b) => b[0] ?? []);
    const timeMs = performance.now() - t0;
    opts.emit?.('jobEnd', { jobId: job.id, timeMs, succeeded: true, stages: job.stages });
    return { partitions, physical, context: job.ctx, stages: job.stages, timeMs };
  } catch (err) {
    opts.emit?.('jobEnd', { jobId: job.id, timeMs: performance.now() - t0, succeeded: false, error: err as Error, stages: job.stages });
    throw err;
  } finally {
    job.dispose();
  }
}

/**
 * Runs a physical plan for `toLocalIterator()`: the stages before the result stage run once (their
 * shuffle output stays in memory until the iterator ends), then the result stage runs one partition at
 * a time, in order, each yielded before the next starts. One job; maxResultSize does not apply.
 */
export async function* streamPhysical(physical: PhysicalOp, opts: RunOptions): AsyncGenerator<Batch[]> {
  const job = new Job(physical, { ...opts, maxResultSize: 0 });
  const t0 = performance.now();
  opts.emit?.('jobStart', { jobId: job.id, stages: countStages(physical) });
  try {
    for (let p = 0; p < physical.numPartitions(); p++) {
      const res = await job.runStage(physical, { kind: 'collect' }, 'ResultStage', undefined, p);
      yield res.buckets[p]?.[0] ?? [];
    }
    opts.emit?.('jobEnd', { jobId: job.id, timeMs: performance.now() - t0, succeeded: true, stages: job.stages });
  } catch (err) {
    opts.emit?.('jobEnd', { jobId: job.id, timeMs: performance.now() - t0, succeeded: false, error: err as Error, stages: job.stages });
    throw err;
  } finally {
    job.dispose();
  }
}

function countStages(op: PhysicalOp): number {
  let n = 1;
  const walk = (o: PhysicalOp) => {
    for (const c of o.children) {
      if (c instanceof ExchangeOp) n += c.partitioning.kind === 'range' ? 2 : 1;
      walk(c);
    }
  };
  walk(op);
  return n;
}

/** Optimises, plans and runs a logical plan. */
export async function runJob(plan: LogicalPlan, cfg: PlannerConfig, opts: RunOptions): Promise<JobResult> {
  const { physical } = prepare(plan, cfg);
  return runPhysical(physical, opts);
}

/** The operators of a stage (down to, not into, its exchanges). */
function stageOps(root: PhysicalOp, out: PhysicalOp[] = []): PhysicalOp[] {
  out.push(root);
  if (!(root instanceof ExchangeOp)) for (const c of root.children) stageOps(c, out);
  return out;
}
