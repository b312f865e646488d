/**
 * How a cache materialises plans that read CSV (issue 18): its CSV scans read with one dictionary
 * per split and string column (csv-dictionary.ts), so the main thread only merges small
 * dictionaries (data/dictionary.ts `encodeCachedPartitions`) instead of hashing every string.
 */
import type { LogicalPlan } from '../plan/logical.js';
import { anyPlan, transformDown } from '../plan/tree.js';
import { CsvSource } from './file-sources.js';

/**
 * `plan` with its CSV scans reading split-level dictionaries, and whether every scan of it reads
 * a CSV file: then the job's index arrays are its own (no cached or in-memory data passes
 * through), and the cache may remap them in place.
 */
export function cacheLoadPlan(plan: LogicalPlan): { plan: LogicalPlan; fresh: boolean } {
  const fresh = !anyPlan(plan, (p) => p.kind === 'scan' && !(p.source instanceof CsvSource));
  const out = transformDown(plan, (p) => (p.kind === 'scan' && p.source instanceof CsvSource && p.source.scan.dictionary === true ? { ...p, source: p.source.forCache() } : p));
  return { plan: out, fresh };
}
