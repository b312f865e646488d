/** Test helpers of the direct aggregation tests: results in a comparable form, a query run with direct aggregation on and off, a session and DuckDB per describe. */
import { afterAll, beforeAll, expect } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { type DataFrame, Session } from '../src/index.js';

/** Rows as sorted JSON lines, doubles to 12 digits (the paths may add in another order across tasks), NaN kept apart from null. */
export function canon(rows: readonly Record<string, unknown>[]): string[] {
  const norm = (v: unknown): unknown =>
    typeof v === 'number' && Number.isNaN(v) ? 'NaN'
      : typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v) ? Number(v.toPrecision(12))
        : v instanceof Date ? v.toISOString() : Array.isArray(v) ? v.map(norm) : v;
  return rows.map((r) => JSON.stringify(Object.keys(r).sort().map((k) => [k, norm(r[k])]))).sort();
}

/** Collects `q` with direct aggregation on and off (`kindling.aggregate.direct`); expects equal results and returns them. */
export async function bothPaths(spark: Session, q: () => DataFrame): Promise<Record<string, unknown>[]> {
  const direct = await q().collect();
  spark.conf.set('kindling.aggregate.direct', false);
  try {
    expect(canon(direct)).toEqual(canon(await q().collect()));
  } finally {
    spark.conf.unset('kindling.aggregate.direct');
  }
  return direct;
}

/**
 * A session at `threads` threads and a DuckDB connection for the tests of the enclosing describe
 * (opened before them, closed after), and `bothPaths` on that session.
 */
export function directFixture(threads: number): { readonly spark: Session; readonly db: DuckDBConnection; bothPaths(q: () => DataFrame): Promise<Record<string, unknown>[]> } {
  let spark: Session | undefined;
  let db: DuckDBConnection | undefined;
  beforeAll(async () => {
    spark = await Session.create({ threads, shufflePartitions: threads });
    db = await (await DuckDBInstance.create(':memory:')).connect();
  });
  afterAll(() => {
    db?.closeSync();
    return spark?.stop();
  });
  return {
    get spark() { return spark!; },
    get db() { return db!; },
    bothPaths: (q) => bothPaths(spark!, q),
  };
}
