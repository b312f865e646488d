/**
 * Comparing aggregate answers with DuckDB's (test/median.test.ts, test/median-partial.test.ts):
 * rows canonicalised to sorted arrays of values, doubles compared within a relative tolerance.
 */
import { expect } from 'vitest';

/** Rows as arrays of their values (keys sorted by name), sorted; bigints as numbers, NaN as the string 'NaN'. */
export function canon(rows: Record<string, unknown>[]): unknown[][] {
  const out = rows.map((r) => Object.keys(r).sort().map((k) => {
    const x = r[k];
    return typeof x === 'bigint' ? Number(x) : Number.isNaN(x) ? 'NaN' : x;
  }));
  return out.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** Same rows; doubles within 1e-9 relative (DuckDB sums in another order), everything else exactly. */
export function expectSame(ours: unknown[][], theirs: unknown[][]): void {
  expect(ours.length).toBe(theirs.length);
  const close = (a: unknown, b: unknown) => a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));
  const bad = ours.filter((r, i) => r.length !== theirs[i]!.length || r.some((v, j) => !close(v, theirs[i]![j])));
  expect(bad.slice(0, 3).map((r) => [r, theirs[ours.indexOf(r)]])).toEqual([]);
}
