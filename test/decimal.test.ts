/**
 * decimal(p,s) through the public API: DDL, Spark's result types, exact arithmetic (checked
 * against DuckDB on seeded random data), overflow errors, casts, aggregates, keys, sort, windows,
 * SQL literals, CSV / Arrow round trips and how values come out (exact strings).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ArithmeticOverflowError, DataFormatError, IllegalArgumentError, Session, TypeMismatchError, Window, col, functions as F, lit } from '../src/index.js';
import { mulberry32 } from '../src/exec/basic.js';
import { testThreads } from './threads.js';

let spark: Session;
let duck: DuckDBConnection;
let dir: string;

/** Seeded rows: k a group key, a DECIMAL(12,2), b DECIMAL(9,4) (some nulls, negatives, ties). */
function makeRows(n: number, seed: number): { k: string; a: string | null; b: string | null }[] {
  const r = mulberry32(seed);
  const dec = (digits: number, scale: number) => {
    const int = Math.floor(r() * 10 ** (digits - scale));
    const frac = String(Math.floor(r() * 10 ** scale)).padStart(scale, '0');
    return `${r() < 0.4 ? '-' : ''}${int}.${frac}`;
  };
  const out = [];
  for (let i = 0; i < n; i++) out.push({ k: `g${Math.floor(r() * 7)}`, a: r() < 0.1 ? null : i % 5 === 0 ? '1.50' : dec(10, 2), b: r() < 0.1 ? null : dec(5, 4) });
  return out;
}
const ROWS = makeRows(400, 17);

beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(), shufflePartitions: 3 });
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-decimal-'));
  await duck.run('CREATE TABLE t (k VARCHAR, a DECIMAL(12,2), b DECIMAL(9,4))');
  const values = ROWS.map((x) => `('${x.k}', ${x.a ?? 'NULL'}, ${x.b ?? 'NULL'})`).join(', ');
  await duck.run(`INSERT INTO t VALUES ${values}`);
  spark.createDataFrame(ROWS, 'k STRING, a DECIMAL(12,2), b DECIMAL(9,4)').createOrReplaceTempView('t');
});

afterAll(async () => {
  await spark.stop();
  duck.closeSync();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** DuckDB rows with every value as text (decimals print with their scale, as Kindling's strings do). */
async function duckRows(sql: string): Promise<Record<string, string | null>[]> {
  const rows = (await duck.runAndReadAll(sql)).getRowObjects();
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])));
}

/** Kindling rows with every value as text. */
async function ours(sql: string): Promise<Record<string, string | null>[]> {
  const rows = await spark.sql(sql).collect();
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])));
}

describe('type and DDL', () => {
  it('DECIMAL(p,s), decimal(p), DECIMAL = decimal(10,0), NUMERIC; printSchema and dtypes', () => {
    const df = spark.createDataFrame([], 'a DECIMAL(38,3), b decimal(5), c DECIMAL, d NUMERIC(7,2), e dec(3,3)');
    expect(df.dtypes).toEqual([['a', 'decimal(38,3)'], ['b', 'decimal(5,0)'], ['c', 'decimal(10,0)'], ['d', 'decimal(7,2)'], ['e', 'decimal(3,3)']]);
    expect(df.schema.treeString()).toContain(' |-- a: decimal(38,3) (nullable = true)');
  });

  it('refuses a precision over 38 or a scale over the precision, naming the column', () => {
    expect(() => spark.createDataFrame([], 'a DECIMAL(39,2)')).toThrow(IllegalArgumentError);
    expect(() => spark.createDataFrame([], 'price DECIMAL(5,6)')).toThrow(/column 'price'.*decimal\(5,6\) is not a valid decimal type: precision must be 1\.\.38 and scale 0\.\.precision/);
    expect(() => spark.sql('SELECT CAST(1 AS DECIMAL(40,2))')).toThrow(/line 1, column 18: decimal\(40,2\) is not a valid decimal type/);
    expect(() => spark.range(1).select(col('id').cast('decimal(40,2)'))).toThrow(IllegalArgumentError);
  });
});

