/**
 * The binary type: X'..' literals, string <-> binary casts, hex / unhex / base64 / unbase64 /
 * length / octet_length, grouping, joins and sorting on binary keys (checked against DuckDB's
 * BLOBs at 1 and 4 threads), collect() as Uint8Array, show() as Spark prints it, and Arrow /
 * Parquet round trips.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ParseError, Session, TypeMismatchError, col, functions as F } from '../src/index.js';
import { mulberry32 } from '../src/exec/basic.js';

const r = mulberry32(11);
/** Short random byte strings with repeats, bytes ≥ 0x80 and empty values; some nulls. */
const keys = Array.from({ length: 40 }, (_, i) => (i === 0 ? new Uint8Array(0) : Uint8Array.from({ length: 1 + Math.floor(r() * 4) }, () => Math.floor(r() * 256))));
const rows = Array.from({ length: 1500 }, (_, i) => ({ id: i, b: r() < 0.05 ? null : keys[Math.floor(r() ** 2 * keys.length)]!, v: Math.floor(r() * 100) }));
const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('hex').toUpperCase());

let db: DuckDBConnection;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-binary-'));
  db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run('CREATE TABLE t (id INTEGER, b BLOB, v INTEGER)');
  await db.run(`INSERT INTO t VALUES ${rows.map((x) => `(${x.id}, ${x.b === null ? 'NULL' : `unhex('${hex(x.b)}')`}, ${x.v})`).join(',\n')}`);
  await db.run(`CREATE TABLE k AS SELECT DISTINCT b, octet_length(b) * 10 AS w FROM t WHERE b IS NOT NULL AND octet_length(b) <> 2`);
});
afterAll(() => {
  db.closeSync();
  fs.rmSync(dir, { recursive: true, force: true });
});
async function duck(sql: string): Promise<unknown[][]> {
  return (await db.runAndReadAll(sql)).getRows().map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
}

describe('binary literals and functions', () => {
  let spark: Session;
  beforeAll(async () => {
    spark = await Session.create({ threads: 1 });
  });
  afterAll(() => spark.stop());

  it("X'..' literals: type binary, collect() gives Uint8Array, show() prints bytes as Spark does", async () => {
    const df = spark.sql("SELECT X'303132' AS b, X'' AS e, X'abc' AS odd, X'00ff' = X'00FF' AS eq, X'01' < X'ff' AS lt");
    expect(df.schema.fields.map((f) => f.type)).toEqual(['binary', 'binary', 'binary', 'boolean', 'boolean']);
    expect(df.dtypes).toEqual([['b', 'binary'], ['e', 'binary'], ['odd', 'binary'], ['eq', 'boolean'], ['lt', 'boolean']]);
    const [row] = await df.collect();
    expect(row!['b']).toEqual(new Uint8Array([0x30, 0x31, 0x32]));
    expect(row!['b']).toBeInstanceOf(Uint8Array);
    expect(row!['e']).toEqual(new Uint8Array(0));
    expect(row!['odd']).toEqual(new Uint8Array([0x0a, 0xbc])); // an odd digit count gets a leading 0, as in Spark
    expect([row!['eq'], row!['lt']]).toEqual([true, true]);
    expect(await df.showString()).toBe([
      '+----------+---+-------+----+----+',
      '|         b|  e|    odd|  eq|  lt|',
      '+----------+---+-------+----+----+',
      '|[30 31 32]| []|[0A BC]|true|true|',
      '+----------+---+-------+----+----+',
      '',
    ].join('\n'));
    expect(spark.sql("SELECT X'0aFF'").columns).toEqual(["X'0AFF'"]);
  });

  it('casts between string and binary use UTF-8; other casts are refused', async () => {
    const [row] = await spark.sql("SELECT CAST('héllo' AS BINARY) AS b, CAST(X'68C3A96C6C6F' AS STRING) AS s, CAST(CAST('x' AS BINARY) AS STRING) AS rt").collect();
    expect(row).toEqual({ b: new Uint8Array(Buffer.from('héllo', 'utf8')), s: 'héllo', rt: 'x' });
    expect(() => spark.sql("SELECT CAST(X'01' AS INT)")).toThrow(TypeMismatchError);
    expect(() => spark.sql("SELECT CAST(X'01' AS INT)")).toThrow("cannot cast X'01' from binary to int32");
  });

  it('hex, unhex, base64, unbase64, length, octet_length', async () => {
    const [row] = await spark.sql(`SELECT hex(X'00A0FF') h, hex('é') hs, hex(255) hn, hex(-1) hneg, unhex('0a0B') u, unhex('zz') bad,
      base64(X'303132') b64, unbase64('MDEy') ub, length(X'00FF80') l, octet_length(X'00FF80') ol, length('é') ls, octet_length('é') ols`).collect();
    expect(row).toEqual({
      h: '00A0FF', hs: 'C3A9', hn: 'FF', hneg: 'FFFFFFFFFFFFFFFF', u: new Uint8Array([0x0a, 0x0b]), bad: null,
      b64: 'MDEy', ub: new Uint8Array([0x30, 0x31, 0x32]), l: 3, ol: 3, ls: 1, ols: 2,
    });
  });

  it("a bad hex digit is a ParseError at the digit", () => {
    const sql = "SELECT X'3G1'";
    expect(() => spark.sql(sql)).toThrow(ParseError);
    expect(() => spark.sql(sql)).toThrow(`line 1, column 11: invalid binary literal X'3G1': 'G' is not a hex digit (a binary literal is X'' with pairs of 0-9, a-f)\n${sql}\n          ^`);
  });

  it('createDataFrame from Uint8Array values, a BINARY schema, Arrow and Parquet round trips', async () => {
    const df = spark.createDataFrame([{ id: 1, b: new Uint8Array([1, 2, 255]) }, { id: 2, b: null }, { id: 3, b: new Uint8Array(0) }], 'id INT, b BINARY');
    expect(df.schema.fields[1]!.type).toBe('binary');
    const table = await df.toArrow();
    expect(String(table.schema.fields[1]!.type)).toBe('Binary');
    expect(table.getChild('b')!.get(0)).toEqual(new Uint8Array([1, 2, 255]));
    expect(await spark.createDataFrame(table).collect()).toEqual(await df.collect());
    const out = path.join(dir, 'bin.parquet');
    await df.write.parquet(out);
    const back = await spark.read.parquet(out);
    expect(back.schema.fields[1]!.type).toBe('binary');
    expect(await back.orderBy('id').collect()).toEqual([{ id: 1, b: new Uint8Array([1, 2, 255]) }, { id: 2, b: null }, { id: 3, b: new Uint8Array(0) }]);
    await expect(df.write.csv(path.join(dir, 'bin.csv'))).rejects.toThrow("column 'b': CSV data source does not support binary data type");
  });
});

