/**
 * PIVOT / UNPIVOT from SQL and the API (groupBy().pivot(), df.unpivot() / melt()), checked
 * against DuckDB (its PIVOT / UNPIVOT, or FILTER aggregates where its semantics differ from
 * Spark's) on seeded data with nulls, at 1 and 4 threads; Spark's column names; errors with carets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { AnalysisError, IllegalArgumentError, ParseError, Session, col, functions as F } from '../src/index.js';
import { mulberry32 } from '../src/exec/basic.js';

type R = { k1: string | null; k2: number | null; v: number | null; w: number | null };
function makeRows(n: number, seed: number): R[] {
  const r = mulberry32(seed);
  const out: R[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      k1: r() < 0.05 ? null : `g${Math.floor(r() ** 2 * 8)}`,
      k2: r() < 0.05 ? null : Math.floor(r() * 5),
      v: r() < 0.1 ? null : Math.floor(r() * 1000) - 300,
      w: r() < 0.1 ? null : Math.round(r() * 1e6) / 1e3,
    });
  }
  return out;
}
const rows = makeRows(2000, 7);

let db: DuckDBConnection;
async function duck(sql: string): Promise<{ names: string[]; rows: unknown[][] }> {
  const res = await db.runAndReadAll(sql);
  return { names: res.columnNames(), rows: res.getRows().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v))) };
}
/** Rows as arrays in column order, floats rounded, sorted. */
function canon(rs: readonly unknown[][]): string[] {
  return rs.map((r) => JSON.stringify(r.map((v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(10)) : v)))).sort();
}

beforeAll(async () => {
  db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run('CREATE TABLE a (k1 VARCHAR, k2 INTEGER, v INTEGER, w DOUBLE)');
  const sqlValue = (x: string | number | null) => (x === null ? 'NULL' : typeof x === 'string' ? `'${x}'` : String(x));
  await db.run(`INSERT INTO a VALUES ${rows.map((r) => `(${[r.k1, r.k2, r.v, r.w].map(sqlValue).join(', ')})`).join(',\n')}`);
});
afterAll(() => db.closeSync());

