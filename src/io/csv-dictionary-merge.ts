/**
 * Merges the split dictionaries of a cache's CSV scans (csv-dictionary.ts) while the scan is
 * still running (issue 18): the main thread is otherwise idle until the last split arrives, and
 * then merged every split's dictionaries (16 splits × 1e5 id3 values at 1e7 rows) while the
 * workers waited. Each result partition is merged as it arrives, a little later (setImmediate)
 * so that the scheduler first hands the idle worker its next task. Tasks finish out of order
 * (a 1e7-row load finished partitions 0, 1, 2, 4, 6, …, 14, 3, 7, 11, 15, 9, 5, 13), so the
 * arrival-order dictionary is then renumbered into the order of merging partition by partition
 * (passes over the split dictionaries' remaps and a gather of the values, no hashing): every code
 * is the same as when `encodeCachedPartitions` (data/dictionary.ts) merges after the job, which
 * then only gathers the indices.
 *
 * Measured: see the figures in csv-dictionary.ts.
 */
import type { Batch } from '../data/batch.js';
import { type ColumnData, take } from '../data/column.js';
import { DictionaryBuilder, MAX_CACHE_DICTIONARY, type PremergedColumn, isIdentity } from '../data/dictionary.js';

/**
 * Column `c`'s merge `m` renumbered into partition order: ids by first appearance walking
 * `parts`, their batches and each new dictionary's entries (as a merge in that order assigns them).
 */
function inPartitionOrder(m: PremergedColumn, parts: readonly (readonly Batch[])[], c: number): PremergedColumn {
  const n = m.builder.size;
  const perm = new Int32Array(n).fill(-1);
  let next = 0;
  const seen = new Set<ColumnData>();
  for (const bs of parts) {
    for (const b of bs) {
      const d = b.columns[c]!.dictionary!;
      if (seen.has(d)) continue;
      seen.add(d);
      const r = m.remaps.get(d)!;
      for (let k = 0; k < d.length; k++) {
        const g = r === null ? k : r[k]!;
        if (perm[g]! < 0) perm[g] = next++;
      }
    }
  }
  const inv = new Int32Array(n);
  for (let g = 0; g < n; g++) inv[perm[g]!] = g;
  const remaps = new Map<ColumnData, Int32Array | null>();
  for (const [d, r] of m.remaps) {
    const out = new Int32Array(d.length);
    for (let k = 0; k < d.length; k++) out[k] = perm[r === null ? k : r[k]!]!;
    remaps.set(d, isIdentity(out) ? null : out);
  }
  return { builder: m.builder, remaps, dictionary: n === 0 ? m.builder.dictionary() : take(m.builder.dictionary(), inv) };
}

/** Result partitions in, merged column dictionaries out (see the module comment). */
export class DictionaryMerger {
  private queue: [number, readonly Batch[]][] = [];
  private scheduled = false;
  /** The partitions merged so far, by index. */
  private readonly merged = new Map<number, readonly Batch[]>();
  /** Whether partitions were merged in index order (else columns are renumbered when asked for). */
  private inOrder = true;
  /** Per utf8 column: its merge, or null once a batch holds it plain or the dictionary passed its limit. */
  private readonly cols = new Map<number, PremergedColumn | null>();
  /** Columns already renumbered into partition order. */
  private readonly ordered = new Set<number>();

  /** Takes result partition `part` (RunOptions.onResult). */
  add(part: number, batches: readonly Batch[]): void {
    this.queue.push([part, batches]);
    this.schedule();
  }

  /**
   * Merges one queued partition per turn of the event loop: a worker's reply (and with it the
   * start of its next task, pool.ts) waits for at most one partition's merge (~1e5 id3 values
   * at 1e7 rows), not for every partition that arrived meanwhile.
   */
  private schedule(): void {
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const next = this.queue.shift();
      if (next) this.mergePartition(next[0], next[1]);
      this.schedule();
    });
  }

  private drain(): void {
    const q = this.queue;
    this.queue = [];
    for (const [part, bs] of q) this.mergePartition(part, bs);
  }

  private mergePartition(part: number, bs: readonly Batch[]): void {
    if (part !== this.merged.size) this.inOrder = false;
    this.merged.set(part, bs);
    for (const b of bs) {
      const fields = b.schema.fields;
      for (let c = 0; c < fields.length; c++) {
        if (fields[c]!.type !== 'utf8') continue;
        let m = this.cols.get(c);
        if (m === null) continue;
        const col = b.columns[c]!;
        if (col.indices === null) {
          this.cols.set(c, null);
          continue;
        }
        if (m === undefined) this.cols.set(c, (m = { builder: new DictionaryBuilder(MAX_CACHE_DICTIONARY), remaps: new Map<ColumnData, Int32Array | null>() }));
        const d = col.dictionary!;
        if (m.remaps.has(d)) continue;
        const r = m.builder.encode(d);
        if (r === null) this.cols.set(c, null);
        else m.remaps.set(d, isIdentity(r) ? null : r);
      }
    }
  }

  /**
   * Column `c`'s merge over `parts` (the job's partitions, the ones this merger was given) in
   * partition order, merging the partitions not merged yet; undefined when `parts` are not those
   * partitions or the column cannot be merged (CacheEncodeOptions.premerged).
   */
  column(c: number, parts: readonly (readonly Batch[])[]): PremergedColumn | undefined {
    this.drain();
    for (const [i, m] of this.merged) {
      if (i >= parts.length || (m !== parts[i] && (m.length > 0 || parts[i]!.length > 0))) return undefined;
    }
    for (let i = 0; i < parts.length; i++) if (!this.merged.has(i)) this.mergePartition(i, parts[i]!);
    const m = this.cols.get(c);
    if (!m) return undefined;
    if (this.inOrder || this.ordered.has(c)) return m;
    const fixed = inPartitionOrder(m, parts, c);
    this.cols.set(c, fixed);
    this.ordered.add(c);
    return fixed;
  }
}
