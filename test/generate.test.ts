/**
 * Generators (explode, explode_outer, posexplode, posexplode_outer, inline, inline_outer): the
 * DataFrame API, the SQL select list and LATERAL VIEW [OUTER] give the same rows, cross-checked
 * with DuckDB's unnest on seeded data with null and empty arrays and null elements (and, for inline
 * and exploded maps, unnest of a list of structs / of map_entries); the Generate node in explain, filter
 * push-down and column pruning around it; Spark's errors for misplaced generators (with carets).
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { type DataFrame, col, functions as F } from '../src/index.js';
import { Schema } from '../src/types.js';
import { arrayFixture, arrays, duckList } from './array-data.js';

type R = { id: number; k: string; a: (number | null)[] | null; b: (string | null)[] | null };

function makeRows(n: number, seed: number): R[] {
  const { r, arr } = arrays(seed, 4);
  return Array.from({ length: n }, (_, id) => ({ id, k: `k${id % 5}`, a: arr(() => Math.floor(r() * 20) - 5), b: arr(() => `s${Math.floor(r() * 6)}`) }));
}

const SCHEMA = new Schema([
  { name: 'id', type: 'int32', nullable: false },
  { name: 'k', type: 'utf8', nullable: false },
  { name: 'a', type: 'list<int32>', nullable: true },
  { name: 'b', type: 'list<utf8>', nullable: true },
]);
const rows = makeRows(400, 7);
const fx = arrayFixture(SCHEMA, rows, 'id INTEGER, k VARCHAR, a INTEGER[], b VARCHAR[]', (x) => `${x.id}, '${x.k}', ${duckList(x.a)}, ${duckList(x.b, true)}`);
const duck = (sql: string) => fx.duck(sql);

/** Rows as sorted JSON strings of their values in column order. */
function canon(rs: readonly Record<string, unknown>[]): string[] {
  return rs.map((r) => JSON.stringify(Object.values(r))).sort();
}

