/**
 * Golden optimised plans: each test/golden/NAME.sql runs over small temp views (emp, dept,
 * sales) and its optimised logical plan, as explain('extended') prints it, must equal
 * test/golden/NAME.plan. `UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts` rewrites the
 * .plan files instead (review the diff). Also: switching each optimizer rule off (through
 * `spark.sql.optimizer.excludedRules`) changes some plan but not the results, and the optimizer
 * rejects a rule that changes the output schema.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IllegalArgumentError, OPTIMIZER_RULES, Schema, Session, type DataFrame } from '../src/index.js';
import { prepare } from '../src/exec/scheduler.js';
import { logicalToString, type LogicalPlan } from '../src/plan/logical.js';
import { OptimizerError, type OptimizerRule, runRules } from '../src/plan/optimizer/index.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const QUERIES = readdirSync(DIR).filter((f) => f.endsWith('.sql')).sort().map((f) => f.slice(0, -4));

let spark: Session;

beforeAll(async () => {
  spark = await Session.create({ threads: 1, progress: false });
  spark.createDataFrame([
    { id: 1, name: 'Ann', dept: 1, salary: 1200, mgr: null },
    { id: 2, name: 'Bob', dept: 1, salary: 1800, mgr: 1 },
    { id: 3, name: 'Cid', dept: 2, salary: 2500, mgr: 1 },
    { id: 4, name: 'Dee', dept: 2, salary: 900, mgr: 3 },
    { id: 5, name: 'Eve', dept: 3, salary: 3100, mgr: 3 },
    { id: 6, name: 'Fay', dept: 4, salary: 1600, mgr: 5 },
  ], 'id INT, name STRING, dept INT, salary DOUBLE, mgr INT').createOrReplaceTempView('emp');
  spark.createDataFrame([
    { id: 1, dname: 'Sales', region: 'EU' },
    { id: 2, dname: 'Research', region: 'US' },
    { id: 3, dname: 'Ops', region: 'EU' },
  ], 'id INT, dname STRING, region STRING').createOrReplaceTempView('dept');
  spark.createDataFrame([
    { id: 1, dept: 1, amount: 120, year: 2024 },
    { id: 2, dept: 1, amount: 80, year: 2023 },
    { id: 3, dept: 2, amount: 1900, year: 2024 },
    { id: 4, dept: 3, amount: 40, year: 2024 },
    { id: 5, dept: 3, amount: 3500, year: 2023 },
  ], 'id INT, dept INT, amount DOUBLE, year INT').createOrReplaceTempView('sales');
});

afterAll(async () => {
  await spark?.stop();
});

function query(name: string): DataFrame {
  return spark.sql(readFileSync(path.join(DIR, `${name}.sql`), 'utf8'));
}

/** The optimised logical plan as explain('extended') prints it, with the session's current settings. */
function optimizedText(df: DataFrame): string {
  return logicalToString(prepare(df.plan, spark.plannerConfig()).optimized);
}

/** Result rows as sorted JSON lines (plans that differ may return rows in another order). */
async function rowsOf(df: DataFrame): Promise<string[]> {
  return (await df.collect()).map((r) => JSON.stringify(r)).sort();
}

async function withExcluded<T>(rules: string, f: () => T | Promise<T>): Promise<T> {
  spark.conf.set('spark.sql.optimizer.excludedRules', rules);
  try {
    return await f();
  } finally {
    spark.conf.unset('spark.sql.optimizer.excludedRules');
  }
}

describe('golden optimised plans', () => {
  it('has 15+ queries, each with a plan file', () => {
    expect(QUERIES.length).toBeGreaterThanOrEqual(15);
  });

  for (const name of QUERIES) {
    it(name, async () => {
      const df = query(name);
      const actual = optimizedText(df) + '\n';
      const file = path.join(DIR, `${name}.plan`);
      if (UPDATE) writeFileSync(file, actual);
      else {
        expect(existsSync(file), `${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts`).toBe(true);
        expect(actual).toBe(readFileSync(file, 'utf8'));
      }
      await df.collect(); // the plan runs
    });
  }
});

/** For each rule, a golden query whose plan it changes. */
const RULE_EXAMPLES: Record<string, string> = {
  constant_folding: '01_fold_constants',
  eliminate_filter: '02_fold_false_filter',
  eliminate_limit: '04_limit_zero',
  push_down_filter: '08_filter_into_join_sides',
  push_down_limit: '14_limit_through_project',
  count_cross_join: '41_count_cross_join',
  prune_columns: '20_prune_join',
  combine_filters: '39_combine_filters',
  collapse_project: '40_collapse_project',
  infer_window_group_limit: '42_window_group_limit',
};

