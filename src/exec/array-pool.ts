/**
 * A worker thread's pool of shared Float64Arrays for shuffle output that the main thread hands
 * back once read (MedianPartialOp's runs of median values). On this VM the first write to fresh
 * memory costs about 10 ms per MiB, and glibc gives freed blocks of a few MiB back to the system
 * (trim threshold), so every job's 80 MB of q6 runs landed on fresh pages; reusing the arrays
 * across jobs removes that.
 *
 * Safety: an array is reused only after the main thread has dropped the shuffle partition that
 * holds it (`releasePooled`, called from the scheduler's releaseRead/releaseStage, i.e. after the
 * last reading task finished, retries included). The lease flag lives in the array's own shared
 * buffer, in an 8-byte trailer after the values (a magic word, then the state), so the release
 * needs no message. An array never released (a failed or cancelled job, toLocalIterator's shuffle
 * data) is forgotten after LEASE_FORGET_MS: the pool stops tracking it and never reuses it (its
 * memory goes with its last reference). The first task of this thread that uses no pooled arrays
 * drops the free ones (`trimPool`), so the pool does not hold memory through later queries.
 */

const MAGIC = 0x4b4e5031; // 'KNP1'
const FREE = 0;
const LEASED = 1;
/** Leased arrays not handed back after this long are forgotten (ms). */
const LEASE_FORGET_MS = 60_000;
/** Most bytes of arrays one thread's pool tracks (larger demands are served unpooled). */
const POOL_MAX_BYTES = 256 * 2 ** 20;

interface Entry {
  readonly values: Float64Array;
  /** [MAGIC, state] in the buffer's last 8 bytes. */
  readonly flag: Int32Array;
  /** When it was last leased or found free (performance.now()). */
  used: number;
}

const pool: Entry[] = [];
let pooledBytes = 0;

/**
 * A Float64Array of `n` elements (contents undefined: the caller writes every element) in shared
 * memory, from this thread's pool; `capacity` (≥ n) is the size to allocate when none fits.
 * Only for output the scheduler hands back through `releasePooled`.
 */
export function leasePooled(n: number, capacity = n): Float64Array {
  const now = performance.now();
  let best: Entry | null = null;
  for (const e of pool) {
    if (e.values.length < n || Atomics.load(e.flag, 1) !== FREE) continue;
    if (!best || e.values.length < best.values.length) best = e;
  }
  if (!best) {
    const cap = Math.max(n, capacity);
    const buf = new SharedArrayBuffer(cap * 8 + 8);
    best = { values: new Float64Array(buf, 0, cap), flag: new Int32Array(buf, cap * 8, 2), used: now };
    best.flag[0] = MAGIC;
    if (pooledBytes + buf.byteLength > POOL_MAX_BYTES) {
      // Unpooled: leased for good, never tracked.
      best.flag[1] = LEASED;
      return best.values.subarray(0, n);
    }
    pool.push(best);
    pooledBytes += buf.byteLength;
  }
  Atomics.store(best.flag, 1, LEASED);
  best.used = now;
  return best.values.subarray(0, n);
}

/** Hands an array from `leasePooled` back to its pool (any thread; other arrays are ignored). */
export function releasePooled(values: ArrayBufferView): void {
  const buf = values.buffer;
  if (!(buf instanceof SharedArrayBuffer) || !(values instanceof Float64Array) || values.byteOffset !== 0) return;
  if (buf.byteLength % 8 !== 0 || buf.byteLength < 8 || values.byteLength > buf.byteLength - 8) return;
  const flag = new Int32Array(buf, buf.byteLength - 8, 2);
  if (flag[0] === MAGIC) Atomics.store(flag, 1, FREE);
}

/**
 * At a task's start: forgets leases older than LEASE_FORGET_MS and, unless the task may use
 * pooled arrays (`keep`), drops the free ones.
 */
export function trimPool(keep: boolean): void {
  if (!keep) {
    scratchI32.length = 0;
    for (const f of onTrim) f();
  }
  if (pool.length === 0) return;
  const now = performance.now();
  for (let i = pool.length - 1; i >= 0; i--) {
    const e = pool[i]!;
    const free = Atomics.load(e.flag, 1) === FREE;
    if (free ? !keep : now - e.used > LEASE_FORGET_MS) {
      pool.splice(i, 1);
      pooledBytes -= e.values.byteLength + 8;
    }
  }
}

/**
 * Scratch Int32Arrays a task of this thread borrows and returns before it ends (never posted):
 * MedianPartialOp's copies of each batch's group ids, 4 bytes per row, which on fresh pages cost
 * as much as the copy. Dropped with the free pooled arrays by `trimPool`.
 */
const scratchI32: Int32Array[] = [];

/** An Int32Array of at least `n` elements (contents undefined) for this task only; give it back with `giveScratch`. */
export function takeScratch(n: number): Int32Array {
  for (let i = scratchI32.length - 1; i >= 0; i--) {
    const a = scratchI32[i]!;
    if (a.length >= n) {
      scratchI32.splice(i, 1);
      return a;
    }
  }
  return new Int32Array(n);
}

/** Returns arrays from `takeScratch` once the task no longer reads them. */
export function giveScratch(arrays: readonly Int32Array[]): void {
  for (const a of arrays) if (scratchI32.length < 1024) scratchI32.push(a);
}

const onTrim: (() => void)[] = [];

/** Registers a function that drops a module's own thread scratch when `trimPool` drops the free arrays. */
export function dropWithPool(f: () => void): void {
  onTrim.push(f);
}

/** Bytes of arrays this thread's pool tracks (tests). */
export function pooledArrayBytes(): number {
  return pooledBytes;
}