describe('values in and out', () => {
  it('collect() gives exact strings at the column scale; show() prints them', async () => {
    const df = spark.createDataFrame([{ v: '12345678901234567890.123' }, { v: 1.5 }, { v: 7n }, { v: '-0.0005' }, { v: null }], 'v DECIMAL(38,3)');
    expect(await df.collect()).toEqual([{ v: '12345678901234567890.123' }, { v: '1.500' }, { v: '7.000' }, { v: '-0.001' }, { v: null }]);
    expect(await df.showString(5, 0)).toContain('|12345678901234567890.123|');
  });

  it('createDataFrame refuses values that do not fit, naming field and row', () => {
    expect(() => spark.createDataFrame([{ p: '1.00' }, { p: '1000.00' }], 'p DECIMAL(5,2)')).toThrow(ArithmeticOverflowError);
    expect(() => spark.createDataFrame([{ p: '1000' }], 'p DECIMAL(5,2)')).toThrow(/field p, row 0: object of DecimalType\(5,2\) out of range, got '1000'/);
    expect(() => spark.createDataFrame([{ p: 'abc' }], 'p DECIMAL(5,2)')).toThrow(/field p, row 0: DecimalType\(5,2\) can not accept object 'abc'/);
  });

  it('Arrow round trip keeps Decimal128 and exact values', async () => {
    const df = spark.createDataFrame([{ v: '-98765432109876543210987654321.12345678' }, { v: null }, { v: '0.00000001' }], 'v DECIMAL(38,8)');
    const table = await df.toArrow();
    const t = table.schema.fields[0]!.type as arrow.Decimal;
    expect([arrow.DataType.isDecimal(t), t.precision, t.scale, t.bitWidth]).toEqual([true, 38, 8, 128]);
    const back = spark.createDataFrame(table);
    expect(back.dtypes).toEqual([['v', 'decimal(38,8)']]);
    expect(await back.collect()).toEqual(await df.collect());
  });
});

describe('Parquet', () => {
  it('writes DECIMAL that DuckDB reads back with its precision and scale, and reads it back exactly', async () => {
    const df = spark.createDataFrame([{ v: '12345678901234567890.123', w: '-1.5' }, { v: null, w: '0.25' }], 'v DECIMAL(38,3), w DECIMAL(4,2)');
    const out = path.join(dir, 'pq');
    await df.write.mode('overwrite').parquet(out);
    const rows = await duckRows(`SELECT typeof(v) tv, typeof(w) tw, v, w FROM read_parquet('${out}/*.parquet') ORDER BY w`);
    expect(rows).toEqual([
      { tv: 'DECIMAL(38,3)', tw: 'DECIMAL(4,2)', v: '12345678901234567890.123', w: '-1.50' },
      { tv: 'DECIMAL(38,3)', tw: 'DECIMAL(4,2)', v: null, w: '0.25' },
    ]);
    const back = await spark.read.parquet(out);
    expect(back.dtypes).toEqual(df.dtypes);
    expect(await back.orderBy('w').collect()).toEqual([{ v: '12345678901234567890.123', w: '-1.50' }, { v: null, w: '0.25' }]);
  });
});

describe('arithmetic', () => {
  it("result types follow Spark's DecimalPrecision rules (allowPrecisionLoss)", () => {
    const df = spark.sql(`SELECT a + b, a - b, a * b, a / b, a % b, a + 1, a * 2L, -a, a + 1.5D,
      CAST(1 AS DECIMAL(38,10)) * CAST(3 AS DECIMAL(38,10)), CAST(1 AS DECIMAL(38,10)) / CAST(3 AS DECIMAL(38,10)) FROM t`);
    expect(df.dtypes.map(([, t]) => t)).toEqual([
      'decimal(15,4)', 'decimal(15,4)', 'decimal(22,6)', 'decimal(26,12)', 'decimal(9,4)', 'decimal(13,2)', 'decimal(14,2)', 'decimal(12,2)', 'double',
      'decimal(38,6)', 'decimal(38,6)',
    ]);
  });

  it('+, -, *, % and comparisons are exact (DuckDB)', async () => {
    const q = 'SELECT k, a, b, a + b AS s, a - b AS d, a * b AS m, a % b AS r, a < b AS lt, a = 1.5 AS eq FROM t ORDER BY k, a NULLS FIRST, b NULLS FIRST';
    const duckQ = q.replace('a = 1.5', 'a = 1.50');
    expect(await ours(q)).toEqual(await duckRows(duckQ));
  });

  it('division rounds HALF_UP at the result scale; by zero is null', async () => {
    expect(await ours("SELECT CAST('2' AS DECIMAL(5,0)) / CAST('3' AS DECIMAL(5,0)) x, CAST('-2' AS DECIMAL(5,0)) / 3 y, CAST('1.00' AS DECIMAL(5,2)) / 0 z"))
      .toEqual([{ x: '0.666667', y: '-0.666667', z: null }]);
  });

  it('results past the precision raise ArithmeticOverflowError (never a rounded or wrapped value)', async () => {
    const big = spark.sql("SELECT CAST('99999999999999999999999999999999999999' AS DECIMAL(38,0)) AS v");
    const err = await big.select(col('v').plus(1)).collect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArithmeticOverflowError);
    expect((err as Error).message).toMatch(/decimal \+: the value 100000000000000000000000000000000000000 does not fit decimal\(38,0\)/);
    await expect(big.select(col('v').multiply(col('v'))).collect()).rejects.toThrow(ArithmeticOverflowError);
  });
});