describe('explode and posexplode against DuckDB unnest', () => {
  it('explode: API, SQL select, LATERAL VIEW agree with unnest (null and empty arrays drop the row)', async () => {
    const expected = canon(await duck('SELECT id, unnest(a) AS v FROM t'));
    expect(expected.length).toBeGreaterThan(500);
    expect(canon(await fx.df.select('id', F.explode('a').alias('v')).collect())).toEqual(expected);
    expect(canon(await fx.spark.sql('SELECT id, explode(a) AS v FROM t').collect())).toEqual(expected);
    expect(canon(await fx.spark.sql('SELECT id, v FROM t LATERAL VIEW explode(a) e AS v').collect())).toEqual(expected);
    expect((await fx.df.select(F.explode('a')).collect()).every((r) => 'col' in r)).toBe(true);
  });

  it('explode_outer and LATERAL VIEW OUTER keep a null or empty array once, with a null', async () => {
    const expected = canon(await duck('SELECT id, unnest(CASE WHEN len(b) > 0 THEN b ELSE [NULL]::VARCHAR[] END) AS v FROM t'));
    expect(canon(await fx.df.select('id', F.explode_outer('b').alias('v')).collect())).toEqual(expected);
    expect(canon(await fx.spark.sql('SELECT id, explode_outer(b) v FROM t').collect())).toEqual(expected);
    expect(canon(await fx.spark.sql('SELECT id, v FROM t LATERAL VIEW OUTER explode(b) e AS v').collect())).toEqual(expected);
    const missing = rows.filter((r) => !r.b || r.b.length === 0).length;
    expect(missing).toBeGreaterThan(10);
    expect(await fx.df.select(F.explode('b')).count()).toBe(expected.length - missing);
  });

  it('posexplode gives 0-based positions; posexplode_outer a null position for kept rows', async () => {
    const expected = canon(await duck('SELECT id, generate_subscripts(a, 1) - 1 AS p, unnest(a) AS v FROM t'));
    expect(canon(await fx.df.select('id', F.posexplode('a').alias('p', 'v')).collect())).toEqual(expected);
    expect(canon(await fx.spark.sql('SELECT id, posexplode(a) AS (p, v) FROM t').collect())).toEqual(expected);
    expect(canon(await fx.spark.sql('SELECT id, e.pos, e.col FROM t LATERAL VIEW posexplode(a) e').collect())).toEqual(expected);
    const outer = await fx.spark.sql('SELECT id, p, v FROM t LATERAL VIEW OUTER posexplode(a) e AS p, v').collect();
    const kept = rows.filter((r) => !r.a || r.a.length === 0).map((r) => JSON.stringify([r.id, null, null]));
    expect(canon(outer)).toEqual([...expected, ...kept].sort());
    expect((await fx.df.select(F.posexplode_outer('a')).collect()).length).toBe(outer.length);
    expect(fx.df.select(F.posexplode('a')).columns).toEqual(['pos', 'col']);
  });

  it('two LATERAL VIEWs chain (the second may read the first), and GROUP BY runs after them', async () => {
    const expected = canon(await duck('SELECT id, x, y FROM (SELECT id, b, unnest(a) AS x FROM t) s, (SELECT unnest(s.b) AS y)'));
    const got = await fx.spark.sql('SELECT id, x, y FROM t LATERAL VIEW explode(a) ea AS x LATERAL VIEW explode(b) eb AS y').collect();
    expect(canon(got)).toEqual(expected);
    const grouped = await fx.spark.sql('SELECT k, y, count(*) AS n, sum(x) AS s FROM t LATERAL VIEW explode(a) ea AS x LATERAL VIEW OUTER explode(b) eb AS y WHERE x > 0 GROUP BY k, y').collect();
    const duckGrouped = await duck(`SELECT k, y, count(*) AS n, sum(x) AS s FROM (SELECT k, b, unnest(a) AS x FROM t) s,
      (SELECT unnest(CASE WHEN len(s.b) > 0 THEN s.b ELSE [NULL]::VARCHAR[] END) AS y) WHERE x > 0 GROUP BY k, y`);
    expect(canon(grouped)).toEqual(canon(duckGrouped));
    const api = await fx.df.select('k', 'b', F.explode('a').alias('x')).filter(col('x').gt(0)).select('k', 'x', F.explode_outer('b').alias('y'))
      .groupBy('k', 'y').agg(F.count('*').alias('n'), F.sum('x').alias('s')).collect();
    expect(canon(api)).toEqual(canon(duckGrouped));
  });

  it('withColumn, select * and ORDER BY the generated column', async () => {
    const w = await fx.df.withColumn('v', F.explode('a')).filter(col('id').lt(5)).select('id', 'v').collect();
    expect(canon(w)).toEqual(canon(await duck('SELECT id, unnest(a) AS v FROM t WHERE id < 5')));
    const star = fx.spark.sql('SELECT *, explode(b) FROM t');
    expect(star.columns).toEqual(['id', 'k', 'a', 'b', 'col']);
    const ordered = await fx.spark.sql('SELECT explode(a) FROM t ORDER BY col DESC NULLS LAST LIMIT 3').collect();
    const top = (await duck('SELECT unnest(a) AS c FROM t ORDER BY c DESC NULLS LAST LIMIT 3')).map((r) => r['c']);
    expect(ordered.map((r) => r['col'])).toEqual(top);
  });
});

describe('other entry points', () => {
  it('selectExpr, F.expr, no FROM, and a UDF computing the array (evaluated below the Generate node)', async () => {
    const expected = canon(await duck('SELECT id, generate_subscripts(a, 1) - 1 AS p, unnest(a) AS v FROM t'));
    expect(canon(await fx.df.selectExpr('id', 'posexplode(a) AS (p, v)').collect())).toEqual(expected);
    expect(canon(await fx.df.select('id', F.expr('explode(a)')).collect())).toEqual(canon(await duck('SELECT id, unnest(a) FROM t')));
    expect(await fx.spark.sql('SELECT explode(array(3, 1, 2)) AS x').collect()).toEqual([{ x: 3 }, { x: 1 }, { x: 2 }]);
    const twice = F.udf((v: (number | null)[] | null) => v && v.map((x) => (x === null ? null : x * 2)), 'array<int>', { name: 'twice' });
    const got = await fx.df.select('id', F.explode(twice('a')).alias('v')).collect();
    expect(canon(got)).toEqual(canon(await duck('SELECT id, unnest(a) * 2 AS v FROM t')));
  });
});

