/**
 * Batch UDFs through the public API: `df.mapInArrow` (PySpark's mapInPandas / mapInArrow) and
 * `df.groupBy(...).applyInArrow` (applyInPandas), each run at 1 and 2 threads with identical
 * results: row filters, added rows, new schemas, casts, module and source functions, init once
 * per worker, schema and function errors, per-group models, null keys, the group size limit,
 * explain and the optimisation barrier.
 */
import type * as A from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, Session, UdfError, col } from '../src/index.js';
import { moduleFunction } from '../src/udf/function-ref.js';

const fixture = new URL('./fixtures/udfs/batches.ts', import.meta.url);

let one: Session;
let many: Session;
beforeAll(async () => {
  one = await Session.create({ threads: 1, shufflePartitions: 3 });
  many = await Session.create({ threads: 2, shufflePartitions: 4 });
});
afterAll(async () => {
  await one.stop();
  await many.stop();
});

type Row = Record<string, unknown>;
const byJson = (a: Row, b: Row) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

/** Rows of the frame built on each session (sorted), checked identical at 1 and 2 threads. */
async function both(build: (s: Session) => DataFrame): Promise<Row[]> {
  const a = (await build(one).collect()).sort(byJson);
  const b = (await build(many).collect()).sort(byJson);
  expect(b).toEqual(a);
  return a;
}

