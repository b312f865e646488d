/**
 * The JSON source and writer (src/io/json.ts, json-write.ts) through the public API: Spark's
 * schema inference (widening, nulls, arrays, field order, nested objects as structs), the parse
 * modes with a corrupt line, multiLine, a given schema, folders / globs / splits, options, the
 * write → read round trip of every type, write modes, an atomic write failure, and values
 * against DuckDB's read_json. Runs at 1 and 4 threads in `test:parity`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError, IllegalArgumentError, KindlingError, Schema, Session, WriteError, col, functions as F } from '../src/index.js';
import { Batch, fromValues } from '../src/data/batch.js';
import { TEMP_PREFIX, writeDataset } from '../src/io/dataset-writer.js';
import { planJsonScan } from '../src/io/json.js';
import { writeJsonFile } from '../src/io/json-write.js';
import { testThreads } from './threads.js';

let spark: Session;
let dir: string;
let n = 0;
beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(), shufflePartitions: 3 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-json-'));
});
afterAll(async () => {
  await spark.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes `text` to a fresh file and returns its path. */
function file(text: string, name = `f${n++}.json`): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

const lines = (...objs: unknown[]): string => objs.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join('\n') + '\n';

describe('schema inference (Spark rules)', () => {
  it('widens conflicting types, sorts fields by name, types null-only fields as string', async () => {
    const p = file(lines({ z: 1, b: 1, a: true, n: null, s: 'x' }, { z: 2.5, b: 'two', a: false, n: null, s: 3 }, { z: 3 }));
    const df = spark.read.json(p);
    expect(df.dtypes).toEqual([['a', 'boolean'], ['b', 'string'], ['n', 'string'], ['s', 'string'], ['z', 'double']]);
    expect(await df.collect()).toEqual([
      { a: true, b: '1', n: null, s: 'x', z: 1 },
      { a: false, b: 'two', n: null, s: '3', z: 2.5 },
      { a: null, b: null, n: null, s: null, z: 3 },
    ]);
  });

  it('integers are long, fractions double, beyond long decimal(p,0); boolean + number is string', async () => {
    const p = file('{"i": 1, "f": 1.0, "big": 123456789012345678901, "mix": true}\n{"i": -7, "f": 2, "big": 5, "mix": 1}\n');
    const df = spark.read.json(p);
    expect(df.dtypes).toEqual([['big', 'decimal(21,0)'], ['f', 'double'], ['i', 'bigint'], ['mix', 'string']]);
    expect(await df.collect()).toEqual([
      { big: '123456789012345678901', f: 1, i: 1, mix: 'true' },
      { big: '5', f: 2, i: -7, mix: '1' },
    ]);
  });

  it('arrays of primitives are arrays; nested objects are structs, arrays of objects arrays of structs', async () => {
    const p = file(lines({ xs: [1, 2, null], e: [], o: { k: 1, l: [true] }, ao: [{ a: 1 }] }, { xs: [3.5], e: [], o: { k: 'x' }, ao: null }));
    const df = spark.read.json(p);
    expect(df.dtypes).toEqual([['ao', 'array<struct<a:bigint>>'], ['e', 'array<string>'], ['o', 'struct<k:string,l:array<boolean>>'], ['xs', 'array<double>']]);
    expect(await df.collect()).toEqual([
      { ao: [{ a: 1 }], e: [], o: { k: '1', l: [true] }, xs: [1, 2, null] },
      { ao: null, e: [], o: { k: 'x', l: null }, xs: [3.5] },
    ]);
  });

  it('nested objects: fields merged across records and sorted, widened inside structs; null struct vs missing field', async () => {
    const p = file(lines(
      { id: 1, s: { z: 1, b: { y: true }, a: 'x' }, aa: [[1, 2], [3]], ls: [{ q: 1 }, { r: 'u' }] },
      { id: 2, s: { z: 2.5, b: { x: 1 }, c: null } },
      { id: 3, s: null, aa: [[0.5], null], ls: [null, { q: 'w' }] },
      { id: 4 },
      { id: 5, s: {}, ls: [] },
      '{"id": 6, "s": {"a": "e\\"q", "z": 3, "unknown_in_row6_only": {}}}',
    ));
    const df = spark.read.json(p);
    expect(df.dtypes).toEqual([
      ['aa', 'array<array<double>>'], ['id', 'bigint'], ['ls', 'array<struct<q:string,r:string>>'],
      ['s', 'struct<a:string,b:struct<x:bigint,y:boolean>,c:string,z:double>'],
    ]);
    expect(await df.collect()).toEqual([
      { aa: [[1, 2], [3]], id: 1, ls: [{ q: '1', r: null }, { q: null, r: 'u' }], s: { a: 'x', b: { x: null, y: true }, c: null, z: 1 } },
      { aa: null, id: 2, ls: null, s: { a: null, b: { x: 1, y: null }, c: null, z: 2.5 } },
      { aa: [[0.5], null], id: 3, ls: [null, { q: 'w', r: null }], s: null },
      { aa: null, id: 4, ls: null, s: null },
      { aa: null, id: 5, ls: [], s: { a: null, b: null, c: null, z: null } },
      { aa: null, id: 6, ls: null, s: { a: 'e"q', b: null, c: null, z: 3 } },
    ]);
    // Nested fields work in expressions; dropFieldIfAllNull drops all-null fields inside structs too.
    expect(await df.where(col('id').leq(2)).select(col('s.b.x').alias('x'), F.element_at(col('ls'), 2).getField('r').alias('r')).collect()).toEqual([{ x: null, r: 'u' }, { x: 1, r: null }]);
    expect(spark.read.json(p, { dropFieldIfAllNull: true }).schema.fields.find((f) => f.name === 's')!.type).toBe('struct<a:utf8,b:struct<x:int64,y:boolean>,z:float64>');
    // A struct meeting a scalar widens to string (the value's JSON text), as in Spark.
    const mixed = file(lines({ o: { a: 1 } }, { o: 'text' }));
    expect(await spark.read.json(mixed).collect()).toEqual([{ o: '{"a":1}' }, { o: 'text' }]);
  });

  it('a given schema reads struct, map and array<struct> fields; a bad nested value is a corrupt record', async () => {
    const p = file(lines(
      { id: 1, s: { a: 1, b: 'x', extra: [1] }, m: { k1: 1.5, k2: null }, ls: [{ v: 1 }, { v: 2 }] },
      { id: 2, s: { b: 'y' }, m: {}, ls: null },
      { id: 3, s: null, m: null, ls: [null] },
      '{"id": 4, "s": {"a": "nope"}, "m": {"k": 1}}',
    ));
    const df = spark.read.schema('id BIGINT, s STRUCT<a: INT, b: STRING>, m MAP<STRING, DOUBLE>, ls ARRAY<STRUCT<v: BIGINT>>, _corrupt_record STRING').json(p);
    const rows = await df.collect();
    expect(rows.slice(0, 3)).toEqual([
      { id: 1, s: { a: 1, b: 'x' }, m: new Map([['k1', 1.5], ['k2', null]]), ls: [{ v: 1 }, { v: 2 }], _corrupt_record: null },
      { id: 2, s: { a: null, b: 'y' }, m: new Map(), ls: null, _corrupt_record: null },
      { id: 3, s: null, m: null, ls: [null], _corrupt_record: null },
    ]);
    expect(rows[3]).toMatchObject({ id: 4, s: null, m: new Map([['k', 1]]), _corrupt_record: '{"id": 4, "s": {"a": "nope"}, "m": {"k": 1}}' });
    expect(await df.where(col('id').eq(1)).select(F.element_at(col('m'), F.lit('k1')).alias('v'), col('s.b').alias('b')).collect()).toEqual([{ v: 1.5, b: 'x' }]);
    await expect(spark.read.schema('id BIGINT, s STRUCT<a: INT>').json(p, { mode: 'FAILFAST' }).collect()).rejects.toThrow(/line 4, column 22: field 's': field 'a': value "nope" is not a valid int/);
    // A string field keeps a nested value as its compact JSON text.
    expect(await spark.read.schema('id BIGINT, s STRING').json(p).where(col('id').eq(1)).collect()).toEqual([{ id: 1, s: '{"a":1,"b":"x","extra":[1]}' }]);
    expect(() => spark.read.schema('m MAP<INT, STRING>').json(p)).toThrow(/only as map<string,T>.*map<string,string>/);
  });

  it('skips blank lines, reads a top-level array as rows; options primitivesAsString, dropFieldIfAllNull', async () => {
    const p = file(`{"a":1,"n":null}\n\n   \n[{"a":2},{"a":3,"b":"x"}]\r\n{"a":4}`);
    expect(await spark.read.json(p).collect()).toEqual([
      { a: 1, b: null, n: null }, { a: 2, b: null, n: null }, { a: 3, b: 'x', n: null }, { a: 4, b: null, n: null },
    ]);
    expect(spark.read.json(p, { primitivesAsString: true }).dtypes).toEqual([['a', 'string'], ['b', 'string'], ['n', 'string']]);
    expect(spark.read.json(p, { dropFieldIfAllNull: true }).columns).toEqual(['a', 'b']);
  });

  it('samplingRatio infers from part of the records', () => {
    const p = file(Array.from({ length: 200 }, (_, i) => JSON.stringify({ v: i === 198 ? 'late' : i })).join('\n'));
    expect(spark.read.json(p).dtypes).toEqual([['v', 'string']]);
    expect(spark.read.json(p, { samplingRatio: 0.1 }).dtypes).toEqual([['v', 'bigint']]);
  });
});

