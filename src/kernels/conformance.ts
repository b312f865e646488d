/**
 * The kernel conformance suite, shared by test/kernels.test.ts (every backend that loads, under
 * vitest) and scripts/gpu-check.ts (the GPU run, where no test runner is carried): each check runs
 * a backend's kernel and js's on the same data and returns the differences past the documented
 * tolerance (relative 1e-5 of the magnitude sum for float32 accumulation; 1e-4 for dense layers,
 * 1e-3 for a bare matmul), so an empty list means the backend conforms.
 */
import { denseJs } from './js.js';
import { type KernelFn, type NumArray, findKernel, kernelFor } from './registry.js';

/** Deterministic pseudo-random floats in [-10, 10). */
export function conformanceData(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = (s / 2147483648) * 20 - 10;
  }
  return out;
}

const N = 5000;
const x64 = conformanceData(N, 7);
const x32 = Float32Array.from(x64);
const valid = Uint8Array.from({ length: N }, (_, i) => (i % 7 === 3 ? 0 : 1));
const groups = Int32Array.from({ length: N }, (_, i) => (i * 31) % 17);
const absSum = x64.reduce((s, v) => s + Math.abs(v), 0);

/** One conformance check: its name and a run returning the failures on `backend` (empty: conforms). */
export interface ConformanceCheck {
  readonly name: string;
  run(backend: string): Promise<string[]>;
}

/** Compares two results within `scale`'s relative tolerance; a failure line when they differ. */
function close(what: string, got: number | null, want: number | null, scale: number, tol = 1e-5): string[] {
  if ((got === null) !== (want === null)) return [`${what}: got ${got}, want ${want}`];
  if (got !== null && want !== null && !(Math.abs(got - want) <= tol * scale + 1e-6)) return [`${what}: got ${got}, want ${want} (tolerance ${tol * scale + 1e-6})`];
  return [];
}

const REDUCTIONS = ['sum', 'min', 'max', 'mean', 'variance', 'count'] as const satisfies readonly KernelFn[];
const scaleOf = (fn: (typeof REDUCTIONS)[number], withNulls: boolean) =>
  fn === 'variance' ? 100 : fn === 'mean' ? absSum / N : fn === 'sum' || !withNulls ? absSum : 10;

/** The checks, in order. */
export const CONFORMANCE_CHECKS: readonly ConformanceCheck[] = [
  ...REDUCTIONS.map((fn): ConformanceCheck => ({
    name: `${fn} over float32 and float64 with nulls`,
    async run(b) {
      const out: string[] = [];
      for (const x of [x32, x64] as NumArray[]) {
        const type = x instanceof Float32Array ? 'float32' : 'float64';
        const k = findKernel(b, fn, type);
        if (!k) {
          out.push(`${b} has no ${fn} kernel for ${type}`);
          continue;
        }
        const ref = findKernel('js', fn, 'float64')!;
        out.push(...close(`${fn}(${type}, nulls)`, await k(x, valid), await ref(x, valid), scaleOf(fn, true)));
        out.push(...close(`${fn}(${type})`, await k(x, null), await ref(x, null), scaleOf(fn, false)));
      }
      return out;
    },
  })),
  {
    name: 'keeps integer sums exact: int32 sums never go through float32',
    async run(b) {
      const big = Int32Array.from({ length: 1000 }, (_, i) => 2_000_000_000 - i);
      const exact = big.reduce((s, v) => s + v, 0);
      const got = await kernelFor(b, 'sum', 'int32')(big, null);
      return [...(got === exact ? [] : [`int32 sum: got ${got}, want ${exact}`]), ...(b !== 'js' && findKernel(b, 'sum', 'int32') ? [`${b} registered an int32 sum`] : [])];
    },
  },
  {
    name: 'segment_sum over int group ids',
    async run(b) {
      const ref = await findKernel('js', 'segment_sum', 'float64')!(x64, groups, 17, valid);
      const got = await kernelFor(b, 'segment_sum', 'float64')(x64, groups, 17, valid);
      return Array.from({ length: 17 }, (_, g) => close(`group ${g}`, got[g]!, ref[g]!, absSum)).flat();
    },
  },
  {
    name: 'compact by mask keeps order',
    async run(b) {
      const got = Array.from(await findKernel(b, 'compact', 'float32')!(x32, valid));
      const want = Array.from(await findKernel('js', 'compact', 'float32')!(x32, valid));
      return got.length === want.length && got.every((v, i) => v === want[i]) ? [] : [`compact: ${got.length} values, want ${want.length} (or a value differs)`];
    },
  },
  {
    name: 'matmul and dense layers (13 → 8 relu → 3 softmax)',
    async run(b) {
      const rows = 200;
      const x = Float32Array.from(conformanceData(rows * 13, 3));
      const l1 = { weights: Float32Array.from(conformanceData(13 * 8, 4)).map((v) => v / 10), bias: Float32Array.from(conformanceData(8, 5)), inDim: 13, outDim: 8, activation: 'relu' as const };
      const l2 = { weights: Float32Array.from(conformanceData(8 * 3, 6)).map((v) => v / 10), bias: Float32Array.from(conformanceData(3, 8)), inDim: 8, outDim: 3, activation: 'softmax' as const };
      const ref = denseJs(x, rows, [l1, l2]);
      const got = await findKernel(b, 'dense', 'float32')!(x, rows, [l1, l2]);
      const mm = await findKernel(b, 'matmul', 'float32')!(x, rows, 13, l1.weights, 8);
      const mmRef = denseJs(x, rows, [{ ...l1, bias: new Float32Array(8), activation: 'linear' }]);
      const bad = [...ref.keys()].filter((i) => !(Math.abs(got[i]! - ref[i]!) < 1e-4)).map((i) => `dense[${i}]: got ${got[i]}, want ${ref[i]}`);
      bad.push(...[...mmRef.keys()].filter((i) => !(Math.abs(mm[i]! - mmRef[i]!) < 1e-3)).map((i) => `matmul[${i}]: got ${mm[i]}, want ${mmRef[i]}`));
      return bad.slice(0, 5);
    },
  },
];
