// Kernel conformance: the same suite (src/kernels/conformance.ts, also run by the GPU run) on every
// kernel backend that loads here (js always; tfjs-cpu, tfjs-wasm; webgpu only where Dawn finds an
// adapter), within the documented float32 tolerance, and the public API with a tfjs backend
// against js. Skipped backends print why.
import { afterAll, describe, expect, it } from 'vitest';
import { IllegalArgumentError, Session } from '../src/index.js';
import { chooseKernels, findKernel, kernelBackend } from '../src/kernels/index.js';
import { CONFORMANCE_CHECKS, conformanceData } from '../src/kernels/conformance.js';

const BACKENDS = ['js', 'tfjs-cpu', 'tfjs-wasm', 'webgpu'] as const;
const loaded = new Map<string, boolean>();
for (const b of BACKENDS) {
  const { description } = await chooseKernels({ backend: b, precision: 'float32' }, () => {});
  const ok = description.chosen === b;
  loaded.set(b, ok);
  console.log(ok ? `kernels.test: running the conformance suite on '${b}'` : `kernels.test: skipping '${b}': ${description.tried[0]?.notice}`);
}

const x64 = conformanceData(5000, 7);

for (const b of BACKENDS) {
  describe.skipIf(!loaded.get(b))(`kernel conformance on ${b}`, () => {
    it.each(CONFORMANCE_CHECKS.map((c) => [c.name, c] as const))('%s', async (_, check) => {
      expect(await check.run(b)).toEqual([]);
      if (check.name.startsWith('segment_sum') && !findKernel(b, 'segment_sum', 'float64')) console.log(`kernels.test: '${b}' has no segment_sum kernel, js ran it`);
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
