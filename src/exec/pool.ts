/**
 * The worker pool: piscina threads running `worker.ts` (under tsx, from the TypeScript sources)
 * or `worker.js` (from the built dist/). Retries a task whose worker died; cancels with an
 * AbortSignal (no retries after that); `close()` terminates every thread. Every error of piscina
 * and its workers becomes a task's (so a job's) error or is logged and dropped, never an
 * unhandled 'error' event.
 */
import { Piscina } from 'piscina';
import { ExecutionError, KindlingError } from '../errors.js';
import { debuglog } from 'node:util';
import { CONTROL_CANCEL, CONTROL_PHASE, PHASE_RUNNING, newTaskControl } from './task-control.js';
import type { TaskReply, TaskRequest, WorkerStartData } from './worker.js';

/** Errors a worker reports for deterministic failures are rebuilt with their original class. */
import * as Errors from '../errors.js';

function workerFile(): { filename: string; execArgv: string[] } {
  const here = import.meta.url;
  // Diagnostics: extra V8/Node flags for workers, e.g. KINDLING_WORKER_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env['KINDLING_WORKER_FLAGS'] ?? '').split(/\s+/).filter(Boolean);
  if (here.endsWith('.ts')) {
    return { filename: new URL('./worker.ts', here).href, execArgv: ['--import', 'tsx', ...extra] };
  }
  return { filename: new URL('./worker.js', here).href, execArgv: extra };
}

/** A task failed deterministically (bad data, a throwing expression): not retried. */
export class TaskError extends Error {
  constructor(readonly original: Error) {
    super(original.message);
  }
}

function rebuildError(e: { name: string; message: string; file?: string; line?: number; stack?: string }): Error {
  const Ctor = (Errors as unknown as Record<string, unknown>)[e.name];
  let err: Error;
  if (typeof Ctor === 'function' && (Ctor as { prototype: unknown }).prototype instanceof KindlingError) {
    err = Object.create((Ctor as { prototype: object }).prototype) as Error;
    Object.assign(err, { message: e.message, name: e.name });
    if (e.file !== undefined) Object.assign(err, { file: e.file });
    if (e.line !== undefined) Object.assign(err, { line: e.line });
  } else {
    err = new Error(e.message);
    err.name = e.name;
  }
  if (e.stack) err.stack = e.stack;
  return err;
}

/** Options a pool is created with (pools with equal options are shared). */
export interface PoolOptions {
  readonly threads: number;
  /** Retries of a task whose worker died (task attempts = retries + 1). */
  readonly maxTaskRetries: number;
  /** Modules every worker imports while it starts, before it reports ready. */
  readonly modules: readonly string[];
  /** Old-generation heap limit of each worker in MiB (undefined: V8's default). */
  readonly workerHeapMB?: number | undefined;
}

const debug = debuglog('kindling');

const shared = new Map<string, { pool: WorkerPool; refs: number }>();

/**
 * A pool shared by every session with the same options (worker start-up is paid once per
 * process); released when its last session stops.
 */
export function acquirePool(options: PoolOptions): WorkerPool {
  const key = JSON.stringify([options.threads, options.maxTaskRetries, options.modules, options.workerHeapMB ?? null]);
  let entry = shared.get(key);
  if (!entry) {
    entry = { pool: new WorkerPool(options), refs: 0 };
    shared.set(key, entry);
  }
  entry.refs++;
  return entry.pool;
}

/** Releases a pool from acquirePool; the last release terminates its threads. */
export async function releasePool(pool: WorkerPool): Promise<void> {
  for (const [key, entry] of shared) {
    if (entry.pool !== pool) continue;
    entry.refs--;
    if (entry.refs <= 0) {
      shared.delete(key);
      await pool.close();
    }
    return;
  }
  await pool.close();
}

/** Why a job was cancelled: the reason of its signal when that is an Error, else a generic message. */
export function cancellationError(signal: AbortSignal): ExecutionError {
  const r: unknown = signal.reason;
  if (r instanceof ExecutionError) return new ExecutionError(r.message);
  return new ExecutionError('job cancelled');
}

/** How long a running task may take to notice its job was cancelled before its worker is terminated. */
const CANCEL_GRACE_MS = 200;
/** Longest wait, when closing, for workers still starting up (never terminated mid start-up). */
const STARTUP_WAIT_MS = 30_000;

/**
 * A pool of worker threads.
 *
 * Every error of piscina and its workers ends up in exactly one place: a task's error goes to
 * that task's promise (and so to the job); an error that arrives after its task was settled (a
 * reply or an out-of-memory report from a worker already terminated because its job was
 * cancelled) is logged under NODE_DEBUG=kindling and dropped: it never reaches an event handler
 * that would end the process. Workers are terminated only once they have finished starting
 * (worker.ts posts a ready message after its imports): terminating a thread whose module graph
 * is still being instantiated can abort the whole process inside V8.
 */
export class WorkerPool {
  private readonly piscina: Piscina;
  /** Thread ids of workers whose start-up (imports, worker modules) completed. */
  private readonly ready = new Set<number>();
  private closing = false;
  /** Errors piscina reported with no task to attach them to (late arrivals); for tests and diagnostics. */
  strayErrors = 0;
  readonly threads: number;
  /** Number of retries after a worker crash (task attempts = retries + 1). */
  readonly maxTaskRetries: number;

