/**
 * An open-addressing table of short byte strings (at most {@link SHORT_KEY_BYTES} bytes) that
 * keeps each key inline in its slot: four int32s per slot, `[(id + 1) << 4 | length, w0, w1, w2]`
 * with the key's bytes read little-endian into the words, zero-padded. A lookup hashes the words
 * (three multiplies instead of one multiply per byte) and compares them in place, so a probe
 * touches one 16-byte slot (one cache line) instead of a slot, a stored hash, the dictionary's
 * offsets and its bytes. DictionaryBuilder (dictionary.ts) uses it for its short values; the
 * length is part of the tag, so "ab" and "ab\0" differ.
 *
 * Measured (scratch micro-benchmark: the first 5e6 rows of G1_1e7_1e2_0_0.csv, one builder per
 * column, encoding 65,536-row batches, loaded 2-core machine, 13:10 UTC): id3 (1e5 distinct
 * 12-byte values) 90–120 → 32–38 ns per value; id1/id2 (100 distinct 5-byte values)
 * 18–38 → 12–20 ns.
 */

import { dropWithPool } from '../exec/array-pool.js';

/**
 * Slot arrays of released and outgrown tables, reused by this thread's next tables of the same
 * size (zeroed again, on pages already mapped): a CSV split's dictionary of db-benchmark's id3
 * (1e5 values) grows its table to 2^18 slots (4 MiB), and fresh pages cost about 3 ms per MiB
 * on this VM, mostly inside the rehash's random first touches. Dropped, once no table was
 * released for SPARE_IDLE_MS, by a task start that drops the thread's pooled arrays.
 */
const spareTables: Int32Array[] = [];
let spareBytes = 0;
let spareSince = 0;
const SPARE_MAX_BYTES = 32 << 20;
const SPARE_IDLE_MS = 5000;
dropWithPool(() => {
  if (spareTables.length > 0 && performance.now() - spareSince > SPARE_IDLE_MS) {
    spareTables.length = 0;
    spareBytes = 0;
  }
});

/** A zeroed Int32Array of `n` elements, a spare one when there is one. */
function takeTable(n: number): Int32Array {
  for (let i = spareTables.length - 1; i >= 0; i--) {
    const t = spareTables[i]!;
    if (t.length !== n) continue;
    spareTables.splice(i, 1);
    spareBytes -= t.byteLength;
    return t.fill(0);
  }
  return new Int32Array(n);
}

function spareTable(t: Int32Array): void {
  if (t.length < 4096 || spareBytes + t.byteLength > SPARE_MAX_BYTES) return;
  spareTables.push(t);
  spareBytes += t.byteLength;
  spareSince = performance.now();
}

/** Longest key the table holds inline (three words). */
export const SHORT_KEY_BYTES = 12;
/** Ids must fit the tag's upper 27 bits. */
export const MAX_SHORT_ID = (1 << 27) - 2;

/** The 0–3 bytes [s, s + r) as a little-endian word. */
function tail(b: Uint8Array, s: number, r: number): number {
  return r === 0 ? 0 : r === 1 ? b[s]! : r === 2 ? b[s]! | (b[s + 1]! << 8) : b[s]! | (b[s + 1]! << 8) | (b[s + 2]! << 16);
}

function word(b: Uint8Array, s: number): number {
  return b[s]! | (b[s + 1]! << 8) | (b[s + 2]! << 16) | (b[s + 3]! << 24);
}

/**
 * Packs bytes [s, e) of `src` (e − s ≤ SHORT_KEY_BYTES) as `[length, w0, w1, w2]` into
 * `out[o..o + 4)`: the key form {@link ShortKeyTable.probeRun} looks up.
 */
export function packKey(src: Uint8Array, s: number, e: number, out: Int32Array, o: number): void {
  const len = e - s;
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  if (len >= 4) {
    w0 = word(src, s);
    if (len >= 8) {
      w1 = word(src, s + 4);
      w2 = len === 12 ? word(src, s + 8) : tail(src, s + 8, len - 8);
    } else w1 = tail(src, s + 4, len - 4);
  } else w0 = tail(src, s, len);
  out[o] = len;
  out[o + 1] = w0;
  out[o + 2] = w1;
  out[o + 3] = w2;
}

/** The bytes of a packed key (see {@link packKey}) written to `out[at..]`; returns its length. */
export function unpackKey(keys: Int32Array, o: number, out: Uint8Array, at: number): number {
  const len = keys[o]!;
  for (let k = 0; k < len; k++) out[at + k] = (keys[o + 1 + (k >> 2)]! >>> ((k & 3) << 3)) & 255;
  return len;
}

