/**
 * Worker-thread entry point (piscina): rebuilds a stage from its spec, runs one partition, and
 * returns the output with its buffers in shared memory. Deterministic errors come back as data
 * (so the main thread can fail the job with the original message); a crash of the thread itself
 * surfaces in the pool as a rejected task and is retried there. Worker modules load at start-up;
 * each task carries a shared control array (task-control.ts) through which it learns that its
 * job was cancelled and tells the pool when it runs.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { allocateShared } from '../data/alloc.js';
import { withExprBackend } from '../expr/backend.js';
import { type KernelRequest, exprBackendFor } from '../kernels/index.js';
import { importModule } from './import-module.js';
import { registerBuiltinCodecs } from './codecs.js';
import { MemoryTracker } from './memory.js';
import { ExecContext } from './operator.js';
import { type OpSpec, buildStage } from './plan-spec.js';
import { type SharedBatch, shareBatch, unshareBatch } from './serde.js';
import { type OutputSpec, executeTask } from './task.js';
import { CONTROL_CANCEL, CONTROL_PHASE, PHASE_DONE, PHASE_RUNNING, cancelSignalOf } from './task-control.js';
import type { PhysicalOp } from './operator.js';

// Stages arrive as specs: rebuilt through the operator and source codecs.
registerBuiltinCodecs();

// Scans in this thread build their column buffers in shared memory: posted back without a copy.
allocateShared(true);

/** What the scheduler sends for one task. */
export interface TaskRequest {
  readonly stage: OpSpec;
  readonly partition: number;
  readonly inputs: readonly (readonly (readonly SharedBatch[])[])[];
  /** Partitions of the stage's in-memory sources that this task reads (others empty). */
  readonly memory: readonly (readonly (readonly SharedBatch[])[])[];
  /** Output spec; a range split's bounds travel as a SharedBatch. */
  readonly output: Omit<OutputSpec, 'bounds'> & { readonly bounds?: SharedBatch };
  /** Modules the worker imports once before running (e.g. UDF registrations). */
  readonly modules: readonly string[];
  /** The task's control array (task-control.ts): cancellation flag and phase, in shared memory. */
  readonly control: Int32Array;
  /** The task's memory budget in bytes (0 = unlimited) and how it was derived, for messages (memory.ts). */
  readonly budget?: { readonly limit: number; readonly scope: string };
  /** The session's kernel backend (src/kernels/); absent: js. */
  readonly kernels?: KernelRequest;
}

/** What a worker receives when it starts (piscina's workerData). */
export interface WorkerStartData {
  /** Modules imported during start-up, before the worker reports ready. */
  readonly modules: readonly string[];
}

/** What a task returns. */
export type TaskReply =
  | { readonly ok: true; readonly buckets: SharedBatch[][]; readonly sample?: SharedBatch; readonly rows: number[]; readonly timeMs: number }
  | { readonly ok: false; readonly error: { name: string; message: string; file?: string; line?: number; stack?: string } };

const loaded = new Set<string>();

async function importModules(modules: readonly string[]): Promise<void> {
  for (const m of modules) {
    if (!loaded.has(m)) {
      await importModule(m);
      loaded.add(m);
    }
  }
}

/**
 * Strings that arrive through postMessage are not internalized, so every comparison with a
 * literal (`type === 'utf8'`, done per row in generic key and accumulator code) becomes a
 * character comparison instead of a pointer check, one reason tasks ran 1.2–1.5× slower on a
 * worker than the same plan in the main thread. Property keys are always internalized:
 * round-tripping a string through one returns its internalized copy.
 */
function intern(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

/** Replaces every string in a plain-data tree (specs, schemas, batch descriptors) by its internalized copy, in place. */
function internStrings(x: unknown, seen = new Set<object>()): unknown {
  if (typeof x === 'string') return intern(x);
  if (x === null || typeof x !== 'object' || ArrayBuffer.isView(x) || x instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && x instanceof SharedArrayBuffer)) return x;
  if (seen.has(x)) return x;
  seen.add(x);
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) x[i] = internStrings(x[i], seen);
  } else {
    const o = x as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = internStrings(o[k], seen);
  }
  return x;
}

function preorder(op: PhysicalOp, out: PhysicalOp[] = []): PhysicalOp[] {
  out.push(op);
  for (const c of op.children) preorder(c, out);
  return out;
}

/**
 * Start-up: the session's worker modules are imported while the worker starts, and the pool is
 * told this thread is ready once they are (only then may it be terminated, see pool.ts). Piscina
 * awaits the default export before it reports the worker ready and waits for tasks, so the
 * imports finish before the first task (piscina's idle loop blocks the event loop). A module that
 * fails to import fails every task of this worker with its error.
 */
const started = importModules((workerData as WorkerStartData | undefined)?.modules ?? []).finally(() => {
  parentPort?.postMessage({ kindlingReady: threadId });
});

/** Runs one task (the piscina handler). */
async function runTask(req: TaskRequest): Promise<TaskReply> {
  const t0 = performance.now();
  const control = req.control;
  try {
    await started;
    await importModules(req.modules);
    // Cancelled while queued or while this worker started: do nothing.
    if (Atomics.load(control, CONTROL_CANCEL) !== 0) return { ok: false, error: { name: 'ExecutionError', message: 'job cancelled' } };
    Atomics.store(control, CONTROL_PHASE, PHASE_RUNNING);
    internStrings(req);
    const backend = await exprBackendFor(req.kernels);
    const root = withExprBackend(backend, () => buildStage(req.stage, req.inputs, req.memory));
    const ctx = new ExecContext(cancelSignalOf(control), req.budget ? new MemoryTracker(req.budget.limit, req.budget.scope) : undefined);
    const output = (req.output.kind === 'range'
      ? { ...req.output, bounds: unshareBatch(req.output.bounds!) }
      : req.output) as OutputSpec;
    const res = await executeTask(root, req.partition, output, ctx);
    const rows = preorder(root).map((op) => ctx.metrics.get(op)?.rows ?? 0);
    return {
      ok: true,
      buckets: res.buckets.map((bs) => bs.map(shareBatch)),
      ...(res.sample ? { sample: shareBatch(res.sample) } : {}),
      rows,
      timeMs: performance.now() - t0,
    };
  } catch (err) {
    const e = err as Error & { file?: string; line?: number };
    return { ok: false, error: { name: e?.name ?? 'Error', message: e?.message ?? String(err), file: e?.file, line: e?.line, stack: e?.stack } };
  } finally {
    Atomics.store(control, CONTROL_PHASE, PHASE_DONE);
  }
}

/** The piscina handler, once start-up is over (piscina awaits a promised default export). */
export default started.then(() => runTask, () => runTask);
