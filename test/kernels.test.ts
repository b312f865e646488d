// Kernel conformance: the same suite on every kernel backend that loads here (js always; tfjs-cpu,
// tfjs-wasm; webgpu only where Dawn finds an adapter), within the documented float32 tolerance,
// and the public API with a tfjs backend against js. Skipped backends print why.
import { afterAll, describe, expect, it } from 'vitest';
import { IllegalArgumentError, Session } from '../src/index.js';
import { chooseKernels, findKernel, kernelBackend, kernelFor, type KernelFn, type NumArray } from '../src/kernels/index.js';
import { denseJs } from '../src/kernels/js.js';

const BACKENDS = ['js', 'tfjs-cpu', 'tfjs-wasm', 'webgpu'] as const;
const loaded = new Map<string, boolean>();
for (const b of BACKENDS) {
  const { description } = await chooseKernels({ backend: b, precision: 'float32' }, () => {});
  const ok = description.chosen === b;
  loaded.set(b, ok);
  console.log(ok ? `kernels.test: running the conformance suite on '${b}'` : `kernels.test: skipping '${b}': ${description.tried[0]?.notice}`);
}

/** Deterministic pseudo-random float data. */
function data(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = (s / 2147483648) * 20 - 10;
  }
  return out;
}
const N = 5000;
const x64 = data(N, 7);
const x32 = Float32Array.from(x64);
const valid = Uint8Array.from({ length: N }, (_, i) => (i % 7 === 3 ? 0 : 1));
const groups = Int32Array.from({ length: N }, (_, i) => (i * 31) % 17);
/** Documented tolerance: relative 1e-5 of the magnitude sum (float32 accumulation). */
const close = (a: number | null, b: number | null, scale: number) => {
  expect(a === null).toBe(b === null);
  if (a !== null && b !== null) expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * scale + 1e-6);
};
const absSum = x64.reduce((s, v) => s + Math.abs(v), 0);

for (const b of BACKENDS) {
  describe.skipIf(!loaded.get(b))(`kernel conformance on ${b}`, () => {
    for (const fn of ['sum', 'min', 'max', 'mean', 'variance', 'count'] as const satisfies readonly KernelFn[]) {
      it(`${fn} over float32 and float64 with nulls`, async () => {
        for (const x of [x32, x64] as NumArray[]) {
          const k = findKernel(b, fn, x instanceof Float32Array ? 'float32' : 'float64')!;
          expect(k).toBeDefined();
          const ref = await findKernel('js', fn, 'float64')!(x, valid);
          const got = await k(x, valid);
          close(got, ref, fn === 'variance' ? 100 : fn === 'sum' ? absSum : fn === 'mean' ? absSum / N : 10);
          close(await k(x, null), await findKernel('js', fn, 'float64')!(x, null), fn === 'variance' ? 100 : fn === 'mean' ? absSum / N : absSum);
        }
      });
    }
    it('keeps integer sums exact: int32 sums never go through float32', async () => {
      const big = Int32Array.from({ length: 1000 }, (_, i) => 2_000_000_000 - i);
      const exact = big.reduce((s, v) => s + v, 0);
      expect(await kernelFor(b, 'sum', 'int32')(big, null)).toBe(exact);
      if (b !== 'js') expect(findKernel(b, 'sum', 'int32')).toBeUndefined();
    });
    it('segment_sum over int group ids', async () => {
      const ref = await findKernel('js', 'segment_sum', 'float64')!(x64, groups, 17, valid);
      const got = await kernelFor(b, 'segment_sum', 'float64')(x64, groups, 17, valid);
      if (!findKernel(b, 'segment_sum', 'float64')) console.log(`kernels.test: '${b}' has no segment_sum kernel, js ran it`);
      for (let g = 0; g < 17; g++) close(got[g]!, ref[g]!, absSum);
    });
    it('compact by mask keeps order', async () => {
      const got = await findKernel(b, 'compact', 'float32')!(x32, valid);
      expect(Array.from(got)).toEqual(Array.from(await findKernel('js', 'compact', 'float32')!(x32, valid)));
    });
    it('matmul and dense layers (13 → 8 relu → 3 softmax)', async () => {
      const rows = 200;
      const x = Float32Array.from(data(rows * 13, 3));
      const l1 = { weights: Float32Array.from(data(13 * 8, 4)).map((v) => v / 10), bias: Float32Array.from(data(8, 5)), inDim: 13, outDim: 8, activation: 'relu' as const };
      const l2 = { weights: Float32Array.from(data(8 * 3, 6)).map((v) => v / 10), bias: Float32Array.from(data(3, 8)), inDim: 8, outDim: 3, activation: 'softmax' as const };
      const ref = denseJs(x, rows, [l1, l2]);
      const got = await findKernel(b, 'dense', 'float32')!(x, rows, [l1, l2]);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThan(1e-4);
      const mm = await findKernel(b, 'matmul', 'float32')!(x, rows, 13, l1.weights, 8);
      const mmRef = denseJs(x, rows, [{ ...l1, bias: new Float32Array(8), activation: 'linear' }]);
      for (let i = 0; i < mm.length; i++) expect(Math.abs(mm[i]! - mmRef[i]!)).toBeLessThan(1e-3);
    });
  });
}