describe.each([1, 4])('binary keys against DuckDB at %i threads', (threads) => {
  let spark: Session;
  beforeAll(async () => {
    spark = await Session.create({ threads, shufflePartitions: 3, autoBroadcastJoinThreshold: -1 });
    spark.createDataFrame(rows, 'id INT, b BINARY, v INT').createOrReplaceTempView('t');
  });
  afterAll(() => spark.stop());

  it('GROUP BY a binary key, ORDER BY it (unsigned bytes), hex and length per group', async () => {
    const q = 'SELECT hex(b) h, length(b) l, count(*) n, sum(v) s FROM t GROUP BY b ORDER BY b NULLS FIRST';
    const ours = (await spark.sql(q).collect()).map((x) => [x['h'], x['l'], x['n'], x['s']]);
    expect(ours.length).toBeGreaterThan(20);
    expect(ours).toEqual(await duck(q.replace('length(b)', 'octet_length(b)')));
    const api = await spark.table('t').groupBy('b').agg(F.count('*').alias('n')).orderBy(col('b').desc()).collect();
    expect(api.map((x) => [hex(x['b'] as Uint8Array | null), x['n']])).toEqual(await duck('SELECT hex(b), count(*) FROM t GROUP BY b ORDER BY b DESC NULLS LAST'));
  });

  it('a shuffled join on a binary key and DISTINCT', async () => {
    spark.createDataFrame((await duck('SELECT hex(b), w FROM k')).map(([h, w]) => ({ b: new Uint8Array(Buffer.from(h as string, 'hex')), w })), 'b BINARY, w INT').createOrReplaceTempView('k');
    const q = 'SELECT t.id, hex(k.b) h, k.w FROM t JOIN k ON t.b = k.b ORDER BY t.id';
    expect((await spark.sql(q).collect()).map((x) => [x['id'], x['h'], x['w']])).toEqual(await duck(q));
    const d = 'SELECT DISTINCT base64(b) x FROM t WHERE b IS NOT NULL ORDER BY x';
    expect((await spark.sql(d).collect()).map((x) => [x['x']])).toEqual(await duck('SELECT DISTINCT to_base64(b) x FROM t WHERE b IS NOT NULL ORDER BY x'));
  });
});
