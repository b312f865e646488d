/**
 * Final aggregates split into sub-partitions (`kindling.aggregate.splitGroups`, src/exec/aggregate.ts):
 * a final partition whose sampled keys suggest many more groups than the setting is aggregated
 * in hash sub-partitions with fresh tables that keep their strings' codes and packed layout.
 * Checked against the unsplit path and DuckDB, over multi-column keys with and without nulls,
 * plain and cached (dictionary) strings, partial aggregation that passes rows through (nearly
 * unique keys) and one that reduces them, at 1 and 4 threads (in test:parity). The split path
 * gives groups in sub-partition order, so each test also expects the row order to differ from
 * the unsplit path's (first appearance), which fails when no split happens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { type DataFrame, Session, col, functions as F } from '../src/index.js';
import { splitCount } from '../src/exec/aggregate.js';
import { Batch, fromValues } from '../src/data/batch.js';
import { Schema } from '../src/types.js';
import { testThreads } from './threads.js';

const SCHEMA = 's1 string, s2 string, i1 int, i2 bigint, v double, w int';

/** Deterministic rows: `groups` distinct (s1, s2, i1, i2) keys, each row's key drawn by a LCG; some keys null when `nulls`. */
function makeRows(n: number, groups: number, nulls: boolean): Record<string, unknown>[] {
  let x = 12345;
  const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, (_, i) => {
    const g = Math.floor(rnd() * groups);
    return {
      s1: nulls && g % 97 === 0 ? null : `a${g % 37}`,
      s2: `b${Math.floor(g / 37) % 300}`,
      i1: nulls && g % 89 === 3 ? null : Math.floor(g / 11100),
      i2: g % 5 === 0 ? -g : g,
      v: nulls && i % 13 === 0 ? null : (i % 1000) / 8,
      w: i % 7,
    };
  });
}

/** Rows as sorted JSON lines, doubles to 12 digits. */
function canon(rows: readonly Record<string, unknown>[]): string[] {
  const norm = (v: unknown): unknown => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : typeof v === 'bigint' ? Number(v) : v);
  return rows.map((r) => JSON.stringify(Object.keys(r).sort().map((k) => [k, norm(r[k])]))).sort();
}

