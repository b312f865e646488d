/**
 * The cache manager behind `df.cache()` / `persist()` / `unpersist()`, `CACHE TABLE` and
 * `spark.catalog.cacheTable`: a cached DataFrame's plan is marked, materialised by the first
 * action that needs it (its partitions kept in memory, in shared buffers so workers read them
 * without copies), and substituted into later plans. Cached data is found by plan, as Spark's
 * cache manager does: any plan containing a subtree with the same fingerprint as a cached plan
 * (src/plan/fingerprint.ts: same operators, expressions and sources, whatever the names) reads
 * the cache, so a temp view, `spark.table`, a SQL query or a frame derived from the cached one
 * all use it.
 *
 * Memory (issue 18): with worker threads the cached data is held once, in shared memory
 * (`sharedCacheLayout`), and dropping large cached data frees it at once (`releaseData`). Measured
 * with `npx tsx --max-old-space-size=12000 bench/mem-probe.ts --size 1e7` (bench:compare's groupby
 * protocol, 2 threads, loaded machine): the peak is q10's (1e7 groups): 3455 / 3621 MB (run 1 /
 * run 2) before, 2945 / 3028 MB after; the cache itself holds 520 MB (id3 plain strings 164 MB).
 * `bench/dbbench.ts --rows 1e7 --only groupby --reps 2 --baseline` (main's build): peak RSS 4791 →
 * 4277 MB.
 */
import type { Batch } from './data/batch.js';
import type { ColumnData } from './data/column.js';
import { collectGarbage } from './exec/memory.js';
import { batchBytes, shareBatch, unshareBatch } from './exec/serde.js';
import { MemorySource } from './io/source.js';
import { fingerprint } from './plan/fingerprint.js';
import { type LogicalPlan, children, withChildren } from './plan/logical.js';
import { transformDown } from './plan/tree.js';
import { Schema } from './types.js';

interface Entry {
  data: Promise<Batch[][]> | null;
  /**
   * Scan sources over the cached partitions, one per set of column names the data is read under
   * (one object each, so its shared-memory form is made once).
   */
  sources: Map<string, MemorySource>;
  /** The partitions once computed. */
  parts: Batch[][] | null;
}

/** Cached plans of one session. */
export class CacheManager {
  private readonly entries = new Map<string, Entry>();

  /** Marks a plan for caching. */
  mark(plan: LogicalPlan): void {
    const key = fingerprint(plan);
    if (!this.entries.has(key)) this.entries.set(key, { data: null, sources: new Map(), parts: null });
  }

  /** Forgets a plan's cached data, giving its memory back at once when it is large (see `releaseData`). */
  drop(plan: LogicalPlan): boolean {
    const key = fingerprint(plan);
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    releaseData([entry]);
    return true;
  }

  /** True if the plan (or one with the same fingerprint) is marked. */
  has(plan: LogicalPlan): boolean {
    return this.entries.size > 0 && this.entries.has(fingerprint(plan));
  }

  /** True if the plan is marked and its data is computed (or being computed). */
  isMaterialized(plan: LogicalPlan): boolean {
    return this.entries.size > 0 && (this.entries.get(fingerprint(plan))?.data ?? null) !== null;
  }

  /** Forgets every cached plan (`CLEAR CACHE`, `spark.catalog.clearCache()`). */
  clear(): void {
    const all = [...this.entries.values()];
    this.entries.clear();
    releaseData(all);
  }

  /**
   * @internal The names of a cached plan's columns that its computed data holds
   * dictionary-encoded (data/dictionary.ts); empty when not cached or not computed yet.
   */
  dictionaryColumns(plan: LogicalPlan): string[] {
    const parts = this.entries.get(fingerprint(plan))?.parts;
    const b = parts?.find((p) => p.length > 0)?.[0];
    if (!b) return [];
    return b.schema.fields.filter((_, c) => parts!.every((p) => p.every((x) => x.columns[c]!.indices !== null))).map((f) => f.name);
  }

