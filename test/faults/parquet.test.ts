/**
/**
 * Fault corpus, Parquet category: files written by other engines whose values Kindling must read
 * exactly or refuse with a clear error (decimals), and damaged files (truncated, garbage with a
 * .parquet name, a broken footer, zero bytes), a folder mixing Parquet with another file, files
 * whose schemas differ, and a column that does not exist. Each case asserts the correct result, or
 * a KindlingError subclass whose message names the file (or the column) and suggests a fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { AnalysisError, ArithmeticOverflowError, DataFormatError, KindlingError, functions as F } from '../../src/index.js';
import { ioFaultSetup } from './io-harness.js';

const env = ioFaultSetup('kindling-faults-parquet-');

/** Runs `sql` (a COPY ... TO '<file>') in an in-memory DuckDB, with `$FILE` replaced by a fresh path; returns the path. */
async function duckParquet(name: string, select: string): Promise<string> {
  const file = path.join(env.dir, name);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    await conn.run(`COPY (${select}) TO '${file}' (FORMAT PARQUET)`);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
  return file;
}

describe('decimal', () => {
  it('reads a DuckDB DECIMAL(38,3) holding 12345678901234567890.123 exactly (was the low 64 bits / 1000)', async () => {
    const file = await duckParquet('d38.parquet', `SELECT 12345678901234567890.123::DECIMAL(38,3) AS amount UNION ALL SELECT -0.001::DECIMAL(38,3) UNION ALL SELECT NULL`);
    const df = await env.spark.read.parquet(file);
    expect(df.dtypes).toEqual([['amount', 'decimal(38,3)']]);
    expect(await df.collect()).toEqual([{ amount: '12345678901234567890.123' }, { amount: '-0.001' }, { amount: null }]);
    // and computes with it exactly: sum is decimal(38,3), the value + 0.877 is a whole number
    const agg = await df.agg(F.sum('amount').alias('s'), F.max('amount').alias('m')).collect();
    expect(agg).toEqual([{ s: '12345678901234567890.122', m: '12345678901234567890.123' }]);
    expect(await df.filter(F.col('amount').gt(0)).select(F.col('amount').plus(F.lit('0.877').cast('decimal(4,3)')).alias('x')).collect())
      .toEqual([{ x: '12345678901234567891.000' }]);
  });

  it('reads DECIMAL stored as int32, int64 and fixed_len_byte_array alike', async () => {
    const file = await duckParquet('phys.parquet', `SELECT 12.34::DECIMAL(9,2) AS i32, 123456789012.345::DECIMAL(18,3) AS i64, 99999999999999999999.99::DECIMAL(22,2) AS flba`);
    const df = await env.spark.read.parquet(file);
    expect(df.dtypes).toEqual([['i32', 'decimal(9,2)'], ['i64', 'decimal(18,3)'], ['flba', 'decimal(22,2)']]);
    expect(await df.collect()).toEqual([{ i32: '12.34', i64: '123456789012.345', flba: '99999999999999999999.99' }]);
  });

  it('a sum past 38 digits raises ArithmeticOverflowError instead of a wrong value', async () => {
    const file = await duckParquet('big.parquet', `SELECT 99999999999999999999999999999999999.999::DECIMAL(38,3) AS v FROM range(3)`);
    const df = await env.spark.read.parquet(file);
    const err = await df.agg(F.sum('v')).collect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArithmeticOverflowError);
    expect(String((err as Error).message)).toMatch(/sum: the value 29{35}\.997 does not fit decimal\(38,3\)/);
  });
});

