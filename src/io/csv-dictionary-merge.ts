/**
 * Merges the split dictionaries of a cache's CSV scans (csv-dictionary.ts) while the scan is
 * still running (issue 18): the main thread is otherwise idle until the last split arrives, and
 * then merged every split's dictionaries (16 splits × 1e5 id3 values at 1e7 rows) while the
 * workers waited. Each result partition is merged as soon as it and every partition before it
 * have arrived (so the merged dictionary's order, and every code, is the same as merging after
 * the job), a little later (setImmediate) so that the scheduler first hands the idle worker its
 * next task. `encodeCachedPartitions` (data/dictionary.ts) then only merges what is left, and
 * gathers the indices.
 *
 * Measured: see the figures in csv-dictionary.ts.
 */
import type { Batch } from '../data/batch.js';
import type { ColumnData } from '../data/column.js';
import { DictionaryBuilder, MAX_CACHE_DICTIONARY, type PremergedColumn, isIdentity } from '../data/dictionary.js';

/** Result partitions in, merged column dictionaries out (see the module comment). */
export class DictionaryMerger {
  private readonly arrived = new Map<number, readonly Batch[]>();
  /** The partitions merged so far, in order. */
  private readonly merged: (readonly Batch[])[] = [];
  /** Per utf8 column: its merge, or null once a batch holds it plain or the dictionary passed its limit. */
  private readonly cols = new Map<number, PremergedColumn | null>();
  private scheduled = false;

  /** Takes result partition `part` (RunOptions.onResult). */
  add(part: number, batches: readonly Batch[]): void {
    this.arrived.set(part, batches);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      let bs: readonly Batch[] | undefined;
      while ((bs = this.arrived.get(this.merged.length)) !== undefined) {
        this.arrived.delete(this.merged.length);
        this.mergePartition(bs);
      }
    });
  }

  private mergePartition(bs: readonly Batch[]): void {
    this.merged.push(bs);
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
   * Column `c`'s merge over `parts` (the job's partitions, the ones this merger was given),
   * merging the partitions not merged yet; undefined when `parts` are not those partitions or the
   * column cannot be merged (CacheEncodeOptions.premerged).
   */
  column(c: number, parts: readonly (readonly Batch[])[]): PremergedColumn | undefined {
    for (let i = 0; i < this.merged.length; i++) {
      const m = this.merged[i]!;
      if (i >= parts.length || (m !== parts[i] && (m.length > 0 || parts[i]!.length > 0))) return undefined;
    }
    this.arrived.clear();
    while (this.merged.length < parts.length) this.mergePartition(parts[this.merged.length]!);
    return this.cols.get(c) ?? undefined;
  }
}
