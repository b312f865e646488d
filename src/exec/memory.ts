/**
 * The operator memory budget (`Session.create({ memoryLimit })`): operators that buffer data (a
 * join's build side, an aggregation's hash table, a sort, a window partition, a task's output,
 * shuffle data the main thread holds) account their buffered bytes against a `MemoryTracker`
 * reached through the ExecContext. Accounting is per batch, from typed-array byte lengths, never
 * per value. Past the limit the job fails with a `MemoryLimitError` that names the operator, the
 * limit and the usage and suggests a fix; nothing spills to disk. Batches that only stream
 * through an operator are not counted: a streaming operator holds one batch at a time.
 *
 * A job's main thread tracks the whole limit (the shuffle data and results it holds, and the
 * tasks it runs itself); each task on a worker gets the limit divided by the number of threads,
 * since that many tasks run at once.
 *
 * `collectGarbage()` frees dropped buffers now rather than at the next collection (the cache
 * calls it when `unpersist()` drops large data).
 */
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Batch } from '../data/batch.js';
import { describeValue } from '../api-args.js';
import { IllegalArgumentError, MemoryLimitError } from '../errors.js';
import { batchBytes } from './serde.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/**
 * A memory size: a whole number of bytes, or a string with a binary unit as Spark writes them
 * (`'512m'`, `'4g'`, `'1.5g'`, `'64k'`, `'4gb'`, `'100'`); 0 means unlimited.
 */
export function parseMemorySize(v: unknown, name: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?\s*$/i.exec(v) : null;
  if (m) {
    const bytes = Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
    if (Number.isSafeInteger(bytes)) return bytes;
  }
  throw new IllegalArgumentError(`${name} must be a whole number of bytes or a size like '512m' or '4g' (0 = unlimited), got ${describeValue(v)}`);
}

/**
 * The default `memoryLimit`: half of the machine's memory (or of the process's cgroup limit when
 * that is lower): buffers live outside the V8 heap, so the heap limit bounds nothing here.
 */
export function defaultMemoryLimit(): number {
  const total = os.totalmem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.() ?? 0;
  const machine = constrained > 0 && constrained < total ? constrained : total;
  return Math.floor(machine / 2);
}

/** A byte count for messages: `32.0 MiB`, `1.50 GiB`. */
export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${(n / 2 ** 10).toFixed(1)} KiB`;
}

/** An operator's name for messages (its explain line, shortened). */
export function operatorName(op: { describe(): string }): string {
  const d = op.describe();
  return d.length > 120 ? `${d.slice(0, 117)}...` : d;
}

/** The usage of one budget (a job's main thread, or one task on a worker). */
export class MemoryTracker {
  /** Bytes held now by all of this tracker's consumers. */
  used = 0;
  /** Most bytes held at once. */
  peak = 0;

  /**
   * @param limit bytes this tracker may hold (0 = unlimited)
   * @param scope how the limit was derived, for messages (e.g. "a task's share: memoryLimit 32.0 MiB / 2 threads")
   */
  constructor(readonly limit: number, readonly scope: string) {}

  /** A tracker that never fails (no memoryLimit). */
  static unlimited(): MemoryTracker {
    return new MemoryTracker(0, 'unlimited');
  }

  /** A new consumer: what one operator holds, named in the error; `hint` is its operator-specific fix. */
  consumer(what: string, hint = ''): MemoryConsumer {
    return new MemoryConsumer(this, what, hint);
  }

  /** @internal Moves `delta` bytes to or from `c`, failing past the limit. */
  change(c: MemoryConsumer, delta: number): void {
    this.used += delta;
    if (this.used > this.peak) this.peak = this.used;
    if (delta > 0 && this.limit > 0 && this.used > this.limit) {
      const used = this.used;
      this.used -= delta;
      throw new MemoryLimitError(
        `${c.what} needs more memory than memoryLimit allows: it would hold ${formatBytes(c.held + delta)}, ` +
          `${formatBytes(used)} in all, over the limit of ${formatBytes(this.limit)} (${this.scope}). To fix: ` +
          `${c.hint ? `${c.hint}; ` : ''}filter rows or select fewer columns before it, join on equality keys rather than ` +
          `a cross or non-equi join, repartition into more partitions, or raise Session.create({ memoryLimit }) (e.g. '8g'; 0 = unlimited)`,
      );
    }
  }
}

/** What one operator holds of a tracker's budget; release it when the operator is done. */
export class MemoryConsumer {
  /** Bytes this consumer holds. */
  held = 0;

  constructor(private readonly tracker: MemoryTracker, readonly what: string, readonly hint: string) {}

  /** Adds `bytes` (fails with MemoryLimitError past the limit, holding nothing more). */
  grow(bytes: number): void {
    if (bytes <= 0) return;
    this.tracker.change(this, bytes);
    this.held += bytes;
  }

  /** Adds a batch's buffer bytes. */
  growBatch(b: Batch): void {
    this.grow(batchBytes(b));
  }

  /** Sets what this consumer holds to `bytes` (for structures that grow in place, like a hash table). */
  resize(bytes: number): void {
    if (bytes > this.held) this.grow(bytes - this.held);
    else if (bytes < this.held) {
      this.tracker.change(this, bytes - this.held);
      this.held = bytes;
    }
  }

  /** Gives back everything this consumer holds. */
  release(): void {
    this.resize(0);
  }
}

/** The full-collection function of this thread's V8 heap, once found (null: not available). */
let fullGc: (() => void) | null | undefined;

/**
 * Runs a full garbage collection of this thread's heap; false when no collector could be reached.
 * Column buffers live outside the V8 heap, but they are freed only once the small JS objects
 * viewing them are collected, and the main thread allocates too little on its heap to collect on
 * its own between jobs: after `unpersist()` of a 10M-row answer, the answer stayed resident
 * through the next question (bench/mem-probe.ts: q10 run 2 peaked 450 MB above run 1 at 1e7
 * rows, and equal with this). Uses `globalThis.gc` when node runs with --expose-gc, else the
 * collector V8 exposes to a new context while that flag is on (how Jest's leak detector reaches it).
 */
export function collectGarbage(): boolean {
  if (fullGc === undefined) fullGc = findGc();
  if (!fullGc) return false;
  fullGc();
  return true;
}

function findGc(): (() => void) | null {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as () => void;
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}
