/**
 * Window functions through the public API (Window / WindowSpec, Column.over, F.row_number ...):
 * ranking with ties, offsets with defaults, ROWS and RANGE frames, running totals, generic
 * aggregates over frames, windows over joins and aggregates, the optimizer's handling of Window
 * nodes, analysis errors, and cross-checks against DuckDB on seeded random data with nulls and ties.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { AnalysisError, type DataFrame, IllegalArgumentError, type Row, Session, Window, col, functions as F, lit } from '../src/index.js';
import { prepare } from '../src/exec/scheduler.js';
import { logicalToString } from '../src/plan/logical.js';
import { optimize } from '../src/plan/optimizer/index.js';
import { physicalToString } from '../src/plan/physical.js';
import { testThreads } from './threads.js';
import { mulberry32 } from '../src/exec/basic.js';

let spark: Session;
beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(), shufflePartitions: 3 });
});
afterAll(() => spark.stop());

const EMP = [
  { id: 1, dept: 'a', sal: 100, t: 1 },
  { id: 2, dept: 'a', sal: 200, t: 2 },
  { id: 3, dept: 'a', sal: 200, t: 3 },
  { id: 4, dept: 'a', sal: 300, t: 4 },
  { id: 5, dept: 'a', sal: null, t: 5 },
  { id: 6, dept: 'b', sal: 50, t: 1 },
  { id: 7, dept: 'b', sal: 50, t: 2 },
  { id: 8, dept: null, sal: 10, t: 1 },
];
const emp = () => spark.createDataFrame(EMP, 'id INT, dept STRING, sal INT, t INT');

/** Collects and returns `column` by id. */
async function byId(df: DataFrame, ...cols: string[]): Promise<Record<number, unknown>> {
  const rows = await df.collect();
  const out: Record<number, unknown> = {};
  for (const r of rows) out[r['id'] as number] = cols.length === 1 ? r[cols[0]!] : cols.map((c) => r[c]);
  return out;
}

describe('WindowSpec', () => {
  it('is immutable and renders its parts', () => {
    const w = Window.partitionBy('dept');
    const w2 = w.orderBy(col('sal').desc());
    const w3 = w2.rowsBetween(Window.unboundedPreceding, Window.currentRow);
    expect(w.toString()).toBe('WindowSpec(PARTITION BY dept)');
    expect(w2.toString()).toBe('WindowSpec(PARTITION BY dept ORDER BY sal DESC NULLS LAST)');
    expect(w3.toString()).toBe('WindowSpec(PARTITION BY dept ORDER BY sal DESC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)');
    expect(Window.orderBy('t').rangeBetween(-3, Window.unboundedFollowing).toString()).toBe('WindowSpec(ORDER BY t ASC NULLS FIRST RANGE BETWEEN 3 PRECEDING AND UNBOUNDED FOLLOWING)');
    expect(Window.rowsBetween(-Infinity, Infinity).frame).toEqual({ type: 'rows', start: 'unboundedPreceding', end: 'unboundedFollowing' });
  });

  it('rejects bad frames', () => {
    expect(() => Window.orderBy('t').rowsBetween(1, -1)).toThrow(IllegalArgumentError);
    expect(() => Window.orderBy('t').rowsBetween(0.5, 1)).toThrow(/integers/);
    expect(() => Window.orderBy('t').rowsBetween(Window.unboundedFollowing, 0)).toThrow(/start of a frame/);
    expect(() => Window.orderBy('t').rangeBetween(0, Window.unboundedPreceding)).toThrow(/end of a frame/);
  });
});