  constructor(options: PoolOptions) {
    this.threads = options.threads;
    this.maxTaskRetries = options.maxTaskRetries;
    const { filename, execArgv } = workerFile();
    const resourceLimits = options.workerHeapMB !== undefined ? { maxOldGenerationSizeMb: options.workerHeapMB } : undefined;
    this.piscina = new Piscina({
      filename, minThreads: options.threads, maxThreads: options.threads, execArgv, idleTimeout: 60_000, concurrentTasksPerWorker: 1,
      workerData: { modules: options.modules } satisfies WorkerStartData,
      ...(resourceLimits ? { resourceLimits } : {}),
    });
    this.piscina.on('error', (err: unknown) => {
      this.strayErrors++;
      debug('dropped a pool error that no task was waiting for: %s', (err as Error)?.message ?? String(err));
    });
    this.piscina.on('message', (m: unknown) => {
      const id = (m as { kindlingReady?: number } | null)?.kindlingReady;
      if (typeof id === 'number') this.ready.add(id);
    });
    this.piscina.on('workerDestroy', (w: { id: number }) => this.ready.delete(w.id));
  }

  /**
   * Runs a task, retrying on worker death; deterministic failures throw TaskError. When `signal`
   * aborts, rejects at once with the signal's cancellation error and never retries; the task is
   * told through shared memory and stops at its next batch, or its worker is terminated after a
   * short grace period (a function that never returns).
   */
  async run(req: Omit<TaskRequest, 'control'>, signal?: AbortSignal, onRetry?: (attempt: number, err: unknown) => void): Promise<Extract<TaskReply, { ok: true }>> {
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw cancellationError(signal);
      let reply: TaskReply;
      try {
        reply = await this.attempt(req, signal);
      } catch (err) {
        if (signal?.aborted) throw cancellationError(signal);
        if (this.closing) throw new ExecutionError('job cancelled because its worker pool was closed (the session was stopped)');
        if (attempt >= this.maxTaskRetries) {
          throw new ExecutionError(`task failed ${attempt + 1} time(s) because its worker died: ${(err as Error)?.message ?? String(err)}`, { cause: err });
        }
        onRetry?.(attempt + 1, err);
        continue;
      }
      if (!reply.ok) throw new TaskError(rebuildError(reply.error));
      return reply;
    }
  }

  /** Tasks handed to piscina and not settled yet: at most `threads` (see `slot`). */
  private running = 0;
  /** Tasks waiting for a thread, in submission order. */
  private readonly waiting: (() => void)[] = [];

  /**
   * Waits for a free thread, so that tasks reach piscina (and start) in submission order, one
   * per thread: piscina's queue, given them all at once, sends a task it cannot place yet to its
   * back, so a stage's partitions started as 0, 1, 2, 4, 6, …, 14, 3, 7, 11, 15, 9, 5, 13 (and in
   * reverse with `stricterFIFO`); a CSV scan plans its last splits smaller for the end of the
   * stage (csv.ts `planCsvScan`). Rejects with the cancellation error when `signal` aborts first.
   */
  private slot(signal?: AbortSignal): Promise<void> {
    if (this.running < this.threads && this.waiting.length === 0) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const go = (): void => {
        signal?.removeEventListener('abort', stop);
        resolve();
      };
      const stop = (): void => {
        const i = this.waiting.indexOf(go);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(cancellationError(signal!));
      };
      this.waiting.push(go);
      signal?.addEventListener('abort', stop, { once: true });
    });
  }

  /** A task handed to piscina settled: its thread goes to the next waiting task. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  /** One attempt of a task; settles as soon as `signal` aborts (the worker is stopped behind it). */
  private async attempt(req: Omit<TaskRequest, 'control'>, signal?: AbortSignal): Promise<TaskReply> {
    await this.slot(signal);
    if (this.closing) {
      this.release();
      throw new ExecutionError('job cancelled because its worker pool was closed (the session was stopped)');
    }
    const control = newTaskControl();
    const kill = new AbortController();
    const task = this.piscina.run({ ...req, control } satisfies TaskRequest, { signal: kill.signal }) as Promise<TaskReply>;
    task.then(() => this.release(), () => this.release());
    if (!signal) return task;
    return new Promise<TaskReply>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        reject(cancellationError(signal));
        Atomics.store(control, CONTROL_CANCEL, 1);
        // Queued or not yet started: the worker sees the flag before it begins and returns at once.
        // Running: it stops at its next batch; if it does not (a function that never returns),
        // its worker — started up, so safe to terminate — is terminated.
        timer = setTimeout(() => {
          if (Atomics.load(control, CONTROL_PHASE) === PHASE_RUNNING) kill.abort();
        }, CANCEL_GRACE_MS);
        timer.unref();
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      task.then(resolve, reject).finally(() => {
        signal.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
      });
    });
  }

  /**
   * Terminates every worker thread, after waiting for the ones still starting up to finish
   * (bounded); tasks still running fail with a cancellation error.
   */
  async close(): Promise<void> {
    this.closing = true;
    // Waiting tasks see `closing` and fail.
    for (const go of this.waiting.splice(0)) go();
    const deadline = performance.now() + STARTUP_WAIT_MS;
    while (this.piscina.threads.some((t) => !this.ready.has(t.threadId)) && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.piscina.destroy();
  }

  /** Live worker threads (for tests and diagnostics). */
  get size(): number {
    return this.piscina.threads.length;
  }
}