describe('the Generate node in plans', () => {
  it('explain shows Generate; filters on passed-through columns go below it, on generated ones stay above', () => {
    const plan = fx.df.select('id', 'k', F.explode('a').alias('v')).filter(col('id').lt(10)).filter(col('v').gt(0)).explain('extended');
    const optimized = plan.slice(plan.indexOf('== Optimized Logical Plan =='), plan.indexOf('== Physical Plan =='));
    const lines = optimized.split('\n');
    const gen = lines.findIndex((l) => l.includes('Generate explode(a#2)'));
    expect(gen).toBeGreaterThan(0);
    expect(lines.slice(0, gen).some((l) => l.includes('Filter (v#') && l.includes('> 0'))).toBe(true);
    expect(lines.slice(gen).some((l) => l.includes('(id#0 < 10)'))).toBe(true);
    expect(lines.slice(0, gen).some((l) => l.includes('(id#'))).toBe(false);
  });

  it('column pruning repeats only the passed-through columns used above', () => {
    const plan = fx.df.select('id', 'k', 'b', F.explode('a').alias('v')).select('v').explain('extended');
    const optimized = plan.slice(plan.indexOf('== Optimized Logical Plan =='), plan.indexOf('== Physical Plan =='));
    expect(optimized).toMatch(/Generate explode\(a#0\) \[v\]/);
  });

  it('SQL plans the same Generate as the API', () => {
    const a = fx.df.select('id', F.explode('a').alias('v')).explain('extended');
    const b = fx.spark.sql('SELECT id, explode(a) AS v FROM t').explain('extended');
    const phys = (s: string) => s.slice(s.indexOf('== Optimized Logical Plan =='), s.indexOf('== Physical Plan ==')).replace(/Scan .*$/m, '');
    expect(phys(b)).toContain('Generate explode(a#');
    expect(phys(b).replace(/[\s\S]*?Generate/, 'Generate')).toEqual(phys(a).replace(/[\s\S]*?Generate/, 'Generate'));
  });
});

describe('generator errors (Spark wording)', () => {
  const sqlError = (sql: string): string => fx.sqlError(sql);
  it('a generator nested in an expression, two in one SELECT, outside SELECT: carets at the generator', () => {
    expect(sqlError('SELECT explode(a) + 1 FROM t')).toBe([
      'line 1, column 8: [UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS] The generator is not supported: nested in expressions: explode(a) must be a whole SELECT item; compute on its column in an outer query or use LATERAL VIEW',
      'SELECT explode(a) + 1 FROM t',
      '       ^',
    ].join('\n'));
    expect(sqlError('SELECT explode(a), explode(b) FROM t')).toBe([
      'line 1, column 20: [UNSUPPORTED_GENERATOR.MULTI_GENERATOR] The generator is not supported: only one generator allowed per SELECT clause but found 2: explode(a), explode(b); use LATERAL VIEW for the others',
      'SELECT explode(a), explode(b) FROM t',
      '                   ^',
    ].join('\n'));
    expect(sqlError('SELECT id FROM t WHERE explode(a) > 1')).toMatch(/^line 1, column 24: \[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT\] The generator is not supported: outside the SELECT clause, found: explode\(a\)/);
    expect(sqlError('SELECT explode(id) FROM t')).toMatch(/^line 1, column 16: \[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE\] Cannot resolve explode\(id\) due to data type mismatch: parameter 1 requires the \(array or map\) type, however id has the type int\n/);
    expect(sqlError('SELECT id FROM t LATERAL VIEW upper(k) u AS c')).toMatch(/^line 1, column 31: LATERAL VIEW needs a generator function/);
    expect(sqlError('SELECT inline(a) FROM t')).toMatch(/^line 1, column 15: \[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE\] Cannot resolve inline\(a\) due to data type mismatch: parameter 1 requires the array<struct> type, however a has the type array<int>\n/);
    expect(sqlError('SELECT posexplode(a) AS (p, v, w) FROM t')).toMatch(/UDTF_ALIAS_NUMBER_MISMATCH.*expected 2 aliases \(pos, col\) but got 3/);
  });
  it('the API says the same', () => {
    expect(() => fx.df.select(F.explode('a').plus(1))).toThrow(/UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS.*\(explode\(a\) \+ 1\)/);
    expect(() => fx.df.select(F.explode('a'), F.explode('b'))).toThrow(/only one generator allowed per select clause but found 2: explode\(a\), explode\(b\)/);
    expect(() => fx.df.filter(F.explode('a').gt(1))).toThrow(/UNSUPPORTED_GENERATOR.OUTSIDE_SELECT/);
    expect(() => fx.df.select(F.posexplode('a').alias('v'))).toThrow(/expected 2 aliases/);
    expect(() => fx.df.select(F.explode('k'))).toThrow(/requires the \(array or map\) type, however k has the type string/);
    expect(() => fx.df.select(F.inline('a'))).toThrow(/requires the array<struct> type, however a has the type array<int>/);
  });
});

// ---- inline over arrays of structs, explode over maps
type N = { id: number; s: ({ x: number | null; y: string | null } | null)[] | null; m: Map<string, number | null> | null };

function makeNested(n: number, seed: number): N[] {
  const { r, arr } = arrays(seed, 4);
  const maybe = <T>(v: T): T | null => (r() < 0.15 ? null : v);
  return Array.from({ length: n }, (_, id) => {
    const s = arr(() => ({ x: maybe(Math.floor(r() * 20) - 5), y: maybe(`y${Math.floor(r() * 6)}`) }));
    const keys = arr(() => 0);
    const m = keys === null ? null : new Map(keys.map((_, j) => [`k${j}`, r() < 0.15 ? null : Math.floor(r() * 9)] as [string, number | null]));
    return { id, s, m };
  });
}

const NESTED = new Schema([
  { name: 'id', type: 'int32', nullable: false },
  { name: 's', type: 'list<struct<x:int32,y:utf8>>', nullable: true },
  { name: 'm', type: 'map<utf8,int32>', nullable: true },
]);
const nestedRows = makeNested(300, 11);
const duckStructs = (s: N['s']): string => (s === null ? 'NULL' : `[${s.map((e) => (e === null ? 'NULL' : `{'x': ${e.x ?? 'NULL'}, 'y': ${e.y === null ? 'NULL' : `'${e.y}'`}}`)).join(', ')}]::STRUCT(x INTEGER, y VARCHAR)[]`);
const duckMap = (m: N['m']): string => (m === null ? 'NULL' : `MAP {${[...m].map(([k, v]) => `'${k}': ${v ?? 'NULL'}`).join(', ')}}::MAP(VARCHAR, INTEGER)`);
const nx = arrayFixture(NESTED, nestedRows, 'id INTEGER, s STRUCT(x INTEGER, y VARCHAR)[], m MAP(VARCHAR, INTEGER)', (x) => `${x.id}, ${duckStructs(x.s)}, ${duckMap(x.m)}`);

describe('inline and exploding maps against DuckDB', () => {
  it('inline: one row per struct, one column per field; a null struct gives a row of nulls; null or empty arrays drop the row', async () => {
    const expected = canon(await nx.duck('SELECT id, u.x, u.y FROM (SELECT id, unnest(s) AS u FROM t)'));
    expect(expected.length).toBeGreaterThan(300);
    expect(expected.some((r) => r.endsWith(',null,null]'))).toBe(true);
    const api = nx.df.select('id', F.inline('s'));
    expect(api.columns).toEqual(['id', 'x', 'y']);
    expect(canon(await api.collect())).toEqual(expected);
    expect(canon(await nx.spark.sql('SELECT id, inline(s) FROM t').collect())).toEqual(expected);
    expect(canon(await nx.spark.sql('SELECT id, a, b FROM t LATERAL VIEW inline(s) e AS a, b').collect())).toEqual(expected);
    expect(canon(await nx.spark.sql('SELECT id, e.x, e.y FROM t LATERAL VIEW inline(s) e').collect())).toEqual(expected);
    expect(nx.spark.sql('SELECT inline(s) AS (p, q) FROM t').columns).toEqual(['p', 'q']);
    expect(canon(await nx.df.select('id', F.inline('s').alias('p', 'q')).filter(col('p').gt(3)).collect())).toEqual(canon(await nx.duck('SELECT id, u.x, u.y FROM (SELECT id, unnest(s) AS u FROM t) WHERE u.x > 3')));
  });

  it('inline_outer and LATERAL VIEW OUTER inline keep a null or empty array once, with nulls', async () => {
    const expected = canon(await nx.duck('SELECT id, u.x, u.y FROM (SELECT id, unnest(CASE WHEN len(s) > 0 THEN s ELSE [NULL]::STRUCT(x INTEGER, y VARCHAR)[] END) AS u FROM t)'));
    const missing = nestedRows.filter((r) => !r.s || r.s.length === 0).length;
    expect(missing).toBeGreaterThan(10);
    expect(canon(await nx.df.select('id', F.inline_outer('s')).collect())).toEqual(expected);
    expect(canon(await nx.spark.sql('SELECT id, inline_outer(s) FROM t').collect())).toEqual(expected);
    expect(canon(await nx.spark.sql('SELECT id, a, b FROM t LATERAL VIEW OUTER inline(s) e AS a, b').collect())).toEqual(expected);
    expect(await nx.df.select(F.inline('s')).count()).toBe(expected.length - missing);
  });

  it('explode(map) gives key and value columns; explode_outer keeps a null or empty map once', async () => {
    const expected = canon(await nx.duck('SELECT id, e.key, e.value FROM (SELECT id, unnest(map_entries(m)) AS e FROM t)'));
    expect(expected.length).toBeGreaterThan(300);
    const api = nx.df.select('id', F.explode('m'));
    expect(api.columns).toEqual(['id', 'key', 'value']);
    expect(canon(await api.collect())).toEqual(expected);
    expect(canon(await nx.spark.sql('SELECT id, explode(m) FROM t').collect())).toEqual(expected);
    expect(canon(await nx.spark.sql('SELECT id, k, v FROM t LATERAL VIEW explode(m) e AS k, v').collect())).toEqual(expected);
    expect(canon(await nx.df.select('id', F.explode('m').alias('k', 'v')).collect())).toEqual(expected);
    const outer = canon(await nx.duck(`SELECT id, e.key, e.value FROM (SELECT id, unnest(CASE WHEN cardinality(m) > 0 THEN map_entries(m)
      ELSE [NULL]::STRUCT(key VARCHAR, value INTEGER)[] END) AS e FROM t)`));
    expect(outer.length).toBeGreaterThan(expected.length + 10);
    expect(canon(await nx.df.select('id', F.explode_outer('m')).collect())).toEqual(outer);
    expect(canon(await nx.spark.sql('SELECT id, k, v FROM t LATERAL VIEW OUTER explode(m) e AS k, v').collect())).toEqual(outer);
  });

  it('posexplode(map) gives pos, key, value; posexplode_outer a null position for kept rows', async () => {
    const expected = canon(await nx.duck('SELECT id, generate_subscripts(map_entries(m), 1) - 1 AS p, unnest(map_entries(m)).key, unnest(map_entries(m)).value FROM t'));
    const api = nx.df.select('id', F.posexplode('m'));
    expect(api.columns).toEqual(['id', 'pos', 'key', 'value']);
    expect(canon(await api.collect())).toEqual(expected);
    expect(canon(await nx.spark.sql('SELECT id, posexplode(m) AS (p, k, v) FROM t').collect())).toEqual(expected);
    const outer = await nx.spark.sql('SELECT id, p, k, v FROM t LATERAL VIEW OUTER posexplode(m) e AS p, k, v').collect();
    const kept = nestedRows.filter((r) => !r.m || r.m.size === 0).map((r) => JSON.stringify([r.id, null, null, null]));
    expect(canon(outer)).toEqual([...expected, ...kept].sort());
    expect(canon(await nx.df.select('id', F.posexplode_outer('m')).collect())).toEqual(canon(outer));
  });

  it('inline: a null struct element gives nulls even where its field columns hold values (Arrow input)', async () => {
    const f = (name: string, t: arrow.DataType) => new arrow.Field(name, t, true);
    const xs = arrow.makeData({ type: new arrow.Int32(), length: 3, nullCount: 0, data: new Int32Array([1, 2, 3]) });
    const ys = arrow.makeData({ type: new arrow.Utf8(), length: 3, nullCount: 0, valueOffsets: new Int32Array([0, 1, 2, 3]), data: new TextEncoder().encode('abc') });
    const st = new arrow.Struct([f('x', new arrow.Int32()), f('y', new arrow.Utf8())]);
    const structs = arrow.makeData({ type: st, length: 3, nullCount: 1, nullBitmap: new Uint8Array([0b101]), children: [xs, ys] });
    const list = arrow.makeData({ type: new arrow.List(f('item', st)), length: 2, nullCount: 0, valueOffsets: new Int32Array([0, 3, 3]), child: structs });
    const df = nx.spark.createDataFrame(new arrow.Table({ s: arrow.makeVector(list) }));
    expect(await df.select(F.inline('s')).collect()).toEqual([{ x: 1, y: 'a' }, { x: null, y: null }, { x: 3, y: 'c' }]);
    expect(await df.select(F.inline_outer('s')).collect()).toEqual([{ x: 1, y: 'a' }, { x: null, y: null }, { x: 3, y: 'c' }, { x: null, y: null }]);
  });

  it('errors: alias counts follow the map / struct columns; ORDER BY with a multi-column generator', () => {
    expect(nx.sqlError('SELECT explode(m) AS v FROM t')).toMatch(/UDTF_ALIAS_NUMBER_MISMATCH.*expected 2 aliases \(key, value\) but got 1/);
    expect(nx.sqlError('SELECT id FROM t LATERAL VIEW inline(s) e AS a')).toMatch(/UDTF_ALIAS_NUMBER_MISMATCH.*expected 2 aliases \(x, y\) but got 1/);
    expect(() => nx.df.select(F.posexplode('m').alias('p', 'v'))).toThrow(/expected 3 aliases \(pos, key, value\)/);
    expect(nx.sqlError('SELECT inline(s) FROM t ORDER BY x')).toMatch(/ORDER BY with a multi-column generator/);
    expect(nx.sqlError('SELECT inline(m) FROM t')).toMatch(/requires the array<struct> type, however m has the type map<string,int>/);
  });
});