describe('ranking functions', () => {
  it('orders small partitions (insertion sort) as large ones (TimSort): keys, nulls, NaN, ties in input order', async () => {
    // Partition p of size p % 12 + 1 (1..12 rows: both sides of the small-partition limit of 8),
    // values with ties, nulls and NaN; one task (coalesce) so input order is the rows' order.
    const rows: { id: number; p: number; v: number | null }[] = [];
    let id = 0;
    for (let p = 0; p < 60; p++) for (let r = 0; r <= p % 12; r++) rows.push({ id: id++, p, v: (p * 7 + r * 5) % 9 === 0 ? null : (p * 7 + r * 5) % 9 === 1 ? NaN : ((p + r * 3) % 4) * 1.5 });
    const df = spark.createDataFrame(rows, 'id INT, p INT, v DOUBLE').coalesce(1);
    for (const asc of [true, false]) {
      const o = asc ? col('v').asc() : col('v').desc();
      const got = await byId(df.select('id', F.row_number().over(Window.partitionBy('p').orderBy(o)).alias('rn')), 'rn');
      // Expected: per partition, a stable sort by v (nulls first ascending, last descending; NaN above numbers).
      const rank = (v: number | null) => (v === null ? -Infinity : Number.isNaN(v) ? Number.MAX_VALUE : v);
      const want: Record<number, unknown> = {};
      for (let p = 0; p < 60; p++) {
        const part = rows.filter((r) => r.p === p);
        const sorted = [...part].sort((a, b) => (asc ? rank(a.v) - rank(b.v) : rank(b.v) - rank(a.v)) || a.id - b.id);
        sorted.forEach((r, k) => (want[r.id] = k + 1));
      }
      expect(got).toEqual(want);
    }
  });

  it('row_number, rank, dense_rank, percent_rank, cume_dist with ties, nulls and several partitions', async () => {
    const w = Window.partitionBy('dept').orderBy(col('sal').desc());
    const df = emp().select(
      'id',
      F.row_number().over(Window.partitionBy('dept').orderBy(col('sal').desc(), 'id')).alias('rn'),
      F.rank().over(w).alias('rk'),
      F.dense_rank().over(w).alias('dr'),
      F.percent_rank().over(w).alias('pr'),
      F.cume_dist().over(w).alias('cd'),
    );
    expect(df.dtypes).toEqual([['id', 'int'], ['rn', 'int'], ['rk', 'int'], ['dr', 'int'], ['pr', 'double'], ['cd', 'double']]);
    expect(await byId(df, 'rn', 'rk', 'dr', 'pr', 'cd')).toEqual({
      4: [1, 1, 1, 0, 0.2],
      2: [2, 2, 2, 0.25, 0.6],
      3: [3, 2, 2, 0.25, 0.6],
      1: [4, 4, 3, 0.75, 0.8],
      5: [5, 5, 4, 1, 1],
      6: [1, 1, 1, 0, 1],
      7: [2, 1, 1, 0, 1],
      8: [1, 1, 1, 0, 1],
    });
  });

  it('ntile with uneven groups', async () => {
    const ten = spark.range(10).select(col('id'), F.ntile(4).over(Window.orderBy('id')).alias('b'));
    expect((await ten.orderBy('id').collect()).map((r) => r['b'])).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 4, 4]);
    const seven = spark.range(7).select(col('id'), F.ntile(3).over(Window.orderBy(col('id').desc())).alias('b'));
    expect((await seven.orderBy('id').collect()).map((r) => r['b'])).toEqual([3, 3, 2, 2, 1, 1, 1]);
    const few = emp().select('id', F.ntile(5).over(Window.partitionBy('dept').orderBy('t')).alias('b'));
    expect(await byId(few, 'b')).toEqual({ 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 1, 7: 2, 8: 1 });
  });
});

describe('offset functions', () => {
  const w = Window.partitionBy('dept').orderBy('t');
  it('lag and lead with offsets and defaults', async () => {
    const df = emp().select(
      'id',
      F.lag('sal', 1, 0).over(w).alias('lag1'),
      F.lead('sal', 2).over(w).alias('lead2'),
      F.lead('sal', 1, -1).over(w).alias('lead1'),
      F.lag(col('sal').multiply(2)).over(w).alias('lag2x'),
    );
    expect(df.dtypes.map((d) => d[1])).toEqual(['int', 'int', 'int', 'int', 'int']);
    expect(await byId(df, 'lag1', 'lead2', 'lead1', 'lag2x')).toEqual({
      1: [0, 200, 200, null],
      2: [100, 300, 200, 200],
      3: [200, null, 300, 400],
      4: [200, null, null, 400], // id 5's sal is null: in range, so null and not the default
      5: [300, null, -1, 600],
      6: [0, null, 50, null],
      7: [50, null, -1, 100],
      8: [0, null, -1, null],
    });
  });

  it('lag of strings with a default, and a column default', async () => {
    const df = emp().select('id', F.lag('dept', 1, 'none').over(Window.orderBy('id')).alias('prev'), F.lead('t', 1, col('id')).over(Window.orderBy('id')).alias('nt'));
    const r = await byId(df, 'prev', 'nt');
    expect(r[1]).toEqual(['none', 2]);
    expect(r[2]).toEqual(['a', 3]);
    expect(r[7]).toEqual(['b', 1]);
    expect(r[8]).toEqual(['b', 8]);
  });

  it('nth_value, first, last, first_value / last_value with ignoreNulls', async () => {
    const whole = Window.partitionBy('dept').orderBy(col('t').desc()).rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing);
    const df = emp().select(
      'id',
      F.nth_value('sal', 2).over(w).alias('n2'),
      F.nth_value('sal', 1).over(whole).alias('n1'),
      F.nth_value('sal', 1, true).over(whole).alias('n1i'),
      F.nth_value('sal', 3, true).over(whole).alias('n3i'),
      F.first('sal').over(w).alias('f'),
      F.last('sal').over(w).alias('l'),
      F.last_value('sal', true).over(Window.partitionBy('dept').orderBy('t').rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)).alias('li'),
      F.first_value('sal').over(Window.partitionBy('dept').orderBy('t').rowsBetween(1, 1)).alias('next'),
    );
    expect(await byId(df, 'n2', 'n1', 'n1i', 'n3i', 'f', 'l', 'li', 'next')).toEqual({
      1: [null, null, 300, 200, 100, 100, 300, 200],
      2: [200, null, 300, 200, 100, 200, 300, 200],
      3: [200, null, 300, 200, 100, 200, 300, 300],
      4: [200, null, 300, 200, 100, 300, 300, null],
      5: [200, null, 300, 200, 100, null, 300, null],
      6: [null, 50, 50, null, 50, 50, 50, 50],
      7: [50, 50, 50, null, 50, 50, 50, null],
      8: [null, 10, 10, null, 10, 10, 10, null],
    });
  });
});

