// The cost model behind kernels: 'auto' (given a calibration and a size, which backend it picks),
// device residency across fused expressions (transfers counted: one upload per input column, one
// download per result), segment sums in hash aggregation, and model scoring through the kernel
// registry's dense kernel. Runs on the CPU backends that load here (tfjs-cpu, tfjs-wasm).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Session, functions as F } from '../src/index.js';
import { Batch } from '../src/data/batch.js';
import { ColumnData } from '../src/data/column.js';
import { Schema } from '../src/types.js';
import type { BoundExpr } from '../src/expr/expr.js';
import { JS_BACKEND } from '../src/expr/backend.js';
import { GPU_UNCALIBRATED_MIN_ROWS, type KernelCalibration, chooseKernels, crossover, estimateSeconds, kernelBackend, kernelCalibration, pickBackend, setKernelCalibration } from '../src/kernels/index.js';
import { BENCH_DENSE_MACS } from '../src/kernels/cost.js';
import { loadModel, releaseModels } from '../src/models/index.js';

/** webgpu costs 1 ms + 0.1 ns/row, js 1 ns/row: the GPU wins from about 1.1e6 rows. */
const CAL: KernelCalibration = {
  machine: 'test',
  points: {
    js: { elementwise: [[1e4, 1e-5], [1e6, 1e-3], [1e7, 1e-2]], dense: [[1e4, 1e-2], [1e6, 1]] },
    webgpu: { elementwise: [[1e4, 1e-3 + 1e-6], [1e6, 1e-3 + 1e-4], [1e7, 1e-3 + 1e-3]] },
    'tfjs-wasm': { dense: [[1e4, 1e-3], [1e6, 0.1]] },
  },
};

describe('the cost model', () => {
  it('interpolates measured seconds and extrapolates at the nearest measured rate', () => {
    expect(estimateSeconds(CAL, 'js', 'elementwise', 1e6)).toBeCloseTo(1e-3, 9);
    expect(estimateSeconds(CAL, 'js', 'elementwise', 5.5e6)).toBeCloseTo(5.5e-3, 9);
    expect(estimateSeconds(CAL, 'js', 'elementwise', 1e8)).toBeCloseTo(0.1, 9);
    expect(estimateSeconds(CAL, 'js', 'elementwise', 1e3)).toBeCloseTo(1e-6, 9);
    expect(estimateSeconds(CAL, 'webgpu', 'sum', 1e6)).toBeUndefined();
  });
  it('picks the measured cheapest: js below the crossover, the GPU above it', () => {
    expect(pickBackend(CAL, 'elementwise', 1e4, ['webgpu', 'js'])).toBe('js');
    expect(pickBackend(CAL, 'elementwise', 1e6, ['webgpu', 'js'])).toBe('js');
    expect(pickBackend(CAL, 'elementwise', 1e7, ['webgpu', 'js'])).toBe('webgpu');
    expect(crossover(CAL, 'webgpu', 'elementwise')).toBe(1e7);
    // Only loaded candidates count: without webgpu, js.
    expect(pickBackend(CAL, 'elementwise', 1e7, ['js'])).toBe('js');
    // No measurement for the kernel: never picked (sum was not measured on webgpu).
    expect(pickBackend(CAL, 'sum', 1e8, ['webgpu', 'js'])).toBe('js');
    expect(pickBackend(CAL, 'dense', 1e4, ['tfjs-wasm', 'js'])).toBe('tfjs-wasm');
  });
  it('an uncalibrated GPU takes only dense work, from the documented size on', () => {
    const cpuOnly: KernelCalibration = { machine: 'cpu', points: { js: CAL.points['js']! } };
    expect(pickBackend(cpuOnly, 'dense', GPU_UNCALIBRATED_MIN_ROWS, ['tfjs-node-gpu', 'js'])).toBe('tfjs-node-gpu');
    expect(pickBackend(cpuOnly, 'dense', GPU_UNCALIBRATED_MIN_ROWS - 1, ['webgpu', 'js'])).toBe('js');
    expect(pickBackend(cpuOnly, 'elementwise', 1e9, ['webgpu', 'js'])).toBe('js');
  });
  it('the committed calibration (this machine, no GPU) keeps element-wise work on js among auto\'s candidates here and puts dense scoring on tfjs-wasm', () => {
    const cal = kernelCalibration();
    for (const n of [1e4, 1e5, 1e6, 1e7]) expect(pickBackend(cal, 'elementwise', n, ['tfjs-wasm', 'js'])).toBe('js');
    for (const n of [1e4, 1e6]) expect(pickBackend(cal, 'dense', n, ['tfjs-wasm', 'js'])).toBe('tfjs-wasm');
  });
});

