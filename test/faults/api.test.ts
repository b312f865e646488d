/**
 * Fault corpus, API category: misuse of the public DataFrame / Column / F / Session API and
 * values that do not fit a schema. Each case asserts the error class and that the message names
 * the method, the argument and what it got — or asserts the correct result.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArithmeticOverflowError,
  DataFrame,
  IllegalArgumentError,
  KindlingError,
  Schema,
  Session,
  Window,
  col,
  functions as F,
  lit,
} from '../../src/index.js';
import { testThreads } from '../threads.js';

let spark: Session;
beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(), shufflePartitions: 2 });
});
afterAll(async () => {
  await spark.stop();
});

const df = () => spark.createDataFrame([{ a: 1, b: 'x' }, { a: 2, b: 'y' }]);

/** Asserts that `fn` throws `cls` with a message containing every fragment. */
function fails(fn: () => unknown, cls: new (...args: never[]) => Error, ...fragments: (string | RegExp)[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeInstanceOf(cls);
  expect(err).toBeInstanceOf(KindlingError);
  const msg = (err as Error).message;
  for (const f of fragments) {
    if (typeof f === 'string') expect(msg).toContain(f);
    else expect(msg).toMatch(f);
  }
}

describe('opaque errors become IllegalArgumentError naming the argument', () => {
  it('select() of a number, undefined, null', () => {
    fails(() => df().select(123 as never), IllegalArgumentError, 'select(): argument 1', 'Column or a column name', 'got number 123');
    fails(() => df().select('a', undefined as never), IllegalArgumentError, 'select(): argument 2', 'got undefined');
    fails(() => df().select(null as never), IllegalArgumentError, 'select(): argument 1', 'got null');
    fails(() => df().select(['a', 5] as never), IllegalArgumentError, 'select(): argument 2', 'got number 5');
  });

  it('col(null) and F.col()', () => {
    fails(() => col(null as never), IllegalArgumentError, 'col(): argument 1', 'column name', 'got null');
    fails(() => F.col(42 as never), IllegalArgumentError, 'col(): argument 1', 'got number 42');
  });

  it("withColumn('x', 5): the column should be a Column", () => {
    fails(() => df().withColumn('x', 5 as never), IllegalArgumentError, 'withColumn(): argument 2 should be a Column', 'got number 5', 'lit(');
    fails(() => df().withColumn('x', 'a' as never), IllegalArgumentError, 'withColumn(): argument 2', "col('a')");
  });

  it('withColumn(undefined, ...) does not add a column named "undefined"', () => {
    fails(() => df().withColumn(undefined as never, lit(1)), IllegalArgumentError, 'withColumn(): argument 1', 'column name', 'got undefined');
    fails(() => df().withColumns({ y: 3 } as never), IllegalArgumentError, "withColumns(): argument 1['y'] should be a Column", 'got number 3');
    fails(() => df().withColumns(null as never), IllegalArgumentError, 'withColumns(): argument 1', 'got null');
  });

  it('createDataFrame(null | "abc" | rows of numbers)', () => {
    fails(() => spark.createDataFrame(null as never), IllegalArgumentError, 'createDataFrame(): argument 1', 'array of rows', 'got null');
    fails(() => spark.createDataFrame('abc' as never), IllegalArgumentError, 'createDataFrame(): argument 1', "got string 'abc'");
    fails(() => spark.createDataFrame([{ a: 1 }, 7] as never), IllegalArgumentError, 'createDataFrame(): argument 1[1]', 'got number 7');
    fails(() => spark.createDataFrame([{ a: 1 }], 5 as never), IllegalArgumentError, 'createDataFrame(): argument 2', 'DDL string');
    fails(() => spark.createDataFrame([[1, 2, 3]], 'a INT, b INT'), IllegalArgumentError, 'row 0 has 3 values', '2 columns');
    fails(() => spark.createDataFrame([{ a: {} }]), IllegalArgumentError, 'field a, row 0', 'unsupported value {}');
  });

  it('lit({}) and other non-literals', () => {
    fails(() => lit({} as never), IllegalArgumentError, 'lit(): argument 1', 'literal', 'got object {}');
    fails(() => lit(undefined as never), IllegalArgumentError, 'lit(): argument 1', 'got undefined');
    fails(() => col('a').plus({} as never), IllegalArgumentError, 'Column.plus(): argument 1', 'got object {}');
    fails(() => col('a').isin(1, [2] as never), IllegalArgumentError, 'Column.isin(): argument 2', 'got array');
  });

  it("limit('2') names the string it got", () => {
    fails(() => df().limit('2' as never), IllegalArgumentError, 'limit(): argument 1', "got string '2'", 'not a string');
    fails(() => df().limit(-1), IllegalArgumentError, 'limit(): argument 1', 'non-negative integer', 'got number -1');
    fails(() => df().offset(1.5), IllegalArgumentError, 'offset(): argument 1', 'got number 1.5');
  });

  it('other DataFrame entry points', () => {
    fails(() => df().filter(3 as never), IllegalArgumentError, 'filter(): argument 1', 'got number 3');
    fails(() => df().groupBy(1 as never), IllegalArgumentError, 'groupBy(): argument 1', 'got number 1');
    fails(() => df().groupBy('b').agg('a' as never), IllegalArgumentError, 'GroupedData.agg(): argument 1 should be a Column', "col('a')");
    fails(() => df().groupBy('b').sum(3 as never), IllegalArgumentError, 'GroupedData.sum(): argument 1', 'got number 3');
    fails(() => df().agg(F.sum('a'), 'b' as never), IllegalArgumentError, 'agg(): argument 2');
    fails(() => df().orderBy(null as never), IllegalArgumentError, 'orderBy(): argument 1', 'got null');
    fails(() => df().orderBy('a', { ascending: 'yes' as never }), IllegalArgumentError, 'orderBy(): argument ascending', "got string 'yes'");
    fails(() => df().drop(5 as never), IllegalArgumentError, 'drop(): argument 1', 'got number 5');
    fails(() => df().toDF('p', 7 as never), IllegalArgumentError, 'toDF(): argument 2', 'got number 7');
    fails(() => df().withColumnRenamed('a', null as never), IllegalArgumentError, 'withColumnRenamed(): argument 2', 'got null');
    fails(() => df().withColumnsRenamed({ a: 1 } as never), IllegalArgumentError, "withColumnsRenamed(): argument 1['a']", 'got number 1');
    fails(() => df().dropDuplicates('a' as never), IllegalArgumentError, 'dropDuplicates(): argument 1', 'array of column names', "got string 'a'");
    fails(() => df().dropDuplicates(['a', 2] as never), IllegalArgumentError, 'dropDuplicates(): argument 1[1]', 'got number 2');
    fails(() => df().join({} as never, 'a'), IllegalArgumentError, 'join(): argument 1 should be a DataFrame', 'got object {}');
    fails(() => df().join(df(), 5 as never), IllegalArgumentError, 'join(): argument 2', 'got number 5');
    fails(() => df().join(df(), 'a', 3 as never), IllegalArgumentError, 'join(): argument 3', 'got number 3');
    fails(() => df().union(null as never), IllegalArgumentError, 'union(): argument 1 should be a DataFrame', 'got null');
    fails(() => df().crossJoin('x' as never), IllegalArgumentError, 'crossJoin(): argument 1 should be a DataFrame');
    fails(() => df().unionByName(df(), 'yes' as never), IllegalArgumentError, 'unionByName(): argument 2', 'true or false');
    fails(() => df().repartition('4' as never), IllegalArgumentError, 'repartition(): argument 1', "got string '4'");
    fails(() => df().coalesce(0), IllegalArgumentError, 'coalesce(): argument 1', 'positive integer');
    fails(() => df().sample('half' as never), IllegalArgumentError, 'sample(): argument 1', "got string 'half'");
    fails(() => df().fillna({} as never, 5 as never), IllegalArgumentError, 'fillna(): argument 2', 'got number 5');
    fails(() => df().fillna([1] as never), IllegalArgumentError, 'fillna(): argument 1', 'got array');
    fails(() => df().dropna('some' as never), IllegalArgumentError, 'dropna(): argument 1', "one of 'any', 'all'");
    fails(() => df().dropna('any', '2' as never), IllegalArgumentError, 'dropna(): argument 2', "got string '2'");
    fails(() => df().selectExpr('a', 3 as never), IllegalArgumentError, 'selectExpr(): argument 2', 'got number 3');
    fails(() => df().describe(1 as never), IllegalArgumentError, 'describe(): argument 1', 'got number 1');
    fails(() => df().col(undefined as never), IllegalArgumentError, 'DataFrame.col(): argument 1', 'got undefined');
    fails(() => df().alias(3 as never), IllegalArgumentError, 'alias(): argument 1', 'got number 3');
    fails(() => df().createOrReplaceTempView(null as never), IllegalArgumentError, 'createOrReplaceTempView(): argument 1', 'got null');
    fails(() => df().explain('verbose' as never), IllegalArgumentError, 'explain(): argument 1', "'extended'");
  });

  it('actions with bad arguments reject with the argument named', async () => {
    await expect(df().take('3' as never)).rejects.toThrow(/take\(\): argument 1 .*got string '3'/);
    await expect(df().head(-2)).rejects.toThrow(/head\(\): argument 1 .*got number -2/);
    await expect(df().show('5' as never)).rejects.toThrow(/show\(\): argument 1 .*got string '5'/);
    await expect(df().show(5, 'no' as never)).rejects.toThrow(/show\(\): argument 2 .*got string 'no'/);
  });

  it('Column methods', () => {
    fails(() => col('a').cast(5 as never), IllegalArgumentError, 'Column.cast(): argument 1', 'type name', 'got number 5');
    fails(() => col('a').alias(undefined as never), IllegalArgumentError, 'Column.alias(): argument 1', 'got undefined');
    fails(() => col('b').like(5 as never), IllegalArgumentError, 'Column.like(): argument 1', 'got number 5');
    fails(() => col('a').over({} as never), IllegalArgumentError, 'Column.over(): argument 1', 'WindowSpec');
    fails(() => F.when('a' as never, 1), IllegalArgumentError, 'when(): argument 1 should be a Column', "col('a')");
    fails(() => F.when(col('a').gt(1), 1).when(col('a').lt(0), {} as never), IllegalArgumentError, 'Column.when(): argument 2');
    fails(() => F.when(col('a').gt(1), 1).otherwise(undefined as never), IllegalArgumentError, 'Column.otherwise(): argument 1', 'got undefined');
    fails(() => col('a').substr('1' as never, 2), IllegalArgumentError, 'Column.substr(): argument 1', "got string '1'");
  });

  it('F.* functions name themselves and the argument', () => {
    fails(() => F.upper(5 as never), IllegalArgumentError, 'F.upper(): argument 1', 'Column or a column name', 'got number 5');
    fails(() => F.sum(null as never), IllegalArgumentError, 'F.sum(): argument 1', 'got null');
    fails(() => F.concat('a', 'b', 3 as never), IllegalArgumentError, 'F.concat(): argument 3', 'got number 3');
    fails(() => F.concat_ws('-', 'a', null as never), IllegalArgumentError, 'F.concat_ws(): argument 3', 'got null');
    fails(() => F.countDistinct('a', {} as never), IllegalArgumentError, 'F.countDistinct(): argument 2');
    fails(() => F.coalesce('a', undefined as never), IllegalArgumentError, 'F.coalesce(): argument 2', 'got undefined');
    fails(() => F.lag('a', 1, {} as never), IllegalArgumentError, 'F.lag(): argument 3', 'got object {}');
    fails(() => F.nullif('a', undefined as never), IllegalArgumentError, 'F.nullif(): argument 2');
    fails(() => F.ntile(1.5), IllegalArgumentError, 'F.ntile(): argument 1', 'positive integer');
    fails(() => F.expr(5 as never), IllegalArgumentError, 'F.expr(): argument 1', 'SQL expression string');
    fails(() => F.call_function('upper', {} as never), IllegalArgumentError, 'F.call_function(): argument 2');
    fails(() => F.year(new Date() as never), IllegalArgumentError, 'F.year(): argument 1', 'got Date');
  });

  it('Window specs name their method', () => {
    fails(() => Window.partitionBy(3 as never), IllegalArgumentError, 'partitionBy(): argument 1', 'got number 3');
    fails(() => Window.orderBy('a', null as never), IllegalArgumentError, 'orderBy(): argument 2', 'got null');
  });

  it('Session entry points', () => {
    fails(() => spark.range('10' as never), IllegalArgumentError, 'range(): argument end', "got string '10'", 'pass the number 10');
    fails(() => spark.range(null as never, 5), IllegalArgumentError, 'range(): argument start', 'got null');
    fails(() => spark.range(0, 10, 1.5), IllegalArgumentError, 'range(): argument step', 'got number 1.5');
    fails(() => spark.range(0, 10, 1, 0), IllegalArgumentError, 'range(): argument numPartitions', 'positive integer');
    fails(() => spark.sql(42 as never), IllegalArgumentError, 'sql(): argument 1', 'got number 42');
    fails(() => spark.table(undefined as never), IllegalArgumentError, 'table(): argument 1', 'got undefined');
  });

  it('valid calls still work', async () => {
    const rows = await df().select(col('a'), 'b').withColumn('c', lit(null)).orderBy('a', { ascending: [false] }).limit(1).collect();
    expect(rows).toEqual([{ a: 2, b: 'y', c: null }]);
    expect(await spark.range(3n, 5n).collect()).toEqual([{ id: 3 }, { id: 4 }]);
  });
});

describe('a schema that does not fit the data', () => {
  it("createDataFrame([{a:'x'}], 'a INT') raises like PySpark", () => {
    fails(() => spark.createDataFrame([{ a: 1 }, { a: 'x' }], 'a INT'), IllegalArgumentError, 'field a, row 1', "IntegerType can not accept object 'x'", 'string');
  });

  it('3e9 into INT is out of range, 1.7 and {} are not integers', () => {
    fails(() => spark.createDataFrame([{ a: 3e9 }], 'a INT'), ArithmeticOverflowError, 'field a, row 0', 'IntegerType out of range', '3000000000');
    fails(() => spark.createDataFrame([{ a: 1 }, { a: 2 }, { a: 1.7 }], 'a INT'), IllegalArgumentError, 'row 2', 'IntegerType can not accept object 1.7');
    fails(() => spark.createDataFrame([{ a: {} }], 'a INT'), IllegalArgumentError, 'IntegerType can not accept object {}');
    fails(() => spark.createDataFrame([{ a: true }], 'a INT'), IllegalArgumentError, 'IntegerType can not accept object true', 'boolean');
  });

  it("INT takes its whole range, -2^31 included, and nothing past either end", async () => {
    const rows = await spark.createDataFrame([{ a: -2147483648 }, { a: 2147483647 }, { a: 2147483647n }], 'a INT').collect();
    expect(rows.map((r) => r['a'])).toEqual([-2147483648, 2147483647, 2147483647]);
    fails(() => spark.createDataFrame([{ a: -2147483649 }], 'a INT'), ArithmeticOverflowError, 'IntegerType out of range', '-2147483649');
    fails(() => spark.createDataFrame([{ a: -2147483649n }], 'a INT'), ArithmeticOverflowError, 'IntegerType out of range');
  });

  it('every type is checked', () => {
    fails(() => spark.createDataFrame([{ d: 'x' }], 'd DATE'), IllegalArgumentError, 'field d, row 0', "DateType can not accept object 'x'");
    fails(() => spark.createDataFrame([{ d: 5 }], 'd DATE'), IllegalArgumentError, 'DateType can not accept object 5');
    fails(() => spark.createDataFrame([{ t: 'soon' }], 't TIMESTAMP'), IllegalArgumentError, "TimestampType can not accept object 'soon'");
    fails(() => spark.createDataFrame([{ s: 12 }], 's STRING'), IllegalArgumentError, 'StringType can not accept object 12', 'number');
    fails(() => spark.createDataFrame([{ f: 'yes' }], 'f BOOLEAN'), IllegalArgumentError, "BooleanType can not accept object 'yes'");
    fails(() => spark.createDataFrame([{ x: '1.5' }], 'x DOUBLE'), IllegalArgumentError, "DoubleType can not accept object '1.5'");
    fails(() => spark.createDataFrame([{ l: 2 ** 60 }], 'l BIGINT'), ArithmeticOverflowError, 'LongType out of range', '±2^53');
    fails(() => spark.createDataFrame([{ l: 2n ** 60n }], 'l BIGINT'), ArithmeticOverflowError, 'LongType out of range');
    fails(() => spark.createDataFrame([{ l: 0.5 }], 'l BIGINT'), IllegalArgumentError, 'LongType can not accept object 0.5');
    const ints = new Schema([{ name: 'xs', type: 'list<int32>', nullable: true }]);
    fails(() => spark.createDataFrame([{ xs: [1, 'two'] }], ints), IllegalArgumentError, 'ArrayType(IntegerType) can not accept object [1,"two"]', 'an element');
    fails(() => spark.createDataFrame([{ xs: 3 }], ints), IllegalArgumentError, 'ArrayType(IntegerType) can not accept object 3');
    fails(() => spark.createDataFrame([[1, 'x']], 'a INT, b INT'), IllegalArgumentError, "field b, row 0: IntegerType can not accept object 'x'");
  });

  it('values that fit are kept exactly', async () => {
    const ddl = 'i INT, l BIGINT, big BIGINT, d DATE, t TIMESTAMP, f DOUBLE, s STRING, b BOOLEAN';
    const fields = [...spark.createDataFrame([], ddl).schema.fields, { name: 'xs', type: 'list<int32>' as const, nullable: true }];
    const rows = await spark.createDataFrame(
      [{ i: 2147483647, l: 2 ** 53 - 1, big: 2n ** 40n, d: '2024-02-29', t: '2024-03-05 13:14:15', f: 1, s: 'x', b: false, xs: [1, null] }],
      new Schema(fields),
    ).collect();
    expect(rows).toEqual([{ i: 2147483647, l: 2 ** 53 - 1, big: 2 ** 40, d: new Date('2024-02-29T00:00:00Z'), t: new Date('2024-03-05T13:14:15Z'), f: 1, s: 'x', b: false, xs: [1, null] }]);
  });
});

describe('ids and literals past 2^53', () => {
  it('range(2**54, 2**54 + 5) raises ArithmeticOverflowError', () => {
    fails(() => spark.range(2 ** 54, 2 ** 54 + 5), ArithmeticOverflowError, 'range(): start 18014398509481984', '±2^53');
    fails(() => spark.range(0, 2n ** 60n), ArithmeticOverflowError, 'range(): end', '±2^53');
  });

  it('range up to the edge of the exact range is exact', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    expect((await spark.range(max - 3, max).collect()).map((r) => r['id'])).toEqual([max - 3, max - 2, max - 1]);
  });

  it("lit(1e17).cast('long') raises", async () => {
    fails(() => lit(1e17).cast('long'), ArithmeticOverflowError, 'cast to long', '100000000000000000', '±2^53');
    fails(() => lit(10n ** 17n), ArithmeticOverflowError, 'lit(): argument 1', '100000000000000000', '±2^53');
    // a JS number that large is a double, as its literal type says
    expect(spark.range(1).select(lit(1e17).alias('x')).dtypes).toEqual([['x', 'double']]);
    await expect(spark.range(1).select(lit(1.5e17).alias('x')).selectExpr('CAST(x AS BIGINT) AS y').collect()).rejects.toThrow(ArithmeticOverflowError);
    await expect(spark.sql('SELECT CAST(1e17 AS BIGINT) AS y').collect()).rejects.toThrow(/outside the exact range/);
    // beyond Spark's long range the (non-ANSI) cast is null, as in Spark
    expect(await spark.sql('SELECT CAST(1e300 AS BIGINT) AS y').collect()).toEqual([{ y: null }]);
  });

  it('inferred integers beyond 2^53 are doubles, not inexact longs', () => {
    expect(spark.createDataFrame([{ a: 1e17 }]).dtypes).toEqual([['a', 'double']]);
    expect(spark.createDataFrame([{ a: 3e9 }]).dtypes).toEqual([['a', 'bigint']]);
  });
});

describe('invalid dates', () => {
  it("new Date('x') in createDataFrame is null, and year() of it is null", async () => {
    const rows = await spark.createDataFrame([{ d: new Date('x') }, { d: new Date('2020-05-01T00:00:00Z') }])
      .select(col('d'), F.year('d').alias('y'))
      .collect();
    expect(rows).toEqual([{ d: null, y: null }, { d: new Date('2020-05-01T00:00:00Z'), y: 2020 }]);
  });

  it('also under an explicit DATE or TIMESTAMP schema, and as a literal', async () => {
    const rows = await spark.createDataFrame([{ d: new Date('x'), t: new Date(NaN) }], 'd DATE, t TIMESTAMP').collect();
    expect(rows).toEqual([{ d: null, t: null }]);
    expect(await spark.range(1).select(F.year(lit(new Date('x'))).alias('y')).collect()).toEqual([{ y: null }]);
  });
});

it('DataFrame is exported for instanceof checks', () => {
  expect(df()).toBeInstanceOf(DataFrame);
});
