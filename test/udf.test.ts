/**
 * Scalar and vectorized UDF expressions through the public API and SQL: every place a column
 * goes, nulls and every option, wrong results, errors, module UDFs, per-session registration,
 * once-per-row evaluation and per-worker init (counted in shared memory), at 1 and several threads.
 */
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IllegalArgumentError, Schema, Session, UdfError, col, functions as F, lit, Window } from '../src/index.js';
import { explainText } from '../src/sql/planner.js';
import { testThreads } from './threads.js';

const MODULE = new URL('./fixtures/udfs/counting.ts', import.meta.url);
const SIMPLE = new URL('./fixtures/udfs/simple.ts', import.meta.url);

function counters() {
  return { calls: new Int32Array(new SharedArrayBuffer(4)), inits: new Int32Array(new SharedArrayBuffer(4)) };
}

let one: Session;
let many: Session;
const threads = Math.max(2, testThreads(3));

beforeAll(async () => {
  one = await Session.create({ threads: 1, progress: false });
  many = await Session.create({ threads, progress: false });
});
afterAll(async () => {
  await one.stop();
  await many.stop();
});

/** 40 rows over 4 partitions: id, x = id / 2 (null every 7th), s = a string (null every 5th). */
function data(spark: Session) {
  const rows = Array.from({ length: 40 }, (_, i) => ({ id: i, x: i % 7 === 3 ? null : i / 2, s: i % 5 === 4 ? null : `s${i % 3}` }));
  return spark.createDataFrame(rows, 'id INT, x DOUBLE, s STRING').repartition(4);
}

async function both<T>(f: (spark: Session) => Promise<T>): Promise<T> {
  const a = await f(one);
  const b = await f(many);
  expect(b).toEqual(a);
  return a;
}

const plusOne = F.udf((x: number) => x + 1, 'double');
const vplus = F.arrowUdf((v: arrow.Vector) => Float64Array.from(v.toArray() as Float64Array, (x) => x * 2 + 1), 'double', { name: 'vplus' });
const upper = F.udf((s: string) => s.toUpperCase(), 'string', { name: 'upper_udf' });

