/**
 * IO through the public API: spark.read.csv/parquet options and partitioning, df.write modes,
 * round trips, and every bad-input case (missing files, malformed CSV, corrupt Parquet,
 * existing targets, failing jobs that must leave no partial output).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnalysisError,
  ArithmeticOverflowError,
  DataFormatError,
  FileNotFoundError,
  KindlingError,
  Session,
  WriteError,
  col,
  functions as F,
} from '../src/index.js';
import { testThreads } from './threads.js';

let spark: Session;
let dir: string;
beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(), maxPartitionBytes: 4096 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-io-api-'));
});
afterAll(async () => {
  await spark.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const bankPath = path.resolve(import.meta.dirname, '../data/bank.csv');

describe('reading CSV through spark.read', () => {
  it('reads the bundled bank data with Spark options and inferred types', async () => {
    const bank = spark.read.csv(bankPath, { header: true, sep: ';', inferSchema: true });
    expect(bank.dtypes.slice(0, 3)).toEqual([['age', 'int'], ['job', 'string'], ['marital', 'string']]);
    expect(await bank.count()).toBe(45211);
    const yes = await bank.filter(col('y').eq('yes')).count();
    expect(yes / 45211).toBeGreaterThan(0.1);
    expect(yes / 45211).toBeLessThan(0.13);
  });

  it('splits a CSV into several partitions and gets the same answer as one partition', async () => {
    const one = await Session.create({ threads: 1, maxPartitionBytes: 1 << 30 });
    const many = spark.read.csv(bankPath, { header: true, sep: ';', inferSchema: true, maxPartitionBytes: 256 * 1024 });
    const single = one.read.csv(bankPath, { header: true, sep: ';', inferSchema: true });
    expect(many.explain()).toMatch(/Scan csv .*partitions=(1[0-9]|[2-9][0-9])/);
    const q = (df: typeof many) => df.groupBy('job').agg(F.sum('balance').alias('s'), F.count('*').alias('n')).orderBy('job').collect();
    expect(await q(many)).toEqual(await q(single));
    await one.stop();
  });

  it('reads with the builder form, an explicit schema, and nullValue', async () => {
    const p = path.join(dir, 'small.csv');
    fs.writeFileSync(p, 'a,b,c\n1,x,2024-01-02\nNA,"y, z",NA\n3,,2024-03-04\n');
    const df = spark.read.format('csv').option('header', 'true').option('nullValue', 'NA').schema('a INT, b STRING, c DATE').csv(p);
    expect(df.dtypes).toEqual([['a', 'int'], ['b', 'string'], ['c', 'date']]);
    const rows = await df.collect();
    expect(rows).toEqual([
      { a: 1, b: 'x', c: new Date('2024-01-02T00:00:00Z') },
      { a: null, b: 'y, z', c: null },
      { a: 3, b: null, c: new Date('2024-03-04T00:00:00Z') },
    ]);
  });

  it('handles PERMISSIVE, DROPMALFORMED and FAILFAST', async () => {
    const p = path.join(dir, 'bad.csv');
    fs.writeFileSync(p, 'id,n\n1,10\n2,oops\n3,30\n');
    const opts = { header: true, schema: 'id INT, n INT' };
    expect(await spark.read.csv(p, opts).collect()).toEqual([{ id: 1, n: 10 }, { id: 2, n: null }, { id: 3, n: 30 }]);
    expect(await spark.read.csv(p, { ...opts, mode: 'DROPMALFORMED' }).count()).toBe(2);
    const failing = spark.read.csv(p, { ...opts, mode: 'FAILFAST' });
    const err = await failing.collect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as DataFormatError).message).toContain(p);
    expect((err as DataFormatError).message).toMatch(/line 3/);
    expect((err as DataFormatError).line).toBe(3);
  });

  it('reads a folder of part files and a glob', async () => {
    const folder = path.join(dir, 'parts');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'part-0.csv'), 'x\n1\n2\n');
    fs.writeFileSync(path.join(folder, 'part-1.csv'), 'x\n3\n');
    fs.writeFileSync(path.join(folder, '_SUCCESS'), '');
    expect(await spark.read.csv(folder, { header: true, inferSchema: true }).agg(F.sum('x')).collect()).toEqual([{ 'sum(x)': 6 }]);
    expect(await spark.read.csv(path.join(folder, 'part-*.csv'), { header: true }).count()).toBe(3);
  });

  it('names a missing file and suggests a close one', () => {
    expect(() => spark.read.csv(bankPath.replace('bank.csv', 'bnak.csv'))).toThrow(FileNotFoundError);
    expect(() => spark.read.csv(bankPath.replace('bank.csv', 'bnak.csv'))).toThrow(/bnak\.csv.*did you mean/);
  });
});

describe('writing and reading back', () => {
  it('round-trips every type through Parquet and CSV', async () => {
    const df = spark.createDataFrame([
      { b: true, i: 1, l: 2 ** 40, d: 1.5, s: 'héllo', dt: '2024-02-29', ts: '2024-02-29T01:02:03.456789Z' },
      { b: null, i: null, l: null, d: null, s: null, dt: null, ts: null },
    ], 'b BOOLEAN, i INT, l BIGINT, d DOUBLE, s STRING, dt STRING, ts STRING')
      .withColumn('dt', col('dt').cast('date'))
      .withColumn('ts', col('ts').cast('timestamp'));
    const expected = await df.collect();

    const pq = path.join(dir, 'types_pq');
    await df.write.mode('overwrite').parquet(pq);
    const back = await spark.read.parquet(pq);
    expect(back.dtypes).toEqual(df.dtypes);
    expect(await back.orderBy(col('i').asc_nulls_last()).collect()).toEqual(expected);
    // microseconds survive (Date only shows ms)
    expect((await back.select(F.second('ts').alias('s'), col('ts').cast('string').alias('t')).first())!['t']).toBe('2024-02-29 01:02:03.456789');

    const csv = path.join(dir, 'types_csv');
    await df.write.mode('overwrite').option('header', true).csv(csv);
    const backCsv = spark.read.csv(csv, { header: true, schema: df.schema });
    expect(await backCsv.orderBy(col('i').asc_nulls_last()).collect()).toEqual(expected);
    expect(fs.existsSync(path.join(csv, '_SUCCESS'))).toBe(true);
  });

  it('honours save modes', async () => {
    const target = path.join(dir, 'modes');
    const df = spark.range(10);
    await df.write.parquet(target);
    await expect(df.write.parquet(target)).rejects.toThrow(WriteError);
    await expect(df.write.parquet(target)).rejects.toThrow(/mode\('overwrite'\)|overwrite/);
    await df.write.mode('append').parquet(target);
    expect(await (await spark.read.parquet(target)).count()).toBe(20);
    await df.limit(3).write.mode('overwrite').parquet(target);
    expect(await (await spark.read.parquet(target)).count()).toBe(3);
    await df.write.mode('ignore').parquet(target);
    expect(await (await spark.read.parquet(target)).count()).toBe(3);
    expect(() => df.write.mode('sometimes')).toThrow(/overwrite/);
  });

  it('a failing job leaves no partial output and keeps the old data', async () => {
    const target = path.join(dir, 'atomic');
    const bad = spark.range(200_000).select(col('id').cast('int').multiply(100_000).alias('boom'));
    await expect(bad.write.parquet(target)).rejects.toThrow(ArithmeticOverflowError);
    expect(fs.existsSync(target)).toBe(false);
    await spark.range(5).write.parquet(target);
    await expect(bad.write.mode('overwrite').csv(target)).rejects.toThrow(KindlingError);
    expect(await (await spark.read.parquet(target)).count()).toBe(5);
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('.kindling-tmp'))).toEqual([]);
  });

  it('reports a corrupt Parquet file by name', async () => {
    const p = path.join(dir, 'corrupt.parquet');
    fs.writeFileSync(p, Buffer.from('PAR1 this is not really parquet PAR1'));
    const err = await spark.read.parquet(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    expect((err as Error).message).toContain('corrupt.parquet');
  });

  it('projects Parquet columns and pushes filters into the scan', async () => {
    const target = path.join(dir, 'proj');
    await spark.range(1000).withColumn('sq', col('id').multiply(col('id'))).withColumn('s', col('id').cast('string')).write.parquet(target);
    const df = (await spark.read.parquet(target)).filter(col('id').lt(3)).select('sq');
    expect(df.explain()).toMatch(/Scan parquet .*\[id, sq\] PushedFilters/);
    expect(await df.collect()).toEqual([{ sq: 0 }, { sq: 1 }, { sq: 4 }]);
  });

  it('unknown columns on read data suggest the closest name', () => {
    const bank = spark.read.csv(bankPath, { header: true, sep: ';', inferSchema: true });
    expect(() => bank.select('balnce')).toThrow(AnalysisError);
    expect(() => bank.select('balnce')).toThrow(/did you mean 'balance'/);
  });
});