describe('parse modes with a corrupt line', () => {
  const text = lines({ a: 1, b: 'x' }, { a: 2, b: 'y' }, '{"a": 3, "b": oops}', { a: 4, b: 'z' });

  it('PERMISSIVE (default): the record text goes to _corrupt_record, added to the inferred schema', async () => {
    const df = spark.read.json(file(text));
    expect(df.columns).toEqual(['_corrupt_record', 'a', 'b']);
    expect(await df.collect()).toEqual([
      { _corrupt_record: null, a: 1, b: 'x' },
      { _corrupt_record: null, a: 2, b: 'y' },
      { _corrupt_record: '{"a": 3, "b": oops}', a: null, b: null },
      { _corrupt_record: null, a: 4, b: 'z' },
    ]);
    expect(await df.filter(col('_corrupt_record').isNotNull()).count()).toBe(1);
    // Clean data gets no such column; a given schema keeps it only when it names it.
    expect(spark.read.json(file(lines({ a: 1 }))).columns).toEqual(['a']);
    expect(spark.read.schema('a INT, b STRING').json(file(text)).columns).toEqual(['a', 'b']);
    const named = spark.read.schema('a INT, b STRING, bad STRING').json(file(text), { columnNameOfCorruptRecord: 'bad' });
    expect((await named.collect()).map((r) => r.bad)).toEqual([null, null, '{"a": 3, "b": oops}', null]);
  });

  it('DROPMALFORMED drops it', async () => {
    const df = spark.read.json(file(text), { mode: 'DROPMALFORMED' });
    expect(df.columns).toEqual(['a', 'b']);
    expect(await df.collect()).toEqual([{ a: 1, b: 'x' }, { a: 2, b: 'y' }, { a: 4, b: 'z' }]);
    expect(await df.count()).toBe(3);
  });

  it('FAILFAST fails naming the file, line and column, and suggests the fix', async () => {
    const p = file(text);
    let err: unknown;
    try {
      spark.read.json(p, { mode: 'FAILFAST' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as DataFormatError).line).toBe(3);
    expect((err as Error).message).toMatch(new RegExp(`malformed JSON record in ${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} at line 3, column 15 \\(during schema inference\\): unrecognized token 'oops'`));
    expect((err as Error).message).toMatch(/use mode PERMISSIVE .* or DROPMALFORMED/);
    // With a given schema the scan itself fails; a value of the wrong type names the field.
    const typed = file(lines({ a: 1 }, { a: 2 }, { a: 'three' }));
    await expect(spark.read.schema('a INT').json(typed, { mode: 'FAILFAST' }).collect()).rejects.toThrow(
      /at line 3, column 6: field 'a': value "three" is not a valid integer/,
    );
    await expect(spark.read.schema('a INT').json(p, { mode: 'FAILFAST' }).collect()).rejects.toThrow(/at line 3, column 15: unrecognized token 'oops'/);
  });

  it('a value of the wrong type: PERMISSIVE keeps the other fields and records the text', async () => {
    const p = file(lines({ a: 1, b: 'x' }, { a: 'one', b: 'y' }));
    const df = spark.read.schema('a BIGINT, b STRING, _corrupt_record STRING').json(p);
    expect(await df.collect()).toEqual([
      { a: 1, b: 'x', _corrupt_record: null },
      { a: null, b: 'y', _corrupt_record: '{"a":"one","b":"y"}' },
    ]);
    expect(await spark.read.schema('a BIGINT, b STRING').json(p, { mode: 'DROPMALFORMED' }).collect()).toEqual([{ a: 1, b: 'x' }]);
  });
});

describe('multiLine', () => {
  it('reads a file holding one pretty-printed object, or an array of objects', async () => {
    const obj = file(JSON.stringify({ id: 1, tags: ['a', 'b'], name: 'x' }, null, 2));
    expect(await spark.read.json(obj, { multiLine: true }).collect()).toEqual([{ id: 1, name: 'x', tags: ['a', 'b'] }]);
    const arr = file(JSON.stringify([{ id: 1 }, { id: 2, v: 0.5 }, { id: 3 }], null, 2));
    expect(await spark.read.option('multiLine', 'true').json(arr).collect()).toEqual([{ id: 1, v: null }, { id: 2, v: 0.5 }, { id: 3, v: null }]);
    // Nested values read as a string keep their compact JSON text (as Spark writes them), strings untouched.
    const nested = file('{\n "o": { "k": [1, 2],\n   "s": "a b" /* c */ }\n}\n');
    expect(await spark.read.json(nested, { multiLine: true, allowComments: true }).collect()).toEqual([{ o: { k: [1, 2], s: 'a b' } }]);
    expect(await spark.read.schema('o STRING').json(nested, { multiLine: true, allowComments: true }).collect()).toEqual([{ o: '{"k":[1,2],"s":"a b"}' }]);
    // Without multiLine each line is a record: the pretty-printed file is all corrupt.
    expect(spark.read.json(obj).columns).toEqual(['_corrupt_record']);
  });

  it('FAILFAST names the line inside the file', () => {
    const p = file('[\n  {"a": 1},\n  {"a": 2,}\n]\n');
    expect(() => spark.read.json(p, { multiLine: true, mode: 'FAILFAST' })).toThrow(/at line 3, column 11 \(during schema inference\): trailing comma before \}/);
  });
});