const ref = (index: number, name: string): BoundExpr => ({ kind: 'ref', index, name, type: 'float64' });
const call = (fn: string, type: 'float64' | 'boolean', ...args: BoundExpr[]): BoundExpr => ({ kind: 'call', fn, type, args });
const N = 1000;
const cols = [0, 1, 2].map((k) => Float64Array.from({ length: N }, (_, i) => Math.sin(i * (k + 1)) * 10));
const batch = new Batch(new Schema(['a', 'b', 'c'].map((name) => ({ name, type: 'float64' as const, nullable: false }))), cols.map((v) => new ColumnData('float64', N, v, null)), N);
const EXPRS = [
  call('add', 'float64', call('multiply', 'float64', ref(0, 'a'), ref(1, 'b')), ref(2, 'c')),
  call('subtract', 'float64', ref(0, 'a'), ref(1, 'b')),
  call('multiply', 'float64', ref(2, 'c'), ref(2, 'c')),
  call('sqrt', 'float64', call('abs', 'float64', ref(1, 'b'))),
];

describe('device residency across a fused chain', () => {
  it('N expressions over 3 columns: 3 uploads and N downloads, not one upload per reference; a predicate over the results uploads nothing', async () => {
    const { expr } = await chooseKernels({ backend: 'tfjs-cpu', precision: 'float32' }, () => {});
    const t = kernelBackend('tfjs-cpu')!.transfers;
    const before = { ...t };
    const fns = EXPRS.map((e) => expr.compile(e));
    const out = fns.map((f) => f(batch));
    expect(t.toDevice - before.toDevice).toBe(3);
    expect(t.bytesToDevice - before.bytesToDevice).toBe(3 * N * 4);
    expect(t.fromDevice - before.fromDevice).toBe(EXPRS.length);
    // The next operator (a filter over two projected columns) finds them on the device.
    const projected = new Batch(new Schema(['x', 'y'].map((name) => ({ name, type: 'float64' as const, nullable: false }))), [out[0]!, out[1]!], N);
    const mid = { ...t };
    const { mask, count } = expr.compilePredicate(call('gt', 'boolean', ref(0, 'x'), ref(1, 'y')))(projected);
    expect(t.toDevice - mid.toDevice).toBe(0);
    expect(t.fromDevice - mid.fromDevice).toBe(1);
    // Same answers as js, within float32 rounding.
    EXPRS.forEach((e, k) => {
      const want = JS_BACKEND.compile(e)(batch).values as Float64Array;
      const got = out[k]!.values as Float64Array;
      for (let i = 0; i < N; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i]!)));
    });
    let want = 0;
    for (let i = 0; i < N; i++) want += (out[0]!.values as Float64Array)[i]! > (out[1]!.values as Float64Array)[i]! ? 1 : 0;
    expect(count).toBe(want);
    expect(mask.reduce((s, v) => s + v, 0)).toBe(count);
  });
});

