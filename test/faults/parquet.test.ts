/**
 * Fault corpus, Parquet category: files written by other engines whose values Kindling must read
 * exactly or refuse with a clear error. Each case asserts the correct result, or the error class
 * and that the message names the column.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { ArithmeticOverflowError, functions as F } from '../../src/index.js';
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