describe('aggregates over frames', () => {
  it('running totals: the default frame includes peers, a ROWS frame does not', async () => {
    const df = emp().select(
      'id',
      F.sum('sal').over(Window.partitionBy('dept').orderBy('sal')).alias('range_run'),
      F.sum('sal').over(Window.partitionBy('dept').orderBy('sal', 'id').rowsBetween(Window.unboundedPreceding, Window.currentRow)).alias('rows_run'),
      F.count('*').over(Window.partitionBy('dept').orderBy('sal')).alias('n'),
      F.sum('sal').over(Window.partitionBy('dept')).alias('total'),
      F.sum('sal').over(Window.partitionBy('dept').orderBy('sal', 'id').rowsBetween(Window.unboundedPreceding, -1)).alias('before'),
    );
    expect(df.dtypes.map((d) => d[1])).toEqual(['int', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint']);
    expect(await byId(df, 'range_run', 'rows_run', 'n', 'total', 'before')).toEqual({
      5: [null, null, 1, 800, null],
      1: [100, 100, 2, 800, null],
      2: [500, 300, 4, 800, 100],
      3: [500, 500, 4, 800, 300],
      4: [800, 800, 5, 800, 500],
      6: [100, 50, 2, 100, null],
      7: [100, 100, 2, 100, 50],
      8: [10, 10, 1, 10, null],
    });
  });

  it('sliding ROWS frames: sum, count, avg, min, max, empty frames', async () => {
    const w = Window.partitionBy('dept').orderBy('t');
    const df = emp().select(
      'id',
      F.sum('sal').over(w.rowsBetween(-1, 1)).alias('s'),
      F.count('sal').over(w.rowsBetween(-1, 1)).alias('c'),
      F.avg('sal').over(w.rowsBetween(-1, 1)).alias('a'),
      F.min('sal').over(w.rowsBetween(-1, 1)).alias('mi'),
      F.max('sal').over(w.rowsBetween(-1, 1)).alias('ma'),
      F.sum('sal').over(w.rowsBetween(1, 2)).alias('next2'),
      F.count('*').over(w.rowsBetween(1, 2)).alias('cnext2'),
      F.max('dept').over(w.rowsBetween(-2, -1)).alias('mdept'),
    );
    expect(await byId(df, 's', 'c', 'a', 'mi', 'ma', 'next2', 'cnext2', 'mdept')).toEqual({
      1: [300, 2, 150, 100, 200, 400, 2, null],
      2: [500, 3, 500 / 3, 100, 200, 500, 2, 'a'],
      3: [700, 3, 700 / 3, 200, 300, 300, 2, 'a'],
      4: [500, 2, 250, 200, 300, null, 1, 'a'],
      5: [300, 1, 300, 300, 300, null, 0, 'a'],
      6: [100, 2, 50, 50, 50, 50, 1, null],
      7: [100, 2, 50, 50, 50, null, 0, 'b'],
      8: [10, 1, 10, 10, 10, null, 0, null],
    });
  });

  it('RANGE frames with numeric offsets: ascending, descending, nulls, doubles, dates', async () => {
    const xs = spark.createDataFrame([1, 2, 4, 7, 8, null].map((x, i) => ({ id: i, x, f: x === null ? null : [1.0, 1.4, 2.0, 2.6, 3.3][i] ?? 9.9 })), 'id INT, x INT, f DOUBLE');
    const df = xs.select(
      'id',
      F.sum('x').over(Window.orderBy('x').rangeBetween(-2, 0)).alias('back2'),
      F.sum('x').over(Window.orderBy(col('x').desc()).rangeBetween(-2, 0)).alias('desc2'),
      F.sum('x').over(Window.orderBy('x').rangeBetween(1, 3)).alias('fwd'),
      F.count('*').over(Window.orderBy('x').rangeBetween(-2, 0)).alias('n'),
      F.sum('f').over(Window.orderBy('f').rangeBetween(-0.5, 0.5)).alias('fs'),
      F.count('*').over(Window.orderBy('x').rangeBetween(Window.unboundedPreceding, 2)).alias('upto'),
    );
    expect(await byId(df, 'back2', 'desc2', 'fwd', 'n', 'fs', 'upto')).toEqual({
      0: [1, 3, 6, 1, 2.4, 3],
      1: [3, 6, 4, 2, 2.4, 4],
      2: [6, 4, 7, 2, 2, 4],
      3: [7, 15, 8, 1, 2.6, 6],
      4: [15, 8, null, 2, 3.3, 6],
      5: [null, null, null, 1, null, 1],
    });
    const dates = spark.createDataFrame([
      { id: 1, d: new Date('2024-01-01') }, { id: 2, d: new Date('2024-01-03') }, { id: 3, d: new Date('2024-01-10') }, { id: 4, d: new Date('2024-01-18') },
    ]).withColumn('d', col('d').cast('date'));
    expect(await byId(dates.select('id', F.count('*').over(Window.orderBy('d').rangeBetween(-7, 0)).alias('n')), 'n')).toEqual({ 1: 1, 2: 2, 3: 2, 4: 1 });
  });

  it('other aggregates through their accumulators: stddev, collect_list, countDistinct, whole-partition max of strings', async () => {
    const w = Window.partitionBy('dept').orderBy('t');
    const df = emp().select(
      'id',
      F.stddev_pop('sal').over(w).alias('sd'),
      F.collect_list('sal').over(w.rowsBetween(-1, 1)).alias('cl'),
      F.countDistinct('sal').over(w).alias('cds'),
      F.countDistinct('sal').over(Window.partitionBy('dept')).alias('cdw'),
      F.collect_set('sal').over(w.rowsBetween(-1, 0)).alias('cs'),
      F.max('dept').over(Window.partitionBy('t')).alias('md'),
    );
    const r = await byId(df, 'sd', 'cl', 'cds', 'cdw', 'cs', 'md');
    expect(r[1]).toEqual([0, [100, 200], 1, 3, [100], 'b']);
    expect(r[2]).toEqual([50, [100, 200, 200], 2, 3, [100, 200], 'b']);
    expect(r[3]).toEqual([expect.closeTo(Math.sqrt(20000 / 9), 9), [200, 200, 300], 2, 3, [200], 'a']);
    expect(r[5]).toEqual([expect.closeTo(Math.sqrt(5000), 9), [300], 3, 3, [300], 'a']);
    expect(r[7]).toEqual([0, [50, 50], 1, 1, [50], 'b']);
    expect(r[8]).toEqual([0, [10], 1, 1, [10], 'b']);
  });

  it('nested and combined window expressions, withColumn, and a window of its own output', async () => {
    const w = Window.partitionBy('dept').orderBy('t');
    const share = emp()
      .withColumn('share', F.sum('sal').over(w).divide(F.sum('sal').over(Window.partitionBy('dept'))))
      .withColumn('delta', col('sal').minus(F.lag('sal').over(w)))
      .withColumn('rank_of_share', F.dense_rank().over(Window.partitionBy('dept').orderBy(col('share').desc())));
    expect(share.columns).toEqual(['id', 'dept', 'sal', 't', 'share', 'delta', 'rank_of_share']);
    expect(await byId(share, 'share', 'delta', 'rank_of_share')).toEqual({
      1: [0.125, null, 4], 2: [0.375, 100, 3], 3: [0.625, 0, 2], 4: [1, 100, 1], 5: [1, null, 1],
      6: [0.5, null, 2], 7: [1, 0, 1], 8: [1, null, 1],
    });
    // unaliased window columns get Spark-style names
    expect(emp().select(F.count('*').over(Window.partitionBy('dept'))).columns).toEqual(['count(1) OVER (PARTITION BY dept)']);
  });

  it('over a join result and over an aggregate result', async () => {
    const depts = spark.createDataFrame([{ dept: 'a', name: 'Sales' }, { dept: 'b', name: 'Ops' }]);
    const joined = emp().join(depts, 'dept').select('id', 'name', 'sal', F.rank().over(Window.partitionBy('name').orderBy(col('sal').desc_nulls_last())).alias('r'));
    expect(await byId(joined, 'name', 'r')).toEqual({ 1: ['Sales', 4], 2: ['Sales', 2], 3: ['Sales', 2], 4: ['Sales', 1], 5: ['Sales', 5], 6: ['Ops', 1], 7: ['Ops', 1] });
    const totals = emp().groupBy('dept').agg(F.sum('sal').alias('total'), F.count('*').alias('n'));
    const ranked = await totals
      .select('dept', 'total', F.rank().over(Window.orderBy(col('total').desc())).alias('r'), col('total').divide(F.sum('total').over(Window.partitionBy())).alias('frac'))
      .orderBy('r')
      .collect();
    expect(ranked).toEqual([
      { dept: 'a', total: 800, r: 1, frac: 800 / 910 },
      { dept: 'b', total: 100, r: 2, frac: 100 / 910 },
      { dept: null, total: 10, r: 3, frac: 10 / 910 },
    ]);
  });

  it('spans many partitions and batches (range source, shuffle into 3 partitions)', async () => {
    const n = 20_000;
    const df = spark.range(n).withColumn('k', col('id').mod(7)).select(
      'id', 'k',
      F.row_number().over(Window.partitionBy('k').orderBy('id')).alias('rn'),
      F.sum('id').over(Window.partitionBy('k').orderBy('id')).alias('run'),
      F.avg('id').over(Window.partitionBy('k').orderBy('id').rowsBetween(-2, 2)).alias('mov'),
    );
    const rows = await df.collect();
    expect(rows).toHaveLength(n);
    for (const r of rows) {
      const id = r['id'] as number;
      const k = r['k'] as number;
      const rn = (id - k) / 7 + 1;
      expect(r['rn']).toBe(rn);
      expect(r['run']).toBe(rn * k + 7 * (rn * (rn - 1)) / 2);
      const last = n - 1 - ((n - 1 - k) % 7);
      const lo = Math.max(k, id - 14);
      const hi = Math.min(last, id + 14);
      expect(r['mov']).toBeCloseTo((lo + hi) / 2, 9);
    }
  });
});

describe('analysis errors', () => {
  const w = Window.partitionBy('dept').orderBy('t');
  it('window functions need over(), ranking functions need an ordered window', () => {
    expect(() => emp().select(F.row_number())).toThrow(AnalysisError);
    expect(() => emp().select(F.rank())).toThrow(/needs a window: use it with \.over/);
    expect(() => emp().withColumn('x', F.lag('sal'))).toThrow(/needs a window/);
    expect(() => emp().select(F.row_number().over(Window.partitionBy('dept')))).toThrow(/requires an ordered window/);
    expect(() => emp().select(F.lag('sal').over(Window.partitionBy('dept')))).toThrow(AnalysisError);
  });
  it('windows are not allowed in filter, groupBy, agg or next to aggregates', () => {
    expect(() => emp().filter(F.row_number().over(w).eq(1))).toThrow(AnalysisError);
    expect(() => emp().groupBy(F.rank().over(w)).count()).toThrow(AnalysisError);
    expect(() => emp().groupBy('dept').agg(F.sum('sal').over(w))).toThrow(/cannot be used in groupBy\(\) \/ agg\(\)/);
    expect(() => emp().select(F.sum('sal'), F.rank().over(w))).toThrow(AnalysisError);
    expect(() => emp().orderBy(F.rank().over(w))).toThrow(AnalysisError);
  });
  it('bad arguments and frames', () => {
    expect(() => col('sal').over(w)).toThrow(/needs an aggregate or window function/);
    expect(() => F.upper('dept').over(w)).toThrow(AnalysisError);
    expect(() => emp().select(F.ntile(0).over(w))).toThrow(/positive integer/);
    expect(() => emp().select(F.lag('sal', 1).over(w).over(w))).toThrow(/already has a window/);
    expect(() => emp().select(F.sum('sal').over(Window.orderBy('dept').rangeBetween(-1, 0)))).toThrow(/numeric or date ORDER BY/);
    expect(() => emp().select(F.sum('sal').over(Window.orderBy('t', 'id').rangeBetween(-1, 1)))).toThrow(/exactly one ORDER BY/);
    expect(() => emp().select(F.sum(F.sum('sal')).over(w))).toThrow(AnalysisError);
    expect(() => emp().select(F.sum(F.rank().over(w)).over(w))).toThrow(/nested/);
    expect(() => emp().select(F.sum('nope').over(w))).toThrow(/cannot be resolved/);
    expect(() => emp().select(F.avg('dept').over(w))).toThrow(AnalysisError);
    expect(() => emp().select(F.call_function('lag', col('sal'), col('t')).over(w))).toThrow(/must be a constant/);
  });
});

describe('planning', () => {
  const w = Window.partitionBy('dept').orderBy('t');
  const lines = (df: DataFrame) => logicalToString(optimize(df.plan)).split('\n').map((l) => l.trim().replace(/^\+- /, ''));

  it('shares one Window node per spec', () => {
    const df = emp().select('id', F.row_number().over(w), F.rank().over(w), F.sum('sal').over(w.rowsBetween(-1, 1)), F.sum('sal').over(Window.partitionBy('dept')));
    expect(lines(df).filter((l) => l.startsWith('Window')).length).toBe(2);
  });

  it('pushes filters on partition columns below the window and keeps others above', () => {
    const ranked = emp().withColumn('r', F.rank().over(w));
    const byDept = lines(ranked.filter(col('dept').eq('a')));
    const winAt = byDept.findIndex((l) => l.startsWith('Window'));
    expect(byDept.slice(0, winAt).some((l) => l.startsWith('Filter'))).toBe(false);
    expect(byDept.slice(winAt).some((l) => l.includes("filters=") || l.startsWith('Filter'))).toBe(true);
    for (const cond of [col('r').eq(1), col('sal').gt(100), col('dept').eq('a').or(col('sal').gt(1))]) {
      const l = lines(ranked.filter(cond));
      const at = l.findIndex((x) => x.startsWith('Window'));
      expect(l.slice(0, at).some((x) => x.startsWith('Filter'))).toBe(true);
      expect(l.slice(at).some((x) => x.includes('filters=') || x.startsWith('Filter'))).toBe(false);
    }
  });

  it('prunes unused window functions and their inputs; limits stay above', () => {
    const df = emp().withColumn('r', F.rank().over(w)).withColumn('s', F.sum('sal').over(Window.partitionBy('t'))).select('id', 'r');
    const l = lines(df);
    expect(l.filter((x) => x.startsWith('Window')).length).toBe(1);
    expect(l.some((x) => x.includes('sum('))).toBe(false);
    expect(lines(emp().withColumn('r', F.rank().over(w)).select('id')).some((x) => x.startsWith('Window'))).toBe(false);
    const limited = lines(emp().withColumn('r', F.rank().over(w)).limit(2));
    expect(limited.findIndex((x) => x.startsWith('Limit'))).toBeLessThan(limited.findIndex((x) => x.startsWith('Window')));
    expect(limited.some((x) => x.includes('limit='))).toBe(false);
  });

  it('hash-partitions on the partition keys once for stacked windows on the same keys', async () => {
    const df = emp().withColumn('r', F.rank().over(w)).withColumn('m', F.max('r').over(Window.partitionBy('dept')));
    const phys = physicalToString(prepare(df.plan, spark.plannerConfig()).physical);
    expect(phys.match(/Exchange hashpartitioning/g)?.length).toBe(1);
    expect(await byId(df, 'm')).toEqual({ 1: 5, 2: 5, 3: 5, 4: 5, 5: 5, 6: 2, 7: 2, 8: 1 });
    const global = physicalToString(prepare(spark.range(0, 100, 1, 4).withColumn('r', F.row_number().over(Window.orderBy('id'))).plan, spark.plannerConfig()).physical);
    expect(global).toMatch(/Exchange SinglePartition/);
  });
});

// ------------------------------------------------------------------ DuckDB oracle

/** Seeded PRNG for test data (the engine's own mulberry32). */
const rng = mulberry32;

type R = { id: number; k1: string | null; k2: number | null; v: number | null; w: number | null };
function makeRows(n: number, seed: number): R[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, id) => ({
    id,
    k1: r() < 0.05 ? null : `g${Math.floor(r() ** 2 * 12)}`,
    k2: r() < 0.05 ? null : Math.floor(r() * 5),
    v: r() < 0.1 ? null : Math.floor(r() * 200) - 100, // many ties
    w: r() < 0.1 ? null : Math.round(r() * 1e6) / 1e3,
  }));
}