/** Rules switched off in both runs of a rule's example, where they would otherwise do the same work (push_down_filter also merges the filters it meets). */
const ALSO_OFF: Record<string, string> = { combine_filters: 'push_down_filter' };

describe('switching optimizer rules off', () => {
  it('lists every rule, in order', () => {
    expect(OPTIMIZER_RULES).toEqual(['combine_filters', 'collapse_project', 'constant_folding', 'eliminate_filter', 'eliminate_limit', 'push_down_filter', 'push_down_limit', 'count_cross_join', 'prune_columns', 'infer_window_group_limit']);
    expect(Object.keys(RULE_EXAMPLES).sort()).toEqual([...OPTIMIZER_RULES].sort());
  });

  for (const [rule, name] of Object.entries(RULE_EXAMPLES)) {
    it(`${rule}: the plan of ${name} changes, its rows do not`, async () => {
      const df = query(name);
      const also = ALSO_OFF[rule];
      const base = <T>(f: () => T | Promise<T>): Promise<T> => (also ? withExcluded(also, f) : Promise.resolve(f()));
      const [on, rows] = await base(async () => [optimizedText(df), await rowsOf(df)] as const);
      const [off, offRows] = await withExcluded(also ? `${rule},${also}` : rule, async () => [optimizedText(df), await rowsOf(df)] as const);
      expect(off).not.toBe(on);
      expect(offRows).toEqual(rows);
      expect(await base(() => optimizedText(df))).toBe(on); // unset restores the rule
    });
  }

  it('all rules off: the optimised plan is the analysed plan, with the same rows', async () => {
    const df = query('08_filter_into_join_sides');
    const rows = await rowsOf(df);
    await withExcluded(OPTIMIZER_RULES.join(', '), async () => {
      expect(optimizedText(df)).toBe(logicalToString(df.plan));
      expect(await rowsOf(df)).toEqual(rows);
    });
  });

  it("explain('extended') shows the effect", async () => {
    const df = query('05_filter_into_scan');
    const section = (text: string) => text.split('== Optimized Logical Plan ==')[1]!.split('== Physical Plan ==')[0]!;
    const quiet = <T>(f: () => T): T => {
      const write = process.stdout.write;
      process.stdout.write = () => true;
      try { return f(); } finally { process.stdout.write = write; }
    };
    const on = section(quiet(() => df.explain('extended')));
    expect(on).toContain('filters=[');
    const off = await withExcluded('push_down_filter', () => section(quiet(() => df.explain('extended'))));
    expect(off).toContain('Filter ');
    expect(off).not.toContain('filters=[');
  });

  it('rejects unknown rule names with a suggestion', () => {
    expect(() => spark.conf.set('spark.sql.optimizer.excludedRules', 'push_down_filters')).toThrow(IllegalArgumentError);
    expect(() => spark.conf.set('spark.sql.optimizer.excludedRules', 'push_down_filters')).toThrow(/did you mean 'push_down_filter'/);
    expect(spark.conf.get('spark.sql.optimizer.excludedRules')).toBeUndefined();
  });
});

describe('optimizer invariants', () => {
  it('throws an internal error naming a rule that changes the output schema', () => {
    const plan = query('17_prune_scan').plan;
    const dropsColumns: OptimizerRule = { name: 'bad_rule', apply: () => ({ kind: 'empty', schema: new Schema([]) }) };
    expect(() => runRules([dropsColumns], plan)).toThrow(OptimizerError);
    expect(() => runRules([dropsColumns], plan)).toThrow(/bad_rule/);
    const renames: OptimizerRule = { name: 'renaming_rule', apply: (p: LogicalPlan) => ({ kind: 'empty', schema: new Schema(p.schema.fields.map((f) => ({ ...f, name: f.name + '_x' }))) }) };
    const retypes: OptimizerRule = { name: 'retyping_rule', apply: (p: LogicalPlan) => ({ kind: 'empty', schema: new Schema(p.schema.fields.map((f) => ({ ...f, type: 'int64' as const }))) }) };
    const keeps: OptimizerRule = { name: 'tightening_rule', apply: (p: LogicalPlan) => ({ kind: 'empty', schema: new Schema(p.schema.fields.map((f) => ({ ...f, nullable: false }))) }) };
    expect(() => runRules([renames], plan)).toThrow(/renaming_rule/);
    expect(() => runRules([retypes], plan)).toThrow(/retyping_rule/);
    expect(runRules([keeps], plan).kind).toBe('empty'); // a column may become non-nullable
    expect(runRules([], plan)).toBe(plan);
  });
});
