/**
 * The plan builder seam (src/plan/builder.ts): plans built from a LogicalPlan and `Expr`s alone,
 * without a DataFrame, and the DataFrame API and SQL producing the same plans through it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisError, Session, col, functions as F } from '../src/index.js';
import type { Expr } from '../src/expr/expr.js';
import * as B from '../src/plan/builder.js';
import { type LogicalPlan, logicalToString } from '../src/plan/logical.js';
import { filterPlan, selectExprPlan } from '../src/sql/planner.js';
import { astChildren, walkAst } from '../src/sql/expr-helpers.js';
import { parseExpression } from '../src/sql/parser.js';
import type { SqlExpr } from '../src/sql/ast.js';

let spark: Session;
let base: LogicalPlan;
beforeAll(async () => {
  spark = await Session.create({ threads: 1 });
  const df = spark.createDataFrame([{ k: 'a', v: 1, w: 2.5 }, { k: 'b', v: 2, w: null }, { k: 'a', v: 3, w: 1 }]);
  df.createOrReplaceTempView('t');
  base = df.plan;
});
afterAll(async () => {
  await spark.stop();
});

const c = (name: string): Expr => ({ kind: 'col', name });
const agg = (fn: string, ...args: Expr[]): Expr => ({ kind: 'agg', fn, args, distinct: false });
const rows = (p: LogicalPlan) => spark.dataFrameOf(p).collect();

describe('plan builder', () => {
  it('expands stars and projects without a DataFrame', async () => {
    const p = B.select(base, [{ kind: 'star' }, { kind: 'alias', expr: { kind: 'call', fn: 'add', args: [c('v'), c('v')] }, name: 'v2' }]);
    expect(p.kind).toBe('project');
    expect(p.schema.names).toEqual(['k', 'v', 'w', 'v2']);
    expect((await rows(p)).map((r) => r['v2'])).toEqual([2, 4, 6]);
  });

  it('binds aggregates into Aggregate + Project and rejects ungrouped columns', async () => {
    const p = B.aggregate(base, [c('k')], [agg('sum', c('v'))]);
    expect(p.kind).toBe('project');
    expect((p as Extract<LogicalPlan, { kind: 'project' }>).input.kind).toBe('aggregate');
    expect(p.schema.names).toEqual(['k', 'sum(v)']);
    const got = await rows(B.orderBy(p, [c('k')]));
    expect(got).toEqual([{ k: 'a', 'sum(v)': 4 }, { k: 'b', 'sum(v)': 2 }]);
    expect(() => B.aggregate(base, [c('k')], [c('v')])).toThrow(/neither in groupBy\(k\) nor inside an aggregate/);
  });

  it('joins with USING (keys once) and unions by name', async () => {
    const other = spark.createDataFrame([{ k: 'a', z: true }]).plan;
    const j = B.join(base, other, ['k'], 'left');
    expect(j.schema.names).toEqual(['k', 'v', 'w', 'z']);
    expect(() => B.join(base, other, null, 'sideways')).toThrow(/unsupported join type 'sideways'/);
    const u = B.unionByName(B.select(base, [c('v')]), B.select(base, [c('k')]), true);
    expect(u.schema.names).toEqual(['v', 'k']);
    expect(await rows(u)).toHaveLength(6);
  });

  it('gives DataFrame code and SQL the same logical plan', () => {
    const df = spark.table('t').groupBy('k').agg(F.sum('v').alias('s')).filter(col('s').gt(1)).orderBy('k');
    const sql = spark.sql('SELECT k, sum(v) AS s FROM t GROUP BY k HAVING s > 1 ORDER BY k');
    expect(logicalToString(sql.plan)).toBe(logicalToString(df.plan));
  });

  it('lowers DataFrame SQL strings to plans (selectExpr / filter) without a DataFrame', async () => {
    const p = selectExprPlan(spark, base, ['k', 'v * 10 AS v10']);
    expect(p.schema.names).toEqual(['k', 'v10']);
    const f = filterPlan(spark, base, 'v > 1 AND k = \'a\'');
    expect(f.kind).toBe('filter');
    expect(await rows(f)).toEqual([{ k: 'a', v: 3, w: 1 }]);
    expect(() => B.filter(base, c('k'))).toThrow(AnalysisError);
  });
});

describe('SQL AST walker', () => {
  it('walkAst visits the nodes astChildren lists (long AND chains without deep recursion)', () => {
    const e = parseExpression('a = 1 AND (b > 2 OR c IN (1, 2)) AND f(d) IS NULL');
    const kinds: string[] = [];
    walkAst(e, (x: SqlExpr) => { kinds.push(x.kind); });
    expect(kinds.filter((k) => k === 'ident')).toHaveLength(4);
    expect(astChildren(e)).toHaveLength(3);
    const chain = parseExpression(Array.from({ length: 5000 }, (_, i) => `x = ${i}`).join(' OR '));
    let n = 0;
    walkAst(chain, () => { n++; });
    expect(n).toBeGreaterThan(10000);
  });
});