describe('against DuckDB', () => {
  let db: DuckDBConnection;
  const rows = makeRows(2500, 7);
  const A = () => spark.createDataFrame(rows, 'id INT, k1 STRING, k2 INT, v INT, w DOUBLE');

  beforeAll(async () => {
    db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run('CREATE TABLE a (id INTEGER, k1 VARCHAR, k2 INTEGER, v INTEGER, w DOUBLE)');
    const q = (x: unknown) => (x === null ? 'NULL' : typeof x === 'string' ? `'${x}'` : String(x));
    await db.run(`INSERT INTO a VALUES ${rows.map((r) => `(${r.id}, ${q(r.k1)}, ${q(r.k2)}, ${q(r.v)}, ${q(r.w)})`).join(',\n')}`);
  });
  afterAll(() => db.closeSync());

  async function duck(sql: string): Promise<Row[]> {
    const res = await db.runAndReadAll(sql);
    return res.getRowObjects().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]))) as Row[];
  }

  /** Compares row sets keyed by the unique `id`, with a relative tolerance for doubles. */
  async function check(df: DataFrame, sql: string): Promise<void> {
    const ours = await df.collect();
    const theirs = await duck(sql);
    expect(ours.length).toBe(theirs.length);
    const mine = new Map(ours.map((r) => [r['id'], r]));
    let compared = 0;
    for (const t of theirs) {
      const o = mine.get(t['id']!);
      expect(o, `row id=${t['id']}`).toBeDefined();
      for (const [k, v] of Object.entries(t)) {
        const x = o![k];
        if (typeof v === 'number' && typeof x === 'number' && !Number.isInteger(v)) {
          expect(Math.abs(x - v), `${k} of id=${t['id']}: ${x} vs ${v}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)));
        } else {
          expect(x, `${k} of id=${t['id']}`).toEqual(v);
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0);
  }

  it('ranking functions', async () => {
    const w = Window.partitionBy('k1').orderBy('v');
    await check(
      A().select(
        'id',
        F.row_number().over(Window.partitionBy('k1').orderBy('v', 'id')).alias('rn'),
        F.rank().over(w).alias('rk'), F.dense_rank().over(w).alias('dr'), F.percent_rank().over(w).alias('pr'),
        F.cume_dist().over(w).alias('cd'), F.ntile(4).over(Window.partitionBy('k1').orderBy(col('v').desc(), 'id')).alias('nt'),
        F.rank().over(Window.partitionBy('k1', 'k2').orderBy(col('w').desc_nulls_first(), col('v').asc_nulls_last())).alias('rk2'),
      ),
      `SELECT id,
        row_number() OVER (PARTITION BY k1 ORDER BY v ASC NULLS FIRST, id) rn,
        rank() OVER (PARTITION BY k1 ORDER BY v ASC NULLS FIRST) rk,
        dense_rank() OVER (PARTITION BY k1 ORDER BY v ASC NULLS FIRST) dr,
        percent_rank() OVER (PARTITION BY k1 ORDER BY v ASC NULLS FIRST) pr,
        cume_dist() OVER (PARTITION BY k1 ORDER BY v ASC NULLS FIRST) cd,
        ntile(4) OVER (PARTITION BY k1 ORDER BY v DESC NULLS LAST, id) nt,
        rank() OVER (PARTITION BY k1, k2 ORDER BY w DESC NULLS FIRST, v ASC NULLS LAST) rk2
      FROM a`,
    );
  });

  it('lag, lead, first_value, last_value, nth_value', async () => {
    const w = Window.partitionBy('k2').orderBy('v', 'id');
    const frame = w.rowsBetween(-3, 2);
    await check(
      A().select(
        'id',
        F.lag('w').over(w).alias('l1'), F.lag('v', 3, -999).over(w).alias('l3'), F.lead('k1', 2, 'zz').over(w).alias('ld2'),
        F.first_value('w').over(frame).alias('fv'), F.last_value('w', true).over(frame).alias('lv'),
        F.nth_value('v', 2).over(frame).alias('n2'), F.nth_value('w', 2, true).over(w).alias('n2i'),
        F.first('v', true).over(w).alias('fi'),
      ),
      `SELECT id,
        lag(w) OVER (PARTITION BY k2 ORDER BY v ASC NULLS FIRST, id) l1,
        lag(v, 3, -999) OVER (PARTITION BY k2 ORDER BY v ASC NULLS FIRST, id) l3,
        lead(k1, 2, 'zz') OVER (PARTITION BY k2 ORDER BY v ASC NULLS FIRST, id) ld2,
        first_value(w) OVER (PARTITION BY k2 ORDER BY v ASC NULLS FIRST, id ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING) fv,
        last_value(w IGNORE NULLS) OVER (PARTITION BY k2 ORDER BY v ASC NULLS FIRST, id ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING) lv,
        nth_value(v, 2) OVER (PARTITION BY k2 ORDER BY v ASC NULLS FIRST, id ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING) n2,
        nth_value(w, 2 IGNORE NULLS) OVER (PARTITION BY k2 ORDER BY v ASC NULLS FIRST, id) n2i,
        first_value(v IGNORE NULLS) OVER (PARTITION BY k2 ORDER BY v ASC NULLS FIRST, id) fi
      FROM a`,
    );
  });

  it('running aggregates with the default RANGE frame (peers included)', async () => {
    const w = Window.partitionBy('k1').orderBy('k2');
    await check(
      A().select('id', F.sum('v').over(w).alias('s'), F.count('v').over(w).alias('c'), F.count('*').over(w).alias('n'), F.avg('w').over(w).alias('a'),
        F.min('w').over(w).alias('mi'), F.max('k1').over(Window.orderBy('k2')).alias('mk'), F.stddev('w').over(w).alias('sd')),
      `SELECT id, sum(v) OVER w s, count(v) OVER w c, count(*) OVER w n, avg(w) OVER w a, min(w) OVER w mi,
        max(k1) OVER (ORDER BY k2 ASC NULLS FIRST) mk, stddev_samp(w) OVER w sd
      FROM a WINDOW w AS (PARTITION BY k1 ORDER BY k2 ASC NULLS FIRST)`,
    );
  });

  it('sliding and one-sided ROWS frames', async () => {
    const w = Window.partitionBy('k2').orderBy('id');
    await check(
      A().select('id',
        F.sum('w').over(w.rowsBetween(-3, 2)).alias('s'), F.avg('v').over(w.rowsBetween(-3, 2)).alias('a'), F.min('v').over(w.rowsBetween(-3, 2)).alias('mi'),
        F.max('w').over(w.rowsBetween(-3, 2)).alias('ma'), F.count('v').over(w.rowsBetween(-3, 2)).alias('c'),
        F.sum('v').over(w.rowsBetween(Window.unboundedPreceding, -1)).alias('bef'), F.max('v').over(w.rowsBetween(1, Window.unboundedFollowing)).alias('aft'),
        F.var_pop('w').over(w.rowsBetween(-4, 0)).alias('vp'), F.sum('v').over(w.rowsBetween(2, 5)).alias('ahead')),
      `SELECT id,
        sum(w) OVER (PARTITION BY k2 ORDER BY id ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING) s,
        avg(v) OVER (PARTITION BY k2 ORDER BY id ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING) a,
        min(v) OVER (PARTITION BY k2 ORDER BY id ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING) mi,
        max(w) OVER (PARTITION BY k2 ORDER BY id ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING) ma,
        count(v) OVER (PARTITION BY k2 ORDER BY id ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING) c,
        sum(v) OVER (PARTITION BY k2 ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) bef,
        max(v) OVER (PARTITION BY k2 ORDER BY id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) aft,
        var_pop(w) OVER (PARTITION BY k2 ORDER BY id ROWS BETWEEN 4 PRECEDING AND CURRENT ROW) vp,
        sum(v) OVER (PARTITION BY k2 ORDER BY id ROWS BETWEEN 2 FOLLOWING AND 5 FOLLOWING) ahead
      FROM a`,
    );
  });

  it('RANGE frames with numeric offsets over a key with nulls and ties, ascending and descending', async () => {
    await check(
      A().select('id',
        F.sum('w').over(Window.partitionBy('k2').orderBy('v').rangeBetween(-10, 5)).alias('s'),
        F.count('*').over(Window.partitionBy('k2').orderBy(col('v').desc()).rangeBetween(-10, 0)).alias('cd'),
        F.max('w').over(Window.partitionBy('k1').orderBy('v').rangeBetween(Window.currentRow, 20)).alias('mx'),
        F.min('id').over(Window.orderBy(col('w').desc_nulls_first()).rangeBetween(Window.unboundedPreceding, -100.5)).alias('mi'),
        F.count('v').over(Window.partitionBy('k1').orderBy('v').rangeBetween(3, Window.unboundedFollowing)).alias('c3')),
      `SELECT id,
        sum(w) OVER (PARTITION BY k2 ORDER BY v ASC NULLS FIRST RANGE BETWEEN 10 PRECEDING AND 5 FOLLOWING) s,
        count(*) OVER (PARTITION BY k2 ORDER BY v DESC NULLS LAST RANGE BETWEEN 10 PRECEDING AND CURRENT ROW) cd,
        max(w) OVER (PARTITION BY k1 ORDER BY v ASC NULLS FIRST RANGE BETWEEN CURRENT ROW AND 20 FOLLOWING) mx,
        min(id) OVER (ORDER BY w DESC NULLS FIRST RANGE BETWEEN UNBOUNDED PRECEDING AND 100.5 PRECEDING) mi,
        count(v) OVER (PARTITION BY k1 ORDER BY v ASC NULLS FIRST RANGE BETWEEN 3 FOLLOWING AND UNBOUNDED FOLLOWING) c3
      FROM a`,
    );
  });

  it('whole-partition aggregates, several partition keys, window over an aggregate', async () => {
    await check(
      A().select('id',
        F.sum('v').over(Window.partitionBy('k1', 'k2')).alias('s'), F.avg('w').over(Window.partitionBy('k1', 'k2')).alias('a'),
        F.count('*').over(Window.partitionBy()).alias('n'), col('v').minus(F.avg('v').over(Window.partitionBy('k2'))).alias('dev'),
        F.countDistinct('v').over(Window.partitionBy('k1')).alias('dv')),
      `SELECT id, sum(v) OVER (PARTITION BY k1, k2) s, avg(w) OVER (PARTITION BY k1, k2) a, count(*) OVER () n,
        v - avg(v) OVER (PARTITION BY k2) dev, count(DISTINCT v) OVER (PARTITION BY k1) dv FROM a`,
    );
    const agg = A().groupBy('k1', 'k2').agg(F.sum('v').alias('sv'), F.min('id').alias('id'))
      .select('id', 'k1', 'k2', 'sv', F.rank().over(Window.partitionBy('k1').orderBy(col('sv').desc())).alias('r'),
        F.sum('sv').over(Window.partitionBy('k1').orderBy('k2').rowsBetween(Window.unboundedPreceding, Window.currentRow)).alias('cum'));
    await check(agg, `SELECT id, k1, k2, sv, rank() OVER (PARTITION BY k1 ORDER BY sv DESC NULLS LAST) r,
        sum(sv) OVER (PARTITION BY k1 ORDER BY k2 ASC NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) cum
      FROM (SELECT k1, k2, sum(v) sv, min(id) id FROM a GROUP BY k1, k2)`);
  });

  it('over a self-join', async () => {
    const a = A().alias('x');
    const b = A().select(col('id').alias('bid'), col('k2').alias('bk2'), col('w').alias('bw')).filter(col('bid').lt(300));
    const joined = a.join(b, col('x.k2').eq(col('bk2'))).filter(col('x.id').lt(200))
      .select(col('x.id').multiply(1000).plus(col('bid')).alias('id'), F.row_number().over(Window.partitionBy('x.id').orderBy(col('bw').desc(), 'bid')).alias('rn'),
        F.sum('bw').over(Window.partitionBy('x.id')).alias('tot'));
    await check(joined, `SELECT x.id * 1000 + b.id id, row_number() OVER (PARTITION BY x.id ORDER BY b.w DESC NULLS LAST, b.id) rn, sum(b.w) OVER (PARTITION BY x.id) tot
      FROM a x JOIN (SELECT * FROM a WHERE id < 300) b ON x.k2 = b.k2 WHERE x.id < 200`);
  });
});

void lit;
