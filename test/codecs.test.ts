/**
 * Operator and source codecs (src/exec/op-codec.ts, src/io/source-codec.ts, src/exec/codecs.ts):
 * every built-in operator and source kind survives describe → structured clone → build →
 * describe unchanged; unknown kinds fail clearly; `withChildren` and `morselInput` are generic;
 * and an operator and a source defined outside Kindling (test/fixtures/worker-codecs.ts) run
 * end to end on worker threads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, Window, col, functions as F } from '../src/index.js';
import { registerBuiltinCodecs } from '../src/exec/codecs.js';
import { ExchangeOp } from '../src/exec/exchange.js';
import { MorselSource, morselScan, morselsOf, withScanSource } from '../src/exec/morsels.js';
import { opCodecs } from '../src/exec/op-codec.js';
import type { PhysicalOp } from '../src/exec/operator.js';
import { type MemoryInput, NotSerializable, type OpSpec, buildStage, describeStage, sharedPartitions } from '../src/exec/plan-spec.js';
import { runPhysical } from '../src/exec/scheduler.js';
import { ScanOp } from '../src/exec/basic.js';
import { sourceCodecs } from '../src/io/source-codec.js';
import { stagesOf } from '../src/plan/physical.js';
import { prepare } from '../src/exec/scheduler.js';
import type { DataFrame } from '../src/dataframe.js';
import { SquaresSource, WhereOp } from './fixtures/worker-codecs.js';

const fixture = path.resolve(import.meta.dirname, 'fixtures/worker-codecs.ts');

registerBuiltinCodecs();

let one: Session;
let two: Session;
let dir: string;
beforeAll(async () => {
  one = await Session.create({ threads: 1, shufflePartitions: 3 });
  two = await Session.create({ threads: 2, shufflePartitions: 2, workerModules: [fixture] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kindling-codecs-'));
});
afterAll(async () => {
  await one.stop();
  await two.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function physical(df: DataFrame): PhysicalOp {
  return prepare(df.plan, one.plannerConfig()).physical;
}

/** Every kind (operators, and sources as `source:<kind>`) a spec mentions. */
function kindsOf(spec: OpSpec, out = new Set<string>()): Set<string> {
  out.add(spec.op);
  const visit = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    const o = x as Record<string, unknown>;
    if (typeof o.kind === 'string' && 'data' in o && !('op' in o)) out.add(`source:${o.kind}`);
    for (const v of Object.values(o)) if (!ArrayBuffer.isView(v)) visit(v);
  };
  visit(spec.data);
  for (const c of spec.children) kindsOf(c, out);
  return out;
}

/** Describes a stage, sends it through a structured clone, rebuilds it and describes it again. */
function roundTrip(root: PhysicalOp): { spec: OpSpec; again: OpSpec } {
  const inputs: PhysicalOp[] = [];
  const memories: MemoryInput[] = [];
  const spec = describeStage(root, inputs, memories);
  const empty = inputs.map((x) => Array.from({ length: x.numPartitions() }, () => []));
  const rebuilt = buildStage(structuredClone(spec), empty, structuredClone(memories.map(sharedPartitions)));
  const again = describeStage(rebuilt, [], []);
  return { spec, again };
}

