/**
 * Seeded array test data shared by the generator and lambda tests: rows with list columns
 * (null and empty arrays, null elements), and a DuckDB table of the same rows to check against,
 * set up around a test file by `arrayFixture`.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, expect } from 'vitest';
import { mulberry32 } from '../src/exec/basic.js';
import { AnalysisError, type DataFrame, Session } from '../src/index.js';
import type { Schema } from '../src/types.js';
import { testThreads } from './threads.js';

/** A generator of nullable arrays: 10% null, 10% empty, else 1..maxLen elements with 10-15% nulls. */
export function arrays(seed: number, maxLen: number): { r: () => number; arr: <T>(gen: () => T) => (T | null)[] | null } {
  const r = mulberry32(seed);
  const arr = <T>(gen: () => T): (T | null)[] | null => {
    const u = r();
    if (u < 0.1) return null;
    if (u < 0.2) return [];
    return Array.from({ length: 1 + Math.floor(r() * maxLen) }, () => (r() < 0.12 ? null : gen()));
  };
  return { r, arr };
}

/** A DuckDB list literal of ints (or of strings with `strings`), or NULL. */
export function duckList(xs: readonly unknown[] | null, strings = false): string {
  if (xs === null) return 'NULL';
  return `[${xs.map((x) => (x === null ? 'NULL' : strings ? `'${String(x)}'` : String(x))).join(', ')}]::${strings ? 'VARCHAR' : 'INTEGER'}[]`;
}

/** An in-memory DuckDB holding `rows` as table `t` (`ddl`: its columns; `values` renders one row). */
export async function duckTable<T>(ddl: string, rows: readonly T[], values: (row: T) => string): Promise<DuckDBConnection> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run(`CREATE TABLE t (${ddl})`);
  await db.run(`INSERT INTO t VALUES ${rows.map((x) => `(${values(x)})`).join(',\n')}`);
  return db;
}

/** Runs a DuckDB query; bigints become numbers and lists JS arrays. */
export async function duckRows(db: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const res = await db.runAndReadAll(sql);
  const conv = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v && typeof v === 'object' && 'items' in v ? (v as { items: unknown[] }).items.map(conv) : v);
  return res.getRowObjects().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, conv(v)])));
}

/** A session (test threads, 3 shuffle partitions) with `rows` as view `t` in 3 partitions, and DuckDB holding the same as `t`. */
export interface ArrayFixture {
  spark: Session;
  df: DataFrame;
  /** Rows of a DuckDB query (see {@link duckRows}). */
  duck(sql: string): Promise<Record<string, unknown>[]>;
  /** The message of the AnalysisError that `spark.sql(sql)` throws (fails the test when none). */
  sqlError(sql: string): string;
}

/** Sets up (beforeAll) and tears down (afterAll) an {@link ArrayFixture}. */
export function arrayFixture<T extends Record<string, unknown>>(schema: Schema, rows: readonly T[], ddl: string, values: (row: T) => string): ArrayFixture {
  let db: DuckDBConnection;
  const fx = {
    duck: (sql: string) => duckRows(db, sql),
    sqlError(sql: string): string {
      try {
        fx.spark.sql(sql);
      } catch (e) {
        expect(e).toBeInstanceOf(AnalysisError);
        return (e as Error).message;
      }
      throw new Error(`no error for ${sql}`);
    },
  } as ArrayFixture;
  beforeAll(async () => {
    fx.spark = await Session.create({ threads: testThreads(2), shufflePartitions: 3 });
    fx.df = fx.spark.createDataFrame(rows as T[], schema).repartition(3);
    fx.df.createOrReplaceTempView('t');
    db = await duckTable(ddl, rows, values);
  });
  afterAll(async () => {
    db.closeSync();
    await fx.spark.stop();
  });
  return fx;
}
