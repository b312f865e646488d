import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as arrow from 'apache-arrow';
import {
  AnalysisError,
  ArithmeticOverflowError,
  DataFrame,
  IllegalArgumentError,
  Session,
  TypeMismatchError,
  col,
  functions as F,
  lit,
} from '../src/index.js';
import { percentileOf } from '../src/expr/aggregates.js';
import { testThreads } from './threads.js';

let spark: Session;
beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(), shufflePartitions: 3 });
});
afterAll(async () => {
  await spark.stop();
});

const people = () =>
  spark.createDataFrame([
    { name: 'ann', age: 34, dept: 'eng', salary: 120.5, active: true },
    { name: 'bob', age: 45, dept: 'ops', salary: 80, active: false },
    { name: 'cat', age: null, dept: 'eng', salary: 99.5, active: true },
    { name: 'dan', age: 28, dept: null, salary: null, active: null },
    { name: 'eve', age: 51, dept: 'ops', salary: 150, active: true },
  ]);

const sortBy = <T extends Record<string, unknown>>(rows: T[], key: string) =>
  [...rows].sort((a, b) => String(a[key]).localeCompare(String(b[key])));

describe('sources and schema', () => {
  it('infers a schema from rows and exposes columns, dtypes, printSchema', () => {
    const df = people();
    expect(df.columns).toEqual(['name', 'age', 'dept', 'salary', 'active']);
    expect(df.dtypes).toEqual([['name', 'string'], ['age', 'int'], ['dept', 'string'], ['salary', 'double'], ['active', 'boolean']]);
    expect(df.schema.treeString()).toContain(' |-- salary: double (nullable = true)');
  });

  it('creates from an Arrow table and returns Arrow', async () => {
    const t = arrow.tableFromArrays({ a: new Int32Array([1, 2, 3]), s: ['x', 'y', 'z'] });
    const df = spark.createDataFrame(t);
    const out = await df.filter(col('a').gt(1)).toArrow();
    expect(out.numRows).toBe(2);
    expect(out.getChild('s')!.toArray()).toEqual(['y', 'z']);
    expect(String(out.schema.fields[0]!.type)).toBe('Int32');
  });

  it('range() produces an id column across partitions', async () => {
    const df = spark.range(10);
    expect(df.dtypes).toEqual([['id', 'bigint']]);
    expect((await df.collect()).map((r) => r['id'])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await spark.range(5, 20, 5).collect()).map((r) => r['id'])).toEqual([5, 10, 15]);
    expect(await spark.range(1, 1_000_001).count()).toBe(1_000_000);
  });

  it('accepts an explicit DDL schema and arrays of values', async () => {
    const df = spark.createDataFrame([[1, 'a'], [2, null]], 'id BIGINT, label STRING');
    expect(df.dtypes).toEqual([['id', 'bigint'], ['label', 'string']]);
    expect(await df.collect()).toEqual([{ id: 1, label: 'a' }, { id: 2, label: null }]);
  });

  it('maps dates and timestamps to Date objects', async () => {
    const df = spark.createDataFrame([{ d: '2024-02-29', t: '2024-02-29T10:11:12Z' }]).select(
      col('d').cast('date').alias('d'),
      col('t').cast('timestamp').alias('t'),
    );
    const [row] = await df.collect();
    expect(row!['d']).toEqual(new Date('2024-02-29T00:00:00Z'));
    expect(row!['t']).toEqual(new Date('2024-02-29T10:11:12Z'));
    expect(df.dtypes).toEqual([['d', 'date'], ['t', 'timestamp']]);
  });
});

describe('projections', () => {
  it('select by name, column and expression; withColumn, rename, drop, toDF', async () => {
    const df = people()
      .select('name', col('age'), col('salary').multiply(2).alias('double_salary'))
      .withColumn('older', col('age').plus(1))
      .withColumnRenamed('name', 'who')
      .drop('age');
    expect(df.columns).toEqual(['who', 'double_salary', 'older']);
    const rows = await df.collect();
    expect(rows[0]).toEqual({ who: 'ann', double_salary: 241, older: 35 });
    expect(rows[2]).toEqual({ who: 'cat', double_salary: 199, older: null });
    expect(people().select('*').columns).toHaveLength(5);
    expect(people().select('name').toDF('n').columns).toEqual(['n']);
  });

  it('withColumn replaces an existing column in place', async () => {
    const df = people().withColumn('age', col('age').multiply(10));
    expect(df.columns).toEqual(['name', 'age', 'dept', 'salary', 'active']);
    expect((await df.first())!['age']).toBe(340);
  });

  it('names unaliased expressions like Spark', () => {
    const df = people().select(col('age').gt(30), F.upper(col('name')), col('age').plus(1));
    expect(df.columns).toEqual(['(age > 30)', 'upper(name)', '(age + 1)']);
  });
});