describe('built-in codecs', () => {
  it('every operator and source kind round-trips through describe → clone → build → describe', async () => {
    const csvPath = path.join(dir, 'in.csv');
    fs.writeFileSync(csvPath, 'a,b\n1,x\n2,y\n3,z\n');
    const jsonPath = path.join(dir, 'in.json');
    fs.writeFileSync(jsonPath, '{"a":1,"b":"x"}\n{"a":2}\n');
    await one.range(0, 10).write.parquet(path.join(dir, 'pq'));
    const rows = Array.from({ length: 50 }, (_, i) => ({ k: `k${i % 4}`, v: i }));
    const mem = one.createDataFrame(rows).repartition(2).cache();
    await mem.count();
    const frames: DataFrame[] = [
      mem.filter(col('v').gt(3)).select('k', col('v').multiply(2).alias('w')).groupBy('k').agg(F.sum('w').alias('s')).filter(col('s').gt(10)).orderBy('k'),
      mem.join(one.createDataFrame(rows.slice(0, 5)).withColumnRenamed('v', 'v2'), 'k'),
      mem.withColumn('r', F.row_number().over(Window.partitionBy('k').orderBy('v'))).limit(7),
      mem.withColumn('r', F.rank().over(Window.partitionBy('k').orderBy(col('v').desc()))).filter(col('r').leq(2)),
      one.range(0, 100, 1, 4).union(one.range(5, 9)).sample(false, 0.5, 3).coalesce(2),
      one.range(0, 10).limit(0),
      one.read.option('header', 'true').csv(csvPath).filter(col('a').gt(1)),
      one.read.json(jsonPath).filter(col('a').gt(1)),
      await one.read.parquet(path.join(dir, 'pq')),
      mem.orderBy(col('v').desc()).limit(3),
      mem.rollup('k').agg(F.sum('v').alias('s'), F.grouping('k').alias('g')),
      mem.groupBy('k').agg(F.median('v').alias('m'), F.count('v').alias('c')),
      mem.mapInArrow(async function* same(batches) { yield* batches; }, 'k string, v long').groupBy('k').applyInArrow(function same(t) { return t; }, 'k string, v long', { withKey: false, maxGroupBytes: 1 << 20 }),
      mem.select('k', F.posexplode_outer(F.split('k', 'k')).alias('p', 'c')).filter(col('c').isNotNull()),
      mem.select(F.udf((v: number) => v + 1, 'double', { name: 'inc' })('v'), F.arrowUdf((v: unknown) => v, 'int', { name: 'same', batchSize: 7 })('v')),
    ];
    const covered = new Set<string>();
    const check = (root: PhysicalOp) => {
      const { spec, again } = roundTrip(root);
      expect(again).toEqual(spec);
      kindsOf(spec, covered);
    };
    for (const df of frames) {
      const plan = physical(df);
      for (const stage of stagesOf(plan)) {
        check(stage.root);
        // The stage as a morsel-driven run reads it (a MorselSource around the scan's source).
        const scan = morselScan(stage.root);
        if (scan) check(withScanSource(stage.root, scan, new MorselSource(scan.source, { morsels: morselsOf(scan.source), tasks: 2 })));
      }
    }
    await mem.unpersist();
    // A new built-in kind must be added to the frames above (the fixture's kinds are tested below).
    const builtin = (k: string) => !k.startsWith('test-');
    for (const k of opCodecs.names().filter(builtin)) expect(covered, `operator kind '${k}'`).toContain(k);
    for (const k of sourceCodecs.names().filter(builtin)) expect(covered, `source kind '${k}'`).toContain(`source:${k}`);
    expect(covered).toContain('input');
    expect(covered).toContain('source:memory');
  });

  it('an in-memory source travels narrowed to the scanned columns', () => {
    const df = one.createDataFrame([{ a: 1, b: 'x', c: true }]).select('c', 'a');
    const memories: MemoryInput[] = [];
    const spec = describeStage(physical(df), [], memories);
    const scan = JSON.stringify(spec);
    expect(memories.map((m) => m.columns)).toEqual([[0, 2]]);
    expect(scan).toContain('"columns":[0,1]');
  });

  it('unknown kinds and operators without a codec fail clearly', () => {
    expect(() => buildStage({ op: 'no-such-op', data: {}, children: [] }, [])).toThrow(/no codec for operator kind 'no-such-op'.*known: .*scan/);
    const scan: OpSpec = { op: 'scan', data: { source: { kind: 'no-such-source', data: {} }, columns: [], filters: [], limit: null, fields: [] }, children: [] };
    expect(() => buildStage(scan, [])).toThrow(/no codec for source kind 'no-such-source'.*known: .*csv/);
    const computed = new ScanOp({ ...new SquaresSource(3, 1), schema: new SquaresSource(3, 1).schema, numPartitions: () => 1, read: () => [], describe: () => 'computed', estimatedBytes: () => undefined }, [0], [], null, new SquaresSource(3, 1).schema);
    expect(() => describeStage(computed)).toThrow(NotSerializable);
    expect(() => describeStage(computed)).toThrow(/source computed cannot be sent to a worker/);
  });
});

