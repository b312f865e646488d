/**
 * The subquery seam: SQL leaves each EXISTS / IN / scalar subquery in the analysed plan as a
 * Subquery node (subquery plan + correlation as data); the required optimizer rule
 * rewrite_subqueries turns them into joins before any other rule; the physical planner rejects
 * a node that survives; the rule cannot be excluded. (The optimised plans of every form are
 * golden files: test/golden/3*_subquery_*.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IllegalArgumentError, OPTIMIZER_RULES, Session, type DataFrame } from '../src/index.js';
import { prepare } from '../src/exec/scheduler.js';
import * as B from '../src/plan/builder.js';
import { type LogicalPlan, type SubqueryMode, type SubqueryNode, logicalToString } from '../src/plan/logical.js';
import { planPhysical } from '../src/plan/physical.js';
import { OptimizerError, REQUIRED_OPTIMIZER_RULES, optimize, runRules, subqueryNode, subqueryResult } from '../src/plan/optimizer/index.js';
import { rewriteSubqueries } from '../src/plan/optimizer/rewrite-subqueries.js';
import { anyPlan, visitPlan } from '../src/plan/tree.js';

let spark: Session;

beforeAll(async () => {
  spark = await Session.create({ threads: 1, progress: false });
  spark.createDataFrame([
    { id: 1, dept: 1, salary: 1200, mgr: null },
    { id: 2, dept: 1, salary: 1800, mgr: 1 },
    { id: 3, dept: 2, salary: 2500, mgr: 1 },
    { id: 4, dept: 5, salary: 900, mgr: 3 },
  ], 'id INT, dept INT, salary DOUBLE, mgr INT').createOrReplaceTempView('emp');
  spark.createDataFrame([
    { id: 1, dept: 1, amount: 120 },
    { id: 2, dept: 2, amount: 1900 },
    { id: 3, dept: 2, amount: null },
  ], 'id INT, dept INT, amount DOUBLE').createOrReplaceTempView('sales');
});

afterAll(async () => {
  await spark?.stop();
});

function subqueryNodes(p: LogicalPlan): SubqueryNode[] {
  const out: SubqueryNode[] = [];
  visitPlan(p, (n) => { if (n.kind === 'subquery') out.push(n); });
  return out;
}

const rows = async (df: DataFrame) => (await df.collect()).map((r) => JSON.stringify(r)).sort();

/** Each form, the modes its analysed plan holds, and its rows. */
const FORMS: { sql: string; modes: SubqueryMode[]; correlated: boolean[]; rows: string[] }[] = [
  { sql: 'SELECT id FROM emp WHERE EXISTS (SELECT 1 FROM sales WHERE amount > 1000)', modes: ['exists'], correlated: [false], rows: ['1', '2', '3', '4'] },
  { sql: 'SELECT id FROM emp e WHERE NOT EXISTS (SELECT 1 FROM sales s WHERE s.dept = e.dept)', modes: ['not_exists'], correlated: [true], rows: ['4'] },
  { sql: 'SELECT id FROM emp WHERE dept IN (SELECT dept FROM sales)', modes: ['in'], correlated: [false], rows: ['1', '2', '3'] },
  { sql: 'SELECT id FROM emp WHERE mgr NOT IN (SELECT id FROM emp WHERE dept = 1)', modes: ['not_in'], correlated: [false], rows: ['4'] },
  { sql: 'SELECT id FROM emp e WHERE id IN (SELECT s.id FROM sales s WHERE s.dept = e.dept)', modes: ['in'], correlated: [true], rows: ['1', '3'] },
  { sql: 'SELECT id, (SELECT count(*) FROM sales s WHERE s.dept = e.dept) AS n FROM emp e', modes: ['scalar'], correlated: [true], rows: ['1,1', '2,1', '3,2', '4,0'] },
  { sql: 'SELECT id FROM emp e WHERE salary > (SELECT max(amount) FROM sales s WHERE s.amount < e.salary) + 1000', modes: ['scalar'], correlated: [true], rows: ['1', '2'] },
  { sql: 'SELECT id FROM emp WHERE salary > (SELECT avg(salary) FROM emp)', modes: ['scalar'], correlated: [false], rows: ['2', '3'] },
  { sql: 'SELECT id, EXISTS (SELECT 1 FROM sales s WHERE s.dept = e.dept) AS x, EXISTS (SELECT 1 FROM sales WHERE amount < 0) AS y FROM emp e', modes: ['exists_value', 'exists_value'], correlated: [false, true], rows: ['1,true,false', '2,true,false', '3,true,false', '4,false,false'] },
  { sql: 'SELECT id, mgr IN (SELECT id FROM emp WHERE dept = 1) AS a FROM emp', modes: ['in_value'], correlated: [false], rows: ['1,null', '2,true', '3,true', '4,false'] },
];