describe('a given schema', () => {
  it('converts to the schema types, with dateFormat / timestampFormat', async () => {
    const p = file(lines(
      { i: 1, l: 2, d: 1.5, s: 'x', b: true, dt: '2024-02-29', ts: '2024-02-29T10:11:12.5Z', dec: 12.345, extra: 1 },
      { i: null, d: 'NaN', s: 42, dt: '2024-3-1', ts: 1700000000, dec: '-0.5' },
    ));
    const df = spark.read.schema('i INT, l BIGINT, d DOUBLE, s STRING, b BOOLEAN, dt DATE, ts TIMESTAMP, dec DECIMAL(10,2)').json(p);
    expect(df.columns).toEqual(['i', 'l', 'd', 's', 'b', 'dt', 'ts', 'dec']);
    expect(await df.collect()).toEqual([
      { i: 1, l: 2, d: 1.5, s: 'x', b: true, dt: new Date('2024-02-29'), ts: new Date('2024-02-29T10:11:12.500Z'), dec: '12.35' },
      { i: null, l: null, d: NaN, s: '42', b: null, dt: new Date('2024-03-01'), ts: new Date(1700000000 * 1000), dec: '-0.50' },
    ]);
    const custom = file(lines({ d: '29/02/2024', t: '29/02/2024 10:11' }));
    const got = await spark.read.json(custom, { schema: 'd DATE, t TIMESTAMP', dateFormat: 'dd/MM/yyyy', timestampFormat: 'dd/MM/yyyy HH:mm' }).collect();
    expect(got).toEqual([{ d: new Date('2024-02-29'), t: new Date('2024-02-29T10:11:00Z') }]);
  });

  it('refuses a corrupt-record column that is not a string', () => {
    expect(() => spark.read.schema('a INT, _corrupt_record INT').json(file(lines({ a: 1 })))).toThrow(/corrupt-record column '_corrupt_record' must be a nullable string, not integer/);
  });
});

