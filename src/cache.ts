/**
 * The cache manager behind `df.cache()` / `persist()` / `unpersist()`: a cached DataFrame's plan
 * is marked, materialised by the first action that needs it (its partitions kept in memory, in
 * shared buffers so workers read them without copies), and substituted into later plans.
 */
import type { Batch } from './data/batch.js';
import { MemorySource } from './io/source.js';
import { type LogicalPlan, children, withChildren } from './plan/logical.js';
import { Schema } from './types.js';

interface Entry {
  data: Promise<Batch[][]> | null;
  /** The scan source over the cached partitions (one object, so its shared-memory form is made once). */
  source: MemorySource | null;
}

/** Cached plans of one session. */
export class CacheManager {
  private readonly entries = new Map<LogicalPlan, Entry>();

  /** Marks a plan for caching. */
  mark(plan: LogicalPlan): void {
    if (!this.entries.has(plan)) this.entries.set(plan, { data: null, source: null });
  }

  /** Forgets a plan's cached data. */
  drop(plan: LogicalPlan): boolean {
    return this.entries.delete(plan);
  }

  /** True if the plan is marked. */
  has(plan: LogicalPlan): boolean {
    return this.entries.has(plan);
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
      const entry = this.entries.get(p);
      if (entry) {
        if (!entry.data) {
          // Nested caches inside the cached subtree are substituted first; the node itself is not revisited.
          const kids = children(p);
          const inner = kids.length ? withChildren(p, await Promise.all(kids.map(rec))) : p;
          entry.data = run(inner);
          entry.data.catch(() => { entry.data = null; });
        }
        const parts = await entry.data;
        const fields = p.schema.fields.map(({ name, type, nullable }) => ({ name, type, nullable }));
        const source = (entry.source ??= new MemorySource(new Schema(fields), parts, 'cached'));
        return { kind: 'scan', source, columns: fields.map((_, i) => i), filters: [], limit: null, schema: p.schema };
      }
      const kids = children(p);
      if (kids.length === 0) return p;
      const next = await Promise.all(kids.map(rec));
      return next.every((k, i) => k === kids[i]) ? p : withChildren(p, next);
    };
    return rec(plan);
  }
}