  /**
   * @internal How a cached plan's computed data is held, per column (for tests and diagnostics,
   * like the size in memory of Spark's Storage tab): its layout, the bytes of the distinct buffers
   * behind it (a dictionary shared by several batches counted once), and whether every one of
   * them is in shared memory. Null when the plan is not cached or not computed yet.
   */
  storage(plan: LogicalPlan): { name: string; layout: 'dictionary' | 'plain'; bytes: number; shared: boolean }[] | null {
    const parts = this.entries.get(fingerprint(plan))?.parts;
    if (!parts) return null;
    return plan.schema.fields.map((f, c) => {
      const seen = new Set<ArrayBufferView>();
      const add = (a: ArrayBufferView | null | undefined) => { if (a) seen.add(a); };
      const addColumn = (k: ColumnData): void => {
        if (k.indices !== null) {
          add(k.indices);
          add(k.validity);
          if (!seen.has(k.dictionary!.offsets!)) addColumn(k.dictionary!);
          if (k.hasPlainLayout()) { add(k.offsets); add(k.bytes); } // a decoded copy, kept with the column
          return;
        }
        add(k.values); add(k.validity); add(k.offsets); add(k.bytes);
        if (k.child) addColumn(k.child);
        for (const x of k.children ?? []) addColumn(x);
      };
      let dictionary = true;
      for (const p of parts) for (const b of p) { const k = b.columns[c]!; dictionary &&= k.indices !== null; addColumn(k); }
      let bytes = 0;
      let shared = true;
      for (const a of seen) { bytes += a.byteLength; shared &&= typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer; }
      return { name: f.name, layout: dictionary && parts.some((p) => p.length > 0) ? 'dictionary' : 'plain', bytes, shared };
    });
  }

  /** Number of cached plans. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Replaces marked subtrees of `plan` by scans of their cached partitions, materialising the
   * ones not computed yet with `run` (nested caches first).
   */
  async substitute(plan: LogicalPlan, run: (p: LogicalPlan) => Promise<Batch[][]>): Promise<LogicalPlan> {
    if (this.entries.size === 0) return plan;
    const rec = async (p: LogicalPlan): Promise<LogicalPlan> => {
      const entry = this.entries.get(fingerprint(p));
      if (entry) {
        if (!entry.data) {
          // Nested caches inside the cached subtree are substituted first; the node itself is not revisited.
          const kids = children(p);
          const inner = kids.length ? withChildren(p, await Promise.all(kids.map(rec))) : p;
          const data = run(inner);
          entry.data = data;
          data.then((parts) => { if (entry.data === data) entry.parts = parts; }, () => { entry.data = null; });
        }
        return cachedScan(p, entry, await entry.data);
      }
      const kids = children(p);
      if (kids.length === 0) return p;
      const next = await Promise.all(kids.map(rec));
      return next.every((k, i) => k === kids[i]) ? p : withChildren(p, next);
    };
    return rec(plan);
  }

  /**
   * For EXPLAIN without running anything: marked subtrees become in-memory scans, of their data
   * when computed, else of an empty placeholder labelled as not computed yet.
   */
  substituteForExplain(plan: LogicalPlan): LogicalPlan {
    if (this.entries.size === 0) return plan;
    return transformDown(plan, (p) => {
      const entry = this.entries.get(fingerprint(p));
      if (!entry) return p;
      return entry.parts ? cachedScan(p, entry, entry.parts) : cachedScan(p, { data: null, sources: new Map(), parts: null }, [[]], 'InMemoryRelation (not computed yet)');
    });
  }
}

/** Dropped cached data at least this large is freed at once by a full collection (a few ms on the main thread's small heap). */
export const RELEASE_COLLECT_BYTES = 16 * 2 ** 20;

/**
 * Frees the memory of dropped cache entries now rather than at the main thread's next garbage
 * collection, which may come only jobs later (exec/memory.ts `collectGarbage`): the entries'
 * data holds at least `RELEASE_COLLECT_BYTES`. Data still being computed is freed when its job ends.
 */
function releaseData(dropped: Entry[]): void {
  let bytes = 0;
  for (const e of dropped) for (const p of e.parts ?? []) for (const b of p) bytes += batchBytes(b);
  for (const e of dropped) { e.parts = null; e.data = null; e.sources.clear(); }
  if (bytes >= RELEASE_COLLECT_BYTES) collectGarbage();
}

/**
 * The cached partitions with every buffer in shared memory, for sessions with worker threads:
 * scans of a cache post its batches to the workers in shared memory (exec/plan-spec.ts makes
 * that form once per source), so buffers the main thread made (the cache's dictionary indices,
 * tasks that ran in the main thread) would otherwise be held twice for as long as the data is
 * cached, once as made and once as the shared copy. Buffers already shared are kept as they are;
 * dictionaries shared by several batches stay one object.
 */
export function sharedCacheLayout(parts: Batch[][]): Batch[][] {
  return parts.map((p) => p.map((b) => unshareBatch(shareBatch(b), b.schema)));
}

/** A scan of a cached plan's partitions under the column names of `p` (the plan it stands for). */
function cachedScan(p: LogicalPlan, entry: Entry, parts: Batch[][], label = 'InMemoryRelation'): LogicalPlan {
  const fields = p.schema.fields.map(({ name, type, nullable }) => ({ name, type, nullable }));
  const names = JSON.stringify(fields.map((f) => f.name));
  let source = entry.sources.get(names);
  if (!source) entry.sources.set(names, (source = new MemorySource(new Schema(fields), parts, label)));
  return { kind: 'scan', source, columns: fields.map((_, i) => i), filters: [], limit: null, schema: p.schema };
}
