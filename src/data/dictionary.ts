/**
 * Dictionary-encoded strings: building Arrow-style dictionaries (distinct values + per-row
 * indices) for low-cardinality utf8 columns, and the helpers operators use on them.
 *
 * A dictionary column keeps the logical type 'utf8' (schemas, SQL and the API never see it):
 * `ColumnData.indices` holds one Int32 per row into `ColumnData.dictionary`, a plain utf8 column
 * without nulls (nulls stay in the column's validity). Code that reads `offsets`/`bytes` still
 * works (they decode lazily); the hot operators use the indices instead: key tables hash and
 * probe each dictionary entry once per batch (key-table.ts), expressions over one dictionary
 * column evaluate on the dictionary and gather (codegen.ts), sorts compare dictionary ranks
 * (sort.ts), take/filter/slice/concat gather indices (column.ts), threads share the dictionary
 * buffers (serde.ts).
 *
 * Where encodings come from (each decided per column by sampled cardinality):
 *  - the cache (`encodeCachedPartitions`): one dictionary per column for all cached partitions,
 *    when the distinct count estimated from a sample of 8192 rows is at most 1/8 of the rows
 *    and below 2^20 (the direct-aggregation limit: db-benchmark's id3, 1e5 values in 1e7 rows,
 *    is encoded and groups by its codes); a column whose batches already share one dictionary
 *    (a cache of a frame derived from a cached one) keeps it;
 *  - a cache's CSV scans (io/csv-dictionary.ts): one dictionary per split and column, built in
 *    the workers while they parse; the cache then merges these dictionaries (each hashed once)
 *    and gathers the indices, instead of hashing every row in the main thread;
 *  - CSV batches (`encodeBatchColumn`, csv-build.ts): per-batch dictionaries, when the first
 *    1024 rows hold ≤ 1/8 distinct values and the whole batch ≤ 1/8;
 *  - Arrow Dictionary vectors (arrow.ts `columnFromArrowData`), e.g. from `createDataFrame(table)`.
 *    Parquet: parquet-wasm 0.6 hands dictionary-encoded string columns over as plain Utf8
 *    (checked), so Parquet data gets encoded by the cache instead.
 * Switch: `spark.conf.set('kindling.dictionary.enabled', false)` (read when a CSV is opened and
 * when a cache is materialised).
 *
 * Measured (`bench/dbbench.ts --rows 1e6 --baseline <main's dist> --reps 5 --q q1,q2,q3,q7,q9,j4`,
 * 2 threads each, both builds in one run on the shared 2-core machine, 06:35 UTC; speed-up =
 * median of paired ratios, > 1 is this build faster): q1 1.72×, q2 1.06× (best 0.43 → 0.28 s),
 * q3 1.12×, q7 1.32×, q9 1.15×, j4 1.54×; groupby CSV load + cache 0.96×, join CSV load 0.90×
 * (the per-batch encoding costs a little at load); peak RSS 561 → 548 MB. Profile (worker
 * `--cpu-prof`, q2/q3 over the cache): the per-row string hashing and byte compares of
 * insertUtf8 are gone; insertDict's index pass and insertNumbers over the codes remain.
 * That run predates the distinct-count estimate (id3 stayed plain; q3/q7 differences were
 * noise). With id3 encoded (1e4 values at 1e6 rows), a same-process check of q3 over the cache
 * gave about 0.27–0.38 s on vs 0.40–0.70 s off (very noisy machine).
 *
 * Dictionaries up to 2^20 − 1 entries, kept through hash exchanges (bucket-writer.ts, serde.ts):
 * `flock bench.lock npx tsx --max-old-space-size=12000 bench/dbbench.ts --rows 1e7 --only groupby
 * --q q3,q7,q10 --reps 3 --baseline <main's dist>` (2 threads, 08:45 UTC, machine heavily loaded
 * by other jobs: absolute seconds are several times the quiet ones, take the paired ratios):
 * q3 7.6× (pairs 7.0–8.1), q7 5.9× (5.2–8.2), q10 0.90× (0.88–1.32, noise); CSV load + cache
 * 0.78× (0.66–0.90): encoding id3 (1e7 strings hashed once, in the main thread) costs about
 * 1–2 s of load at 1e7 rows; peak RSS 4.4 → 3.6 GB. At 1e6 rows (id3 was already encoded there),
 * `--reps 5`: q3 1.31×, q7 1.26×, q10 1.30× (the exchange keeping codes).
 */
import { Batch } from './batch.js';
import { ColumnData, dictColumn, take, utf8FromStrings } from './column.js';
import { doubleSlots } from './key-table.js';
import { MAX_SHORT_ID, SHORT_KEY_BYTES, ShortKeyTable, hashKeys, unpackKey } from './short-keys.js';