describe('filters and null semantics', () => {
  it('filters with three-valued logic (null is not true)', async () => {
    const df = people();
    expect((await df.filter(col('age').gt(30)).collect()).map((r) => r['name'])).toEqual(['ann', 'bob', 'eve']);
    // null OR true = true; null AND false = false; NOT null = null
    expect((await df.filter(col('age').gt(100).or(col('active'))).collect()).map((r) => r['name'])).toEqual(['ann', 'cat', 'eve']);
    expect((await df.filter(col('active').and(col('age').lt(40)).not()).collect()).map((r) => r['name'])).toEqual(['bob', 'eve']);
    expect((await df.where(col('age').isNull()).collect()).map((r) => r['name'])).toEqual(['cat']);
    expect((await df.where(col('dept').isNotNull()).count())).toBe(4);
  });

  it('evaluates AND/OR truth tables with nulls', async () => {
    const df = spark.createDataFrame([
      { a: true, b: null }, { a: false, b: null }, { a: null, b: null }, { a: true, b: false },
    ]);
    const rows = await df.select(col('a').and(col('b')).alias('and'), col('a').or(col('b')).alias('or'), col('a').not().alias('not')).collect();
    expect(rows).toEqual([
      { and: null, or: true, not: false },
      { and: false, or: null, not: true },
      { and: null, or: null, not: null },
      { and: false, or: true, not: false },
    ]);
  });

  it('isin, between, like, rlike, eqNullSafe', async () => {
    const df = people();
    expect((await df.filter(col('dept').isin('ops', 'hr')).collect()).map((r) => r['name'])).toEqual(['bob', 'eve']);
    expect((await df.filter(col('age').between(30, 46)).collect()).map((r) => r['name'])).toEqual(['ann', 'bob']);
    expect((await df.filter(col('name').like('_a%')).collect()).map((r) => r['name'])).toEqual(['cat', 'dan']);
    expect((await df.filter(col('name').rlike('^[ab]')).collect()).map((r) => r['name'])).toEqual(['ann', 'bob']);
    const nulls = spark.createDataFrame([{ x: null, y: null }, { x: 1, y: null }, { x: 1, y: 1 }]);
    expect((await nulls.select(col('x').eqNullSafe(col('y')).alias('e'), col('x').eq(col('y')).alias('q')).collect())).toEqual([
      { e: true, q: null }, { e: false, q: null }, { e: true, q: true },
    ]);
    // x IN (1, NULL) is null (not false) when x is not 1
    const inNull = await spark.createDataFrame([{ x: 2 }, { x: 1 }]).select(col('x').isin(1, null).alias('r')).collect();
    expect(inNull).toEqual([{ r: null }, { r: true }]);
  });

  it('when / otherwise and cast', async () => {
    const rows = await people()
      .select(
        F.when(col('age').lt(30), 'young').when(col('age').lt(50), 'mid').otherwise('senior').alias('band'),
        F.when(col('age').gt(40), 1).alias('no_else'),
        col('salary').cast('int').alias('si'),
        col('age').cast('string').alias('as'),
      )
      .collect();
    expect(rows.map((r) => r['band'])).toEqual(['mid', 'mid', 'senior', 'young', 'senior']);
    expect(rows.map((r) => r['no_else'])).toEqual([null, 1, null, null, 1]);
    expect(rows.map((r) => r['si'])).toEqual([120, 80, 99, null, 150]);
    expect(rows.map((r) => r['as'])).toEqual(['34', '45', null, '28', '51']);
  });

  it('divides to double and returns null on division by zero', async () => {
    const rows = await spark.createDataFrame([{ a: 7, b: 2 }, { a: 1, b: 0 }]).select(col('a').divide(col('b')).alias('q'), col('a').mod(col('b')).alias('m')).collect();
    expect(rows).toEqual([{ q: 3.5, m: 1 }, { q: null, m: null }]);
  });

  it('raises on int overflow instead of wrapping or losing precision', async () => {
    const df = spark.createDataFrame([{ a: 2147483647 }]);
    await expect(df.select(col('a').plus(1)).collect()).rejects.toThrow(ArithmeticOverflowError);
    const big = spark.range(1).select(lit(2 ** 52).cast('long').multiply(4).alias('x'));
    await expect(big.collect()).rejects.toThrow(/exact range/);
  });
});

