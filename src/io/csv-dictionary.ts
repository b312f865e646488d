/**
 * Dictionary encoding of CSV string columns while a split is read, for the cache (issue 18: CSV
 * load faster than DuckDB and Polars). When a cache is materialised its CSV scans run in this
 * mode (csv-cache.ts): each split decides per utf8 column, from a sample of its first batch, by
 * the cache's own rule (data/dictionary.ts `cacheEncodes`, with the scan's row count estimated
 * from the bytes per row), whether to encode it; encoded columns are hashed straight from the
 * tokenizer's buffer into one dictionary per split and column (no byte copy), their indices
 * allocated in shared memory. The split's batches are held until it ends and then all refer to
 * its final dictionary (one object, so the main thread merges each split's dictionary once and
 * gathers the indices: `encodeCachedPartitions`). A split's dictionary that passes 2^20 − 1
 * entries, or half of the rows read after four batches, stops growing: later rows stay plain.
 * The decision for the cache as a whole is still the main thread's, by its sample.
 *
 * Measured (G1_1e7_1e2_0_0.csv, `cache()` + `count()`, 2 threads, 11:00–12:07 UTC, load
 * average 5–15 from other jobs on the 2-core machine, so wall seconds mostly measure contention):
 *  - Profiles (`node --cpu-prof`, workers through KINDLING_WORKER_FLAGS, scratch/prof1.mjs, both
 *    builds back to back, 2 loads each, summed): the main thread's serial part after the scan
 *    falls from `encode` 8.6 s + `toShared` 1.3 s (main's build: every id3 string hashed, every
 *    index array copied into shared memory) to `encode` 1.2–4.9 s (merging 16 splits × 3
 *    dictionaries; index arrays remapped in place, already shared). The workers gain that work
 *    instead: encoding inside `add` (per value, against the split's table) measured about 1.5×
 *    the cost of a separate pass per column and batch, which is what the builder now does.
 *  - Paired wall times, second load of each process (the first includes worker start-up), main's
 *    build / this one: 6.03 / 6.45, 5.29 / 6.34 (load ≈ 10, `npm test` running), 5.96 / 5.52,
 *    6.24 / 7.49 s (load ≈ 5). process CPU ≈ wall in all runs: the process got about one core,
 *    so moving serial work into two parallel workers could not show; no speed-up is claimed from
 *    these runs. Total CPU is about equal; the gain needs the two cores free (as bench:compare
 *    has them), where the main thread's ~1.2 s serial encode of id3 becomes ~0.6 s per worker.
 *  - Once the machine was quiet (12:13 UTC, load 2.5, process CPU > wall), one pair, first /
 *    second load: main's build 5.79 / 3.81 s, this one 4.25 / 2.83 s (1.36× / 1.35×); the
 *    second load is below Polars' 3.42 s from the 10:13 bench:compare run (other hour).
 *
 * Later (13:00–13:50 UTC, machine load average 5–9 from other jobs throughout, so wall seconds
 * are unreliable): short values held inline in the dictionary's table (data/short-keys.ts),
 * encoding inside `BatchBuilder.add` from the tokenizer's buffer (no byte copy, no second pass)
 * and the merge overlapped with the scan (csv-dictionary-merge.ts).
 *  - Worker profiles (scratch/load-prof.mjs, 2 loads, per worker): `encode` 2.8–3.1 s + `add`
 *    1.9–2.1 s before; after the short-key table `encode` 2.1–2.4 s; after encoding in `add`,
 *    `add` 3.2 s (half of it the id3 table probe, short-keys.js `t[q]`) + `encodeValue` 0.3 s;
 *    total worker CPU 9.8 → 7.8 s per worker for the same two loads.
 *  - `flock bench.lock npx tsx --max-old-space-size=12000 bench/dbbench.ts --rows 1e7 --only
 *    groupby --q q1 --reps 5 --loads 4 --baseline /work/wt/base/dist` (13:45, load ≈ 9): groupby
 *    load 1.60× (pairs 1.09–2.01; best 6.88 → 6.29 s), q1 1.04×. The same with `--only join
 *    --q j1 --loads 3`: join load 1.10× at 13:36 (pairs 1.08–1.27; best 4.15 → 3.77 s, before the
 *    merge overlap) and 0.93× at 13:47 (pairs 0.87–1.08, load ≈ 9). Process CPU per load of
 *    J1_1e7_NA alone (scratch/ab-load.mjs, 3 pairs): 0.95–1.01× (its strings are 10 and 1e4
 *    values plus a unique column, so little changes there).
 *  - Final build, load-only pairs (`--q zz --reps 0 --loads 5`, 14:21, load ≈ 6–8): groupby load
 *    1.17× (pairs 0.93–1.77; best 6.36 → 4.03 s); join load (`--loads 4`) 1.01× (0.71–1.24).
 *    A quiet-machine rerun is still owed before any wall-clock claim against Polars.
 *
 * Later still (15:25–16:25 UTC, load average 7–14): split dictionaries first sized for at most
 * 2^14 values (INITIAL_ENTRIES), the first batch cut at 16384 rows (csv.ts), lookups deferred
 * (csv-build.ts). The join tables' load (4 files at once) is not worker-bound in the same way:
 * a worker profile of one load showed both workers idle 0.35–0.64 s together mid-load while the
 * main thread finished a table's cache (data/dictionary.ts `encodeCachedPartitions`: the in-place
 * index remap 0.41 s and `sampleColumn` 0.33 s, synchronous, so no task was handed out).
 */