/** The hash of each packed key of rows [from, to) (`keys` as {@link packKey} writes them; negative lengths skipped) into `out`. */
export function hashKeys(keys: Int32Array, from: number, to: number, out: Int32Array): void {
  for (let i = from; i < to; i++) {
    const q = i << 2;
    const len = keys[q]!;
    if (len >= 0) out[i] = hashWords(len, keys[q + 1]!, keys[q + 2]!, keys[q + 3]!);
  }
}

function hashWords(len: number, w0: number, w1: number, w2: number): number {
  let h = Math.imul(w0, 0x9e3779b1) + Math.imul(w1 ^ len, 0x85ebca77) + Math.imul(w2, 0xc2b2ae3d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h;
}

/** Short byte strings → ids (see the module comment). Ids are assigned by the caller. */
export class ShortKeyTable {
  private table: Int32Array;
  private mask: number;
  /** Keys held. */
  count = 0;
  // The key and free slot of the last `find` that missed (for `insertLast`).
  private p = 0;
  private len = 0;
  private w0 = 0;
  private w1 = 0;
  private w2 = 0;
  /** `find`'s key, packed, its hash and its id. */
  private readonly one = new Int32Array(4);
  private readonly oneHash = new Int32Array(1);
  private readonly oneId = new Int32Array(1);

  /** `capacity`: slots, a power of two (the table doubles past half full). */
  constructor(capacity = 1024) {
    this.table = takeTable(capacity * 4);
    this.mask = capacity - 1;
  }

  /**
   * Hands the slot array to this thread's next table (see `spareTables`); the table is empty
   * afterwards. Only for a table no longer used.
   */
  release(): void {
    spareTable(this.table);
    this.table = takeTable(4);
    this.mask = 0;
    this.count = 0;
  }

  /**
   * The id of bytes [s, e) of `src` (e − s ≤ SHORT_KEY_BYTES), or -1 when absent; a miss
   * remembers the key and its slot for {@link insertLast}.
   */
  find(src: Uint8Array, s: number, e: number): number {
    const k = this.one;
    packKey(src, s, e, k, 0);
    this.oneHash[0] = hashWords(k[0]!, k[1]!, k[2]!, k[3]!);
    return this.probeRun(k, this.oneHash, 0, 1, this.oneId, 0) === 0 ? -1 : this.oneId[0]!;
  }

  /**
   * Looks up the packed keys of rows [from, to) (see {@link packKey}; rows with a negative length
   * are skipped) with their hashes `hashes[i]` ({@link hashKeys}), writing each id,
   * until the first key that is absent: returns its row, remembered for {@link insertLast}, or
   * `to`. Ids go to `out[outBase + i]`. The loop's iterations are independent, so the CPU
   * overlaps their cache misses (a lookup inside the per-record loop waits for each one).
   */
  probeRun(keys: Int32Array, hashes: Int32Array, from: number, to: number, out: Int32Array, outBase: number): number {
    const t = this.table;
    const mask = this.mask;
    for (let i = from; i < to; i++) {
      const k = i << 2;
      const len = keys[k]!;
      if (len < 0) continue;
      const w0 = keys[k + 1]!;
      const w1 = keys[k + 2]!;
      const w2 = keys[k + 3]!;
      let p = hashes[i]! & mask;
      for (;;) {
        const q = p << 2;
        const tag = t[q]!;
        if (tag === 0) {
          this.p = p;
          this.len = len;
          this.w0 = w0;
          this.w1 = w1;
          this.w2 = w2;
          return i;
        }
        if ((tag & 15) === len && t[q + 1] === w0 && t[q + 2] === w1 && t[q + 3] === w2) {
          out[outBase + i] = (tag >>> 4) - 1;
          break;
        }
        p = (p + 1) & mask;
      }
    }
    return to;
  }

  /** Adds the key of the last missed `find` (or `probeRun`) with id `id` (≤ MAX_SHORT_ID). */
  insertLast(id: number): void {
    const t = this.table;
    const q = this.p << 2;
    t[q] = ((id + 1) << 4) | this.len;
    t[q + 1] = this.w0;
    t[q + 2] = this.w1;
    t[q + 3] = this.w2;
    if (++this.count * 2 > this.mask + 1) this.grow();
  }

  private grow(): void {
    const old = this.table;
    const cap = (this.mask + 1) * 2;
    const t = takeTable(cap * 4);
    const mask = cap - 1;
    for (let q = 0; q < old.length; q += 4) {
      const tag = old[q]!;
      if (tag === 0) continue;
      let p = hashWords(tag & 15, old[q + 1]!, old[q + 2]!, old[q + 3]!) & mask;
      while (t[p << 2] !== 0) p = (p + 1) & mask;
      const r = p << 2;
      t[r] = tag;
      t[r + 1] = old[q + 1]!;
      t[r + 2] = old[q + 2]!;
      t[r + 3] = old[q + 3]!;
    }
    this.table = t;
    this.mask = mask;
    spareTable(old);
  }
}