describe('kernels through the public API', () => {
  const sessions: Session[] = [];
  afterAll(async () => {
    for (const s of sessions) await s.stop();
  });
  const rows = Array.from({ length: 300 }, (_, i) => ({ x: x64[i]!, y: i % 11 === 0 ? null : (i % 9) - 4 }));
  const query = async (s: Session) => {
    s.createDataFrame(rows, 'x DOUBLE, y INT').createOrReplaceTempView('t');
    const q = await s.sql('SELECT x * y + 1 AS a, sqrt(abs(x)) AS r, x / y AS d, CAST(x AS INT) AS i, x > 0 AND y > 0 AS l FROM t WHERE x > 0.5 AND y < 3').collect();
    // OR with a null side is true where the other side is: the row must be kept.
    return [...q, ...(await s.sql('SELECT x * 2 AS a, x AS r, x AS d, y AS i, y > 0 OR x > 0 AS l FROM t WHERE y > 0 OR x > 0').collect())];
  };
  it.each(['tfjs-cpu', 'tfjs-wasm'] as const)('%s with precision float32 gives the rows js gives, within tolerance', async (backend) => {
    const ref = await query(await Session.create({ threads: 1 }));
    const s = await Session.create({ threads: 1, kernels: { backend, precision: 'float32' } });
    sessions.push(s);
    expect(s.kernels.describe()).toMatchObject({ requested: backend, precision: 'float32', chosen: backend });
    const before = kernelBackend(backend)!.transfers.toDevice;
    const got = await query(s);
    expect(kernelBackend(backend)!.transfers.toDevice).toBeGreaterThan(before);
    expect(got.length).toBe(ref.length);
    for (let i = 0; i < ref.length; i++) {
      for (const k of ['a', 'r', 'd'] as const) {
        const [g, r] = [got[i]![k] as number | null, ref[i]![k] as number | null];
        expect(g === null).toBe(r === null);
        if (r !== null) expect(Math.abs(g! - r)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(r)) * 8);
      }
      expect(got[i]!['i']).toBe(ref[i]!['i']);
      expect(got[i]!['l']).toBe(ref[i]!['l']);
    }
  });
  it('default precision keeps float64 work on js, under a forced backend and under auto; describe reports what was tried', async () => {
    const s = await Session.create({ threads: 1, kernels: 'tfjs-cpu' });
    sessions.push(s);
    const before = kernelBackend('tfjs-cpu')!.transfers.toDevice;
    await query(s);
    expect(kernelBackend('tfjs-cpu')!.transfers.toDevice).toBe(before);
    const auto = await Session.create({ threads: 1, kernels: 'auto' });
    sessions.push(auto);
    const d = auto.kernels.describe();
    expect(d.chosen).toBe('auto');
    expect(d.tried.map((t) => t.backend)).toEqual(['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'tfjs-wasm', 'js']);
    expect(d.tried[0]!.loaded).toBe(false);
    expect(d.candidates).toEqual([...(loaded.get('webgpu') ? ['webgpu'] : []), 'tfjs-wasm', 'js']);
    const wasmBefore = d.transfers['tfjs-wasm']!.toDevice;
    await query(auto);
    expect(auto.kernels.describe().transfers['tfjs-wasm']!.toDevice).toBe(wasmBefore);
  });
  it('the backend travels to the worker threads (float32 rounding shows it ran there)', async () => {
    const s = await Session.create({ threads: 2, shufflePartitions: 2, kernels: { backend: 'tfjs-wasm', precision: 'float32' } });
    sessions.push(s);
    s.createDataFrame([{ x: 1 }, { x: 2 }], 'x DOUBLE').repartition(2).createOrReplaceTempView('w');
    // 1 + 1e-9 is 1 in float32 and 1.000000001 in float64.
    const got = (await s.sql('SELECT x + 1e-9 AS y FROM w ORDER BY x').collect()).map((r) => r['y']);
    expect(got).toEqual([1, 2]);
  });
  it('validates the option', async () => {
    await expect(Session.create({ kernels: 'cuda' as never })).rejects.toThrow(IllegalArgumentError);
    await expect(Session.create({ kernels: { backend: 'js', precision: 'half' as never } })).rejects.toThrow(/'exact' or 'float32'/);
  });
});