/** The error each session's run of the frame fails with (the same class and text at 1 and 2 threads, up to the stage). */
async function failure(build: (s: Session) => DataFrame): Promise<Error> {
  const errs: Error[] = [];
  for (const s of [one, many]) {
    const e = await build(s).collect().then(() => null, (err: Error) => err);
    expect(e, `threads ${s.threads}`).toBeInstanceOf(UdfError);
    errs.push(e!);
  }
  // Which partition or group fails first may differ between runs; the rest of the message may not.
  const strip = (m: string) => m.replace(/ \[stage .*$/, '').replace(/partition \d+/, 'partition N').replace(/group \(.*?\)/, 'group (...)');
  expect(strip(errs[1]!.message)).toBe(strip(errs[0]!.message));
  return errs[0]!;
}

const people = (s: Session) => {
  const ks = ['a', 'b', null, 'c'];
  const rows = Array.from({ length: 40 }, (_, i) => ({ k: ks[i % 4] ?? null, x: (i * 7) % 11, y: i % 3 }));
  return s.createDataFrame(rows, 'k string, x double, y int').repartition(3);
};

describe('mapInArrow', () => {
  it('filters rows (an async generator, batches of at most maxRecordsPerBatch rows)', async () => {
    const rows = await both((s) =>
      s.range(0, 50, 1, 3).mapInArrow(async function* evens(batches) {
        const Arrow = await import('apache-arrow');
        for await (const b of batches) {
          const ids = b.getChild('id')!.toArray() as BigInt64Array;
          yield Arrow.tableFromArrays({ id: ids.filter((x) => x % 2n === 0n) });
        }
      }, 'id long'),
    );
    expect(rows.map((r) => r.id as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => 2 * i));
  });

  it('hands the function batches of spark.sql.execution.arrow.maxRecordsPerBatch rows', async () => {
    for (const s of [one, many]) s.conf.set('spark.sql.execution.arrow.maxRecordsPerBatch', 4);
    try {
      const rows = await both((s) =>
        s.range(0, 30, 1, 2).mapInArrow(async function* sizes(batches) {
          const Arrow = await import('apache-arrow');
          for await (const b of batches) yield Arrow.tableFromArrays({ n: Int32Array.of(b.numRows) });
        }, 'n int'),
      );
      expect(rows.every((r) => (r.n as number) <= 4)).toBe(true);
      expect(rows.reduce((t, r) => t + (r.n as number), 0)).toBe(30);
      expect(rows.length).toBe(8); // two partitions of 15 rows: 4 + 4 + 4 + 3 each
      expect(() => one.conf.set('spark.sql.execution.arrow.maxRecordsPerBatch', 'lots')).toThrow(/maxRecordsPerBatch should be an integer number of rows per Arrow batch \(0 or less: no limit\), got 'lots'/);
    } finally {
      for (const s of [one, many]) s.conf.unset('spark.sql.execution.arrow.maxRecordsPerBatch');
    }
  });

  it('adds rows (explode-like) and changes the schema, casting int to double as Spark does', async () => {
    const rows = await both((s) =>
      s.range(0, 12, 1, 3).mapInArrow(async function* explode(batches) {
        const Arrow = await import('apache-arrow');
        for await (const b of batches) {
          const ids = b.getChild('id')!.toArray() as BigInt64Array;
          const label: number[] = [];
          const p: number[] = [];
          for (const id of ids) for (let j = 0; j < Number(id % 3n); j++) (label.push(Number(id)), p.push(j));
          // `p` comes back as int32 where the schema says double: cast.
          yield Arrow.tableFromArrays({ label: Int32Array.from(label), p: Int32Array.from(p) });
        }
      }, 'label int, p double'),
    );
    const want: Row[] = [];
    for (let id = 0; id < 12; id++) for (let j = 0; j < id % 3; j++) want.push({ label: id, p: j });
    expect(rows).toEqual(want.sort(byJson));
  });

  it('takes a sync function returning an array of Arrow tables, and an Arrow Schema', async () => {
    const { Schema: ArrowSchema, Field, Float64 } = await import('apache-arrow');
    const rows = await both((s) =>
      people(s).mapInArrow(function halves(batches, ctx) {
        return [(ctx.state as { t: A.Table }).t];
      }, new ArrowSchema([new Field('h', new Float64(), true)]), {
        init: async () => ({ t: (await import('apache-arrow')).tableFromArrays({ h: Float64Array.of(0.5, 1.5) }) }),
      }),
    );
    expect(rows).toEqual([{ h: 0.5 }, { h: 0.5 }, { h: 0.5 }, { h: 1.5 }, { h: 1.5 }, { h: 1.5 }]);
  });

  it('runs a module function (fromModule form)', async () => {
    const rows = await both((s) => s.range(0, 9, 1, 2).mapInArrow(moduleFunction(fixture, 'keepEven', 'mapInArrow'), 'id long'));
    expect(rows.map((r) => r.id).sort()).toEqual([0, 2, 4, 6, 8]);
  });

  it('refuses a closure, naming the variable and the fix', () => {
    const threshold = 3n;
    expect(() => one.range(5).mapInArrow(async function* over(batches) {
      for await (const b of batches) if ((b.getChild('id')!.toArray() as BigInt64Array)[0]! > threshold) yield b;
    }, 'id long')).toThrow(/mapInArrow\(\) 'over' uses 'threshold'.*args: \{ threshold \}/);
  });

  it('runs init once per worker, and the function once per partition', async () => {
    for (const [s, maxInits] of [[one, 1], [many, 2]] as const) {
      const counter = new Int32Array(new SharedArrayBuffer(8));
      const ref = moduleFunction(fixture, 'scaledIds', 'mapInArrow', { args: { counter, factor: 2 } });
      const rows = await s.range(0, 240, 1, 12).mapInArrow(ref, 'v double').collect();
      expect(rows.map((r) => r.v as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 240 }, (_, i) => 2 * i));
      expect(counter[1], 'calls').toBe(12);
      expect(counter[0], 'inits').toBeGreaterThanOrEqual(1);
      expect(counter[0], 'inits').toBeLessThanOrEqual(maxInits);
      // Shipped by source with `init`: the same.
      const c2 = new Int32Array(new SharedArrayBuffer(8));
      await s.range(0, 120, 1, 12).mapInArrow(async function* counted(batches, ctx) {
        const a = ctx.args as { c: Int32Array };
        Atomics.add(a.c, 1, 1);
        for await (const b of batches) yield b;
      }, 'id long', { args: { c: c2 }, init: (a: { c: Int32Array }) => Atomics.add(a.c, 0, 1) }).collect();
      expect([c2[1], c2[0]! >= 1 && c2[0]! <= maxInits]).toEqual([12, true]);
    }
  });

  it('fails clearly when the output does not match the schema', async () => {
    const bad = async function* bad(batches: AsyncIterable<A.RecordBatch>, ctx: { args: unknown }) {
      const Arrow = await import('apache-arrow');
      const spec = ctx.args as string;
      for await (const b of batches) {
        const n = b.numRows;
        const out: Record<string, unknown> = {};
        for (const c of spec.split(',')) {
          const [name, kind] = c.split(':') as [string, string];
          out[name] = kind === 's' ? Array.from({ length: n }, () => 'x') : kind === 'i' ? new Int32Array(n) : new Float64Array(n);
        }
        yield Arrow.tableFromArrays(out as Record<string, Float64Array>);
      }
    };
    const run = (spec: string, schema: string) => failure((s) => s.range(0, 6, 1, 2).mapInArrow(bad, schema, { args: spec, name: 'scorer' }));
    expect((await run('label:i', 'label int, p double')).message).toMatch(/mapInArrow UDF 'scorer' returned columns that do not match its schema in partition \d: missing 'p'; the schema is \[label int, p double\]/);
    expect((await run('label:i,p:d,extra:d', 'label int, p double')).message).toMatch(/unexpected 'extra'/);
    expect((await run('label:i,prob:d', 'label int, p double')).message).toMatch(/missing 'p'; unexpected 'prob'/);
    expect((await run('label:i,p:s', 'label int, p double')).message).toMatch(/mapInArrow UDF 'scorer' returned column 'p' of type string in partition \d, but the schema declares double/);
    // double → int is cast (as Spark's Arrow conversion does); NOT NULL is checked.
    expect(await both((s) => s.range(0, 6, 1, 2).mapInArrow(bad, 'label int not null, p double', { args: 'label:d,p:d' }))).toEqual(Array.from({ length: 6 }, () => ({ label: 0, p: 0 })));
    const notIterable = await failure((s) => s.range(3).mapInArrow(function nothing() { return 42 as never; }, 'id long'));
    expect(notIterable.message).toMatch(/mapInArrow UDF 'nothing' returned number in partition 0; it should return or yield Arrow RecordBatches/);
    expect(() => one.range(3).mapInArrow(async function* f() {}, 'id lng')).toThrow(/unknown type 'lng'/);
    expect(() => one.range(3).mapInArrow(async function* f() {}, 'id long', { withKey: true } as never)).toThrow(/unknown option 'withKey'/);
  });

  it('a function that throws fails the job with its message, name and partition', async () => {
    const e = await failure((s) => s.range(0, 10, 1, 2).mapInArrow(async function* boom(batches) {
      for await (const b of batches) {
        if ((b.getChild('id')!.toArray() as BigInt64Array).includes(7n)) throw new RangeError('id 7 is not allowed');
        yield b;
      }
    }, 'id long'));
    expect(e.message).toMatch(/^mapInArrow UDF 'boom' failed in partition 1: RangeError: id 7 is not allowed/);
    // An error upstream of the function is not blamed on it.
    const up = await one.createDataFrame([{ s: 'x' }]).select(col('s').cast('int').alias('i')).filter(col('i').isNull()).selectExpr("raise_error('upstream')").mapInArrow(async function* pass(b) { yield* b; }, 'x string').collect().catch((err: Error) => err);
    expect(up).not.toBeInstanceOf(UdfError);
    expect((up as Error).message).toMatch(/upstream/);
  });

  it('is an optimisation barrier: filters stay above it, it reads every input column', () => {
    const df = one.createDataFrame([{ a: 1, b: 'x', c: true }]).mapInArrow(async function* f(b) { yield* b; }, 'a long, b string, c boolean').filter(col('a').gt(0)).select('a');
    const text = df.explain('extended');
    const optimized = text.slice(text.indexOf('== Optimized Logical Plan =='), text.indexOf('== Physical Plan =='));
    expect(optimized).toMatch(/Filter \(a#0 > 0\)[\s\S]*MapInArrow f\(a, b, c\), \[a, b, c\]/);
    expect(optimized).toMatch(/Scan .*\[a, b, c\]/);
    expect(text.slice(text.indexOf('== Physical Plan =='))).toMatch(/MapInArrow f\(a, b, c\), \[a, b, c\]/);
  });
});

describe('applyInArrow', () => {
  it('normalises each group (x minus its group mean)', async () => {
    const rows = await both((s) => people(s).groupBy('k').applyInArrow(async function demean(t) {
      const Arrow = await import('apache-arrow');
      const xs = t.getChild('x')!.toArray() as Float64Array;
      const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
      return Arrow.tableFromArrays({ k: t.getChild('k')!.toArray() as string[], x: xs.map((x) => x - mean) });
    }, 'k string, x double'));
    const input = await people(one).collect();
    const want = input.map((r) => {
      const g = input.filter((q) => q.k === r.k);
      return { k: r.k, x: (r.x as number) - g.reduce((a, q) => a + (q.x as number), 0) / g.length };
    });
    expect(rows.length).toBe(40);
    const key = (r: Row) => `${r.k}:${(r.x as number).toFixed(9)}`;
    expect(rows.map(key).sort()).toEqual(want.map(key).sort());
  });

  it('fits a tiny linear model per group', async () => {
    const data = (s: Session) => s.createDataFrame(
      Array.from({ length: 60 }, (_, i) => ({ device: ['p', 'q', 'r'][i % 3]!, x: i, y: (i % 3 + 1) * i + 10 * (i % 3) })),
      'device string, x double, y double',
    );
    const rows = await both((s) => data(s).groupBy('device').applyInArrow(async function fit(t) {
      const Arrow = await import('apache-arrow');
      const x = t.getChild('x')!.toArray() as Float64Array;
      const y = t.getChild('y')!.toArray() as Float64Array;
      const n = x.length;
      const mx = x.reduce((a, v) => a + v, 0) / n;
      const my = y.reduce((a, v) => a + v, 0) / n;
      let sxy = 0;
      let sxx = 0;
      for (let i = 0; i < n; i++) (sxy += (x[i]! - mx) * (y[i]! - my), sxx += (x[i]! - mx) ** 2);
      const slope = sxy / sxx;
      return Arrow.tableFromArrays({ device: [t.getChild('device')!.get(0) as string], slope: Float64Array.of(slope), intercept: Float64Array.of(my - slope * mx), n: Int32Array.of(n) });
    }, 'device string, slope double, intercept double, n int'));
    expect(rows.map((r) => [r.device, Number((r.slope as number).toFixed(6)), Number((r.intercept as number).toFixed(6)), r.n])).toEqual([
      ['p', 1, 0, 20], ['q', 2, 10, 20], ['r', 3, 20, 20],
    ]);
  });

  it('puts rows with null keys in one group; withKey passes the key values first', async () => {
    const rows = await both((s) => people(s).groupBy('k', 'y').applyInArrow(async function count(key, t) {
      const Arrow = await import('apache-arrow');
      const [k, y] = key as [string | null, number];
      return Arrow.tableFromArrays({ k: [k ?? 'NULL'], y: Int32Array.of(y), n: Int32Array.of(t.numRows), cols: [t.schema.fields.map((f) => f.name).join('|')] });
    }, 'k string, y int, n int, cols string', { withKey: true }));
    const input = await people(one).collect();
    const groups = new Map<string, number>();
    for (const r of input) groups.set(`${r.k ?? 'NULL'}/${r.y}`, (groups.get(`${r.k ?? 'NULL'}/${r.y}`) ?? 0) + 1);
    expect(rows.map((r) => `${r.k}/${r.y}:${r.n}`).sort()).toEqual([...groups].map(([g, n]) => `${g}:${n}`).sort());
    expect(rows.some((r) => r.k === 'NULL')).toBe(true);
    expect(new Set(rows.map((r) => r.cols))).toEqual(new Set(['k|x|y']));
  });

  it('runs a module function and a sync function returning a RecordBatch array', async () => {
    const viaModule = await both((s) => people(s).groupBy('k').applyInArrow(moduleFunction(fixture, 'demean', 'applyInArrow'), 'k string, x double'));
    const viaArray = await both((s) => people(s).groupBy('k').applyInArrow(function batches(t) { return t.batches; }, 'y int, x double, k string'));
    expect(Object.keys(viaArray[0]!)).toEqual(['y', 'x', 'k']);
    expect(viaModule.length).toBe(40);
    expect(viaArray.length).toBe(40);
  });

  it('fails with a UdfError naming the group that is too large for a worker', async () => {
    const big = (s: Session) => s.createDataFrame(
      Array.from({ length: 60 }, (_, i) => ({ k: i < 50 ? 'big' : `small${i}`, x: i })),
      'k string, x double',
    ).groupBy('k').applyInArrow(function id(t) { return t; }, 'k string, x double', { maxGroupBytes: 400 });
    const e = await failure(big);
    expect(e.message).toMatch(/^applyInArrow UDF 'id': the group \(k='big'\) holds 50 rows \(.* bytes\), more than the 400 bytes one group may take \(maxGroupBytes\) in partition \d; a group must fit in one worker's memory/);
    // Under the limit (the default: a quarter of the heap) it runs.
    expect(await both((s) => s.createDataFrame([{ k: 'big', x: 1 }]).groupBy('k').applyInArrow(function id(t) { return t; }, 'k string, x double'))).toEqual([{ k: 'big', x: 1 }]);
  });

  it('a throwing function names the group; output is checked against the schema', async () => {
    const e = await failure((s) => people(s).groupBy('k').applyInArrow(function check(t) {
      if (t.getChild('k')!.get(0) === 'b') throw new Error('no b please');
      return t;
    }, 'k string, x double, y int'));
    expect(e.message).toMatch(/^applyInArrow UDF 'check' failed in group \(k='b'\): no b please/);
    const wrong = await failure((s) => people(s).groupBy('k').applyInArrow(function wrongType(t) { return t; }, 'k string, x string, y int'));
    expect(wrong.message).toMatch(/applyInArrow UDF 'wrongType' returned column 'x' of type double in group \(k=.*\), but the schema declares string/);
    const notTable = await failure((s) => people(s).groupBy('k').applyInArrow(function rows(t) { return t.toArray() as never; }, 'k string'));
    expect(notTable.message).toMatch(/applyInArrow UDF 'rows' returned array of length \d+ in group .*; it should return an Arrow Table or RecordBatch \(or an array of them\)/);
  });

  it('explain names the node and the shuffle by the keys', () => {
    const text = people(one).groupBy('k').applyInArrow(function f(t) { return t; }, 'k string, x double, y int').explain('extended');
    expect(text).toMatch(/FlatMapGroupsInArrow \[k#0\], f\(k, x, y\), \[k, x, y\]/);
    expect(text.slice(text.indexOf('== Physical Plan =='))).toMatch(/FlatMapGroupsInArrow \[k#0\][\s\S]*Exchange hashpartitioning\(k#0, 3\)/);
    const random = one.range(3).mapInArrow(async function* noisy(b) { yield* b; }, 'id long', { deterministic: false, name: 'jitter' });
    expect(random.explain('extended')).toMatch(/MapInArrow jitter\(id\) nondeterministic, \[id\]/);
    expect(() => one.range(3).mapInArrow(async function* f() {}, 'id long', { deterministic: 'no' as never })).toThrow(/argument deterministic should be true or false/);
  });
});
