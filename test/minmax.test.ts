/**
 * min / max by group (db-benchmark q7's `max(v1) - min(v2) by id3`), checked against DuckDB: a
 * string key with nulls, plain and cached (dictionary codes), values of every fixed-width type
 * with nulls, groups whose values are all null (null result), doubles with NaN (NaN sorts above
 * every number: max is NaN once a group has one, min ignores NaN unless the group has only NaN)
 * and ±Infinity, over several partitions so partial states with and without values merge. The
 * accumulators start at a sentinel (src/expr/aggregates.ts `MinMaxAcc`), so the cases where a
 * value equals it (-Infinity for max, Infinity for min) are included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { type DataFrame, Session, col, functions as F } from '../src/index.js';
import { mulberry32 } from '../src/exec/basic.js';
import { testThreads } from './threads.js';

type R = { k: string | null; i: number | null; l: number | null; d: number | null; b: boolean | null; s: string | null; dt: string | null };

const SPECIAL = [NaN, Infinity, -Infinity, -0.5];

/** Seeded rows over ~300 keys: key `e<n>` groups have only null values, `n<n>` groups only NaN doubles. */
function makeRows(n: number, seed: number): R[] {
  const r = mulberry32(seed);
  const rows: R[] = [];
  for (let j = 0; j < n; j++) {
    const g = Math.floor(r() * 300);
    const k = g < 8 ? null : g < 14 ? `e${g}` : g < 20 ? `n${g}` : `k${g}`;
    const empty = g >= 8 && g < 14;
    const nanOnly = g >= 14 && g < 20;
    const p = r();
    rows.push({
      k,
      i: empty || p < 0.1 ? null : Math.floor(r() * 2000) - 1000,
      l: empty || p < 0.15 ? null : Math.floor(r() * 1e12) - 5e11,
      d: empty ? null : nanOnly ? NaN : p < 0.1 ? null : p < 0.16 ? SPECIAL[Math.floor(r() * 4)]! : Math.round(r() * 1e6) / 1e3,
      b: empty || p < 0.2 ? null : r() < 0.5,
      s: empty || p < 0.1 ? null : `s${Math.floor(r() * 50)}`,
      dt: empty || p < 0.1 ? null : `2020-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 10)}`,
    });
  }
  return rows;
}

/** A value as a comparable string (NaN and ±Infinity spelt out, dates as ISO days). */
function norm(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : !Number.isFinite(v) ? String(v) : Number.isInteger(v) ? v : Number(v.toPrecision(12));
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (v !== null && typeof v === 'object') return String(v); // DuckDB date values
  return v;
}

function canon(rows: readonly Record<string, unknown>[]): string[] {
  return rows.map((r) => JSON.stringify(Object.keys(r).sort().map((k) => [k, norm(r[k])]))).sort();
}

describe.each([...new Set([testThreads(1), testThreads(4)])])('min / max by group against DuckDB at %i thread(s)', (threads) => {
  let spark: Session;
  let db: DuckDBConnection;
  const rows = makeRows(6000, 3);
  let df: DataFrame;
  beforeAll(async () => {
    spark = await Session.create({ threads, shufflePartitions: 3 });
    df = spark.createDataFrame(rows, 'k string, i int, l bigint, d double, b boolean, s string, dt string')
      .withColumn('dt', col('dt').cast('date')).repartition(4);
    db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run('CREATE TABLE t (k VARCHAR, i INTEGER, l BIGINT, d DOUBLE, b BOOLEAN, s VARCHAR, dt DATE)');
    const app = await db.createAppender('t');
    for (const x of rows) {
      x.k === null ? app.appendNull() : app.appendVarchar(x.k);
      x.i === null ? app.appendNull() : app.appendInteger(x.i);
      x.l === null ? app.appendNull() : app.appendBigInt(BigInt(x.l));
      x.d === null ? app.appendNull() : app.appendDouble(x.d);
      x.b === null ? app.appendNull() : app.appendBoolean(x.b);
      x.s === null ? app.appendNull() : app.appendVarchar(x.s);
      x.dt === null ? app.appendNull() : app.appendVarchar(x.dt);
      app.endRow();
    }
    app.closeSync();
  });
  afterAll(() => {
    db.closeSync();
    return spark.stop();
  });

  async function duck(sql: string): Promise<Record<string, unknown>[]> {
    return (await db.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  }

  const aggs = () => ['i', 'l', 'd', 'b', 's', 'dt'].flatMap((c) => [F.min(c).alias(`min_${c}`), F.max(c).alias(`max_${c}`)]);
  const duckAggs = ['i', 'l', 'd', 'b', 's', 'dt'].map((c) => `MIN(${c}) AS min_${c}, MAX(${c}) AS max_${c}`).join(', ');

  it('every type, null keys, empty and NaN-only groups, plain and cached (dictionary) keys', async () => {
    const want = canon(await duck(`SELECT k, ${duckAggs} FROM t GROUP BY k`));
    expect(want.some((r) => r.includes('"NaN"'))).toBe(true);
    expect(canon(await df.groupBy('k').agg(...aggs()).collect())).toEqual(want);
    const cached = df.cache();
    await cached.count();
    try {
      expect(canon(await cached.groupBy('k').agg(...aggs()).collect())).toEqual(want);
      // q7's shape: an expression over two aggregates.
      const q7 = canon(await cached.groupBy('k').agg(F.max('i').minus(F.min('l')).alias('r'), F.max('d').minus(F.min('d')).alias('rd')).collect());
      expect(q7).toEqual(canon(await duck('SELECT k, MAX(i) - MIN(l) AS r, MAX(d) - MIN(d) AS rd FROM t GROUP BY k')));
    } finally {
      await cached.unpersist();
    }
  });

  it('whole-frame min / max, and a frame with no rows', async () => {
    const want = canon(await duck(`SELECT ${duckAggs} FROM t`));
    expect(canon(await df.agg(...aggs()).collect())).toEqual(want);
    const none = df.filter(col('i').gt(1e9));
    expect(canon(await none.agg(...aggs()).collect())).toEqual(canon(await duck(`SELECT ${duckAggs} FROM t WHERE i > 1e9`)));
    expect(await none.groupBy('k').agg(...aggs()).collect()).toEqual([]);
  });

  it('sentinel-valued data: max of only -Infinity, min of only Infinity, and both through SQL', async () => {
    const special = spark.createDataFrame([
      { k: 'a', d: -Infinity }, { k: 'a', d: -Infinity }, { k: 'b', d: Infinity }, { k: 'c', d: NaN }, { k: 'c', d: Infinity }, { k: 'c', d: null },
    ], 'k string, d double').repartition(2);
    spark.catalog.dropTempView('sp');
    special.createOrReplaceTempView('sp');
    const got = canon(await spark.sql('SELECT k, min(d) AS mn, max(d) AS mx FROM sp GROUP BY k').collect());
    expect(got).toEqual(canon([{ k: 'a', mn: -Infinity, mx: -Infinity }, { k: 'b', mn: Infinity, mx: Infinity }, { k: 'c', mn: Infinity, mx: NaN }]));
  });
});
