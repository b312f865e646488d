/**
 * Cross-checks aggregates and joins against DuckDB (a test-only oracle) on seeded random data
 * with nulls, duplicates and skew, at 1 and several shuffle partitions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Session, col, functions as F } from '../src/index.js';
import { testThreads } from './threads.js';
import { mulberry32 } from '../src/exec/basic.js';

/** Seeded PRNG for test data (the engine's own mulberry32). */
const rng = mulberry32;

type R = { k1: string | null; k2: number | null; v: number | null; w: number | null };
function makeRows(n: number, seed: number): R[] {
  const r = rng(seed);
  const out: R[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      k1: r() < 0.05 ? null : `g${Math.floor(r() ** 2 * 30)}`,
      k2: r() < 0.05 ? null : Math.floor(r() * 7),
      v: r() < 0.1 ? null : Math.floor(r() * 1000) - 300,
      w: r() < 0.1 ? null : Math.round(r() * 1e6) / 1e3,
    });
  }
  return out;
}

let db: DuckDBConnection;
const rowsA = makeRows(3000, 1);
const rowsB = makeRows(800, 2).map((r, i) => ({ ...r, id: i }));

async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const res = await db.runAndReadAll(sql);
  return res.getRowObjects().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
}

function values(rows: R[]): string {
  return rows.map((r) => `(${r.k1 === null ? 'NULL' : `'${r.k1}'`}, ${r.k2 ?? 'NULL'}, ${r.v ?? 'NULL'}, ${r.w ?? 'NULL'})`).join(',\n');
}

function canon(rows: Record<string, unknown>[]): string[] {
  return rows
    .map((r) => JSON.stringify(Object.keys(r).sort().map((k) => {
      const v = r[k];
      return typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(10)) : v;
    })))
    .sort();
}

beforeAll(async () => {
  db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run(`CREATE TABLE a (k1 VARCHAR, k2 INTEGER, v INTEGER, w DOUBLE)`);
  await db.run(`INSERT INTO a VALUES ${values(rowsA)}`);
  await db.run(`CREATE TABLE b (k1 VARCHAR, k2 INTEGER, v INTEGER, w DOUBLE)`);
  await db.run(`INSERT INTO b VALUES ${values(rowsB)}`);
});
afterAll(() => db.closeSync());