/** The `spark.conf` key that switches dictionary encoding off ('false') or on (default 'true'). */
export const DICTIONARY_KEY = 'kindling.dictionary.enabled';
/** Most entries a per-batch (CSV) dictionary may hold. */
export const MAX_DICTIONARY = 1 << 16;
/**
 * Most entries a cache dictionary (one per column, shared by every cached batch) may hold: up to
 * the direct-aggregation limit (direct-keys.ts MAX_DIRECT_SLOTS, 2^20, one slot left for null),
 * so a column of that many values still groups by its codes without hashing.
 */
export const MAX_CACHE_DICTIONARY = (1 << 20) - 1;
/** A column is encoded when a sample holds at most this fraction of distinct values. */
const MAX_DISTINCT_RATIO = 1 / 8;

/** Grows a dictionary of distinct byte strings (open addressing over byte hashes). */
export class DictionaryBuilder {
  private slots: Int32Array = new Int32Array(1024); // id + 1; 0 = empty
  private slotHashes: Int32Array = new Int32Array(1024);
  private mask = 1023;
  private offsets = new Int32Array(257);
  private bytes = new Uint8Array(4096);
  /** Values of at most SHORT_KEY_BYTES bytes, held inline (short-keys.ts); `slots` holds the longer ones. */
  private short: ShortKeyTable;
  /** Values in `slots`. */
  private longCount = 0;
  /** Number of distinct values so far. */
  size = 0;
  /** `encodeKeys` scratch: key hashes by row, and one key's bytes. */
  private hashScratch = new Int32Array(0);
  private readonly keyScratch = new Uint8Array(SHORT_KEY_BYTES);

  /** `expected`: distinct values to size the table for (it grows past them as needed). */
  constructor(readonly maxEntries: number = MAX_DICTIONARY, expected = 0) {
    const want = Math.min(expected, maxEntries);
    if (want > 512) {
      let cap = 1024;
      while (cap < want * 2) cap *= 2;
      this.slots = new Int32Array(cap);
      this.slotHashes = new Int32Array(cap);
      this.mask = cap - 1;
      this.offsets = new Int32Array(want + 2);
    }
    this.short = new ShortKeyTable(this.slots.length);
  }

  /** Adds bytes [s, e) of `src` (hash `h`, free slot `p`) as a new value; -1 when that would pass `maxEntries`. */
  private add(src: Uint8Array, s: number, e: number, h: number, p: number): number {
    const g = this.store(src, s, e);
    if (g < 0) return -1;
    this.slots[p] = g + 1;
    this.slotHashes[p] = h;
    if (++this.longCount * 2 > this.slots.length) this.rehash();
    return g;
  }

  /** Appends bytes [s, e) of `src` as value `size`; -1 when that would pass `maxEntries`. */
  private store(src: Uint8Array, s: number, e: number): number {
    if (this.size >= this.maxEntries || this.size > MAX_SHORT_ID) return -1;
    const len = e - s;
    const g = this.size++;
    if (g + 2 > this.offsets.length) {
      const o = new Int32Array(this.offsets.length * 2);
      o.set(this.offsets);
      this.offsets = o;
    }
    const start = this.offsets[g]!;
    if (start + len > this.bytes.length) {
      const b = new Uint8Array(Math.max(this.bytes.length * 2, start + len));
      b.set(this.bytes);
      this.bytes = b;
    }
    for (let k = 0; k < len; k++) this.bytes[start + k] = src[s + k]!;
    this.offsets[g + 1] = start + len;
    return g;
  }

  private rehash(): void {
    [this.slots, this.slotHashes] = doubleSlots(this.slots, this.slotHashes);
    this.mask = this.slots.length - 1;
  }

  /**
   * Per-row ids of rows [0, n) of a utf8 column (0 at nulls), adding new values; null when the
   * dictionary would pass `maxEntries` (the builder is then left partly filled).
   */
  encode(col: ColumnData, n = col.length, out: Int32Array = new Int32Array(n)): Int32Array | null {
    if (col.indices !== null) {
      // Already dictionary-encoded: map its dictionary once, then the indices.
      const remap = this.encode(col.dictionary!);
      if (!remap) return null;
      const src = col.indices;
      for (let i = 0; i < n; i++) out[i] = remap[src[i]!]!;
      return out;
    }
    const off = col.offsets!;
    const bytes = col.bytes!;
    const valid = col.validity;
    for (let i = 0; i < n; i++) {
      if (valid !== null && valid[i] === 0) continue;
      const g = this.encodeValue(bytes, off[i]!, off[i + 1]!);
      if (g < 0) return null;
      out[i] = g;
    }
    return out;
  }