describe('files, splits and options', () => {
  it('reads a folder, a glob, a list, .gz files, via format("json").load', async () => {
    file(lines({ v: 1 }), 'set/a.json');
    file(lines({ v: 2 }, { v: 3 }), 'set/sub/b.json');
    file('', 'set/_SUCCESS');
    fs.writeFileSync(path.join(dir, 'set', 'c.json.gz'), zlib.gzipSync(lines({ v: 4 })));
    const vs = async (df: { collect(): Promise<Record<string, unknown>[]> }) => (await df.collect()).map((r) => r.v).sort();
    expect(await vs(spark.read.json(path.join(dir, 'set')))).toEqual([1, 2, 3, 4]);
    expect(await vs(spark.read.json(path.join(dir, 'set', '**', '*.json')))).toEqual([1, 2, 3]);
    expect(await vs(spark.read.json([path.join(dir, 'set', 'sub'), path.join(dir, 'set', 'c.json.gz')]))).toEqual([2, 3, 4]);
    expect(await vs(await spark.read.format('json').load(path.join(dir, 'set')))).toEqual([1, 2, 3, 4]);
    expect(spark.read.json(path.join(dir, 'set')).explain()).toMatch(/json \[/);
  });

  it('partitionBy writes k=v folders (escaped, null as __HIVE_DEFAULT_PARTITION__); reading the folder gives them back as columns', async () => {
    const out = path.join(dir, 'parted');
    const df = spark.createDataFrame([
      { k: 1, s: 'a/b', v: 1.5, d: '2024-01-02' }, { k: 2, s: null, v: 2.5, d: '2024-01-02' }, { k: 1, s: 'a/b', v: 3.5, d: '2024-01-03' },
    ]).withColumn('d', col('d').cast('date'));
    await df.write.partitionBy('k', 's').json(out);
    const dirs = fs.readdirSync(out, { recursive: true }).map(String).filter((f) => !f.includes('part-')).sort();
    expect(dirs).toEqual(['_SUCCESS', 'k=1', 'k=1/s=a%2Fb', 'k=2', 'k=2/s=__HIVE_DEFAULT_PARTITION__']);
    const one = fs.readdirSync(path.join(out, 'k=2', 's=__HIVE_DEFAULT_PARTITION__'));
    expect(fs.readFileSync(path.join(out, 'k=2', 's=__HIVE_DEFAULT_PARTITION__', one[0]!), 'utf8')).toBe('{"v":2.5,"d":"2024-01-02"}\n');
    const back = spark.read.json(out);
    expect(back.dtypes).toEqual([['d', 'string'], ['v', 'double'], ['k', 'int'], ['s', 'string']]);
    expect(await back.orderBy('v').select('k', 's', 'v').collect()).toEqual([{ k: 1, s: 'a/b', v: 1.5 }, { k: 2, s: null, v: 2.5 }, { k: 1, s: 'a/b', v: 3.5 }]);
    expect(await back.filter(col('k').eq(1)).count()).toBe(2);
    await df.write.mode('append').partitionBy('k', 's').json(out);
    expect(await spark.read.json(out).groupBy('k').count().orderBy('k').collect()).toEqual([{ k: 1, count: 4 }, { k: 2, count: 2 }]);
    await df.write.mode('overwrite').partitionBy('d').json(out);
    expect(spark.read.schema('k BIGINT').json(out).dtypes).toEqual([['k', 'bigint'], ['d', 'date']]);
    await expect(df.write.partitionBy('kk').json(path.join(dir, 'p-bad'))).rejects.toThrow(/partitionBy column 'kk' does not exist \(did you mean 'k'.*columns: k, s, v, d/);
    await expect(df.write.partitionBy('k', 's', 'v', 'd').json(path.join(dir, 'p-bad'))).rejects.toThrow(/cannot use all columns for partitioning/);
    file(lines({ v: 9 }), 'parted/stray.json');
    expect(() => spark.read.json(out)).toThrow(/conflicting partition folders/);
  });

  it('splits a JSON Lines file at line starts: every record read once', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ id: i, s: 'x'.repeat(i % 50), f: i / 3 }));
    const p = file(lines(...rows));
    expect(planJsonScan(p, { maxPartitionBytes: 4096 }).splits.length).toBeGreaterThan(20);
    const df = spark.read.json(p, { maxPartitionBytes: 4096 });
    expect(await df.count()).toBe(3000);
    const got = await df.agg(F.sum('id').alias('s'), F.countDistinct('id').alias('d'), F.max(F.length(col('s'))).alias('m')).collect();
    expect(got).toEqual([{ s: (2999 * 3000) / 2, d: 3000, m: 49 }]);
    expect((await df.orderBy('id').limit(3).collect()).map((r) => r.id)).toEqual([0, 1, 2]);
  });

  it('checks options: names ("did you mean"), flags, mode, encoding; comments and quotes', () => {
    const p = file(lines({ a: 1 }));
    expect(() => spark.read.json(p, { multiline: true, mulitLine: true } as never)).toThrow(/unknown JSON read option 'mulitLine'.*did you mean 'multiLine'/);
    expect(() => spark.read.json(p, { multiLine: 'yes' } as never)).toThrow(IllegalArgumentError);
    expect(() => spark.read.json(p, { mode: 'LENIENT' } as never)).toThrow(/unknown JSON mode 'LENIENT'.*PERMISSIVE, DROPMALFORMED or FAILFAST/);
    expect(() => spark.read.json(p, { encoding: 'latin1' })).toThrow(/UTF-8 only/);
    const odd = file(`{'a': 1, "b": 'x'} // one\n/* two */ {"a": 2}\n`);
    expect(spark.read.json(odd, { allowComments: true }).columns).toEqual(['a', 'b']);
    expect(spark.read.json(odd).columns).toContain('_corrupt_record');
    expect(spark.read.json(file(`{'a': 1}\n`), { allowSingleQuotes: false }).columns).toEqual(['_corrupt_record']);
  });

  it('works from SQL over a temp view', async () => {
    spark.read.json(file(lines({ k: 'a', v: 1 }, { k: 'b', v: 2 }, { k: 'a', v: 3 }))).createOrReplaceTempView('jv');
    expect(await spark.sql('SELECT k, sum(v) AS s FROM jv GROUP BY k ORDER BY k').collect()).toEqual([{ k: 'a', s: 4 }, { k: 'b', s: 2 }]);
  });
});

