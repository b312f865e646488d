/**
 * The function registry's seams: built-ins are registered explicitly and once (registerBuiltins is
 * idempotent, modules register through `register(registry)` rather than at import), and a window
 * function defined outside the library (test/fixtures/window-udfs.ts) is looked up by the window
 * planner and the operator like a built-in one — through the DataFrame API and SQL, on worker
 * threads too, with its nullability, constant arguments, frame and errors.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisError, Session, Window, col, functions as F } from '../src/index.js';
import { BUILTIN_MODULES } from '../src/expr/builtins.js';
import type { FunctionRegistry, ScalarFunctionDef } from '../src/expr/function-defs.js';
import { functionNames, getScalar, getWindowFunction, registerBuiltins, registerScalar, windowFunctionNames } from '../src/expr/registry.js';
import { testThreads } from './threads.js';
import './fixtures/window-udfs.js';

const fixture = path.resolve(import.meta.dirname, 'fixtures/window-udfs.ts');
const TEST_WINDOWS = ['partition_size', 'frame_length'];

describe('registerBuiltins', () => {
  it('is idempotent: later calls register nothing again, so a later registration stays', () => {
    registerBuiltins();
    const names = functionNames();
    const windows = windowFunctionNames();
    const mine: ScalarFunctionDef = { ...getScalar('abs'), doc: 'test: abs registered after the built-ins' };
    registerScalar(mine);
    registerBuiltins();
    registerBuiltins();
    expect(getScalar('abs')).toBe(mine);
    expect(functionNames()).toEqual(names);
    expect(windowFunctionNames()).toEqual(windows);
  });

  it('built-in modules register only through register(registry), into the registry they are given', () => {
    const seen = { scalar: [] as string[], aggregate: [] as string[], window: [] as string[] };
    const fake: FunctionRegistry = {
      registerScalar: (...defs) => { for (const d of defs) seen.scalar.push(d.name); },
      registerAggregate: (...defs) => { for (const d of defs) seen.aggregate.push(d.name); },
      registerWindow: (...defs) => { for (const d of defs) seen.window.push(d.name); },
    };
    for (const m of BUILTIN_MODULES) m.register(fake);
    expect(seen.scalar).toContain('abs');
    expect(seen.scalar).toContain('to_date');
    expect(seen.aggregate).toEqual(expect.arrayContaining(['count', 'sum', 'avg', 'min', 'max', 'first', 'last', 'collect_list']));
    expect(seen.window).toEqual(windowFunctionNames().filter((n) => !TEST_WINDOWS.includes(n)));
    expect(seen.window).toEqual(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'nth_value']);
    const { scalar, aggregate } = functionNames();
    for (const n of seen.scalar) expect(scalar).toContain(n);
    for (const n of seen.aggregate) expect(aggregate).toContain(n);
  });
});

describe('a window function registered outside the library', () => {
  let spark: Session;
  beforeAll(async () => {
    spark = await Session.create({ threads: testThreads(), shufflePartitions: 3, workerModules: [fixture] });
  });
  afterAll(() => spark.stop());

  const EMP = [
    { id: 1, dept: 'a', t: 1 },
    { id: 2, dept: 'a', t: 2 },
    { id: 3, dept: 'a', t: 3 },
    { id: 4, dept: 'b', t: 1 },
    { id: 5, dept: 'b', t: 2 },
    { id: 6, dept: null, t: 1 },
  ];
  const emp = () => spark.createDataFrame(EMP, 'id INT, dept STRING, t INT');

  it('is found by name in the registry, with a placeholder scalar for calls without OVER', () => {
    expect(getWindowFunction('PARTITION_SIZE')?.name).toBe('partition_size');
    expect(windowFunctionNames()).toEqual(expect.arrayContaining(TEST_WINDOWS));
    expect(() => emp().select(F.callFunction('partition_size'))).toThrow(/window function partition_size\(\) needs a window/);
  });

  it('runs through the DataFrame API: its evaluator, its frame, its constant argument and its nullability', async () => {
    const byDept = Window.partitionBy('dept');
    const sliding = Window.partitionBy('dept').orderBy('t').rowsBetween(-1, 0);
    const df = emp().select(
      col('id'),
      F.callFunction('partition_size').over(byDept).alias('n'),
      F.callFunction('frame_length', 2).over(sliding).alias('f'),
    );
    expect(df.schema.fields.map((f) => [f.name, f.nullable])).toEqual([['id', true], ['n', false], ['f', true]]);
    const plan = df.explain();
    expect(plan).toContain('partition_size()');
    expect(plan).not.toContain('partition_size() ROWS');
    expect(plan).toContain('frame_length(2) ROWS BETWEEN 1 PRECEDING AND CURRENT ROW');
    const rows = (await df.collect()).sort((a, b) => (a['id'] as number) - (b['id'] as number));
    expect(rows).toEqual([
      { id: 1, n: 3, f: 2 },
      { id: 2, n: 3, f: 4 },
      { id: 3, n: 3, f: 4 },
      { id: 4, n: 2, f: 2 },
      { id: 5, n: 2, f: 4 },
      { id: 6, n: 1, f: 2 },
    ]);
  });

  it('runs through SQL, and its analysis rules apply', async () => {
    emp().createOrReplaceTempView('emp_udw');
    const rows = await spark.sql('SELECT id, partition_size() OVER (PARTITION BY dept) AS n FROM emp_udw ORDER BY id').collect();
    expect(rows.map((r) => r['n'])).toEqual([3, 3, 3, 2, 2, 1]);
    expect(() => emp().select(F.callFunction('frame_length', col('t')).over(Window.orderBy('t')))).toThrow(AnalysisError);
    expect(() => emp().select(F.callFunction('frame_length', col('t')).over(Window.orderBy('t')))).toThrow(/the step of .* must be a constant/);
    expect(() => emp().select(F.callFunction('frame_length', 1).over(Window.partitionBy('dept')))).toThrow(/requires an ordered window/);
  });
});