  /**
   * The id of bytes [s, e) of `src`, added when new; -1 when that would pass `maxEntries`. This
   * runs once per CSV string value: short values go to the inline table (short-keys.ts).
   */
  encodeValue(src: Uint8Array, s: number, e: number): number {
    if (e - s > SHORT_KEY_BYTES) return this.encodeLong(src, s, e);
    const t = this.short;
    const id = t.find(src, s, e);
    if (id >= 0) return id;
    const g = this.store(src, s, e);
    if (g >= 0) t.insertLast(g);
    return g;
  }

  /**
   * Ids of the packed short keys `keys[0..count)` (four int32s each, as short-keys.ts `packKey`
   * writes them; a negative length skips the key) into `out[outBase..]`, adding new values in
   * order (as {@link encodeValue} one by one would). Hashes all keys first and then probes them in
   * runs, so the table's cache misses overlap (the CSV reader defers its lookups to here).
   * Returns `count`, or the first key whose value would pass `maxEntries` (keys before it are done).
   */
  encodeKeys(keys: Int32Array, count: number, out: Int32Array, outBase: number): number {
    let hs = this.hashScratch;
    if (hs.length < count) hs = this.hashScratch = new Int32Array(count);
    hashKeys(keys, 0, count, hs);
    const t = this.short;
    const tmp = this.keyScratch;
    let i = 0;
    for (;;) {
      i = t.probeRun(keys, hs, i, count, out, outBase);
      if (i >= count) return count;
      const g = this.store(tmp, 0, unpackKey(keys, i << 2, tmp, 0));
      if (g < 0) return i;
      t.insertLast(g);
      out[outBase + i++] = g;
    }
  }