describe('scalar and vectorized UDFs in every place', () => {
  it('select / withColumn / filter / groupBy / agg / orderBy, same at 1 and many threads', async () => {
    const rows = await both(async (spark) => data(spark)
      .withColumn('y', plusOne(col('x')))
      .withColumn('v', vplus('x'))
      .select('id', 'y', 'v', upper('s').alias('u'))
      .filter(col('y').gt(5))
      .orderBy('id')
      .collect());
    expect(rows[0]).toEqual({ id: 9, y: 5.5, v: 10, u: null });
    expect(rows.find((r) => r['id'] === 11)).toEqual({ id: 11, y: 6.5, v: 12, u: 'S2' });
    expect(rows.every((r) => (r['y'] as number) > 5)).toBe(true);

    const groups = await both(async (spark) => data(spark)
      .groupBy(upper('s').alias('k'))
      .agg(F.sum(plusOne('x')).alias('t'), F.count('*').alias('n'))
      .orderBy('k')
      .collect());
    expect(groups.map((g) => g['k'])).toEqual([null, 'S0', 'S1', 'S2']);
    expect(groups.reduce((a, g) => a + (g['n'] as number), 0)).toBe(40);

    const sorted = await both(async (spark) => data(spark).orderBy(F.udf((i: number) => -i, 'int')('id')).limit(3).select('id').collect());
    expect(sorted.map((r) => r['id'])).toEqual([39, 38, 37]);
  });

  it('join keys and conditions, windows and nested calls', async () => {
    const joined = await both(async (spark) => {
      const l = data(spark).select('id', 'x');
      const r = spark.createDataFrame([{ k: 1 }, { k: 3 }], 'k INT');
      const half = F.udf((i: number) => Math.floor(i / 10), 'int', { name: 'tens' });
      return l.join(r, half(l.col('id')).eqNullSafe(r.col('k'))).groupBy('k').count().orderBy('k').collect();
    });
    expect(joined).toEqual([{ k: 1, count: 10 }, { k: 3, count: 10 }]);
    const cond = await both(async (spark) => {
      const l = data(spark).select('id');
      const r = spark.createDataFrame([{ k: 5 }], 'k INT');
      const gt = F.udf((a: number, b: number) => a > b * 7, 'boolean', { name: 'gt7' });
      return l.join(r, gt(l.col('id'), r.col('k'))).count();
    });
    expect(cond).toBe(4);
    const nested = await both(async (spark) => data(spark).select(plusOne(plusOne(vplus('x'))).alias('z')).filter(col('z').isNotNull()).agg(F.sum('z').alias('t')).collect());
    expect(nested[0]!['t']).toBe([...Array(40).keys()].filter((i) => i % 7 !== 3).reduce((a, i) => a + i + 3, 0));
    const win = await both(async (spark) => data(spark)
      .withColumn('r', F.sum(plusOne('id')).over(Window.partitionBy(upper('s')).orderBy(F.udf((i: number) => -i, 'int', { name: 'neg' })('id'))))
      .filter(col('s').eqNullSafe('s1'))
      .orderBy('id')
      .select('id', 'r')
      .limit(2)
      .collect());
    // s1 rows: ids 1, 7, 10, 13, 16, 22, 25, 28, 31, 37; running sums of id + 1 from the largest id down.
    expect(win).toEqual([{ id: 1, r: 200 }, { id: 7, r: 198 }]);
  });

  it('a UDF result is the column name Spark gives it and explain shows the EvalUdfs node', async () => {
    const df = data(one).select(plusOne('x'), vplus(col('x')));
    expect(df.columns).toEqual(['udf(x)', 'vplus(x)']);
    const text = explainText(df, 'simple');
    expect(text).toMatch(/EvalUdfs \[udf\(x#\d+\)#\d+, vplus\(x#\d+\)#\d+ \(arrow\)\]/);
  });
});

describe('nulls and options', () => {
  it("nulls: 'skip' gives null without a call, 'pass' hands null to the function (scalar and arrow)", async () => {
    const rows = await both(async (spark) => data(spark).filter(col('id').lt(10)).select(
      'id',
      F.udf((x: number | null) => (x === null ? -1 : x), 'double', { name: 'skip' })('x').alias('skip'),
      F.udf((x: number | null) => (x === null ? -1 : x), 'double', { name: 'pass', nulls: 'pass' })('x').alias('pass'),
      F.arrowUdf((v: arrow.Vector) => Array.from({ length: v.length }, (_, i) => (v.get(i) === null ? -1 : 0)), 'int', { name: 'vskip' })('x').alias('vskip'),
      F.arrowUdf((v: arrow.Vector) => Array.from({ length: v.length }, (_, i) => (v.get(i) === null ? -1 : 0)), 'int', { name: 'vpass', nulls: 'pass' })('x').alias('vpass'),
    ).orderBy('id').collect());
    expect(rows[3]).toEqual({ id: 3, skip: null, pass: -1, vskip: null, vpass: -1 });
    expect(rows[4]).toEqual({ id: 4, skip: 2, pass: 2, vskip: 0, vpass: 0 });
  });

  it("onError: 'fail' fails the job with the UDF's message, name, row and arguments; 'null' makes that row null", async () => {
    const boom = F.udf((x: number) => { if (x === 4) throw new RangeError('four is not allowed'); return x; }, 'double', { name: 'boom' });
    for (const spark of [one, many]) {
      const err = await data(spark).select(boom('x')).collect().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UdfError);
      expect((err as Error).message).toMatch(/UDF boom failed on row \d+ of partition \d+ with arguments \(4\): RangeError: four is not allowed/);
    }
    const lenient = F.udf((i: number) => { if (i === 10) throw new Error('no'); return i; }, 'double', { name: 'lenient', onError: 'null' });
    const rows = await both(async (spark) => data(spark).select('id', lenient('id').alias('y')).filter(col('id').isin(9, 10, 11)).orderBy('id').collect());
    expect(rows).toEqual([{ id: 9, y: 9 }, { id: 10, y: null }, { id: 11, y: 11 }]);
    const vboom = F.arrowUdf(() => { throw new Error('batch failed'); }, 'double', { name: 'vboom' });
    await expect(data(many).select(vboom('x')).collect()).rejects.toThrow(/UDF vboom failed on row \d+ of partition \d+: batch failed \(in the batch of rows/);
    const vnull = F.arrowUdf(() => { throw new Error('batch failed'); }, 'double', { name: 'vnull', onError: 'null' });
    expect((await data(one).select(vnull('x').alias('v')).collect()).every((r) => r['v'] === null)).toBe(true);
  });

  it('wrong return types and lengths fail naming the UDF, the expected and actual type and the row', async () => {
    const half = F.udf((x: number) => x / 2, 'int', { name: 'half' });
    await expect(data(many).filter(col('id').eq(3)).select(half('id')).collect()).rejects.toThrow(/UDF half failed on row 0 of partition \d+ with arguments \(3\): expected an integer in the int range for the return type int, got a number \(1.5\)/);
    const str = F.udf((x: number) => x, 'string', { name: 'str' });
    await expect(data(one).select(str('id')).collect()).rejects.toThrow(/UDF str .*expected a string for the return type string, got an integer \(0\)/);
    expect((await data(one).select(F.udf((x: number) => x, 'string', { onError: 'null', name: 's2' })('id').alias('v')).collect()).every((r) => r['v'] === null)).toBe(true);
    const short = F.arrowUdf((v: arrow.Vector) => new Float64Array(v.length - 1), 'double', { name: 'short' });
    await expect(data(many).select(short('x')).collect()).rejects.toThrow(/UDF short .*returned a Float64Array of length \d+, expected \d+ \(one value per input row\)/);
    const wrongType = F.arrowUdf((v: arrow.Vector) => v, 'double', { name: 'wt' });
    await expect(data(one).select(wrongType('s')).collect()).rejects.toThrow(/UDF wt .*returned a Vector of Utf8 \(string\) but the return type is double/);
    const badElem = F.arrowUdf((v: arrow.Vector) => Array.from({ length: v.length }, (_, i) => (i === 2 ? 'x' : 1)), 'double', { name: 'be' });
    await expect(data(one).select(badElem('id')).collect()).rejects.toThrow(/UDF be failed on row 2 of partition \d+ with arguments \(\d+\): expected a number/);
    // An integer result for a double UDF, and an Int32 Vector for a double UDF, are widened.
    const ints = await data(one).filter(col('id').eq(7)).select(F.arrowUdf((v: arrow.Vector) => v, 'double', { name: 'i32' })('id').alias('v'), F.udf((i: number) => i, 'double', { name: 'i' })('id').alias('w')).collect();
    expect(ints).toEqual([{ v: 7, w: 7 }]);
    const none = F.arrowUdf(() => undefined as never, 'double', { name: 'none' });
    await expect(data(one).select(none('x')).collect()).rejects.toThrow(/UDF none .*returned undefined; a vectorized UDF returns an apache-arrow Vector, a typed array or an array of \d+ values of type double/);
    const p = F.udf(async (x: number) => x, 'double', { name: 'asyncScalar' });
    await expect(data(one).select(p('id')).collect()).rejects.toThrow(/returned a promise; use F.arrowUdf/);
  });

  it('checks options, return types and closures at definition', () => {
    const k = 3;
    expect(() => F.udf((x: number) => x * k, 'double', { name: 'times' })).toThrow(/'times' uses 'k'.*args: \{ k \}/);
    expect(() => F.udf((x: number) => x, 'decimalish')).toThrow(IllegalArgumentError);
    expect(() => F.udf((x: number) => x, 'double', { nulls: 'drop' as never })).toThrow(/nulls should be 'skip' or 'pass'/);
    expect(() => F.udf((x: number) => x, 'double', { batchSize: 10 })).toThrow(/batchSize is an option of F.arrowUdf/);
    expect(() => F.udf((x: number) => x, 'double', { nmae: 'x' } as never)).toThrow(/unknown option 'nmae'/);
    const u = F.udf((x: number) => x, new arrow.Float64(), { name: 'ident' });
    expect([u.name, u.returnType, u.deterministic, u.kind]).toEqual(['ident', 'float64', true, 'scalar']);
    expect(u.asNondeterministic().deterministic).toBe(false);
    expect(u.deterministic).toBe(true);
  });

  it('args and init reach the function; async vectorized UDFs; batch size honoured', async () => {
    const scale = F.udf((x: number, ctx: { args: { k: number }; state: { m: number } }) => x * ctx.args.k + ctx.state.m, 'double', {
      name: 'scale', args: { k: 10 }, init: (a: { k: number }) => ({ m: a.k + 1 }),
    });
    expect(await both(async (spark) => data(spark).filter(col('id').eq(2)).select(scale('x').alias('v')).collect())).toEqual([{ v: 21 }]);
    const sizes = new Int32Array(new SharedArrayBuffer(4 * 64));
    const sized = F.arrowUdf(async (v: arrow.Vector, ctx: { args: { sizes: Int32Array } }) => {
      await new Promise((r) => setTimeout(r, 1));
      const i = Atomics.add(ctx.args.sizes, 0, 1) + 1;
      ctx.args.sizes[i] = v.length;
      return v;
    }, 'double', { name: 'sized', batchSize: 4, args: { sizes } });
    const rows = await data(one).select('id', sized('x').alias('v')).orderBy('id').collect();
    expect(rows[2]).toEqual({ id: 2, v: 1 });
    const calls = sizes[0]!;
    const seen = Array.from(sizes.subarray(1, calls + 1));
    expect(Math.max(...seen)).toBe(4);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(40 - 6); // rows with a null x are left out
    one.conf.set('spark.sql.execution.arrow.maxRecordsPerBatch', 3);
    try {
      sizes.fill(0);
      const dflt = F.arrowUdf((v: arrow.Vector, ctx: { args: { sizes: Int32Array } }) => {
        const i = Atomics.add(ctx.args.sizes, 0, 1) + 1;
        ctx.args.sizes[i] = v.length;
        return v;
      }, 'int', { name: 'dflt', args: { sizes } });
      await data(one).select(dflt('id')).collect();
      expect(Math.max(...sizes.subarray(1, sizes[0]! + 1))).toBe(3);
    } finally {
      one.conf.unset('spark.sql.execution.arrow.maxRecordsPerBatch');
    }
    expect(() => one.conf.set('spark.sql.execution.arrow.maxRecordsPerBatch', 'many')).toThrow(/integer number of rows per Arrow batch \(0 or less: no limit\)/);
  });
});

describe('where UDFs run', () => {
  it('never silently in the main thread: a stage that cannot go to the workers fails with threads > 1', async () => {
    const schema = new Schema([{ name: 'a', type: 'float64', nullable: true }]);
    // describe() builds its rows in the main thread (a computed source no worker can read).
    await expect(many.lazyFrom(async () => [{ a: 1 }], schema).select(plusOne('a')).collect()).rejects.toThrow(/EvalUdfs \[udf\(a#0\)#1\] cannot run on the worker threads: .*threads: 1/);
    expect(await one.lazyFrom(async () => [{ a: 1 }], schema).select(plusOne('a').alias('b')).collect()).toEqual([{ b: 2 }]);
  });
});

describe('cancellation', () => {
  it('a vectorized UDF whose promise never settles is cancelled with the job', async () => {
    const hang = F.arrowUdf(() => new Promise<never>(() => undefined), 'double', { name: 'hang' });
    for (const spark of [one, many]) {
      const ac = new AbortController();
      const job = data(spark).select(hang('x')).collect({ signal: ac.signal });
      setTimeout(() => ac.abort(), 300);
      await expect(job).rejects.toThrow(/cancel/);
    }
  });
});

describe('module UDFs, once per row, init once per worker', () => {
  it('F.udf.fromModule / F.arrowUdf.fromModule / F.fromModule', async () => {
    const dbl = F.udf.fromModule(SIMPLE, 'double', 'double');
    const scaled = F.udf(F.fromModule(SIMPLE, 'scaled', { args: { factor: 3 } }), 'double');
    const rows = await both(async (spark) => data(spark).filter(col('id').eq(4)).select(dbl('x').alias('a'), scaled('x').alias('b')).collect());
    expect(rows).toEqual([{ a: 4, b: 6 }]);
    expect(dbl.name).toBe('double');
    await expect(data(one).select(F.udf.fromModule(SIMPLE, 'nope', 'double')('x')).collect()).rejects.toThrow(/no export 'nope'/);
  });

  it('a UDF runs once per row when its column is referenced twice and filtered on (pushdown), and init once per worker', async () => {
    for (const spark of [one, many]) {
      const c = counters();
      const u = F.udf.fromModule(MODULE, 'countedDouble', 'double', { args: c });
      const df = spark.range(0, 1000, 1, 8)
        .withColumn('u', u('id'))
        .filter(col('u').gt(100))
        .select(col('u'), col('u').plus(1).alias('u1'), col('u').multiply(2).alias('u2'));
      const rows = await df.collect();
      expect(rows.length).toBe(1000 - 51);
      expect(Atomics.load(c.calls, 0)).toBe(1000);
      expect(Atomics.load(c.inits, 0)).toBeGreaterThanOrEqual(1);
      expect(Atomics.load(c.inits, 0)).toBeLessThanOrEqual(spark.threads);
      const v = counters();
      const vu = F.arrowUdf.fromModule(MODULE, 'countedPlusOne', 'double', { args: v });
      await spark.range(0, 1000, 1, 8).withColumn('v', vu(col('id').cast('double'))).filter(col('v').gt(10)).select('v', col('v').plus(1)).collect();
      expect(Atomics.load(v.calls, 0)).toBe(1000);
      // Conjuncts without a UDF run first: the UDF only sees the rows that pass them.
      const f = counters();
      const fu = F.udf.fromModule(MODULE, 'countedDouble', 'double', { args: f });
      expect(await spark.range(0, 1000, 1, 8).filter(col('id').gt(500)).filter(fu('id').gt(1100).and(col('id').lt(900))).count()).toBe(900 - 551);
      expect(Atomics.load(f.calls, 0)).toBe(399);
    }
  });

  it('identical deterministic calls are evaluated once; non-deterministic ones each time, never folded', async () => {
    const c = counters();
    const u = F.udf.fromModule(MODULE, 'countedDouble', 'double', { args: c });
    await data(many).select(u('id').alias('a'), u('id').plus(1).alias('b')).collect();
    expect(Atomics.load(c.calls, 0)).toBe(40);
    const n = counters();
    const nd = F.udf.fromModule(MODULE, 'countedDouble', 'double', { args: n }).asNondeterministic();
    await data(many).select(nd('id').alias('a'), nd('id').alias('b')).collect();
    expect(Atomics.load(n.calls, 0)).toBe(80);
    const l = counters();
    const lu = F.udf.fromModule(MODULE, 'countedDouble', 'double', { args: l });
    const rows = await data(many).select(lu(lit(21)).alias('k')).limit(3).collect();
    expect(rows).toEqual([{ k: 42 }, { k: 42 }, { k: 42 }]);
    expect(Atomics.load(l.calls, 0)).toBeGreaterThan(0); // evaluated in the workers, not folded in the planner
    expect(explainText(data(many).select(lu(lit(21))), 'simple')).toMatch(/EvalUdfs \[countedDouble\(21\)/);
  });
});

describe('spark.udf.register and SQL', () => {
  it('registers scalar and arrow UDFs for SQL: SELECT, WHERE, GROUP BY, HAVING, ORDER BY, selectExpr, filter strings', async () => {
    for (const spark of [one, many]) {
      const months = ['jan', 'feb', 'mar'];
      const r = spark.udf.register('month_as_int', (m: string) => m.length, 'int');
      expect(r.name).toBe('month_as_int');
      expect(spark.udf.register('shout', (m: string) => `${m}!`).returnType).toBe('utf8'); // PySpark's default: string
      // A plain function registered with args through F.udf, then registered under a name.
      spark.udf.register('month_idx', F.udf((m: string, ctx: { args: { months: string[] } }) => ctx.args.months.indexOf(m), 'int', { args: { months } }));
      spark.udf.register('vdouble', F.arrowUdf((v: arrow.Vector) => Float64Array.from(v.toArray() as Float64Array, (x) => 2 * x), 'double'));
      spark.createDataFrame([{ month: 'feb', v: 1 }, { month: 'mar', v: 2 }, { month: 'jan', v: 3 }, { month: 'feb', v: 4 }], 'month STRING, v DOUBLE').createOrReplaceTempView('bank');
      const rows = await spark.sql(`
        SELECT month_idx(month) AS m, sum(vdouble(v)) AS t FROM bank
        WHERE vdouble(v) > 2 GROUP BY month_idx(month) HAVING sum(vdouble(v)) > 4 ORDER BY month_idx(month) DESC`).collect();
      expect(rows).toEqual([{ m: 1, t: 8 }, { m: 0, t: 6 }]); // feb → 1: 8; jan → 0: 6; mar → 2: 4 (HAVING drops it)
      expect(await spark.sql('SELECT month_as_int(month) AS n, shout(month) AS s FROM bank LIMIT 1').collect()).toEqual([{ n: 3, s: 'feb!' }]);
      const df = spark.table('bank');
      expect(await df.selectExpr('vdouble(v) AS d').filter('vdouble(d) < 9').collect()).toEqual([{ d: 2 }, { d: 4 }]);
      expect(spark.udf.list().map((u) => u.name)).toEqual(['month_as_int', 'month_idx', 'shout', 'vdouble']);
      expect(await spark.sql("SHOW FUNCTIONS LIKE 'month_*'").collect()).toEqual([{ function: 'month_as_int' }, { function: 'month_idx' }]);
      expect(spark.sql('SELECT month_idx(month) FROM bank').columns).toEqual(['month_idx(month)']);
      expect(() => spark.udf.register('bad name', (x: number) => x)).toThrow(/identifier/);
      expect(() => spark.udf.register('x', r, 'int')).toThrow(/leave returnType out/);
    }
  });

  it('a registration belongs to its session', async () => {
    const a = await Session.create({ threads: 1, progress: false });
    const b = await Session.create({ threads: 1, progress: false });
    try {
      a.udf.register('only_in_a', (x: number) => x + 1, 'double');
      expect(await a.sql('SELECT only_in_a(1) AS v').collect()).toEqual([{ v: 2 }]);
      expect(() => b.sql('SELECT only_in_a(1) AS v')).toThrow(/only_in_a/);
      b.udf.register('only_in_a', (x: number) => x + 100, 'double');
      expect(await b.sql('SELECT only_in_a(1) AS v').collect()).toEqual([{ v: 101 }]);
      expect(await a.sql('SELECT only_in_a(1) AS v').collect()).toEqual([{ v: 2 }]);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