describe('aggregation', () => {
  it('groupBy().agg with every aggregate', async () => {
    const rows = await people()
      .groupBy('dept')
      .agg(
        F.count('*').alias('n'),
        F.count('age').alias('n_age'),
        F.sum('age').alias('sum_age'),
        F.avg('salary').alias('avg_sal'),
        F.min('name').alias('min_name'),
        F.max('age').alias('max_age'),
        F.countDistinct('active').alias('n_active'),
      )
      .orderBy('dept')
      .collect();
    expect(rows).toEqual([
      { dept: null, n: 1, n_age: 1, sum_age: 28, avg_sal: null, min_name: 'dan', max_age: 28, n_active: 0 },
      { dept: 'eng', n: 2, n_age: 1, sum_age: 34, avg_sal: 110, min_name: 'ann', max_age: 34, n_active: 1 },
      { dept: 'ops', n: 2, n_age: 2, sum_age: 96, avg_sal: 115, min_name: 'bob', max_age: 51, n_active: 2 },
    ]);
  });

  it('stddev, variance, first, last and expressions over aggregates', async () => {
    const df = spark.createDataFrame([{ g: 'a', x: 1 }, { g: 'a', x: 2 }, { g: 'a', x: 3 }, { g: 'b', x: 10 }]);
    const rows = await df
      .groupBy('g')
      .agg(F.stddev('x').alias('sd'), F.variance('x').alias('var'), F.var_pop('x').alias('vp'), F.first('x').alias('f'), F.last('x').alias('l'), F.sum('x').divide(F.count('x')).alias('mean2'))
      .orderBy('g')
      .collect();
    expect(rows[0]).toEqual({ g: 'a', sd: 1, var: 1, vp: 2 / 3, f: 1, l: 3, mean2: 2 });
    expect(rows[1]).toMatchObject({ g: 'b', sd: null, var: null, vp: 0, f: 10, l: 10 });
  });

  it('whole-frame aggregates, including over empty input', async () => {
    const df = people();
    expect(await df.agg(F.max('age').alias('m'), F.count('*').alias('n')).collect()).toEqual([{ m: 51, n: 5 }]);
    expect(await df.select(F.sum('salary')).collect()).toEqual([{ 'sum(salary)': 450 }]);
    const empty = df.filter(col('age').gt(1000));
    expect(await empty.agg(F.count('*').alias('n'), F.sum('age').alias('s')).collect()).toEqual([{ n: 0, s: null }]);
    expect(await empty.count()).toBe(0);
  });

  it('GroupedData shortcuts and group by expression', async () => {
    const counts = await people().groupBy('dept').count().orderBy('dept').collect();
    expect(counts).toEqual([{ dept: null, count: 1 }, { dept: 'eng', count: 2 }, { dept: 'ops', count: 2 }]);
    const sums = await people().groupBy(col('age').gt(40).alias('old')).sum('salary').orderBy('old').collect();
    expect(sums).toEqual([{ old: null, 'sum(salary)': 99.5 }, { old: false, 'sum(salary)': 120.5 }, { old: true, 'sum(salary)': 230 }]);
  });

  it('rejects non-grouped columns with a helpful message', () => {
    expect(() => people().groupBy('dept').agg(col('name'))).toThrow(/neither in groupBy/);
  });

  it('adaptive partial aggregation: near-unique keys pass through and still merge correctly', async () => {
    // 2 partitions of 150k rows whose keys are (almost) all distinct: the partial phase gives up hashing.
    const df = spark.range(0, 300_000, 1, 2).withColumn('k', col('id').mod(250_000));
    const agg = df.groupBy('k').agg(F.count('*').alias('n'), F.sum('id').alias('s'), F.avg('id').alias('a'), F.stddev('id').alias('sd'), F.max('id').alias('mx'), F.collect_list('id').alias('l'), F.median('id').alias('med'));
    expect(await agg.count()).toBe(250_000);
    const rows = await agg.filter(col('k').isin(0, 49_999, 50_000)).orderBy('k').collect();
    expect(rows.map((r) => ({ ...r, l: [...(r['l'] as number[])].sort((x, y) => x - y) }))).toEqual([
      { k: 0, n: 2, s: 250_000, a: 125_000, sd: Math.sqrt(2 * 125_000 ** 2), mx: 250_000, l: [0, 250_000], med: 125_000 },
      { k: 49_999, n: 2, s: 349_998, a: 174_999, sd: Math.sqrt(2 * 125_000 ** 2), mx: 299_999, l: [49_999, 299_999], med: 174_999 },
      { k: 50_000, n: 1, s: 50_000, a: 50_000, sd: null, mx: 50_000, l: [50_000], med: 50_000 },
    ]);
    expect(await df.groupBy('k').count().filter(col('count').eq(2)).count()).toBe(50_000);
  });

  it('single-key grouping: nulls, empty strings, NaN, -0 and tables that grow', async () => {
    // 30k rows, ~5k distinct keys per column (the key table rehashes several times per task).
    const rows = Array.from({ length: 30_000 }, (_, i) => {
      const k = (i * 7919) % 5003;
      return {
        s: k % 97 === 0 ? null : k % 89 === 0 ? '' : `k${k}${'x'.repeat(k % 5)}`,
        d: k % 101 === 0 ? null : k % 103 === 0 ? NaN : k % 107 === 0 ? -0 : k % 109 === 0 ? 0 : k / 4,
        i: k % 83 === 0 ? null : k,
      };
    });
    const df = spark.createDataFrame(rows, 's string, d double, i int');
    for (const key of ['s', 'd', 'i'] as const) {
      const expected = new Map<string, number>();
      for (const r of rows) {
        const v = r[key];
        const k = v === null ? 'null' : Object.is(v, -0) ? '0' : String(v); // SQL groups -0 with 0 and NaN with NaN
        expected.set(k, (expected.get(k) ?? 0) + 1);
      }
      const got = await df.groupBy(key).count().collect();
      const norm = new Map(got.map((r) => [r[key] === null ? 'null' : Object.is(r[key], -0) ? '0' : String(r[key]), r['count'] as number]));
      expect(got.length, key).toBe(expected.size);
      expect(norm, key).toEqual(expected);
    }
    // Two numeric key columns (the multi-column numeric path), same null/NaN/-0 rules per column.
    const nk = (v: number | null) => (v === null ? 'null' : Object.is(v, -0) ? '0' : String(v));
    const pairs = new Map<string, number>();
    for (const r of rows) pairs.set(`${nk(r.d)}|${nk(r.i)}`, (pairs.get(`${nk(r.d)}|${nk(r.i)}`) ?? 0) + 1);
    const got2 = await df.groupBy('d', 'i').count().collect();
    expect(new Map(got2.map((r) => [`${nk(r['d'] as number | null)}|${nk(r['i'] as number | null)}`, r['count'] as number]))).toEqual(pairs);
    expect(got2.length).toBe(pairs.size);
    expect(await df.alias('a').join(df.alias('b'), ['d', 'i']).count()).toBe(
      [...pairs].filter(([k]) => !k.includes('null')).reduce((a, [, c]) => a + c * c, 0),
    );
  });

  it('median: all-null and empty groups, NaN, many values per group, across partitions', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => ({ g: i % 4, v: i % 4 === 3 ? null : i % 4 === 2 && i % 7 === 0 ? NaN : (i * 37) % 1000 }));
    const df = spark.createDataFrame(rows, 'g int, v double').repartition(4);
    const got = await df.groupBy('g').agg(F.median('v').alias('m'), F.count('v').alias('c')).orderBy('g').collect();
    const median = (g: number) => {
      const xs = rows.filter((r) => r.g === g && r.v !== null).map((r) => r.v as number);
      const s = Float64Array.from(xs).sort();
      if (s.length === 0) return null;
      const pos = 0.5 * (s.length - 1);
      return s[Math.floor(pos)]! + (s[Math.ceil(pos)]! - s[Math.floor(pos)]!) * (pos - Math.floor(pos));
    };
    expect(got).toEqual([0, 1, 2, 3].map((g) => ({ g, m: median(g), c: rows.filter((r) => r.g === g && r.v !== null).length })));
    expect(got[3]!['m']).toBeNull();
    // Two phases: each task's values grouped per group and shuffle bucket, merged after the shuffle.
    const plan = df.groupBy('g').agg(F.median('v'), F.sum('v')).explain();
    expect(plan).toMatch(/HashAggregate\(mode=final, keys=\[g\], functions=\[median\(v#\d+\), sum\(v#\d+\)\]\)[^]*MedianPartialAggregate\(keys=\[g#\d+\], functions=\[median\(v#\d+\), sum\(v#\d+\)\]/);
  });

  it('avg, the moments and corr read int and long columns as they are, like the same values as doubles', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ g: i % 3, a: i % 17 === 0 ? null : (i * 7919) % 1000 - 500, b: i % 5 === 0 ? null : (i * 104729) % 997 }));
    const df = spark.createDataFrame(rows, 'g int, a int, b bigint');
    const aggs = (x: string, y: string) => [F.avg(x), F.stddev(x), F.var_pop(x), F.corr(x, y), F.covar_samp(x, y), F.covar_pop(x, y)];
    const ints = await df.groupBy('g').agg(...aggs('a', 'b')).orderBy('g').collect();
    const doubles = await df.select('g', col('a').cast('double').alias('a'), col('b').cast('double').alias('b')).groupBy('g').agg(...aggs('a', 'b')).orderBy('g').collect();
    expect(ints.map((r) => Object.values(r))).toEqual(doubles.map((r) => Object.values(r)));
    expect(ints[0]!['avg(a)']).toBeCloseTo(rows.filter((r) => r.g === 0 && r.a !== null).reduce((s, r, _i, xs) => s + r.a! / xs.length, 0), 9);
  });

  it('median: selecting the middle ranks agrees with sorting the values (duplicates, NaN, any percentile)', () => {
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
    const bySort = (xs: Float64Array, q: number) => {
      const sorted = Float64Array.from(xs).sort(); // NaN last, like Spark
      const pos = q * (sorted.length - 1);
      const lo = Math.floor(pos);
      return sorted[lo]! + (sorted[Math.ceil(pos)]! - sorted[lo]!) * (pos - lo);
    };
    for (let t = 0; t < 3000; t++) {
      const n = 1 + Math.floor(rnd() * (t % 10 === 0 ? 400 : 40));
      const range = 1 + Math.floor(rnd() * 50); // small ranges: many duplicates
      const xs = Float64Array.from({ length: n }, () => (rnd() < 0.1 ? NaN : Math.floor(rnd() * range) - range / 2));
      // The segment sits inside a larger array: values outside it must not move.
      const a = new Float64Array(n + 6).fill(-7);
      a.set(xs, 3);
      for (const q of [0, 0.25, 0.5, 0.9, 1]) {
        const seg = Float64Array.from(a);
        const got = percentileOf(seg, 3, 3 + n, q);
        const want = bySort(xs, q);
        if (Number.isNaN(want)) expect(got).toBeNaN();
        else expect(got).toBe(want);
        expect([...seg.subarray(0, 3), ...seg.subarray(3 + n)]).toEqual([-7, -7, -7, -7, -7, -7]);
      }
    }
  });

  it('distinct and dropDuplicates', async () => {
    const df = spark.createDataFrame([{ a: 1, b: 'x' }, { a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: null, b: 'x' }, { a: null, b: 'x' }]);
    expect(await df.distinct().count()).toBe(3);
    const dd = await df.dropDuplicates(['a']).orderBy('a').collect();
    expect(dd.map((r) => r['a'])).toEqual([null, 1]);
    expect(dd[1]!['b']).toBe('x');
    expect(df.dropDuplicates(['b']).columns).toEqual(['a', 'b']);
  });
});