describe('generic operator capabilities', () => {
  it('withChildren keeps an operator with the same children and rebuilds it over others through its codec', () => {
    const plan = physical(one.range(0, 10).filter(col('id').gt(2)).select(col('id').multiply(3).alias('x')));
    expect(plan.withChildren(plan.children)).toBe(plan);
    const other = physical(one.range(5, 8).filter(col('id').gt(2)));
    const rebuilt = plan.withChildren([other]);
    expect(rebuilt).not.toBe(plan);
    expect(rebuilt.constructor).toBe(plan.constructor);
    expect(rebuilt.describe()).toBe(plan.describe());
    expect(rebuilt.children[0]).toBe(other);
  });

  it('morselScan follows morselInput: filter, project, partial aggregate, broadcast probe', () => {
    const small = one.createDataFrame([{ k: 'a', z: 1 }]);
    const big = one.range(0, 100, 1, 4).withColumn('k', F.lit('a'));
    const plan = physical(big.filter(col('id').gt(3)).join(small, 'k').groupBy('k').agg(F.sum('id').alias('s')));
    // The map stage: partial aggregate ← project ← broadcast join ← project ← scan (filter pushed into it).
    const map = stagesOf(plan).find((s) => s.root.describe().includes('mode=partial'))!;
    const scan = morselScan(map.root);
    expect(scan).toBeInstanceOf(ScanOp);
    expect(scan!.describe()).toMatch(/^Scan range\(0, 100/);
    // The final aggregate (above the exchange) is no morsel input, nor a scan with a pushed limit.
    expect(morselScan(plan)).toBeNull();
    expect(morselScan(physical(big.limit(3)))).toBeNull();
  });
});

describe('operators and sources defined outside Kindling', () => {
  it('a custom source registered by a worker module is scanned on the workers', async () => {
    const stages: { onWorkers: boolean; description: string }[] = [];
    const off = two.on('stageCompleted', (m) => stages.push(m));
    const df = two.fromSource(new SquaresSource(1000, 4)).groupBy(col('sq').mod(3).alias('m')).agg(F.count('*').alias('n'), F.sum('sq').alias('s')).orderBy('m');
    const got = await df.collect();
    off();
    const want = await one.fromSource(new SquaresSource(1000, 4)).groupBy(col('sq').mod(3).alias('m')).agg(F.count('*').alias('n'), F.sum('sq').alias('s')).orderBy('m').collect();
    expect(got).toEqual(want);
    expect(got.reduce((n, r) => n + Number(r.n), 0)).toBe(1000);
    expect(stages.find((s) => s.description.includes('hashpartitioning'))?.onWorkers).toBe(true);
  });

  it('a custom operator registered by a worker module runs on the workers', async () => {
    const scan = physical(two.fromSource(new SquaresSource(100, 4)));
    const res = await runPhysical(new WhereOp(new ExchangeOp(scan, { kind: 'roundrobin', partitions: 3 })), two.runOptions());
    const rows = res.partitions.flat();
    expect(rows.reduce((n, b) => n + b.numRows, 0)).toBe(100);
    for (const b of rows) expect([...(b.columns[1]!.values as Int32Array)].every((v) => v === 1)).toBe(true);
    expect(res.stages.every((s) => s.onWorkers)).toBe(true);
    // In the main thread the same operator runs there.
    const local = await runPhysical(new WhereOp(scan), one.runOptions());
    expect(local.partitions.flat().every((b) => (b.columns[1]!.values as Int32Array).every((v) => v === 0))).toBe(true);
  });
});
