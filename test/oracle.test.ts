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

  /** Rows of ours and DuckDB's keyed by `key`, compared column by column with a relative tolerance. */
  function expectClose(ours: Record<string, unknown>[], theirs: Record<string, unknown>[], key: string, rel = 1e-9): void {
    const byKey = new Map(theirs.map((r) => [String(r[key]), r]));
    expect(ours).toHaveLength(theirs.length);
    for (const o of ours) {
      const t = byKey.get(String(o[key]));
      expect(t, `group ${String(o[key])}`).toBeDefined();
      for (const [k, v] of Object.entries(t!)) {
        const mine = o[k];
        if (typeof v === 'number' && typeof mine === 'number') expect(Math.abs(mine - v), `${k} of group ${String(o[key])}: ${mine} vs ${v}`).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(v)));
        else expect(mine, `${k} of group ${String(o[key])}`).toEqual(v);
      }
    }
  }

  it('bool_and/every, bool_or/some/any, count_if, max_by/min_by (DuckDB: arg_max/arg_min)', async () => {
    A().createOrReplaceTempView('a');
    const ours = await spark.sql(`SELECT k2, bool_and(v > -250) ba, every(v > -250) ev, bool_or(v > 690) bo, some(v > 690) so, any(v > 690) an, count_if(v > 100) ci,
      max_by(coalesce(k1, '-'), w) mx, min_by(coalesce(k1, '-'), w) mn FROM a GROUP BY k2`).collect();
    const theirs = await duck(`SELECT k2, bool_and(v > -250) ba, bool_and(v > -250) ev, bool_or(v > 690) bo, bool_or(v > 690) so, bool_or(v > 690) an, count(*) FILTER (WHERE v > 100) ci,
      arg_max(coalesce(k1, '-'), w) mx, arg_min(coalesce(k1, '-'), w) mn FROM a GROUP BY k2`);
    expectClose(ours, theirs, 'k2');
    const api = await A().groupBy('k2').agg(F.bool_and(col('v').gt(-250)).alias('ba'), F.count_if(col('v').gt(100)).alias('ci'), F.max_by('w', 'v').alias('mx')).collect();
    expect(api.map((r) => [r['k2'], r['ba'], r['ci']]).sort()).toEqual(ours.map((r) => [r['k2'], r['ba'], r['ci']]).sort());
  });

  it('mode (ties: smallest value) against a deterministic DuckDB formulation', async () => {
    const ours = await A().groupBy('k1').agg(F.mode('k2').alias('m')).collect();
    const theirs = await duck(`SELECT k1, min(k2) m FROM (SELECT k1, k2, count(*) c, max(count(*)) OVER (PARTITION BY k1) mc FROM a WHERE k2 IS NOT NULL GROUP BY k1, k2) WHERE c = mc GROUP BY k1`);
    expectClose(ours, theirs, 'k1');
  });

  it('skewness and kurtosis: Spark population formulas vs DuckDB sample-adjusted ones, converted', async () => {
    const ours = await A().groupBy('k2').agg(F.skewness('w').alias('sk'), F.kurtosis('v').alias('ku')).collect();
    // DuckDB: skewness = g1 * sqrt(n(n-1)) / (n-2), kurtosis = (n-1)/((n-2)(n-3)) * ((n+1) g2 + 6); solved for Spark's g1 and g2.
    const theirs = await duck(`SELECT k2, skewness(w) * (count(w) - 2) / sqrt(count(w) * (count(w) - 1)) sk,
      (kurtosis(v) * (count(v) - 2) * (count(v) - 3) / (count(v) - 1) - 6) / (count(v) + 1) ku FROM a GROUP BY k2`);
    expectClose(ours, theirs, 'k2', 1e-9);
  });

  it('regr_* functions', async () => {
    const names = ['regr_count', 'regr_avgx', 'regr_avgy', 'regr_slope', 'regr_intercept', 'regr_r2', 'regr_sxx', 'regr_syy', 'regr_sxy'];
    const sel = names.map((n) => `${n}(w, v) ${n}`).join(', ');
    A().createOrReplaceTempView('a');
    const ours = await spark.sql(`SELECT k1, ${sel} FROM a GROUP BY k1`).collect();
    expectClose(ours, await duck(`SELECT k1, ${sel} FROM a GROUP BY k1`), 'k1', 1e-8);
    const api = await A().groupBy('k1').agg(F.regr_slope('w', 'v').alias('regr_slope')).collect();
    expect(new Map(api.map((r) => [r['k1'], r['regr_slope']]))).toEqual(new Map(ours.map((r) => [r['k1'], r['regr_slope']])));
  });

  it('percentile, percentile_cont / percentile_disc WITHIN GROUP, percentile_approx (DuckDB: quantile_cont / quantile_disc)', async () => {
    A().createOrReplaceTempView('a');
    const ours = (await spark.sql(`SELECT k2, percentile(w, 0.3) p, percentile(v, array(0.1, 0.9)) pa,
      percentile_cont(0.25) WITHIN GROUP (ORDER BY w) pc, percentile_cont(0.25) WITHIN GROUP (ORDER BY w DESC) pcd,
      percentile_disc(0.4) WITHIN GROUP (ORDER BY v) pd, percentile_disc(0.4) WITHIN GROUP (ORDER BY v DESC) pdd,
      percentile_approx(v, 0.5) ap, approx_percentile(w, array(0.2, 0.7), 100) aa FROM a GROUP BY k2`).collect())
      .map(({ pa, aa, ...r }): Record<string, unknown> => ({ ...r, pa1: (pa as number[])[0], pa2: (pa as number[])[1], aa1: (aa as number[])[0], aa2: (aa as number[])[1] }));
    const theirs = await duck(`SELECT k2, quantile_cont(w, 0.3) p, quantile_cont(v, 0.1) pa1, quantile_cont(v, 0.9) pa2,
      percentile_cont(0.25) WITHIN GROUP (ORDER BY w) pc, percentile_cont(0.25) WITHIN GROUP (ORDER BY w DESC) pcd,
      percentile_disc(0.4) WITHIN GROUP (ORDER BY v) pd, percentile_disc(0.4) WITHIN GROUP (ORDER BY v DESC) pdd,
      quantile_disc(v, 0.5) ap, quantile_disc(w, 0.2) aa1, quantile_disc(w, 0.7) aa2 FROM a GROUP BY k2`);
    expectClose(ours, theirs, 'k2', 1e-12);
    const api = await A().groupBy('k2').agg(F.percentile('w', 0.3).alias('p'), F.percentile_approx('v', [0.5]).alias('ap')).collect();
    expect(new Map(api.map((r) => [r['k2'], [r['p'], (r['ap'] as number[])[0]]]))).toEqual(new Map(ours.map((r) => [r['k2'], [r['p'], r['ap']]])));
  });

  it('approx_count_distinct is within 3 x Spark\'s relative SD of DuckDB\'s exact count', async () => {
    const ours = await A().groupBy('k2').agg(F.approx_count_distinct('w').alias('dw'), F.approx_count_distinct('k1').alias('dk'), F.approx_count_distinct('v', 0.02).alias('dv')).collect();
    const theirs = await duck('SELECT k2, count(DISTINCT w) dw, count(DISTINCT k1) dk, count(DISTINCT v) dv FROM a GROUP BY k2');
    expectClose(ours, theirs, 'k2', 0.15);
    // Large cardinalities leave linear counting: 60000 distinct values split over 3 groups.
    const big = await spark.range(0, 60000).groupBy(col('id').mod(3).alias('g')).agg(F.approx_count_distinct('id').alias('d'), F.approx_count_distinct(col('id').cast('string'), 0.01).alias('ds')).collect();
    for (const r of big) {
      expect(Math.abs((r['d'] as number) / 20000 - 1)).toBeLessThan(0.15);
      expect(Math.abs((r['ds'] as number) / 20000 - 1)).toBeLessThan(0.03);
    }
  });

  it.each([
    ['ROLLUP(k1, k2)', 'rollup', 'k1, k2'],
    ['CUBE(k1, k2)', 'cube', 'k1, k2'],
    ['GROUPING SETS ((k1, k2), (k2), ())', null, 'k1, k2'],
    ['k2, ROLLUP(k1)', null, 'k2, k1'],
  ] as const)('GROUP BY %s with grouping() / grouping_id()', async (clause, api, keys) => {
    A().createOrReplaceTempView('a');
    const q = `SELECT k1, k2, count(*) n, sum(v) s, avg(w) aw, grouping(k1) g1, grouping(k2) g2, grouping_id() gid, grouping_id(k2, k1) gid2 FROM a GROUP BY ${clause}`;
    const ours = await spark.sql(q).collect();
    // Spark's grouping_id() covers the grouping columns in GROUP BY order; DuckDB needs them listed.
    const theirs = await duck(q.replace('grouping_id() gid', `grouping_id(${keys}) gid`));
    expect(ours).toHaveLength(theirs.length);
    expect(canon(ours)).toEqual(canon(theirs));
    if (api) {
      const grouped = api === 'rollup' ? A().rollup('k1', 'k2') : A().cube('k1', 'k2');
      const viaApi = await grouped.agg(F.count('*').alias('n'), F.sum('v').alias('s'), F.avg('w').alias('aw'), F.grouping('k1').alias('g1'), F.grouping('k2').alias('g2'),
        F.grouping_id().alias('gid'), F.grouping_id('k2', 'k1').alias('gid2')).collect();
      expect(canon(viaApi)).toEqual(canon(theirs));
    }
  });

  it('grouping() / grouping_id() in HAVING and ORDER BY', async () => {
    A().createOrReplaceTempView('a');
    const q = `SELECT k1, k2, sum(v) s FROM a GROUP BY CUBE(k1, k2)
      HAVING grouping(k2) = 1 OR (grouping_id(k1, k2) = 0 AND sum(v) > 500)
      ORDER BY grouping_id(k1, k2) DESC, grouping(k1), k1 NULLS FIRST, k2 NULLS FIRST, s`;
    const ours = await spark.sql(q).collect();
    const theirs = await duck(q);
    expect(ours.length).toBeGreaterThan(10);
    // ORDER BY decides the row order: compare in order.
    expect(ours.map((r) => [r['k1'], r['k2'], r['s']])).toEqual(theirs.map((r) => [r['k1'], r['k2'], r['s']]));
  });

  it('GROUP BY ALL', async () => {
    A().createOrReplaceTempView('a');
    const ours = await spark.sql('SELECT k2 % 3 m, k1, sum(v) s, count(*) + 1 c FROM a GROUP BY ALL').collect();
    expect(canon(ours)).toEqual(canon(await duck('SELECT k2 % 3 m, k1, sum(v) s, count(*) + 1 c FROM a GROUP BY ALL')));
  });

  it.each(['INTERSECT ALL', 'EXCEPT ALL'] as const)('%s keeps duplicates (nulls equal)', async (op) => {
    A().createOrReplaceTempView('a');
    B().createOrReplaceTempView('b');
    const q = `SELECT k1, k2 FROM a ${op} SELECT k1, k2 FROM b`;
    const ours = await spark.sql(q).collect();
    const theirs = await duck(q);
    expect(ours.length).toBeGreaterThan(0);
    expect(canon(ours)).toEqual(canon(theirs));
    const a = A().select('k1', 'k2');
    const b = B().select('k1', 'k2');
    expect(canon(await (op === 'INTERSECT ALL' ? a.intersectAll(b) : a.exceptAll(b)).collect())).toEqual(canon(theirs));
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
