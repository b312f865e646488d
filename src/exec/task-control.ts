/**
 * The shared-memory handshake between the pool (main thread) and a task running on a worker:
 * an Int32Array over a SharedArrayBuffer that travels with each task request. The main thread
 * sets the cancel slot when the task's job is cancelled; the worker reads it before it starts
 * and at every batch (ExecContext.checkCancelled), and marks the phase slot while it runs, so
 * the pool only ever terminates a worker that is running a task (never one still starting up).
 */

/** Slots of a task's control array. */
export const CONTROL_SLOTS = 2;
/** Slot: PHASE_WAITING until the worker starts executing the task, PHASE_RUNNING while it does, PHASE_DONE after. */
export const CONTROL_PHASE = 0;
/** Slot: non-zero once the task's job was cancelled. */
export const CONTROL_CANCEL = 1;

export const PHASE_WAITING = 0;
export const PHASE_RUNNING = 1;
export const PHASE_DONE = 2;

/** A new control array for one task attempt. */
export function newTaskControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
}

/** An AbortSignal-shaped view of a control array's cancel slot (for ExecContext in a worker). */
export function cancelSignalOf(control: Int32Array): AbortSignal {
  return { get aborted() { return Atomics.load(control, CONTROL_CANCEL) !== 0; } } as AbortSignal;
}