import { BATCH_SIZE, Batch } from '../data/batch.js';
import { allocArray } from '../data/alloc.js';
import { type ColumnData, dictColumn } from '../data/column.js';
import { DictionaryBuilder, MAX_CACHE_DICTIONARY, cacheEncodes, estimateDistinct } from '../data/dictionary.js';
import type { BatchBuilder } from './csv-build.js';

/** Most distinct values a split's dictionary is first sized for (it grows past them). */
const INITIAL_ENTRIES = 1 << 14;
/** Rows of the first batch sampled to decide a column. */
const SAMPLE_ROWS = 1024;

/** Distinct values among up to SAMPLE_ROWS rows of a plain utf8 column, spread evenly, and the sample size. */
function sampleDistinct(col: ColumnData): { d: number; s: number } {
  const n = col.length;
  const step = Math.max(1, Math.floor(n / SAMPLE_ROWS));
  const b = new DictionaryBuilder(SAMPLE_ROWS);
  const off = col.offsets!;
  const bytes = col.bytes!;
  const valid = col.validity;
  let s = 0;
  for (let i = 0; i < n && s < SAMPLE_ROWS; i += step) {
    s++;
    if (valid === null || valid[i] !== 0) b.encodeValue(bytes, off[i]!, off[i + 1]!);
  }
  return { d: b.size, s };
}

/** The split-level dictionaries of one CSV split being read (see the module comment). */
export class SplitDictionaries {
  private readonly held: Batch[] = [];
  private rows = 0;
  private started = false;
  /** The dictionary of each encoded column (kept when the column stops encoding: earlier batches use it). */
  private readonly dicts = new Map<number, DictionaryBuilder>();

  /**
   * `utf8`: the output columns of utf8 type; `estimate`: the rows of the whole scan and of
   * this split from the first batch's row count.
   */
  constructor(private readonly builder: BatchBuilder, private readonly utf8: readonly number[], private readonly estimate: (firstBatchRows: number) => { scan: number; split: number }, private readonly limit = MAX_CACHE_DICTIONARY) {}

  /** Takes a finished batch (held until `finish`). The first one decides which columns are encoded. */
  add(batch: Batch): void {
    if (!this.started) {
      this.started = true;
      batch = this.start(batch);
    }
    this.held.push(batch);
    this.rows += batch.numRows;
    for (const j of this.utf8) {
      const d = this.builder.dictionaryOf(j);
      if (d !== null && this.rows >= 4 * BATCH_SIZE && d.size * 2 > this.rows) this.builder.setDictionary(j, null);
    }
  }

  /** Decides per column from the first batch and encodes that batch's chosen columns. */
  private start(batch: Batch): Batch {
    const n = batch.numRows;
    if (n < 64) return batch;
    const est = this.estimate(n);
    const total = Math.max(n, est.scan);
    const cols = batch.columns.slice();
    for (const j of this.utf8) {
      const col = cols[j]!;
      if (col.indices !== null) continue;
      const { d, s } = sampleDistinct(col);
      if (!cacheEncodes(d, s, total)) continue;
      // Sized for the split's expected distinct values, but at most INITIAL_ENTRIES: the estimate
      // from 1024 sampled rows is far too high for a column like db-benchmark's id3 or the join's
      // id5 (1e5 / 1e4 values, nearly all distinct in the sample), and a table sized for the split's
      // rows (2^21 slots, 32 MiB) scattered the few keys over thousands of pages: a TLB miss per
      // lookup. Growing by doubling rehashes about as many keys again, once.
      const dict = new DictionaryBuilder(this.limit, Math.min(estimateDistinct(d, s, total), Math.max(n, est.split), INITIAL_ENTRIES));
      const idx = dict.encode(col, n, allocArray(Int32Array, n));
      if (!idx) continue;
      cols[j] = dictColumn(idx, this.builder.pending[j]!, col.validity);
      this.builder.setDictionary(j, dict);
      this.dicts.set(j, dict);
    }
    return new Batch(batch.schema, cols, n);
  }

  /** The held batches, each encoded column now referring to its split's final dictionary. */
  finish(): Batch[] {
    const finals = new Map<ColumnData, ColumnData>();
    for (const [j, d] of this.dicts) {
      finals.set(this.builder.pending[j]!, d.dictionary());
      d.release();
    }
    return this.held.map((b) => {
      if (!b.columns.some((c) => c.indices !== null && finals.has(c.dictionary!))) return b;
      return new Batch(b.schema, b.columns.map((c) => (c.indices !== null && finals.has(c.dictionary!) ? dictColumn(c.indices, finals.get(c.dictionary!)!, c.validity) : c)), b.numRows);
    });
  }
}