describe.each([...new Set([testThreads(1), testThreads(4)])])('split final aggregates at %i thread(s)', (threads) => {
  let spark: Session;
  let db: DuckDBConnection;
  beforeAll(async () => {
    spark = await Session.create({ threads });
    db = await (await DuckDBInstance.create(':memory:')).connect();
  });
  afterAll(() => {
    db.closeSync();
    return spark.stop();
  });

  /** Collects `q` split (splitGroups = 64) and unsplit (0); expects the same rows in another order. */
  async function splitAndNot(q: () => DataFrame): Promise<Record<string, unknown>[]> {
    spark.conf.set('kindling.aggregate.splitGroups', 64);
    let split: Record<string, unknown>[];
    try {
      split = await q().collect();
    } finally {
      spark.conf.unset('kindling.aggregate.splitGroups');
    }
    spark.conf.set('kindling.aggregate.splitGroups', 0);
    try {
      const whole = await q().collect();
      expect(canon(split)).toEqual(canon(whole));
      expect(split.map((r) => JSON.stringify(r))).not.toEqual(whole.map((r) => JSON.stringify(r)));
    } finally {
      spark.conf.unset('kindling.aggregate.splitGroups');
    }
    return split;
  }

  async function duck(rows: Record<string, unknown>[], sql: string): Promise<Record<string, unknown>[]> {
    await db.run('CREATE OR REPLACE TABLE t (s1 VARCHAR, s2 VARCHAR, i1 INTEGER, i2 BIGINT, v DOUBLE, w INTEGER)');
    const app = await db.createAppender('t');
    for (const r of rows) {
      for (const k of ['s1', 's2']) (r[k] === null ? app.appendNull() : app.appendVarchar(r[k] as string));
      r.i1 === null ? app.appendNull() : app.appendInteger(r.i1 as number);
      app.appendBigInt(BigInt(r.i2 as number));
      r.v === null ? app.appendNull() : app.appendDouble(r.v as number);
      app.appendInteger(r.w as number);
      app.endRow();
    }
    app.closeSync();
    return (await db.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  }

  const aggs = () => [F.sum('v').alias('sv'), F.count('*').alias('n'), F.avg('w').alias('aw'), F.max('v').alias('mv'), F.min('w').alias('mw')];
  const duckAggs = 'SUM(v) AS sv, COUNT(*) AS n, AVG(w) AS aw, MAX(v) AS mv, MIN(w) AS mw';

  it('nearly unique keys with nulls (partial passes rows through), plain and cached strings', async () => {
    const rows = makeRows(12_000, 40_000, true);
    const df = spark.createDataFrame(rows, SCHEMA).repartition(3);
    const plain = await splitAndNot(() => df.groupBy('s1', 's2', 'i1', 'i2').agg(...aggs()));
    const want = await duck(rows, `SELECT s1, s2, i1, i2, ${duckAggs} FROM t GROUP BY ALL`);
    expect(canon(plain)).toEqual(canon(want));
    const cached = df.cache();
    await cached.count();
    try {
      const got = await splitAndNot(() => cached.groupBy('s1', 's2', 'i1', 'i2').agg(...aggs()));
      expect(canon(got)).toEqual(canon(want));
    } finally {
      await cached.unpersist();
    }
  });

  it('repeated keys without nulls (partial reduces), one string key, and distinct()', async () => {
    const rows = makeRows(20_000, 3_000, false);
    const df = spark.createDataFrame(rows, SCHEMA).repartition(2);
    const got = await splitAndNot(() => df.groupBy('i2', 's2').agg(...aggs()));
    expect(canon(got)).toEqual(canon(await duck(rows, `SELECT i2, s2, ${duckAggs} FROM t GROUP BY ALL`)));
    const one = await splitAndNot(() => df.groupBy(col('i2').plus(1).alias('k')).agg(F.count('*').alias('n')));
    expect(canon(one)).toEqual(canon(await duck(rows, 'SELECT i2 + 1 AS k, COUNT(*) AS n FROM t GROUP BY ALL')));
    const d = await splitAndNot(() => df.select('s1', 'i2').distinct());
    expect(canon(d)).toEqual(canon(await duck(rows, 'SELECT DISTINCT s1, i2 FROM t')));
  });

  it('kindling.aggregate.splitGroups takes a whole number', () => {
    expect(() => spark.conf.set('kindling.aggregate.splitGroups', 'many')).toThrow(/kindling.aggregate.splitGroups: expected a whole number of groups \(0 never splits\), got 'many'/);
  });
});

describe('splitCount', () => {
  const schema = new Schema([{ name: 'k', type: 'int32', nullable: true }]);
  const batch = (vals: number[]) => new Batch(schema, [fromValues('int32', vals)], vals.length);
  it('splits by the estimated number of groups, not the rows', () => {
    const unique = Array.from({ length: 50_000 }, (_, i) => i);
    expect(splitCount([batch(unique.slice(0, 20_000)), batch(unique.slice(20_000))], 1, 1000)).toBe(64);
    expect(splitCount([batch(unique)], 1, 4096)).toBe(16);
    // 500 groups in 50,000 rows: no split; 5,000 groups: about 5 parts of 1,000.
    expect(splitCount([batch(unique.map((i) => i % 500))], 1, 100)).toBe(8);
    expect(splitCount([batch(unique.map((i) => i % 500))], 1, 1000)).toBe(1);
    expect(splitCount([batch(unique.map((i) => (i * 7919) % 5000))], 1, 1000)).toBe(8);
    expect(splitCount([batch(unique.slice(0, 1500))], 1, 1000)).toBe(1);
  });
});