describe('damaged parquet', () => {
  let counter = 0;
  /** Bytes of a good one-file Parquet dataset (ids 0..999, a string column). */
  let good: Buffer;
  beforeAll(async () => {
    const out = path.join(env.dir, 'good');
    await env.spark.range(0, 1000, 1, 1).selectExpr('id', "concat('v', id) AS s").write.parquet(out);
    const part = fs.readdirSync(out).find((f) => f.endsWith('.parquet'))!;
    good = fs.readFileSync(path.join(out, part));
  }, 60_000);

  /** A fresh folder holding `files` (name → bytes); returns the folder. */
  function folder(files: Record<string, Buffer | string>): string {
    const d = path.join(env.dir, `in${counter++}`);
    fs.mkdirSync(d);
    for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(d, name), data);
    return d;
  }

  /** The error reading (and collecting) `p` gives; fails the test when there is none. */
  async function readError(p: string): Promise<Error> {
    try {
      await (await env.spark.read.parquet(p)).collect();
    } catch (e) {
      expect(e).toBeInstanceOf(KindlingError);
      return e as Error;
    }
    throw new Error(`expected reading ${p} to fail`);
  }

  /** Asserts a DataFormatError that names `file` and suggests what to do. */
  function expectCorrupt(err: Error, file: string): void {
    expect(err).toBeInstanceOf(DataFormatError);
    expect(err.message).toContain(file);
    expect((err as DataFormatError).file).toBe(file);
    expect(err.message).toMatch(/not a Parquet file or corrupt/);
    expect(err.message).toMatch(/Write the file again from its source|move it out of the folder/);
  }

  it('a truncated file', async () => {
    const f = path.join(folder({ 't.parquet': good.subarray(0, Math.floor(good.length / 2)) }), 't.parquet');
    expectCorrupt(await readError(f), f);
  });

  it('garbage bytes with a .parquet name', async () => {
    const f = path.join(folder({ 'g.parquet': Buffer.from('this is not parquet at all, just some text\n'.repeat(20)) }), 'g.parquet');
    expectCorrupt(await readError(f), f);
  });

  it('a file whose footer is damaged', async () => {
    const bytes = Buffer.from(good);
    // Overwrite the footer's middle (the metadata before the 4-byte length and the PAR1 magic).
    const len = bytes.readInt32LE(bytes.length - 8);
    const start = bytes.length - 8 - len;
    for (let i = start + 4; i < bytes.length - 12; i++) bytes[i] = 0xff;
    const f = path.join(folder({ 'f.parquet': bytes }), 'f.parquet');
    expectCorrupt(await readError(f), f);
  });

  it('a zero-byte file', async () => {
    const f = path.join(folder({ 'z.parquet': Buffer.alloc(0) }), 'z.parquet');
    const err = await readError(f);
    expectCorrupt(err, f);
    expect(err.message).toContain('0 bytes');
  });

  it('a folder mixing Parquet with another file', async () => {
    const d = folder({ 'part-0.parquet': good, 'notes.csv': 'a,b\n1,2\n' });
    const err = await readError(d);
    expectCorrupt(err, path.join(d, 'notes.csv'));
    expect(err.message).toContain(`read only the Parquet files with a glob such as '${path.join(d, '*.parquet')}'`);
    // ... which reads the folder's Parquet file.
    expect(await (await env.spark.read.parquet(path.join(d, '*.parquet'))).count()).toBe(1000);
  });

  it('files whose schemas differ across a folder', async () => {
    const other = path.join(env.dir, 'other');
    await env.spark.range(0, 10, 1, 1).selectExpr('id', 'id * 2 AS s').write.parquet(other);
    const otherPart = fs.readdirSync(other).find((f) => f.endsWith('.parquet'))!;
    const d = folder({ 'part-0.parquet': good, 'part-1.parquet': fs.readFileSync(path.join(other, otherPart)) });
    const err = await readError(d);
    expect(err).toBeInstanceOf(DataFormatError);
    expect(err.message).toMatch(/Parquet files have different schemas: column 's' is utf8 in .*part-0\.parquet but int64 in .*part-1\.parquet/);
    expect(err.message).toContain('Read them separately and align the columns');
  });

  it('a column that does not exist', async () => {
    const d = folder({ 'part-0.parquet': good });
    const df = await env.spark.read.parquet(d);
    let err: unknown;
    try {
      df.select('ids');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AnalysisError);
    expect((err as Error).message).toMatch(/'ids'.*did you mean 'id'/);
    // The file is fine: the session reads it.
    expect((await df.filter('id < 2').collect())).toEqual([{ id: 0, s: 'v0' }, { id: 1, s: 'v1' }]);
  });
});

describe('a mixed folder under FAILFAST', () => {
  it('reading CSV, .txt and .parquet files with a DDL schema fails with a clear error every time, and the session stays usable', async () => {
    const d = path.join(env.dir, 'mixed');
    fs.mkdirSync(d);
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(d, `part-${i}.csv`), `id,v\n${i},${i * 10}\n${i + 10},${i}\n`);
    fs.writeFileSync(path.join(d, 'notes.txt'), 'id,v\n7,8\n');
    await env.spark.range(0, 100, 1, 1).selectExpr('id', 'id AS v').write.parquet(path.join(d, 'pq'));
    const part = fs.readdirSync(path.join(d, 'pq')).find((f) => f.endsWith('.parquet'))!;
    fs.copyFileSync(path.join(d, 'pq', part), path.join(d, 'data.parquet'));
    fs.rmSync(path.join(d, 'pq'), { recursive: true });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('uncaughtException', onUnhandled);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (let i = 0; i < 20; i++) {
        let err: unknown;
        try {
          await env.spark.read.csv(d, { header: true, schema: 'id INT, v INT', mode: 'FAILFAST' }).collect();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(DataFormatError);
        expect((err as Error).message).toContain(path.join(d, 'data.parquet'));
        expect((err as Error).message).toMatch(/malformed CSV record in .*data\.parquet at line \d+: .*use mode PERMISSIVE/);
      }
      // The next job is right.
      const ok = env.spark.read.csv(path.join(d, '*.csv'), { header: true, schema: 'id INT, v INT', mode: 'FAILFAST' });
      expect(await ok.agg(F.sum('id')).collect()).toEqual([{ 'sum(id)': 6 + 46 }]);
    } finally {
      process.off('uncaughtException', onUnhandled);
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