describe('ordering and limits', () => {
  it('orderBy asc/desc with Spark null ordering', async () => {
    const df = people();
    expect((await df.orderBy('age').collect()).map((r) => r['age'])).toEqual([null, 28, 34, 45, 51]);
    expect((await df.orderBy(col('age').desc()).collect()).map((r) => r['age'])).toEqual([51, 45, 34, 28, null]);
    expect((await df.orderBy(col('age').asc_nulls_last()).collect()).map((r) => r['age'])).toEqual([28, 34, 45, 51, null]);
    expect((await df.orderBy(col('age').desc_nulls_first()).collect()).map((r) => r['age'])).toEqual([null, 51, 45, 34, 28]);
    expect((await df.sort(['dept', 'name'], { ascending: [false, true] }).collect()).map((r) => r['name'])).toEqual(['bob', 'eve', 'ann', 'cat', 'dan']);
  });

  it('limit, offset, take, head, first, isEmpty', async () => {
    const df = spark.range(100);
    expect((await df.orderBy(col('id').desc()).limit(3).collect()).map((r) => r['id'])).toEqual([99, 98, 97]);
    expect((await df.orderBy('id').offset(95).collect()).map((r) => r['id'])).toEqual([95, 96, 97, 98, 99]);
    expect(await df.limit(7).count()).toBe(7);
    expect(await df.take(2)).toHaveLength(2);
    expect(await df.orderBy('id').head()).toEqual({ id: 0 });
    expect(await df.filter(col('id').lt(0)).first()).toBeNull();
    expect(await df.filter(col('id').lt(0)).isEmpty()).toBe(true);
  });
});