describe.each([1, 4])('PIVOT and UNPIVOT at %i threads', (threads) => {
  let spark: Session;
  beforeAll(async () => {
    spark = await Session.create({ threads, shufflePartitions: 3 });
    spark.createDataFrame(rows, 'k1 STRING, k2 INT, v INT, w DOUBLE').createOrReplaceTempView('a');
  });
  afterAll(() => spark.stop());
  const A = () => spark.table('a');

  async function same(ours: { columns: string[]; collect(): Promise<Record<string, unknown>[]> }, theirsSql: string, names?: string[]): Promise<void> {
    const theirs = await duck(theirsSql);
    expect(ours.columns).toEqual(names ?? theirs.names);
    const got = (await ours.collect()).map((r) => ours.columns.map((c) => r[c]));
    expect(got.length).toBe(theirs.rows.length);
    expect(canon(got)).toEqual(canon(theirs.rows));
  }

  it('SQL PIVOT with one aggregate, a null pivot value and the implicit GROUP BY', async () => {
    const q = 'SELECT * FROM (SELECT k1, k2, v FROM a) PIVOT (sum(v) FOR k2 IN (0, 1, 2, 4, NULL))';
    await same(spark.sql(q), q, ['k1', '0', '1', '2', '4', 'null']);
  });

  it('SQL PIVOT with several aliased aggregates and aliased values (value_alias names)', async () => {
    const q = 'SELECT * FROM (SELECT k1, k2, v, w FROM a) PIVOT (sum(v) AS s, avg(w) AS m, max(w) AS x FOR k2 IN (0 AS zero, 1, 3))';
    await same(spark.sql(q), q, ['k1', 'zero_s', 'zero_m', 'zero_x', '1_s', '1_m', '1_x', '3_s', '3_m', '3_x']);
  });

  it('SQL PIVOT names an unaliased aggregate by its SQL text and keeps columns it does not read as keys', async () => {
    const df = spark.sql('SELECT * FROM (SELECT k1, k2, v, w FROM a) PIVOT (sum(v), avg(w) AS m FOR k2 IN (1))');
    expect(df.columns).toEqual(['k1', '1_sum(v)', '1_m']);
    const implicit = spark.sql('SELECT * FROM a PIVOT (count(*) FOR k2 IN (1, 2))');
    expect(implicit.columns).toEqual(['k1', 'v', 'w', '1', '2']);
  });

  it('count gives null for a missing combination, as Spark\'s two-phase pivot does', async () => {
    // DuckDB's PIVOT counts 0 there; pivot its per-(k1, k2) counts instead.
    const theirs = 'SELECT * FROM (SELECT k1, k2, count(v) c FROM a WHERE v > 600 GROUP BY k1, k2) PIVOT (first(c) FOR k2 IN (0, 1, 2, 3, 4))';
    await same(spark.sql('SELECT * FROM (SELECT k1, k2, v FROM a WHERE v > 600) PIVOT (count(v) FOR k2 IN (0, 1, 2, 3, 4))'), theirs);
    await same(A().filter(col('v').gt(600)).groupBy('k1').pivot('k2', [0, 1, 2, 3, 4]).count(), theirs.replace('count(v)', 'count(*)'));
  });

  it('non-numeric aggregates take the conditional lowering (same results)', async () => {
    const q = 'SELECT * FROM (SELECT k1, k2, w FROM a) PIVOT (max(k1) AS mk, count(w) AS n FOR k2 IN (1, 2)) ORDER BY 1';
    const ours = spark.sql('SELECT * FROM (SELECT k2, v % 3 AS g, k1, w FROM a) PIVOT (max(k1) AS mk, count(w) AS n FOR k2 IN (1, 2))');
    const theirs = 'SELECT g, max(k1) FILTER (WHERE k2 = 1) "1_mk", count(w) FILTER (WHERE k2 = 1) "1_n", max(k1) FILTER (WHERE k2 = 2) "2_mk", count(w) FILTER (WHERE k2 = 2) "2_n" FROM (SELECT k2, v % 3 AS g, k1, w FROM a) GROUP BY g';
    await same(ours, theirs);
    expect(q).toContain('PIVOT');
    // The conditional plan has one aggregate over the input; the two-phase plan two.
    const aggregates = (text: string) => (text.match(/HashAggregate\(mode=final/g) ?? []).length;
    expect(aggregates(ours.explain())).toBe(1);
    expect(aggregates(spark.sql('SELECT * FROM (SELECT k1, k2, v FROM a) PIVOT (sum(v) FOR k2 IN (1, 2))').explain())).toBe(2);
  });

  it('multi-column PIVOT FOR (c1, c2) IN ((...) AS n, ...)', async () => {
    const ours = spark.sql("SELECT * FROM (SELECT k1, k2, v, w > 500 AS big FROM a) PIVOT (sum(v) FOR (k1, k2) IN (('g0', 1) AS a, ('g1', 2), (NULL, 0) AS c))");
    expect(ours.columns).toEqual(['big', 'a', '{g1, 2}', 'c']);
    const f = (k1: string, k2: number) => `sum(v) FILTER (WHERE k1 IS NOT DISTINCT FROM ${k1} AND k2 = ${k2})`;
    await same(ours, `SELECT w > 500 AS big, ${f("'g0'", 1)} a, ${f("'g1'", 2)} "{g1, 2}", ${f('NULL', 0)} c FROM a GROUP BY big`);
  });

  it('API: groupBy().pivot(col, values).agg() / .sum() and pivot(col) computing the sorted distinct values', async () => {
    await same(A().groupBy('k1').pivot('k2', [0, 2]).agg(F.sum('v').alias('s'), F.min('w').alias('lo')),
      'SELECT * FROM (SELECT k1, k2, v, w FROM a) PIVOT (sum(v) AS s, min(w) AS lo FOR k2 IN (0, 2))');
    const g = await A().groupBy('k1').pivot('k2');
    await same(g.sum('v'), 'SELECT * FROM (SELECT k1, k2, v FROM a) PIVOT (sum(v) FOR k2 IN (NULL, 0, 1, 2, 3, 4))', ['k1', 'null', '0', '1', '2', '3', '4']);
    // The same plan as SQL.
    const viaSql = spark.sql('SELECT * FROM (SELECT k1, k2, v FROM a) PIVOT (sum(v) AS s FOR k2 IN (1, 2))');
    const viaApi = A().groupBy('k1').pivot('k2', [1, 2]).agg(F.sum('v').alias('s'));
    expect(await viaApi.collect()).toEqual(await viaSql.collect());
    // String pivot values, sorted.
    const byName = await (await A().groupBy('k2').pivot('k1')).agg(F.count('v'));
    expect(byName.columns).toEqual(['k2', 'null', 'g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7']);
  });

  it('SQL UNPIVOT single value, EXCLUDE NULLS (default) and INCLUDE NULLS', async () => {
    for (const nulls of ['', 'EXCLUDE NULLS', 'INCLUDE NULLS']) {
      const q = `SELECT * FROM (SELECT k1, k2, v, w FROM a) UNPIVOT ${nulls} (val FOR name IN (v, w AS dbl, k2))`;
      await same(spark.sql(q), q, ['k1', 'name', 'val']);
    }
  });

  it('SQL UNPIVOT multi-value: a row is dropped only when all its values are null (Spark)', async () => {
    const q = 'SELECT * FROM a UNPIVOT ((x, y) FOR name IN ((v, w) AS vw, (k2, v)))';
    await same(spark.sql(q), 'SELECT * FROM a UNPIVOT INCLUDE NULLS ((x, y) FOR name IN ((v, w) AS vw, (k2, v))) WHERE x IS NOT NULL OR y IS NOT NULL', ['k1', 'name', 'x', 'y']);
    expect(spark.sql(q).schema.fields.map((f) => f.type)).toEqual(['utf8', 'utf8', 'int32', 'float64']);
    const inc = 'SELECT * FROM a UNPIVOT INCLUDE NULLS ((x, y) FOR name IN ((v, w) AS vw, (k2, v)))';
    await same(spark.sql(inc), inc);
  });

  it('API: unpivot / melt keep nulls and coerce to a common type', async () => {
    const theirs = 'SELECT * FROM (SELECT k1, k2, v, w FROM a) UNPIVOT INCLUDE NULLS (value FOR variable IN (v, w))';
    await same(A().unpivot(['k1', 'k2'], ['v', 'w'], 'variable', 'value'), theirs);
    await same(A().melt(['k1', 'k2'], null, 'variable', 'value'), theirs);
    await same(A().unpivot('k1', [col('v').alias('vv')], 'variable', 'value'), 'SELECT * FROM (SELECT k1, v AS vv FROM a) UNPIVOT INCLUDE NULLS (value FOR variable IN (vv))');
    expect(A().unpivot('k1', ['v', 'w'], 'variable', 'value').schema.fields.map((f) => f.type)).toEqual(['utf8', 'utf8', 'float64']);
  });

  it('PIVOT and UNPIVOT round trip through SQL and a WHERE over the pivoted columns', async () => {
    const df = spark.sql(`SELECT k1, name, val FROM (
        SELECT * FROM (SELECT k1, k2, v FROM a) PIVOT (sum(v) FOR k2 IN (1 AS one, 2 AS two))
      ) p UNPIVOT (val FOR name IN (one, two)) WHERE p.k1 = 'g1' ORDER BY name`);
    const theirs = await duck("SELECT k1, CASE k2 WHEN 1 THEN 'one' ELSE 'two' END AS nm, sum(v) val FROM a WHERE k1 = 'g1' AND k2 IN (1, 2) GROUP BY k1, k2 HAVING sum(v) IS NOT NULL ORDER BY 2");
    expect((await df.collect()).map((r) => [r['k1'], r['name'], r['val']])).toEqual(theirs.rows);
  });
});

describe('PIVOT / UNPIVOT errors', () => {
  let spark: Session;
  beforeAll(async () => {
    spark = await Session.create({ threads: 1 });
    spark.createDataFrame([{ id: 1, job: 'x', pay: 5, name: 'a' }], 'id INT, job STRING, pay INT, name STRING').createOrReplaceTempView('t');
  });
  afterAll(() => spark.stop());
  const error = (sql: string, cls: typeof AnalysisError | typeof ParseError, message: string, column: number) => {
    let e: unknown;
    try {
      spark.sql(sql);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(cls);
    expect((e as Error).message).toBe(`line 1, column ${column}: ${message}\n${sql}\n${' '.repeat(column - 1)}^`);
  };

  it.each([
    ['SELECT * FROM t PIVOT (pay FOR job IN (1))', "Aggregate expression required for pivot, but 'pay' did not appear in any aggregate function", 24],
    ['SELECT * FROM t PIVOT (sum(pay) FOR job IN (name))', "Literal expressions required for pivot values, found 'name'", 45],
    ["SELECT * FROM t PIVOT (sum(pay) FOR id IN (1, 'x'))", "Invalid pivot value 'x': value data type string does not match pivot column data type int", 47],
    ["SELECT * FROM t PIVOT (sum(pay) FOR (id, job) IN ((1, 'x'), 2))", "pivot value (2) has 1 value but there are 2 pivot columns; give one value per pivot column, e.g. (1, 'a')", 61],
    ['SELECT * FROM t PIVOT (sum(pay) FOR jb IN (1))', "unknown column 'jb' in table 't' (did you mean 'job' or 'id'?)", 37],
    ['SELECT * FROM t UNPIVOT (v FOR k IN (pay, name))', 'Unpivot value columns must share a least common type, some types do not: [pay int, name string]', 17],
    ['SELECT * FROM t UNPIVOT ((a, b) FOR k IN ((pay, id), (id)))', 'All unpivot value columns must have the same size as there are value column names (2), but this one has 1', 54],
  ] as const)('%s', (sql, message, column) => error(sql, AnalysisError, message, column));

  it.each([
    ['SELECT * FROM t PIVOT (sum(pay) AS s IN (1))', "expected ',' or FOR but found 'IN'", 38],
    ['SELECT * FROM t PIVOT (sum(pay) FOR job (1))', "expected IN but found '('", 41],
    ['SELECT * FROM t UNPIVOT (v FOR k IN (pay + 1))', 'UNPIVOT takes column names in its IN list, not expressions; compute the expression in a subquery first', 38],
    ['SELECT * FROM t UNPIVOT EXCLUDE (v FOR k IN (pay))', "expected NULLS but found '('", 33],
  ] as const)('%s', (sql, message, column) => error(sql, ParseError, message, column));

  it('API errors: pivot after rollup, repeated pivot, too many distinct values, no aggregate', async () => {
    const t = spark.table('t');
    expect(() => t.rollup('id').pivot('job', ['x'])).toThrow(IllegalArgumentError);
    expect(() => t.groupBy('id').pivot('job', ['x']).pivot('name', ['a'])).toThrow('Repeated pivots are not supported');
    expect(() => t.groupBy('id').pivot('job', ['x']).agg(col('pay'))).toThrow("Aggregate expression required for pivot, but 'pay' did not appear in any aggregate function");
    spark.conf.set('spark.sql.pivotMaxValues', 2);
    const wide = spark.createDataFrame([{ k: 1, p: 'a' }, { k: 1, p: 'b' }, { k: 2, p: 'c' }]);
    await expect(wide.groupBy('k').pivot('p')).rejects.toThrow('The pivot column p has more than 2 distinct values, this could indicate an error. If this was intended, set spark.sql.pivotMaxValues to at least the number of distinct values of the pivot column.');
    spark.conf.unset('spark.sql.pivotMaxValues');
    expect((await wide.groupBy('k').pivot('p')).count().columns).toEqual(['k', 'a', 'b', 'c']);
    expect(() => t.unpivot('id', ['pay', 'name'], 'k', 'v')).toThrow('Unpivot value columns must share a least common type, some types do not: [pay int, name string]');
    expect(() => t.unpivot(['id', 'job', 'pay', 'name'], null, 'k', 'v')).toThrow('At least one value column needs to be specified for UNPIVOT, all columns specified as ids');
  });
});