  /**
   * {@link encodeValue} of a value longer than SHORT_KEY_BYTES. The hash (FNV-1a + murmur
   * finaliser, as key-table's hashBytes) and the probe are inlined.
   */
  private encodeLong(src: Uint8Array, s: number, e: number): number {
    let h = 0x811c9dc5 | 0;
    for (let k = s; k < e; k++) h = Math.imul(h ^ src[k]!, 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const slots = this.slots;
    const mask = this.mask;
    const len = e - s;
    let p = h & mask;
    for (;;) {
      const id = slots[p]!;
      if (id === 0) break;
      if (this.slotHashes[p] === h) {
        const o = this.offsets;
        const gs = o[id - 1]!;
        if (o[id]! - gs === len) {
          const b = this.bytes;
          let k = 0;
          while (k < len && b[gs + k] === src[s + k]) k++;
          if (k === len) return id - 1;
        }
      }
      p = (p + 1) & mask;
    }
    return this.add(src, s, e, h, p);
  }

  /**
   * Hands the short-value table's memory to this thread's next dictionary (short-keys.ts); call
   * once the builder is no longer used (`dictionary()` results stay valid).
   */
  release(): void {
    this.short.release();
  }

  /** The distinct values so far, in id order (a plain utf8 column; one empty string when there are none). */
  dictionary(): ColumnData {
    if (this.size === 0) return new ColumnData('utf8', 1, null, null, new Int32Array(2), new Uint8Array(0));
    const n = this.size;
    return new ColumnData('utf8', n, null, null, this.offsets.slice(0, n + 1), this.bytes.slice(0, this.offsets[n]!));
  }
}

/** True when rows [0, n) of a plain utf8 column hold at most `ratio × n` distinct values. */
function fewDistinct(col: ColumnData, n: number, ratio = MAX_DISTINCT_RATIO): boolean {
  return new DictionaryBuilder(Math.max(1, Math.floor(n * ratio))).encode(col, n) !== null;
}

/**
 * A CSV batch's utf8 column dictionary-encoded when its first 1024 rows, and then the whole
 * batch, hold at most 1/8 distinct values; else the column itself.
 */
export function encodeBatchColumn(col: ColumnData): ColumnData {
  const n = col.length;
  if (col.type !== 'utf8' || col.indices !== null || n < 64) return col;
  if (!fewDistinct(col, Math.min(n, 1024))) return col;
  const b = new DictionaryBuilder(Math.min(MAX_DICTIONARY, Math.max(1, Math.floor(n * MAX_DISTINCT_RATIO))));
  const idx = b.encode(col);
  return idx ? dictColumn(idx, b.dictionary(), col.validity) : col;
}

/** Rows sampled per column to decide whether the cache encodes it. */
const SAMPLE_ROWS = 8192;

/** Up to SAMPLE_ROWS rows of column `c`, spread evenly over the partitions' batches. */
function sampleColumn(parts: readonly (readonly Batch[])[], c: number, total: number): ColumnData | null {
  const step = Math.max(1, Math.floor(total / SAMPLE_ROWS));
  const pieces: ColumnData[] = [];
  let next = 0;
  let base = 0;
  for (const part of parts) {
    for (const b of part) {
      const col = b.columns[c]!;
      const picks: number[] = [];
      for (; next < base + b.numRows; next += step) picks.push(next - base);
      if (picks.length) pieces.push(take(col, Int32Array.from(picks)));
      base += b.numRows;
    }
  }
  if (pieces.length === 0) return null;
  // The sample as one plain column (small: ≤ SAMPLE_ROWS strings).
  const strings: (string | null)[] = [];
  for (const p of pieces) for (const s of p.strings()) strings.push(s);
  return utf8FromStrings(strings);
}

/**
 * Estimated distinct values among `total` rows when a uniform sample of `s` rows held `d`:
 * the D with D·(1 − e^(−s/D)) = d (sampling with replacement); `total` when the sample was all
 * distinct or all rows.
 */
export function estimateDistinct(d: number, s: number, total: number): number {
  if (s >= total) return d;
  if (d >= s) return total;
  let lo = d;
  let hi = total;
  for (let k = 0; k < 60 && hi - lo > 1; k++) {
    const mid = (lo + hi) / 2;
    if (mid * (1 - Math.exp(-s / mid)) < d) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The cache's rule: a column of `total` rows whose sample of `s` rows held `d` distinct values is
 * encoded when its estimated distinct count is at most 1/8 of the rows and fits a cache dictionary.
 */
export function cacheEncodes(d: number, s: number, total: number): boolean {
  const est = estimateDistinct(d, s, total);
  return est <= total * MAX_DISTINCT_RATIO && est <= MAX_CACHE_DICTIONARY;
}

/** How {@link encodeCachedPartitions} may lay out the new index arrays. */
export interface CacheEncodeOptions {
  /** Allocate new index arrays in shared memory (the cache's layout with worker threads). */
  readonly shared?: boolean;
  /**
   * The partitions' index arrays belong to this cache alone (fresh from a file scan, see
   * csv-dictionary.ts): they may be remapped in place instead of copied.
   */
  readonly inPlace?: boolean;
  /**
   * Column `c`'s dictionaries already merged while the job ran (io/csv-dictionary-merge.ts), in
   * partition order as `encodeCachedPartitions` would: used when every batch of the column is
   * dictionary-encoded; undefined: merge here.
   */
  readonly premerged?: (c: number, parts: readonly (readonly Batch[])[]) => PremergedColumn | undefined;
}

/** A column's dictionaries merged ahead: the builder and each merged dictionary's remap (null: identity). */
export interface PremergedColumn {
  readonly builder: DictionaryBuilder;
  readonly remaps: Map<ColumnData, Int32Array | null>;
  /** The merged dictionary when it is not `builder`'s (renumbered): then no value may be added. */
  readonly dictionary?: ColumnData;
}

/** A zero-filled Int32Array of `n`, in shared memory when `shared`. */
function int32s(n: number, shared: boolean): Int32Array {
  return shared && typeof SharedArrayBuffer !== 'undefined' ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n);
}

/** True when remap `r` maps every id to itself. */
export function isIdentity(r: Int32Array): boolean {
  for (let k = 0; k < r.length; k++) if (r[k] !== k) return false;
  return true;
}

/**
 * Per-row ids of column `c` of every batch under one dictionary (`builder`), or null when the
 * dictionary would pass its limit. Dictionary columns cost one encoding of each distinct
 * dictionary (partitions that were encoded by the scan share one per split) and a gather of
 * their indices, none when their dictionary maps to itself; plain columns hash every value.
 * Gathers happen only once every batch fitted, so a failure leaves the input untouched.
 */
function cacheIndices(parts: readonly (readonly Batch[])[], c: number, builder: DictionaryBuilder, opts: CacheEncodeOptions, remaps = new Map<ColumnData, Int32Array | null>(), frozen = false): Int32Array[][] | null {
  const shared = opts.shared ?? false;
  const out: (Int32Array | null)[][] = [];
  for (const p of parts) {
    const row: (Int32Array | null)[] = [];
    for (const b of p) {
      const col = b.columns[c]!;
      if (col.indices !== null) {
        const d = col.dictionary!;
        if (!remaps.has(d)) {
          if (frozen) return null;
          const r = builder.encode(d);
          if (!r) return null;
          remaps.set(d, isIdentity(r) ? null : r);
        }
        row.push(null); // gathered below
      } else {
        if (frozen) return null;
        const r = builder.encode(col, b.numRows, int32s(b.numRows, shared));
        if (!r) return null;
        row.push(r);
      }
    }
    out.push(row);
  }
  // Index arrays already remapped in place (a result may hold one batch twice), by buffer and offset.
  const done = new Map<ArrayBufferLike, Set<number>>();
  return out.map((row, pi) => row.map((r, bi) => {
    if (r !== null) return r;
    const col = parts[pi]![bi]!.columns[c]!;
    const src = col.indices!;
    const remap = remaps.get(col.dictionary!)!;
    if (remap === null) return src;
    let dst: Int32Array;
    if (opts.inPlace) {
      let offs = done.get(src.buffer);
      if (!offs) done.set(src.buffer, (offs = new Set()));
      if (offs.has(src.byteOffset)) return src;
      offs.add(src.byteOffset);
      dst = src;
    } else dst = int32s(src.length, shared);
    for (let i = 0; i < src.length; i++) dst[i] = remap[src[i]!]!;
    return dst;
  }));
}

/**
 * The cache's layout: each utf8 column whose sampled cardinality is low (≤ 1/8 of the sampled
 * rows distinct) is stored with one dictionary shared by all its cached batches (< 2^20 values);
 * other columns, and columns whose dictionary would grow past that, stay as they are. Columns
 * that arrive dictionary-encoded (per CSV split, see csv-dictionary.ts) are merged: their
 * dictionaries, not their rows, are hashed.
 */
export function encodeCachedPartitions(parts: Batch[][], opts: CacheEncodeOptions = {}): Batch[][] {
  const first = parts.find((p) => p.length > 0)?.[0];
  if (!first) return parts;
  let total = 0;
  for (const p of parts) for (const b of p) total += b.numRows;
  if (total < 64) return parts;
  const fields = first.schema.fields;
  const encoded = new Map<number, Int32Array[][]>();
  const dicts = new Map<number, ColumnData>();
  for (let c = 0; c < fields.length; c++) {
    if (fields[c]!.type !== 'utf8') continue;
    const allDict = parts.every((p) => p.every((b) => b.columns[c]!.indices !== null));
    // Already one dictionary (e.g. a cached frame derived from another cached frame): kept as is.
    const one = first.columns[c]!.dictionary;
    if (allDict && parts.every((p) => p.every((b) => b.columns[c]!.dictionary === one))) continue;
    if (!allDict) {
      const sample = sampleColumn(parts, c, total);
      if (!sample) continue;
      const b = new DictionaryBuilder(sample.length);
      b.encode(sample);
      if (!cacheEncodes(b.size, sample.length, total)) continue;
    }
    const pre = allDict ? opts.premerged?.(c, parts) : undefined;
    const builder = pre?.builder ?? new DictionaryBuilder(MAX_CACHE_DICTIONARY);
    const idx = cacheIndices(parts, c, builder, opts, pre?.remaps, pre?.dictionary !== undefined);
    if (!idx) continue;
    encoded.set(c, idx);
    dicts.set(c, pre?.dictionary ?? builder.dictionary());
  }
  if (encoded.size === 0) return parts;
  return parts.map((p, pi) => p.map((b, bi) => {
    const cols = b.columns.map((col, c) => {
      const idx = encoded.get(c);
      return idx ? dictColumn(idx[pi]![bi]!, dicts.get(c)!, col.validity) : col;
    });
    return new Batch(b.schema, cols, b.numRows);
  }));
}

/** Number of dictionary-encoded columns among a batch's columns (for tests and explain). */
export function dictionaryColumnCount(b: Batch): number {
  let n = 0;
  for (const c of b.columns) if (c.indices !== null) n++;
  return n;
}

/**
 * Sort ranks of a dictionary's entries: rank[k] < rank[j] iff entry k sorts before entry j
 * (the JS string order that sorts of plain strings use), equal strings equal ranks.
 */
export function dictionaryRanks(dictionary: ColumnData): Int32Array {
  const ds = dictionary.strings() as string[];
  const order = ds.map((_, i) => i);
  order.sort((a, b) => (ds[a]! < ds[b]! ? -1 : ds[a]! > ds[b]! ? 1 : 0));
  const ranks = new Int32Array(ds.length);
  let r = 0;
  for (let k = 0; k < order.length; k++) {
    if (k > 0 && ds[order[k]!] !== ds[order[k - 1]!]) r++;
    ranks[order[k]!] = r;
  }
  return ranks;
}