describe('casts', () => {
  it('string → decimal is exact, rounds extra digits HALF_UP, null for non-numbers, raises on overflow', async () => {
    expect(await ours("SELECT CAST('12345678901234567890.123' AS DECIMAL(38,3)) a, CAST(' 1.005 ' AS DECIMAL(5,2)) b, CAST('-1.005' AS DECIMAL(5,2)) c, CAST('1e2' AS DECIMAL(5,1)) d, CAST('x' AS DECIMAL(5,2)) e"))
      .toEqual([{ a: '12345678901234567890.123', b: '1.01', c: '-1.01', d: '100.0', e: null }]);
    await expect(spark.sql("SELECT CAST('1234.5' AS DECIMAL(5,2)) v").collect()).rejects.toThrow(/cast\('1234.5' as decimal\(5,2\)\): the value 1234.50 does not fit decimal\(5,2\)/);
  });

  it('to and from int, long, double, string, boolean', async () => {
    const df = spark.createDataFrame([{ d: '-7.99', i: 42, x: 0.1 }], 'd DECIMAL(10,2), i INT, x DOUBLE');
    const [r] = await df.select(
      col('d').cast('int').alias('di'), col('d').cast('long').alias('dl'), col('d').cast('double').alias('dd'), col('d').cast('string').alias('ds'), col('d').cast('boolean').alias('db'),
      col('i').cast('decimal(5,1)').alias('id'), col('x').cast('decimal(20,18)').alias('xd'), lit(true).cast('decimal(3,2)').alias('bd'),
    ).collect();
    expect(r).toEqual({ di: -7, dl: -7, dd: -7.99, ds: '-7.99', db: true, id: '42.0', xd: '0.100000000000000000', bd: '1.00' });
  });

  it('SQL literals: 1.23BD and CAST(... AS DECIMAL(p,s))', async () => {
    const df = spark.sql("SELECT 1.23BD a, 12345678901234567890.123BD * 2 b, CAST('1.5' AS NUMERIC(4,2)) c, -0.5BD d");
    expect(df.dtypes).toEqual([['a', 'decimal(3,2)'], ['b', 'decimal(25,3)'], ['c', 'decimal(4,2)'], ['d', 'decimal(1,1)']]);
    expect(await df.collect()).toEqual([{ a: '1.23', b: '24691357802469135780.246', c: '1.50', d: '-0.5' }]);
  });
});

