// SQL and the catalog over cached data (issue 16 part 1): a view over a cached frame reads the
// cache, found by plan; CACHE / UNCACHE TABLE, CLEAR CACHE and the catalog's cache methods.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnalysisError, ParseError, Session } from '../src/index.js';
import { testThreads } from './threads.js';

let spark: Session;
let dir: string;

beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(), shufflePartitions: 3 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-sqlcache-'));
});
afterAll(async () => {
  await spark.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  spark.catalog.clearCache();
  for (const t of spark.catalog.listTables()) spark.catalog.dropTempView(t.name);
});

/** Writes a CSV file and returns its path. */
function csv(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

const sorted = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('a view over a cached DataFrame reads the cache', () => {
  it('through SQL, spark.table, a view over a view and a join of two cached views, after the file is deleted', async () => {
    const f = csv('x.csv', 'id4,v1\n1,2\n1,3\n2,5\n');
    const g = csv('y.csv', 'id4,name\n1,one\n2,two\n');
    const x = spark.read.csv(f, { header: true, inferSchema: true }).cache();
    const y = spark.read.csv(g, { header: true, inferSchema: true }).cache();
    expect(await x.count()).toBe(3);
    expect(await y.count()).toBe(2);
    x.createOrReplaceTempView('x');
    y.createOrReplaceTempView('y');
    spark.sql('CREATE TEMP VIEW xv AS SELECT id4, v1 * 10 AS w FROM x');
    fs.rmSync(f);
    fs.rmSync(g);
    expect(sorted(await spark.sql('SELECT id4, avg(v1) AS a FROM x GROUP BY id4').collect())).toEqual([{ id4: 1, a: 2.5 }, { id4: 2, a: 5 }]);
    expect(await spark.table('x').count()).toBe(3);
    expect(sorted(await spark.sql('SELECT id4, sum(w) AS s FROM xv GROUP BY id4').collect())).toEqual([{ id4: 1, s: 50 }, { id4: 2, s: 50 }]);
    expect(sorted(await spark.sql('SELECT name, v1 FROM x JOIN y USING (id4)').collect())).toEqual([{ name: 'one', v1: 2 }, { name: 'one', v1: 3 }, { name: 'two', v1: 5 }]);
    expect(spark.table('x').isCached).toBe(true);
    expect(spark.catalog.isCached('x')).toBe(true);
    expect(spark.table('x').storageLevel).toBe('MEMORY_ONLY');
    // A frame derived from the cached one reads it too.
    expect(await x.filter('v1 > 2').count()).toBe(2);
    // Unpersisted, the deleted file is needed again: the cache was really what answered.
    await x.unpersist();
    expect(spark.catalog.isCached('x')).toBe(false);
    await expect(spark.sql('SELECT count(*) FROM x').collect()).rejects.toThrow(/path does not exist/);
  });

  it('explain shows the in-memory scan for a query over a cached view', async () => {
    const f = csv('e.csv', 'a,b\n1,2\n');
    const df = spark.read.csv(f, { header: true, inferSchema: true }).cache();
    await df.count();
    df.createOrReplaceTempView('e');
    const plan = (await spark.sql('EXPLAIN SELECT a FROM e WHERE b > 1').collect())[0]!.plan as string;
    expect(plan).toMatch(/InMemoryRelation/);
    expect(plan).not.toMatch(/Scan csv/);
    expect(df.select('a').explain()).toMatch(/InMemoryRelation \(1 rows/);
    const lazy = spark.read.csv(f, { header: true }).cache();
    expect(lazy.explain()).toMatch(/InMemoryRelation \(not computed yet/);
  });

  it('the same file read twice with the same options matches the cache (as Spark), other options do not', async () => {
    const f = csv('same.csv', 'a\n1\n2\n');
    const one = spark.read.csv(f, { header: true, inferSchema: true }).cache();
    await one.count();
    expect(spark.read.csv(f, { header: true, inferSchema: true }).isCached).toBe(true);
    expect(spark.read.csv(f, { header: true }).isCached).toBe(false);
  });

  it('in-memory frames match by identity, not by content', async () => {
    const a = spark.createDataFrame([{ k: 1 }]).cache();
    const b = spark.createDataFrame([{ k: 1 }]);
    expect(a.isCached).toBe(true);
    expect(b.isCached).toBe(false);
    expect(a.select('k').isCached).toBe(false);
  });
});

describe('CACHE TABLE, UNCACHE TABLE, CLEAR CACHE and the catalog', () => {
  it('CACHE TABLE caches an existing view eagerly; LAZY on first use; AS SELECT creates the view', async () => {
    const f = csv('c.csv', 'k,v\n1,10\n2,20\n3,30\n');
    spark.read.csv(f, { header: true, inferSchema: true }).createOrReplaceTempView('c');
    await spark.sql('CACHE TABLE c').collect();
    spark.sql('CACHE LAZY TABLE big AS SELECT k, v * 2 AS v2 FROM c WHERE k > 1');
    expect(spark.catalog.isCached('c')).toBe(true);
    expect(spark.catalog.isCached('big')).toBe(true);
    expect(await spark.sql('SELECT sum(v2) AS s FROM big').collect()).toEqual([{ s: 100 }]);
    fs.rmSync(f);
    expect(await spark.sql('SELECT sum(v) AS s FROM c').collect()).toEqual([{ s: 60 }]);
    expect(await spark.sql('SELECT count(*) AS n FROM big').collect()).toEqual([{ n: 2 }]);
    spark.sql('UNCACHE TABLE big');
    expect(spark.catalog.isCached('big')).toBe(false);
    expect(spark.catalog.isCached('c')).toBe(true);
    spark.sql('CLEAR CACHE');
    expect(spark.catalog.isCached('c')).toBe(false);
    await expect(spark.sql('SELECT * FROM c').collect()).rejects.toThrow(/path does not exist/);
  });

  it('catalog.cacheTable / uncacheTable / clearCache', async () => {
    spark.createDataFrame([{ k: 1 }, { k: 2 }]).createOrReplaceTempView('t');
    expect(spark.catalog.isCached('t')).toBe(false);
    spark.catalog.cacheTable('t');
    expect(spark.catalog.isCached('t')).toBe(true);
    expect(await spark.sql('SELECT max(k) AS m FROM t').collect()).toEqual([{ m: 2 }]);
    spark.catalog.uncacheTable('t');
    expect(spark.catalog.isCached('t')).toBe(false);
    spark.catalog.cacheTable('t');
    spark.catalog.clearCache();
    expect(spark.catalog.isCached('t')).toBe(false);
  });

  it('errors name the table and the position', () => {
    expect(() => spark.sql('CACHE TABLE nope')).toThrow(AnalysisError);
    expect(() => spark.sql('CACHE TABLE nope')).toThrow(/'nope' not found/);
    expect(() => spark.sql('UNCACHE TABLE nope')).toThrow(/UNCACHE TABLE IF EXISTS/);
    expect(() => spark.sql('UNCACHE TABLE IF EXISTS nope')).not.toThrow();
    expect(() => spark.sql('CLEAR')).toThrow(ParseError);
    expect(() => spark.catalog.cacheTable('nope')).toThrow(/not found/);
  });
});