describe('segment sums in hash aggregation', () => {
  const sessions: Session[] = [];
  afterEach(() => setKernelCalibration(undefined));
  afterAll(async () => {
    for (const s of sessions) await s.stop();
    await releaseModels();
  });
  const rows = Array.from({ length: 600 }, (_, i) => ({ k: i % 7, x: i % 13 === 0 ? null : Math.cos(i) * 100, n: 2_000_000_000 - i }));
  const grouped = async (s: Session) => {
    const df = s.createDataFrame(rows, 'k INT, x DOUBLE, n INT');
    return (await df.groupBy('k').agg(F.sum('x').alias('s'), F.avg('x').alias('a'), F.sum('n').alias('sn'), F.count('x').alias('c')).orderBy('k').collect());
  };
  /** tfjs-cpu's segment sum as cheap as can be: the cost model then picks it over js. */
  const cheapSegments: KernelCalibration = { machine: 'test', points: { ...kernelCalibration().points, 'tfjs-cpu': { segment_sum: [[1, 1e-12], [1e9, 1e-12]] } } };

  it('sum and avg over doubles run on the backend the cost model picks, matching js within tolerance; integer sums stay exact on js', async () => {
    const want = await grouped(await Session.create({ threads: 1 }));
    const s = await Session.create({ threads: 1, shufflePartitions: 1, kernels: { backend: 'tfjs-cpu', precision: 'float32' } });
    sessions.push(s);
    setKernelCalibration(cheapSegments);
    const t = kernelBackend('tfjs-cpu')!.transfers;
    const before = t.toDevice;
    const got = await grouped(s);
    expect(t.toDevice).toBeGreaterThan(before);
    expect(got.length).toBe(7);
    got.forEach((r, g) => {
      expect(r['k']).toBe(want[g]!['k']);
      expect(r['sn']).toBe(want[g]!['sn']);
      expect(r['c']).toBe(want[g]!['c']);
      for (const k of ['s', 'a'] as const) expect(Math.abs((r[k] as number) - (want[g]![k] as number))).toBeLessThanOrEqual(1e-3);
    });
  });
  it('with the committed calibration (js wins segment sums here) and by default precision, aggregation stays on js', async () => {
    for (const kernels of [{ backend: 'tfjs-cpu', precision: 'float32' }, { backend: 'tfjs-cpu', precision: 'exact' }] as const) {
      const s = await Session.create({ threads: 1, shufflePartitions: 1, kernels });
      sessions.push(s);
      if (kernels.precision === 'exact') setKernelCalibration(cheapSegments);
      const t = kernelBackend('tfjs-cpu')!.transfers;
      const before = t.toDevice;
      await grouped(s);
      expect(t.toDevice).toBe(before);
    }
  });
});

describe('model scoring through the dense kernel', () => {
  afterAll(() => releaseModels());
  it('a dense-stack TF.js model scores on the session kernel choice: auto puts it on tfjs-wasm here, js gives the same scores', async () => {
    const cols = Array.from({ length: 8 }, (_, j) => Float64Array.from({ length: 500 }, (_, i) => ((i * (j + 3)) % 97) - 40));
    const auto = await loadModel('data/models/bank-tfjs', { kernels: { backend: 'auto', precision: 'exact' } });
    const js = await loadModel('data/models/bank-tfjs', { kernels: { backend: 'js', precision: 'exact' } });
    expect(auto.denseKernels).toBe('auto(tfjs-wasm, js)');
    expect(js.denseKernels).toBe('js');
    const t = kernelBackend('tfjs-wasm')!.transfers;
    const before = t.toDevice;
    const a = await auto.predict(cols, 500);
    expect(t.toDevice).toBe(before + 1);
    const b = await js.predict(cols, 500);
    for (let i = 0; i < 500; i++) expect(Math.abs(a.values[i]! - b.values[i]!)).toBeLessThan(1e-5);
    expect(BENCH_DENSE_MACS).toBe(1904);
  });
  it('spark.models passes the session kernel choice to the model: F.predict scores on it', async () => {
    const names = Array.from({ length: 8 }, (_, j) => `f${j}`);
    const data = Array.from({ length: 300 }, (_, i) => Object.fromEntries(names.map((c, j) => [c, ((i * (j + 3)) % 97) - 40])));
    const score = async (s: Session) => {
      const m = s.models.load('data/models/bank-tfjs');
      const df = s.createDataFrame(data, names.map((c) => `${c} DOUBLE`).join(', '));
      return (await df.select(F.predict(m, ...names).alias('p')).collect()).map((r) => r['p'] as number);
    };
    const plain = await Session.create({ threads: 1 });
    const cpu = await Session.create({ threads: 1, kernels: 'tfjs-cpu' });
    try {
      const want = await score(plain);
      const t = kernelBackend('tfjs-cpu')!.transfers;
      const before = t.toDevice;
      const got = await score(cpu);
      expect(t.toDevice).toBeGreaterThan(before);
      got.forEach((p, i) => expect(Math.abs(p - want[i]!)).toBeLessThan(1e-5));
    } finally {
      await plain.stop();
      await cpu.stop();
    }
  });
});