describe('df.write.json', () => {
  const every = () =>
    spark.sql(`SELECT 1 AS i, CAST(2 AS BIGINT) AS l, 1.5D AS d, 'a"b\\n\u00e9' AS s, true AS b, DATE'2024-02-03' AS dt,
      TIMESTAMP'2024-02-03 04:05:06.123456' AS ts, CAST(12.30 AS DECIMAL(10,2)) AS dec, array(1, 2) AS arr, array('x', null) AS sarr
      UNION ALL SELECT null, null, CAST('NaN' AS DOUBLE), '', false, null, null, CAST(-0.01 AS DECIMAL(10,2)), array(3), null`);

  it('writes one object per line, nulls left out, Spark value formats; reads back every type', async () => {
    const out = path.join(dir, 'w-every');
    const df = every().coalesce(1);
    await df.write.json(out);
    const part = fs.readdirSync(out).filter((f) => f.startsWith('part-'));
    expect(part).toHaveLength(1);
    expect(part[0]).toMatch(/^part-00000-.*-c000\.json$/);
    expect(fs.existsSync(path.join(out, '_SUCCESS'))).toBe(true);
    expect(fs.readFileSync(path.join(out, part[0]!), 'utf8')).toBe(
      '{"i":1,"l":2,"d":1.5,"s":"a\\"b\\né","b":true,"dt":"2024-02-03","ts":"2024-02-03T04:05:06.123456Z","dec":12.30,"arr":[1,2],"sarr":["x",null]}\n' +
        '{"d":"NaN","s":"","b":false,"dec":-0.01,"arr":[3]}\n',
    );
    const back = spark.read.schema(df.schema).json(out);
    expect(await back.collect()).toEqual(await df.collect());
    // Inferred back: numbers, arrays and strings come back; dates/timestamps as text (as Spark).
    expect(spark.read.json(out).dtypes).toEqual([
      ['arr', 'array<bigint>'], ['b', 'boolean'], ['d', 'string'], ['dec', 'double'], ['dt', 'string'], ['i', 'bigint'],
      ['l', 'bigint'], ['s', 'string'], ['sarr', 'array<string>'], ['ts', 'string'],
    ]);
  });

  it('writes structs and maps as objects, arrays of structs as arrays of objects; reads them back', async () => {
    const out = path.join(dir, 'w-nested');
    const schema = new Schema([
      { name: 'id', type: 'int64', nullable: true }, { name: 's', type: 'struct<b:utf8,a:int32,n:utf8>', nullable: true },
      { name: 'm', type: 'map<utf8,float64>', nullable: true }, { name: 'ls', type: 'list<struct<v:int32,w:list<utf8>>>', nullable: true },
    ]);
    const df = spark.createDataFrame([
      { id: 1, s: { b: 'x', a: 1, n: null }, m: new Map([['k1', 1.5], ['k2', null]]), ls: [{ v: 1, w: ['p'] }, { v: null, w: [] }] },
      { id: 2, s: null, m: new Map(), ls: [null] },
      { id: 3, s: { b: null, a: null, n: 'q' }, m: null, ls: null },
    ], schema).coalesce(1);
    await df.write.json(out);
    const part = fs.readdirSync(out).filter((f) => f.startsWith('part-'));
    expect(fs.readFileSync(path.join(out, part[0]!), 'utf8')).toBe(
      '{"id":1,"s":{"b":"x","a":1},"m":{"k1":1.5,"k2":null},"ls":[{"v":1,"w":["p"]},{"w":[]}]}\n' +
        '{"id":2,"m":{},"ls":[null]}\n' +
        '{"id":3,"s":{"n":"q"}}\n',
    );
    expect(await spark.read.schema(df.schema).json(out).collect()).toEqual(await df.collect());
    // Inferred back: structs with their fields sorted by name, the map as a struct (as Spark).
    expect(spark.read.json(out).dtypes).toEqual([
      ['id', 'bigint'], ['ls', 'array<struct<v:bigint,w:array<string>>>'], ['m', 'struct<k1:double,k2:string>'], ['s', 'struct<a:bigint,b:string,n:string>'],
    ]);
    await df.write.mode('overwrite').json(out, { ignoreNullFields: false });
    expect(fs.readFileSync(path.join(out, fs.readdirSync(out).filter((f) => f.startsWith('part-'))[0]!), 'utf8').split('\n')[2]).toBe(
      '{"id":3,"s":{"b":null,"a":null,"n":"q"},"m":null,"ls":null}',
    );
  });

  it('ignoreNullFields false, gzip, format("json").save, and the save modes', async () => {
    const out = path.join(dir, 'w-modes');
    const df = spark.createDataFrame([{ a: 1, b: null, xs: [] }, { a: 2, b: 'x', xs: [1] }], new Schema([
      { name: 'a', type: 'int64', nullable: true }, { name: 'b', type: 'utf8', nullable: true }, { name: 'xs', type: 'list<int64>', nullable: true },
    ])).select('a', 'b').coalesce(1);
    await df.write.json(out, { ignoreNullFields: false });
    const text = () => fs.readdirSync(out).filter((f) => f.startsWith('part-')).map((f) => fs.readFileSync(path.join(out, f), 'utf8')).join('');
    expect(text()).toBe('{"a":1,"b":null}\n{"a":2,"b":"x"}\n');
    const arrays = path.join(dir, 'w-arrays');
    await spark.createDataFrame([{ xs: [] }, { xs: [1, null] }], new Schema([{ name: 'xs', type: 'list<int64>', nullable: true }])).coalesce(1).write.json(arrays);
    expect(await spark.read.json(arrays).collect()).toEqual([{ xs: [] }, { xs: [1, null] }]);
    await expect(df.write.json(out)).rejects.toThrow(WriteError);
    await df.write.mode('append').format('json').save(out);
    expect(await spark.read.json(out).count()).toBe(4);
    await df.write.mode('ignore').json(out);
    expect(await spark.read.json(out).count()).toBe(4);
    await df.write.mode('overwrite').option('compression', 'gzip').json(out);
    const parts = fs.readdirSync(out).filter((f) => f.startsWith('part-'));
    expect(parts.every((f) => f.endsWith('.json.gz'))).toBe(true);
    expect(zlib.gunzipSync(fs.readFileSync(path.join(out, parts[0]!))).toString()).toBe('{"a":1}\n{"a":2,"b":"x"}\n');
    expect(await spark.read.json(out).orderBy('a').collect()).toEqual([{ a: 1, b: null }, { a: 2, b: 'x' }]);
    await expect(df.write.json(path.join(dir, 'w-bad'), { compression: 'zip' } as never)).rejects.toThrow(/unknown JSON compression 'zip'/);
    await expect(df.write.json(path.join(dir, 'w-bad'), { ignoreNulls: true } as never)).rejects.toThrow(/did you mean 'ignoreNullFields'/);
    expect(fs.existsSync(path.join(dir, 'w-bad'))).toBe(false);
  });

  it('is atomic: a failing job or a failing part leaves the old output and no temporary folders', async () => {
    const out = path.join(dir, 'w-atomic');
    await spark.range(5).write.json(out);
    const before = fs.readdirSync(out).sort();
    const bad = spark.range(100).select(F.udf((x: number) => { if (x === 77) throw new Error('boom'); return x; }, 'long', { name: 'boom' })('id').alias('v'));
    await expect(bad.write.mode('overwrite').json(out)).rejects.toThrow(/boom/);
    expect(fs.readdirSync(out).sort()).toEqual(before);
    // A part file that cannot be written (the writer's own failure) fails the write the same way.
    const schema = new Schema([{ name: 'v', type: 'int64', nullable: true }]);
    const batch = new Batch(schema, [fromValues('int64', [1, 2])], 2);
    await expect(
      writeDataset(out, 'overwrite', 3, 'json', (f, i) => writeJsonFile(i === 1 ? path.join(f, 'missing', 'x.json') : f, schema, [batch])),
    ).rejects.toThrow(KindlingError);
    await expect(
      writeDataset(out, 'overwrite', 3, 'json', (f, i) => writeJsonFile(i === 1 ? path.join(f, 'missing', 'x.json') : f, schema, [batch])),
    ).rejects.toThrow(/cannot write JSON file '.*x\.json'/);
    expect(fs.readdirSync(out).sort()).toEqual(before);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith(TEMP_PREFIX))).toEqual([]);
    expect(await spark.read.json(out).count()).toBe(5);
  });
});

