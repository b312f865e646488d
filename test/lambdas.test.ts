/**
 * Higher-order functions with lambdas (transform, filter, exists, forall, aggregate / reduce,
 * zip_with): the API's Column lambdas and SQL's `x -> ...` give the same values, cross-checked
 * with DuckDB's list_transform / list_filter / list_reduce on seeded arrays with nulls; Spark's
 * three-valued exists / forall; result types from the lambda body; nested lambdas reading outer
 * variables and columns; errors.
 */
import { describe, expect, it } from 'vitest';
import { type DataFrame, col, functions as F } from '../src/index.js';
import { Schema } from '../src/types.js';
import { arrayFixture, arrays, duckList } from './array-data.js';

type R = { id: number; a: (number | null)[] | null; b: (number | null)[] | null; s: (string | null)[] | null };

function makeRows(n: number, seed: number): R[] {
  const { r, arr } = arrays(seed, 5);
  return Array.from({ length: n }, (_, id) => ({ id, a: arr(() => Math.floor(r() * 40) - 10), b: arr(() => Math.floor(r() * 10)), s: arr(() => `w${Math.floor(r() * 5)}`) }));
}

const SCHEMA = new Schema([
  { name: 'id', type: 'int32', nullable: false },
  { name: 'a', type: 'list<int32>', nullable: true },
  { name: 'b', type: 'list<int32>', nullable: true },
  { name: 's', type: 'list<utf8>', nullable: true },
]);
const rows = makeRows(300, 11);
const fx = arrayFixture(SCHEMA, rows, 'id INTEGER, a INTEGER[], b INTEGER[], s VARCHAR[]', (x) => `${x.id}, ${duckList(x.a)}, ${duckList(x.b)}, ${duckList(x.s, true)}`);
const duck = (sql: string) => fx.duck(sql);

/** The values of column `c` ordered by id. */
async function byId(d: DataFrame, c: string): Promise<unknown[]> {
  return (await d.orderBy('id').collect()).map((r) => r[c]);
}

/** Checks one function three ways: API column, SQL expression, DuckDB expression (all per row, by id). */
async function threeWays(api: ReturnType<typeof F.transform>, sql: string, duckSql: string): Promise<unknown[]> {
  const expected = (await duck(`SELECT id, ${duckSql} AS v FROM t ORDER BY id`)).map((r) => r['v']);
  expect(await byId(fx.df.select('id', api.alias('v')), 'v')).toEqual(expected);
  expect(await byId(fx.spark.sql(`SELECT id, ${sql} AS v FROM t`), 'v')).toEqual(expected);
  return expected;
}

describe('against DuckDB', () => {
  it('transform, with and without the index', async () => {
    await threeWays(F.transform('a', (x) => x.multiply(2).plus(col('id'))), 'transform(a, x -> x * 2 + id)', 'list_transform(a, x -> x * 2 + id)');
    await threeWays(F.transform('a', (x, i) => x.minus(i)), 'transform(a, (x, i) -> x - i)', 'list_transform(a, (x, i) -> x - (i - 1))');
    const strs = await threeWays(F.transform('s', (x) => F.concat(x, F.lit('!'))), "transform(s, x -> concat(x, '!'))", "list_transform(s, x -> x || '!')");
    expect(strs.some((v) => Array.isArray(v) && v.includes(null))).toBe(true);
  });

  it('filter, with and without the index', async () => {
    await threeWays(F.filter('a', (x) => x.gt(5)), 'filter(a, x -> x > 5)', 'list_filter(a, x -> x > 5)');
    await threeWays(F.filter('s', (x, i) => i.gt(0).and(x.isNotNull())), 'filter(s, (x, i) -> i > 0 AND x IS NOT NULL)', 'list_filter(s, (x, i) -> i > 1 AND x IS NOT NULL)');
  });

  it('aggregate with and without finish (reduce), the accumulator widened to the merge type', async () => {
    await threeWays(
      F.aggregate('b', F.lit(100), (acc, x) => acc.plus(F.coalesce(x, F.lit(0)))),
      'aggregate(b, 100, (acc, x) -> acc + coalesce(x, 0))',
      'CASE WHEN b IS NULL THEN NULL ELSE list_reduce(b, (acc, x) -> acc + coalesce(x, 0), 100) END',
    );
    await threeWays(
      F.aggregate('b', F.lit(0), (acc, x) => acc.plus(x), (acc) => acc.multiply(10)),
      'reduce(b, 0, (acc, x) -> acc + x, acc -> acc * 10)',
      'CASE WHEN b IS NULL THEN NULL ELSE list_reduce(b, (acc, x) -> acc + x, 0) * 10 END',
    );
    const widened = fx.spark.sql('SELECT aggregate(a, 0, (acc, x) -> acc + CAST(x AS BIGINT)) AS v FROM t');
    expect(widened.schema.fields[0]!.type).toBe('int64');
  });

  it('zip_with pads the shorter array with nulls', async () => {
    await threeWays(
      F.zip_with('a', 'b', (x, y) => F.coalesce(x, F.lit(0)).plus(F.coalesce(y, F.lit(0)))),
      'zip_with(a, b, (x, y) -> coalesce(x, 0) + coalesce(y, 0))',
      'CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE list_transform(range(1, greatest(len(a), len(b)) + 1), k -> coalesce(a[k], 0) + coalesce(b[k], 0)) END',
    );
  });
});