describe('aggregates, keys, sort, windows', () => {
  it('sum / min / max / count by a key and by a decimal key (DuckDB)', async () => {
    const q = 'SELECT k, sum(a) AS sa, sum(b) AS sb, min(a) AS mi, max(b) AS mx, count(a) AS n FROM t GROUP BY k ORDER BY k';
    expect(await ours(q)).toEqual(await duckRows(q));
    const q2 = 'SELECT a, count(*) AS n, sum(b) AS sb FROM t GROUP BY a ORDER BY a NULLS FIRST';
    expect(await ours(q2)).toEqual(await duckRows(q2));
    expect(spark.sql('SELECT sum(a), avg(a), sum(CAST(a AS DECIMAL(30,2))) FROM t').dtypes.map(([, t]) => t)).toEqual(['decimal(22,2)', 'decimal(16,6)', 'decimal(38,2)']);
  });

  it('avg is exact then rounded HALF_UP at scale s+4', async () => {
    const df = spark.createDataFrame([{ v: '1.00' }, { v: '2.00' }, { v: '2.00' }, { v: null }], 'v DECIMAL(5,2)');
    expect(await df.agg(F.avg('v').alias('m'), F.countDistinct('v').alias('d')).collect()).toEqual([{ m: '1.666667', d: 2 }]);
  });

  it('joins on decimal keys and sorts decimals (DuckDB)', async () => {
    const q = 'SELECT x.k, x.a, y.b FROM t x JOIN t y ON x.a = y.a AND x.k = y.k ORDER BY x.k, x.a, y.b NULLS FIRST';
    expect(await ours(q)).toEqual(await duckRows(q));
    const s = 'SELECT b FROM t ORDER BY b DESC NULLS LAST LIMIT 20';
    expect(await ours(s)).toEqual(await duckRows(s));
  });

  it('sum over a window (running total) is exact', async () => {
    const df = spark.createDataFrame([{ k: 1, v: '0.10' }, { k: 2, v: '0.20' }, { k: 3, v: '99999999999999999.70' }], 'k INT, v DECIMAL(20,2)');
    const out = await df.select('k', F.sum('v').over(Window.orderBy('k')).alias('run')).orderBy('k').collect();
    expect(out.map((r) => r['run'])).toEqual(['0.10', '0.30', '100000000000000000.00']);
  });

  it('round / bround / floor / ceil / abs keep decimals with Spark types', async () => {
    const df = spark.sql("SELECT round(CAST('123.455' AS DECIMAL(10,3)), 2) a, bround(CAST('123.445' AS DECIMAL(10,3)), 2) b, round(CAST('155' AS DECIMAL(5,0)), -1) c, floor(CAST('-1.5' AS DECIMAL(5,1))) d, ceil(CAST('1.2' AS DECIMAL(5,1))) e, abs(CAST('-1.20' AS DECIMAL(5,2))) f");
    expect(df.dtypes.map(([, t]) => t)).toEqual(['decimal(10,2)', 'decimal(10,2)', 'decimal(6,0)', 'decimal(5,0)', 'decimal(5,0)', 'decimal(5,2)']);
    expect(await df.collect()).toEqual([{ a: '123.46', b: '123.44', c: '160', d: '-2', e: '2', f: '1.20' }]);
    expect(() => spark.table('t').select(F.round(col('a'), col('k').cast('int') as never))).toThrow(TypeMismatchError);
  });
});

describe('CSV', () => {
  it('reads DECIMAL columns of a DDL schema exactly; bad values become null or fail per mode', async () => {
    const file = path.join(dir, 'prices.csv');
    fs.writeFileSync(file, 'id,price\n1,12345678.99\n2,0.125\n3,abc\n4,123456789.00\n5,\n');
    const df = spark.read.csv(file, { header: true, schema: 'id INT, price DECIMAL(10,2)' });
    expect(await df.orderBy('id').collect()).toEqual([
      { id: 1, price: '12345678.99' }, { id: 2, price: '0.13' }, { id: 3, price: null }, { id: 4, price: null }, { id: 5, price: null },
    ]);
    const err = await spark.read.csv(file, { header: true, schema: 'id INT, price DECIMAL(10,2)', mode: 'FAILFAST' }).collect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toMatch(/prices\.csv at line 4: value 'abc' of column 'price' is not a valid decimal\(10,2\)/);
  });

  it('infers double, not decimal, as Spark does', () => {
    const file = path.join(dir, 'infer.csv');
    fs.writeFileSync(file, 'v\n1.25\n');
    expect(spark.read.csv(file, { header: true, inferSchema: true }).dtypes).toEqual([['v', 'double']]);
  });

  it('writes exact strings and reads them back equal', async () => {
    const df = spark.createDataFrame([{ i: 1, v: '-12345678901234567890.12345' }, { i: 2, v: null }, { i: 3, v: '0.00001' }], 'i INT, v DECIMAL(38,5)');
    const out = path.join(dir, 'out');
    await df.write.mode('overwrite').csv(out, { header: true });
    const text = fs.readdirSync(out).filter((f) => f.endsWith('.csv')).map((f) => fs.readFileSync(path.join(out, f), 'utf8')).join('');
    expect(text).toContain('1,-12345678901234567890.12345\n');
    expect(text).toContain('3,0.00001\n');
    const back = spark.read.csv(out, { header: true, schema: 'i INT, v DECIMAL(38,5)' });
    expect(await back.orderBy('i').collect()).toEqual(await df.collect());
  });
});