describe('against DuckDB read_json', () => {
  it('reads nested objects and arrays of objects like DuckDB (values compared)', async () => {
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const rows = Array.from({ length: 300 }, (_, i) => ({
        id: i,
        s: i % 9 === 0 ? null : { a: i % 7, b: i % 2 ? `b${i % 5}` : null, inner: { x: i * 0.5, ys: [i, i + 1] } },
        ls: i % 4 === 0 ? null : Array.from({ length: i % 3 }, (_, k) => ({ k, t: `t${(i + k) % 6}` })),
        ...(i % 5 === 0 ? { aa: [[i], [i + 1, i + 2]] } : {}),
      }));
      const p = file(lines(...rows));
      const ours = await spark.read.json(p).select('id', 's', 'ls', 'aa').orderBy('id').collect();
      const duck = (await db.runAndReadAll(`SELECT id, s, ls, aa FROM read_json('${p}', format='newline_delimited') ORDER BY id`)).getRowObjectsJson();
      // DuckDB's JSON form of its values: structs as objects (every field), lists as arrays, numbers as numbers or text.
      const plain = (v: unknown): unknown =>
        v === null || v === undefined ? null
          : Array.isArray(v) ? v.map(plain)
          : typeof v === 'object' ? Object.fromEntries(Object.entries(v as object).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, x]) => [k, plain(x)]))
          : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
      expect(ours.map(plain)).toEqual(duck.map(plain));
      expect(ours[1]).toEqual({ id: 1, s: { a: 1, b: 'b1', inner: { x: 0.5, ys: [1, 2] } }, ls: [{ k: 0, t: 't1' }], aa: null });
    } finally {
      db.closeSync();
    }
  });

  it('reads the same values (DuckDB infers other types: values are compared)', async () => {
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const rows = Array.from({ length: 500 }, (_, i) => ({
        id: i,
        name: i % 7 === 0 ? null : `n${i % 13}`,
        score: i % 11 === 0 ? null : Math.round(i * 1.37 * 100) / 100,
        ok: i % 3 === 0,
        tags: i % 5 === 0 ? null : [`t${i % 4}`, `u${i % 2}`],
        ...(i % 4 === 0 ? { extra: i * 2 } : {}),
      }));
      const p = file(lines(...rows));
      const arr = file(JSON.stringify(rows.slice(0, 50), null, 1));
      const norm = (r: Record<string, unknown>) =>
        JSON.stringify(Object.keys(r).sort().map((k) => {
          const v = r[k];
          if (typeof v === 'bigint') return Number(v);
          if (v && typeof v === 'object' && 'items' in (v as object)) return (v as { items: unknown[] }).items;
          return v ?? null;
        }));
      for (const [f, multi] of [[p, false], [arr, true]] as const) {
        const duck = (await db.runAndReadAll(`SELECT * FROM read_json('${f}', format='${multi ? 'array' : 'newline_delimited'}')`)).getRowObjects();
        const ours = await spark.read.json(f, { multiLine: multi }).collect();
        expect(ours.map(norm).sort()).toEqual(duck.map((r) => norm(r as Record<string, unknown>)).sort());
        const agg = await spark.read.json(f, { multiLine: multi }).agg(F.sum('score').alias('s'), F.count('name').alias('c'), F.sum('extra').alias('e')).collect();
        const d = (await db.runAndReadAll(`SELECT sum(score) AS s, count(name) AS c, sum(extra) AS e FROM read_json('${f}')`)).getRowObjects()[0]!;
        expect(agg[0]!.s).toBeCloseTo(Number(d.s), 6);
        expect([agg[0]!.c, agg[0]!.e]).toEqual([Number(d.c), Number(d.e)]);
      }
    } finally {
      db.closeSync();
    }
  });
});
