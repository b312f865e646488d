/**
 * The worker pool: piscina threads running `worker.ts` (under tsx, from the TypeScript sources)
 * or `worker.js` (from the built dist/). Retries a task whose worker died; cancels with an
 * AbortSignal; `close()` terminates every thread.
 */
import { Piscina } from 'piscina';
import { ExecutionError, KindlingError } from '../errors.js';
import type { TaskReply, TaskRequest } from './worker.js';

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

const shared = new Map<string, { pool: WorkerPool; refs: number }>();

/**
 * A pool shared by every session with the same thread count and retry setting (worker start-up
 * is paid once per process); released when its last session stops.
 */
export function acquirePool(threads: number, maxTaskRetries: number): WorkerPool {
  const key = `${threads}/${maxTaskRetries}`;
  let entry = shared.get(key);
  if (!entry) {
    entry = { pool: new WorkerPool(threads, maxTaskRetries), refs: 0 };
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

/** A pool of worker threads. */
export class WorkerPool {
  private readonly piscina: Piscina;
  /** Number of retries after a worker crash (task attempts = retries + 1). */
  constructor(readonly threads: number, readonly maxTaskRetries: number) {
    const { filename, execArgv } = workerFile();
    this.piscina = new Piscina({ filename, minThreads: threads, maxThreads: threads, execArgv, idleTimeout: 60_000, concurrentTasksPerWorker: 1 });
  }

  /** Runs a task, retrying on worker death; deterministic failures throw TaskError. */
  async run(req: TaskRequest, signal?: AbortSignal, onRetry?: (attempt: number, err: unknown) => void): Promise<Extract<TaskReply, { ok: true }>> {
    for (let attempt = 0; ; attempt++) {
      let reply: TaskReply;
      try {
        reply = (await this.piscina.run(req, signal ? { signal } : {})) as TaskReply;
      } catch (err) {
        if (signal?.aborted) throw new ExecutionError('job cancelled');
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

  /** Terminates every worker thread. */
  async close(): Promise<void> {
    await this.piscina.destroy();
  }

  /** Live worker threads (for tests and diagnostics). */
  get size(): number {
    return this.piscina.threads.length;
  }
}
