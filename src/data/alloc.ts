/**
 * Where column buffers are allocated. Worker threads switch to shared memory so that the
 * batches a scan builds can be posted back to the main thread as they are, without the copy into
 * SharedArrayBuffers that `shareBatch` otherwise makes (a 10M-row CSV load on one worker: about
 * 11% faster). The main thread keeps ordinary ArrayBuffers.
 */

let shared = false;

/** Makes `allocArray` use SharedArrayBuffers in this thread (called once by the worker entry). */
export function allocateShared(on: boolean): void {
  shared = on && typeof SharedArrayBuffer !== 'undefined';
}

type Ctor<T> = { new (length: number): T; new (buffer: SharedArrayBuffer, byteOffset: number, length: number): T; readonly BYTES_PER_ELEMENT: number };

/** A zero-filled typed array of `length` elements, in shared memory when this thread allocates there. */
export function allocArray<T extends Uint8Array | Int32Array | Float64Array>(C: Ctor<T>, length: number): T {
  return shared ? new C(new SharedArrayBuffer(length * C.BYTES_PER_ELEMENT), 0, length) : new C(length);
}

/** A copy of the first `length` elements of `a` in an array of `capacity` (zero-filled past them), allocated like `allocArray`. */
export function copyPrefix<T extends Uint8Array | Int32Array | Float64Array>(a: T, length: number, capacity = length): T {
  if (!shared && capacity === length) return a.slice(0, length) as T;
  const out = allocArray(a.constructor as Ctor<T>, capacity);
  out.set(a.subarray(0, length) as never);
  return out;
}