describe('subqueries through rewrite_subqueries', () => {
  for (const f of FORMS) {
    it(`${f.modes.join(', ')}: ${f.sql}`, async () => {
      const df = spark.sql(f.sql);
      const nodes = subqueryNodes(df.plan);
      expect(nodes.map((n) => n.mode).sort()).toEqual([...f.modes].sort());
      expect(nodes.map((n) => n.correlation.length > 0).sort()).toEqual([...f.correlated].sort());
      expect(logicalToString(df.plan)).toContain(`Subquery ${f.modes[0]}`);
      // The rule alone leaves no subquery node, with the same output schema.
      const rewritten = rewriteSubqueries.apply(df.plan, { options: {} });
      expect(anyPlan(rewritten, (p) => p.kind === 'subquery')).toBe(false);
      expect(anyPlan(rewritten, (p) => p.kind === 'join')).toBe(true);
      expect(rewritten.schema).toEqual(df.plan.schema);
      expect(anyPlan(optimize(df.plan), (p) => p.kind === 'subquery')).toBe(false);
      const got = (await df.collect()).map((r) => Object.values(r).map((v) => (v === null ? 'null' : String(v))).join(',')).sort();
      expect(got).toEqual([...f.rows].sort());
    });
  }

  it("explain('extended') shows the Subquery node in the analysed plan and joins in the optimised one", () => {
    const df = spark.sql('SELECT id FROM emp e WHERE EXISTS (SELECT 1 FROM sales s WHERE s.dept = e.dept)');
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => (lines.push(s), true)) as typeof process.stdout.write;
    try { df.explain('extended'); } finally { process.stdout.write = write; }
    const text = lines.join('');
    const analysed = text.split('== Analyzed Logical Plan ==')[1]!.split('== Optimized Logical Plan ==')[0]!;
    const optimised = text.split('== Optimized Logical Plan ==')[1]!.split('== Physical Plan ==')[0]!;
    expect(analysed).toContain('Subquery exists correlation=[(dept#5 = dept#1)]');
    expect(optimised).not.toContain('Subquery');
    expect(optimised).toContain('Join left_semi');
  });

  it('a value subquery reads its value from the node: the DataFrame builder can use the node too', async () => {
    const emp = spark.table('emp').plan;
    const sales = spark.table('sales').plan;
    const node = subqueryNode(emp, sales, { mode: 'scalar', singleRow: false });
    expect(node.schema.names).toEqual([...emp.schema.names, 'id']);
    const plan = B.select(node, [B.positional(0, 'id'), { kind: 'alias', expr: subqueryResult(node), name: 'first_sale' }]);
    expect(await rows(spark.dataFrameOf(plan))).toEqual(['{"id":1,"first_sale":1}', '{"id":2,"first_sale":1}', '{"id":3,"first_sale":1}', '{"id":4,"first_sale":1}']);
  });

  it('analysis errors surface when the node is built, not when it is optimised', () => {
    const emp = spark.table('emp').plan;
    const sales = spark.table('sales').plan;
    expect(() => subqueryNode(emp, sales, { mode: 'in', value: { kind: 'col', name: 'nope' } })).toThrow(/nope/);
    expect(() => spark.sql('SELECT id FROM emp e WHERE salary > (SELECT amount FROM sales s WHERE s.dept = e.dept)')).toThrow(/must be aggregated/);
  });
});

describe('rewrite_subqueries is required', () => {
  it('runs first and is not among the rules that can be switched off', () => {
    expect(REQUIRED_OPTIMIZER_RULES[0]).toBe('rewrite_subqueries');
    expect(REQUIRED_OPTIMIZER_RULES).toEqual(['rewrite_subqueries', 'extract_udfs']);
    expect(OPTIMIZER_RULES).not.toContain('rewrite_subqueries');
  });

  it('excluding it is rejected, by spark.conf and by the optimizer', () => {
    expect(() => spark.conf.set('spark.sql.optimizer.excludedRules', 'rewrite_subqueries')).toThrow(IllegalArgumentError);
    expect(() => spark.conf.set('spark.sql.optimizer.excludedRules', 'prune_columns, rewrite_subqueries')).toThrow(/'rewrite_subqueries' is required for correctness and cannot be excluded/);
    expect(spark.conf.get('spark.sql.optimizer.excludedRules')).toBeUndefined();
    const plan = spark.sql('SELECT id FROM emp WHERE dept IN (SELECT dept FROM sales)').plan;
    expect(() => optimize(plan, { disabledRules: ['rewrite_subqueries'] })).toThrow(OptimizerError);
  });

  it('all other rules off: the subquery is still rewritten and the rows are the same', async () => {
    const df = spark.sql('SELECT id FROM emp WHERE mgr NOT IN (SELECT id FROM emp WHERE dept = 1)');
    const on = await rows(df);
    spark.conf.set('spark.sql.optimizer.excludedRules', OPTIMIZER_RULES.join(','));
    try {
      const optimised = prepare(df.plan, spark.plannerConfig()).optimized;
      expect(anyPlan(optimised, (p) => p.kind === 'subquery')).toBe(false);
      expect(await rows(df)).toEqual(on);
    } finally {
      spark.conf.unset('spark.sql.optimizer.excludedRules');
    }
  });

  it('the physical planner rejects a Subquery node that was not rewritten', () => {
    const plan = spark.sql('SELECT id FROM emp WHERE EXISTS (SELECT 1 FROM sales)').plan;
    expect(() => planPhysical(plan, spark.plannerConfig())).toThrow(/internal error: a Subquery node \(exists\) reached the physical planner/);
    expect(() => runRules([], plan)).not.toThrow(); // no rule: the node stays in the plan
  });
});