describe('joins', () => {
  it('left and inner joins over many probe batches: duplicates, misses and null keys', async () => {
    // 200k probe rows (several batches per task); build keys 0..999 with key k present k % 3 times.
    const probe = spark.range(0, 200_000, 1, 3).select(col('id'), F.when(col('id').mod(97).eq(0), lit(null)).otherwise(col('id').mod(1500)).alias('k'));
    const build = spark.range(0, 3000).filter(col('id').mod(3).lt(col('id').mod(1000).mod(3))).select(col('id').mod(1000).alias('k'), col('id').alias('b'));
    const mult = (k: number) => (k < 1000 ? k % 3 : 0);
    let inner = 0, left = 0, leftNulls = 0;
    for (let id = 0; id < 200_000; id++) {
      const m = id % 97 === 0 ? 0 : mult(id % 1500);
      inner += m;
      left += Math.max(m, 1);
      if (m === 0) leftNulls++;
    }
    expect(await build.count()).toBe(Array.from({ length: 1000 }, (_, k) => k % 3).reduce((a, b) => a + b, 0));
    expect(await probe.join(build, 'k').count()).toBe(inner);
    const lj = probe.join(build, 'k', 'left');
    expect(await lj.count()).toBe(left);
    expect(await lj.filter(col('b').isNull()).count()).toBe(leftNulls);
  });

  const emp = () => spark.createDataFrame([
    { id: 1, name: 'ann', dept_id: 10 }, { id: 2, name: 'bob', dept_id: 20 }, { id: 3, name: 'cat', dept_id: 30 }, { id: 4, name: 'dan', dept_id: null },
  ]);
  const dept = () => spark.createDataFrame([{ dept_id: 10, dname: 'eng' }, { dept_id: 20, dname: 'ops' }, { dept_id: 40, dname: 'hr' }, { dept_id: null, dname: 'none' }]);

  it('inner, left, right, full, semi, anti on a column name', async () => {
    const names = async (df: DataFrame, key = 'name') => (await df.collect()).map((r) => r[key] ?? null).sort((a, b) => String(a).localeCompare(String(b)));
    expect(await names(emp().join(dept(), 'dept_id'))).toEqual(['ann', 'bob']);
    expect(await names(emp().join(dept(), 'dept_id', 'left'))).toEqual(['ann', 'bob', 'cat', 'dan']);
    expect(await names(emp().join(dept(), 'dept_id', 'right'), 'dname')).toEqual(['eng', 'hr', 'none', 'ops']);
    expect(await emp().join(dept(), 'dept_id', 'full').count()).toBe(6);
    expect(await names(emp().join(dept(), 'dept_id', 'left_semi'))).toEqual(['ann', 'bob']);
    expect(await names(emp().join(dept(), 'dept_id', 'left_anti'))).toEqual(['cat', 'dan']);
    const full = await emp().join(dept(), ['dept_id'], 'outer').orderBy('dept_id', 'name').collect();
    expect(full.map((r) => r['dept_id'])).toEqual([null, null, 10, 20, 30, 40]);
    expect(emp().join(dept(), 'dept_id').columns).toEqual(['dept_id', 'id', 'name', 'dname']);
  });

  it('joins on a condition with qualified columns, plus a residual predicate', async () => {
    const e = emp();
    const d = dept();
    const j = e.join(d, e.col('dept_id').eq(d.col('dept_id')).and(d.col('dname').neq('ops')), 'left');
    expect(j.columns).toEqual(['id', 'name', 'dept_id', 'dept_id', 'dname']);
    const rows = sortBy(await j.select(e.col('name'), d.col('dname')).collect(), 'name');
    expect(rows).toEqual([{ name: 'ann', dname: 'eng' }, { name: 'bob', dname: null }, { name: 'cat', dname: null }, { name: 'dan', dname: null }]);
    expect(() => j.select('dept_id')).toThrow(/ambiguous/);
  });

  it('aliases, non-equi and cross joins', async () => {
    const a = spark.range(4).alias('a');
    const b = spark.range(4).alias('b');
    expect(await a.join(b, col('a.id').lt(col('b.id'))).count()).toBe(6);
    expect(await a.crossJoin(b).count()).toBe(16);
    // 6 matching pairs + a.id = 3 (no larger b) + b.id = 0 (no smaller a)
    expect(await a.join(b, col('a.id').lt(col('b.id')), 'full').count()).toBe(8);
  });

  it('broadcast and shuffled joins give the same result', async () => {
    const big = spark.range(5000).withColumn('k', col('id').mod(97));
    const small = spark.range(97).withColumnRenamed('id', 'k').withColumn('v', col('k').multiply(2));
    const s1 = await Session.create({ threads: testThreads(), autoBroadcastJoinThreshold: -1, shufflePartitions: 4 });
    const bigS = s1.range(5000).withColumn('k', col('id').mod(97));
    const smallS = s1.range(97).withColumnRenamed('id', 'k').withColumn('v', col('k').multiply(2));
    const shuffled = bigS.join(smallS, 'k');
    expect(shuffled.explain().includes('ShuffledHashJoin')).toBe(true);
    const broadcast = big.join(small, 'k');
    expect(broadcast.explain().includes('BroadcastHashJoin')).toBe(true);
    const sum1 = (await shuffled.agg(F.sum('v').alias('s')).collect())[0]!['s'];
    const sum2 = (await broadcast.agg(F.sum('v').alias('s')).collect())[0]!['s'];
    expect(sum1).toBe(sum2);
    await s1.stop();
  });

  it('broadcasts the smaller left input of an inner or right outer join (sides swapped), with the same answers as shuffling', async () => {
    const s1 = await Session.create({ threads: testThreads(), autoBroadcastJoinThreshold: -1, shufflePartitions: 3 });
    try {
      const queries = (sess: Session) => {
        const small = sess.range(97).withColumnRenamed('id', 'k').withColumn('v', col('k').multiply(2));
        const big = sess.range(5000).withColumn('k', col('id').mod(101));
        return [
          small.join(big, 'k'),
          small.join(big, small.col('k').eq(big.col('k')).and(small.col('v').lt(big.col('id'))), 'right').select(big.col('id'), small.col('v')),
          small.join(big, small.col('k').eq(big.col('k')), 'right').select(small.col('v'), big.col('k'), big.col('id')),
        ];
      };
      const broadcast = queries(spark);
      const shuffled = queries(s1);
      for (let q = 0; q < broadcast.length; q++) {
        // The broadcast side is the 97-row range, the probe side the 5000-row one.
        expect(broadcast[q]!.explain()).toMatch(/BroadcastHashJoin (inner|left)[^\n]*\n[^\n]*\n[^\n]*range\(0, 5000[^\n]*\n[^\n]*BroadcastExchange[^\n]*\n[^\n]*\n[^\n]*range\(0, 97,/);
        const key = (r: Record<string, unknown>) => JSON.stringify(r);
        const a = (await broadcast[q]!.collect()).map(key).sort();
        const b = (await shuffled[q]!.collect()).map(key).sort();
        expect(a).toEqual(b);
        expect(a.length).toBeGreaterThan(90);
      }
      expect((await broadcast[1]!.collect()).filter((r) => r['v'] === null).length).toBeGreaterThan(0);
    } finally {
      await s1.stop();
    }
  });

  it('gathers only the joined columns the projection reads, for every join kind and strategy', async () => {
    const s1 = await Session.create({ threads: testThreads(), autoBroadcastJoinThreshold: -1, shufflePartitions: 3 });
    try {
      for (const sess of [spark, s1]) {
        const l = sess.createDataFrame([
          { k: 1, a: 'l1', x: 10 }, { k: 2, a: 'l2', x: 20 }, { k: 2, a: 'l2b', x: 21 }, { k: null, a: 'ln', x: 30 }, { k: 4, a: 'l4', x: 40 },
        ]);
        const r = sess.createDataFrame([{ k: 2, b: 'r2', y: 200 }, { k: 3, b: 'r3', y: 300 }, { k: 1, b: 'r1', y: 100 }]);
        const inner = l.join(r, 'k').select('x', 'y');
        const plan = inner.explain();
        expect(plan).toMatch(/HashJoin inner \[k#0 = k#0\] output=\[x#\d, y#\d\]/);
        expect(sortBy(await inner.collect(), 'x')).toEqual([{ x: 10, y: 100 }, { x: 20, y: 200 }, { x: 21, y: 200 }]);
        // Full outer using-join: the merged key reads both key columns, so all four are gathered;
        // without the key, neither is.
        const full = l.join(r, 'k', 'full');
        expect(full.select('k', 'a', 'y').explain()).not.toMatch(/output=/);
        expect(sortBy(await full.select('k', 'a', 'y').collect(), 'a')).toEqual([
          { k: 1, a: 'l1', y: 100 }, { k: 2, a: 'l2', y: 200 }, { k: 2, a: 'l2b', y: 200 }, { k: 4, a: 'l4', y: null },
          { k: null, a: 'ln', y: null }, { k: 3, a: null, y: 300 },
        ]);
        expect(full.select('a', 'y').explain()).toMatch(/ShuffledHashJoin full|BroadcastHashJoin full/);
        expect(full.select('a', 'y').explain()).toMatch(/output=\[a#\d, y#\d\]/);
        expect(sortBy(await full.select('a', 'y').collect(), 'a')).toEqual([
          { a: 'l1', y: 100 }, { a: 'l2', y: 200 }, { a: 'l2b', y: 200 }, { a: 'l4', y: null }, { a: 'ln', y: null }, { a: null, y: 300 },
        ]);
        // Right join with a residual condition on columns that are not output.
        const right = l.join(r, l.col('k').eq(r.col('k')).and(l.col('x').lt(r.col('y')).and(l.col('a').neq('l2b'))), 'right').select(r.col('b'), l.col('x'));
        expect(right.explain()).toMatch(/output=\[x#\d, b#\d\]/);
        expect(sortBy(await right.collect(), 'b')).toEqual([{ b: 'r1', x: 10 }, { b: 'r2', x: 20 }, { b: 'r3', x: null }]);
        // Expressions over the joined columns, and a projection of no column at all.
        expect(await l.join(r, 'k', 'left').select(col('x').plus(F.coalesce(col('y'), lit(0))).alias('s')).agg(F.sum('s')).collect())
          .toEqual([{ 'sum(s)': 10 + 100 + 20 + 200 + 21 + 200 + 30 + 40 }]);
        expect(await l.join(r, 'k').select(lit(1).alias('one')).collect()).toEqual([{ one: 1 }, { one: 1 }, { one: 1 }]);
        // Semi joins emit the left row unchanged: no output list.
        expect(l.join(r, 'k', 'left_semi').select('a').explain()).not.toMatch(/output=/);
      }
    } finally {
      await s1.stop();
    }
  });
});

describe('unions, sampling, null handling', () => {
  it('union widens types by position; unionByName matches names', async () => {
    const a = spark.createDataFrame([{ x: 1, y: 'a' }]);
    const b = spark.createDataFrame([{ x: 2.5, y: 'b' }]);
    const u = a.union(b);
    expect(u.dtypes).toEqual([['x', 'double'], ['y', 'string']]);
    expect(await u.collect()).toEqual([{ x: 1, y: 'a' }, { x: 2.5, y: 'b' }]);
    const c = spark.createDataFrame([{ y: 'c', x: 3 }]);
    expect(await a.unionByName(c).collect()).toEqual([{ x: 1, y: 'a' }, { x: 3, y: 'c' }]);
    const d = spark.createDataFrame([{ x: 4 }]);
    expect(() => a.unionByName(d)).toThrow(/allowMissingColumns/);
    expect(await a.unionByName(d, true).collect()).toEqual([{ x: 1, y: 'a' }, { x: 4, y: null }]);
    expect(() => a.union(d)).toThrow(/same number of columns/);
  });

  it('sample is seeded and roughly proportional', async () => {
    const df = spark.range(20_000);
    const n1 = await df.sample(0.1, 42).count();
    const n2 = await df.sample(0.1, 42).count();
    expect(n1).toBe(n2);
    expect(n1).toBeGreaterThan(1700);
    expect(n1).toBeLessThan(2300);
    expect(await df.sample(true, 2.0, 7).count()).toBeGreaterThan(38_000);
    expect(() => df.sample(1.5)).toThrow(IllegalArgumentError);
  });

  it('fillna and dropna', async () => {
    const df = spark.createDataFrame([{ a: null, b: null, c: 1.5 }, { a: 2, b: 'x', c: NaN }, { a: 3, b: 'y', c: 2.5 }]);
    expect(await df.fillna(0).collect()).toEqual([{ a: 0, b: null, c: 1.5 }, { a: 2, b: 'x', c: 0 }, { a: 3, b: 'y', c: 2.5 }]);
    expect(await df.fillna('?').collect()).toEqual([{ a: null, b: '?', c: 1.5 }, { a: 2, b: 'x', c: NaN }, { a: 3, b: 'y', c: 2.5 }]);
    expect(await df.na.fill({ a: -1, b: 'z' }).collect()).toEqual([{ a: -1, b: 'z', c: 1.5 }, { a: 2, b: 'x', c: NaN }, { a: 3, b: 'y', c: 2.5 }]);
    expect(await df.dropna().count()).toBe(1);
    expect(await df.dropna('all').count()).toBe(3);
    expect(await df.dropna('any', undefined, ['a']).count()).toBe(2);
    expect(await df.na.drop('any', 2).count()).toBe(2);
  });
});

describe('actions and inspection', () => {
  it('show() prints an aligned table like Spark', async () => {
    const text = await people().select('name', 'age', 'salary').limit(3).showString(2);
    expect(text).toBe(
      ['+----+---+------+', '|name|age|salary|', '+----+---+------+', '| ann| 34| 120.5|', '| bob| 45|  80.0|', '+----+---+------+', 'only showing top 2 rows', ''].join('\n'),
    );
    const nulls = await people().filter(col('name').eq('dan')).select('dept').showString();
    expect(nulls).toContain('|NULL|');
  });

  it('describe() computes count, mean, stddev, min, max', async () => {
    const rows = await spark.createDataFrame([{ x: 1, s: 'b' }, { x: 3, s: 'a' }]).describe().collect();
    expect(rows.map((r) => r['summary'])).toEqual(['count', 'mean', 'stddev', 'min', 'max']);
    expect(rows.map((r) => r['x'])).toEqual(['2', '2.0', '1.4142135623730951', '1', '3']);
    expect(rows.map((r) => r['s'])).toEqual(['2', null, null, 'a', 'b']);
  });

  it('explain shows logical, optimised and physical plans with pushdown and exchanges', () => {
    const df = people().filter(col('age').gt(30)).select('name', 'dept').groupBy('dept').count();
    const text = df.explain('extended');
    expect(text).toContain('== Optimized Logical Plan ==');
    expect(text).toMatch(/Scan memory .*\[age, dept\] filters=\[\(age#\d+ > 30\)\]/);
    expect(text).toContain('Exchange hashpartitioning');
    expect(text).toContain('HashAggregate(mode=partial');
  });

  it('folds constants and pushes limits into scans', () => {
    const text = spark.range(100).filter(lit(1).plus(1).eq(2)).limit(5).explain('extended');
    const optimized = text.split('== Optimized Logical Plan ==')[1]!.split('== Physical Plan ==')[0]!;
    expect(optimized).not.toContain('Filter');
    expect(optimized).toContain('limit=5');
  });

  it('cache() is lazy, materialises once on the first action and is reused until unpersist()', async () => {
    let stages = 0;
    const off = spark.on('stageCompleted', () => { stages++; });
    const base = spark.range(1000).filter(col('id').mod(2).eq(0));
    const cached = base.cache();
    expect(cached).toBe(base);
    expect(cached.isCached).toBe(true);
    expect(stages).toBe(0); // nothing ran yet
    expect(await cached.count()).toBe(500);
    const afterFirst = stages;
    expect(await cached.count()).toBe(500);
    expect(await cached.filter(col('id').lt(10)).count()).toBe(5);
    // later actions read the cache: only their own stages run, not the cached range+filter job
    const perCount = (stages - afterFirst) / 2;
    expect(afterFirst).toBeGreaterThan(perCount);
    await cached.unpersist();
    expect(cached.isCached).toBe(false);
    expect(await cached.count()).toBe(500);
    off();
  });
});

describe('errors', () => {
  it('unknown column suggests the closest name', () => {
    expect(() => people().select('nmae')).toThrow(AnalysisError);
    expect(() => people().select('nmae')).toThrow(/column 'nmae' cannot be resolved \(did you mean 'name'\?\)/);
    expect(() => people().filter(col('salry').gt(1))).toThrow(/did you mean 'salary'/);
  });

  it('type errors name the expression and the types', () => {
    expect(() => people().select(col('active').plus(col('name')))).toThrow(TypeMismatchError);
    expect(() => people().select(col('active').plus(col('name')))).toThrow(/\(active \+ name\).*boolean, utf8/);
    expect(() => people().filter(col('age'))).toThrow(/must be boolean/);
  });

  it('unknown functions, bad arguments and bad joins are clear', () => {
    expect(() => people().select(F.call_function('uper', col('name')))).toThrow(/undefined function 'uper' \(did you mean 'upper'/);
    expect(() => people().join(people(), 'id')).toThrow(/did you mean|cannot be resolved/);
    expect(() => people().join(people(), 'name', 'sideways' as never)).toThrow(/unsupported join type/);
    expect(() => people().limit(-1)).toThrow(IllegalArgumentError);
  });

  it('a stopped session refuses new work', async () => {
    const s = await Session.create({ threads: 1 });
    const df = s.range(3);
    await s.stop();
    await expect(df.collect()).rejects.toThrow(/stopped/);
  });
});

describe('arrays', () => {
  it('collect_list / collect_set per group (two-phase across partitions)', async () => {
    const df = spark.createDataFrame([
      { g: 'a', x: 1 }, { g: 'a', x: 2 }, { g: 'b', x: null }, { g: 'a', x: 1 }, { g: 'b', x: 5 },
    ]);
    const rows = await df.groupBy('g').agg(F.collect_list('x').alias('l'), F.collect_set('x').alias('s')).orderBy('g').collect();
    expect(rows.map((r) => ({ ...r, l: [...(r['l'] as number[])].sort(), s: [...(r['s'] as number[])].sort() }))).toEqual([
      { g: 'a', l: [1, 1, 2], s: [1, 2] },
      { g: 'b', l: [5], s: [5] },
    ]);
    expect(df.groupBy('g').agg(F.collect_list('x').alias('l')).dtypes).toEqual([['g', 'string'], ['l', 'array<int>']]);
  });

  it('split and array functions, show and Arrow/Parquet export of arrays', async () => {
    const df = spark.createDataFrame([{ s: 'a,b,,c' }, { s: null }, { s: '' }]).select(F.split('s', ',').alias('parts'));
    expect(df.dtypes).toEqual([['parts', 'array<string>']]);
    expect(df.schema.treeString()).toContain(' |    |-- element: string (containsNull = true)');
    const rows = await df.select(
      col('parts'), F.size('parts').alias('n'), F.element_at('parts', -1).alias('last'),
      F.array_contains('parts', 'b').alias('has_b'), F.array_join('parts', '|').alias('j'), F.sort_array('parts', false).alias('desc'),
    ).collect();
    expect(rows[0]).toEqual({ parts: ['a', 'b', '', 'c'], n: 4, last: 'c', has_b: true, j: 'a|b||c', desc: ['c', 'b', 'a', ''] });
    expect(rows[1]).toEqual({ parts: null, n: -1, last: null, has_b: null, j: null, desc: null });
    expect(rows[2]).toEqual({ parts: [''], n: 1, last: '', has_b: false, j: '', desc: [''] });
    expect(await spark.createDataFrame([{ s: 'x1y22z' }]).select(F.split('s', '[0-9]+', 2).alias('p')).collect()).toEqual([{ p: ['x', 'y22z'] }]);
    expect(await df.limit(1).showString()).toContain('|[a, b, , c]|');
    const t = await df.toArrow();
    expect(String(t.schema.fields[0]!.type)).toBe('List<Utf8>');
    expect(() => df.groupBy('parts').count()).not.toThrow(); // planning is fine; running is not
    await expect(df.groupBy('parts').count().collect()).rejects.toThrow(/cannot group/);
    const arr = spark.createDataFrame([{ a: 1, b: 2 }]).select(F.array('a', 'b', lit(null)).alias('arr'));
    expect(await arr.collect()).toEqual([{ arr: [1, 2, null] }]);
  });
});