describe.each([1, 5])('against DuckDB with %i shuffle partitions', (partitions) => {
  let spark: Session;
  beforeAll(async () => {
    spark = await Session.create({ threads: testThreads(), shufflePartitions: partitions, autoBroadcastJoinThreshold: partitions === 1 ? 10_000_000 : -1 });
  });
  afterAll(() => spark.stop());
  const A = () => spark.createDataFrame(rowsA, 'k1 STRING, k2 INT, v INT, w DOUBLE');
  const B = () => spark.createDataFrame(rowsB.map(({ id: _id, ...r }) => r), 'k1 STRING, k2 INT, v INT, w DOUBLE');

  it('groupBy with count, sum, avg, min, max, stddev, count distinct', async () => {
    const ours = await A()
      .groupBy('k1', 'k2')
      .agg(
        F.count('*').alias('n'), F.count('v').alias('nv'), F.sum('v').alias('s'), F.avg('w').alias('a'),
        F.min('w').alias('mi'), F.max('v').alias('ma'), F.stddev('w').alias('sd'), F.countDistinct('v').alias('dv'),
      )
      .collect();
    const theirs = await duck(`SELECT k1, k2, count(*) n, count(v) nv, sum(v) s, avg(w) a, min(w) mi, max(v) ma, stddev_samp(w) sd, count(DISTINCT v) dv FROM a GROUP BY k1, k2`);
    expect(ours).toHaveLength(theirs.length);
    expect(canon(ours)).toEqual(canon(theirs));
  });

  it('count distinct over several columns skips rows with a null in any of them', async () => {
    const ours = await A().groupBy('k2').agg(F.countDistinct('k1', 'v').alias('d'), F.countDistinct('k1').alias('d1')).collect();
    const theirs = await duck('SELECT k2, count(DISTINCT (k1, v)) FILTER (WHERE k1 IS NOT NULL AND v IS NOT NULL) d, count(DISTINCT k1) d1 FROM a GROUP BY k2');
    expect(canon(ours)).toEqual(canon(theirs));
  });

  it('median, corr and covariances', async () => {
    const ours = await A().groupBy('k2').agg(F.median('w').alias('med'), F.corr('v', 'w').alias('r'), F.covar_samp('v', 'w').alias('cs'), F.covar_pop('v', 'w').alias('cp')).collect();
    const theirs = await duck('SELECT k2, median(w) med, corr(v, w) r, covar_samp(v, w) cs, covar_pop(v, w) cp FROM a GROUP BY k2');
    expect(canon(ours)).toEqual(canon(theirs));
  });

  it('filtered whole-frame aggregate', async () => {
    const ours = await A().filter(col('v').gt(100).or(col('k1').eq('g3'))).agg(F.sum('v').alias('s'), F.count('*').alias('n'), F.var_pop('w').alias('vp')).collect();
    const theirs = await duck(`SELECT sum(v) s, count(*) n, var_pop(w) vp FROM a WHERE v > 100 OR k1 = 'g3'`);
    expect(canon(ours)).toEqual(canon(theirs));
  });

  it.each(['inner', 'left', 'right', 'full', 'left_semi', 'left_anti'] as const)('%s join on two keys', async (how) => {
    const a = A();
    const b = B().withColumnRenamed('v', 'bv').withColumnRenamed('w', 'bw');
    const ours = await a.join(b, ['k1', 'k2'], how).collect();
    const sqlHow = { inner: 'INNER JOIN', left: 'LEFT JOIN', right: 'RIGHT JOIN', full: 'FULL JOIN', left_semi: 'SEMI JOIN', left_anti: 'ANTI JOIN' }[how];
    const cols = how === 'left_semi' || how === 'left_anti'
      ? 'a.k1, a.k2, a.v, a.w'
      : `${how === 'full' ? 'coalesce(a.k1, b.k1) k1, coalesce(a.k2, b.k2) k2' : how === 'right' ? 'b.k1, b.k2' : 'a.k1, a.k2'}, a.v, a.w, b.v bv, b.w bw`;
    const theirs = await duck(`SELECT ${cols} FROM a ${sqlHow} b ON a.k1 = b.k1 AND a.k2 = b.k2`);
    expect(ours.length).toBe(theirs.length);
    expect(canon(ours)).toEqual(canon(theirs));
  });

  it('join with a residual non-equi condition', async () => {
    const a = A().alias('a');
    const b = B().alias('b');
    const ours = await a
      .join(b, col('a.k2').eq(col('b.k2')).and(col('a.v').lt(col('b.v'))), 'left')
      .groupBy(col('a.k1')).agg(F.count('b.v').alias('m'))
      .collect();
    const theirs = await duck(`SELECT a.k1, count(b.v) m FROM a LEFT JOIN b ON a.k2 = b.k2 AND a.v < b.v GROUP BY a.k1`);
    expect(canon(ours)).toEqual(canon(theirs));
  });

  it('distinct, orderBy + limit', async () => {
    expect(await A().select('k1', 'k2').distinct().count()).toBe(Number((await duck('SELECT count(*) c FROM (SELECT DISTINCT k1, k2 FROM a)'))[0]!['c']));
    const ours = await A().orderBy(col('w').desc_nulls_last(), col('v'), col('k1')).limit(10).select('w', 'v').collect();
    const theirs = await duck('SELECT w, v FROM a ORDER BY w DESC NULLS LAST, v, k1 LIMIT 10');
    expect(ours).toEqual(theirs);
  });
});