describe('semantics', () => {
  const mini = () => fx.spark.createDataFrame([{ id: 0, a: [1, 2, 3] }, { id: 1, a: [1, null] }, { id: 2, a: [] }, { id: 3, a: null }, { id: 4, a: [-1, null] }], new Schema([
    { name: 'id', type: 'int32', nullable: false },
    { name: 'a', type: 'list<int32>', nullable: true },
  ]));

  it('exists and forall follow three-valued logic; null arrays give null', async () => {
    const m = mini();
    expect(await byId(m.select('id', F.exists('a', (x) => x.gt(1)).alias('v')), 'v')).toEqual([true, null, false, null, null]);
    expect(await byId(m.select('id', F.forall('a', (x) => x.gt(0)).alias('v')), 'v')).toEqual([true, null, true, null, false]);
    m.createOrReplaceTempView('mini');
    expect((await fx.spark.sql('SELECT exists(a, x -> x > 1) AS e, forall(a, x -> x > 0) AS f FROM mini ORDER BY id').collect()).map((r) => [r['e'], r['f']]))
      .toEqual([[true, true], [null, null], [false, true], [null, null], [null, false]]);
  });

  it('result element types come from the lambda body', () => {
    const m = mini();
    const types = m.select(
      F.transform('a', (x) => x.gt(1)).alias('b'),
      F.transform('a', (x) => x.divide(2)).alias('d'),
      F.transform('a', (x) => x.cast('string')).alias('s'),
      F.aggregate('a', F.lit(0.5), (acc, x) => acc.plus(x)).alias('g'),
    ).schema.fields.map((f) => f.type);
    expect(types).toEqual(['list<boolean>', 'list<float64>', 'list<utf8>', 'float64']);
  });

  it('nested lambdas read outer lambda variables and columns; a parameter shadows a column', async () => {
    const m = mini();
    const nested = await byId(m.select('id', F.transform('a', (x) => F.aggregate('a', F.lit(0), (acc, y) => acc.plus(x.multiply(y)))).alias('v')), 'v');
    expect(nested).toEqual([[6, 12, 18], [null, null], [], null, [null, null]]);
    const sql = await fx.spark.sql('SELECT transform(a, x -> aggregate(a, id, (acc, y) -> acc + x * y)) AS v FROM mini ORDER BY id').collect();
    expect(sql.map((r) => r['v'])).toEqual([[6, 12, 18], [null, null], [], null, [null, null]]);
    const shadow = await fx.spark.sql('SELECT transform(a, id -> id * 10) AS v FROM mini WHERE id = 0').collect();
    expect(shadow[0]!['v']).toEqual([10, 20, 30]);
    expect(fx.spark.sql('SELECT transform(a, x -> x + 1) FROM mini').columns).toEqual(['transform(a, lambdafunction((x + 1), x))']);
  });

  it('over arrays computed in the same expression, not only columns', async () => {
    const r = await fx.spark.sql("SELECT transform(filter(split('a,bb,,ccc', ','), x -> x != ''), x -> length(x)) AS v").collect();
    expect(r[0]!['v']).toEqual([1, 2, 3]);
  });
});

describe('errors', () => {
  const sqlError = (sql: string): string => fx.sqlError(sql);
  it('wrong lambda arity, unknown names, non-boolean predicates, lambdas where none belongs', () => {
    expect(sqlError('SELECT transform(a, (x, y, z) -> x) FROM t')).toMatch(/^line 1, column 8: \[INVALID_LAMBDA_FUNCTION_CALL.NUM_ARGS_MISMATCH\] Invalid lambda function call. A higher order function expects 1 or 2 arguments, but got 3/);
    expect(sqlError('SELECT transform(a, x -> y + 1) FROM t')).toMatch(/^line 1, column 26: unknown column 'y'/);
    expect(sqlError('SELECT filter(a, x -> x + 1) FROM t')).toMatch(/expected a lambda function returning boolean/);
    expect(sqlError('SELECT upper(x -> x) FROM t')).toMatch(/upper\(\) does not take a lambda function/);
    expect(sqlError('SELECT transform(a, 1) FROM t')).toMatch(/argument 2 of transform\(\) must be a lambda function/);
    expect(sqlError('SELECT aggregate(s, 0, (acc, x) -> concat(acc, x)) FROM t')).toMatch(/cannot resolve aggregate/);
    const f = F.udf((v: number) => v, 'int', { name: 'f' });
    expect(() => fx.df.select(F.transform('a', (x) => f(x)))).toThrow(/a UDF cannot be called inside a lambda function/);
    expect(() => F.transform('a', (() => 1) as never)).not.toThrow();
    expect(() => F.zip_with('a', 'b', ((x: unknown) => x) as never)).toThrow(/must be a function of 2 Columns, but it declares 1 parameters/);
    expect(() => F.transform('a', 5 as never)).toThrow(/must be a function of Columns/);
  });
});
