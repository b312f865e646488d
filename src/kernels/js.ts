/**
 * The 'js' kernel backend: typed-array loops, the reference every other backend is checked
 * against (test/kernels.test.ts). Sums accumulate in float64, so int32 sums are exact below 2^53.
 */
import { type DenseLayer, type NumArray, defineBackend, registerKernel } from './registry.js';

const ALL = ['float32', 'float64', 'int32'] as const;

function fold(x: NumArray, valid: Uint8Array | null, init: number, f: (acc: number, v: number) => number): { acc: number; n: number } {
  let acc = init;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (valid !== null && valid[i] === 0) continue;
    acc = f(acc, x[i]!);
    n++;
  }
  return { acc, n };
}

/** Sum and count of the valid values. */
function sumOf(x: NumArray, valid: Uint8Array | null): { acc: number; n: number } {
  return fold(x, valid, 0, (a, v) => a + v);
}

/** Applies dense layers on the CPU (row-major), the reference for every backend's `dense`. */
export function denseJs(x: Float32Array, rows: number, layers: readonly DenseLayer[]): Float32Array {
  let cur = x;
  for (const l of layers) {
    const out = new Float32Array(rows * l.outDim);
    for (let r = 0; r < rows; r++) {
      const o = r * l.outDim;
      for (let j = 0; j < l.outDim; j++) out[o + j] = l.bias[j]!;
      for (let k = 0; k < l.inDim; k++) {
        const xv = cur[r * l.inDim + k]!;
        if (xv === 0) continue;
        const w = k * l.outDim;
        for (let j = 0; j < l.outDim; j++) out[o + j] += xv * l.weights[w + j]!;
      }
      if (l.activation === 'relu') for (let j = 0; j < l.outDim; j++) out[o + j] = Math.max(0, out[o + j]!);
      else if (l.activation === 'sigmoid') for (let j = 0; j < l.outDim; j++) out[o + j] = 1 / (1 + Math.exp(-out[o + j]!));
      else if (l.activation === 'softmax') {
        let m = -Infinity;
        for (let j = 0; j < l.outDim; j++) m = Math.max(m, out[o + j]!);
        let s = 0;
        for (let j = 0; j < l.outDim; j++) s += out[o + j] = Math.exp(out[o + j]! - m);
        for (let j = 0; j < l.outDim; j++) out[o + j] /= s;
      }
    }
    cur = out;
  }
  return cur;
}

/** Declares 'js' and registers its kernels (idempotent per thread). */
export function registerJsKernels(): void {
  const js = defineBackend('js', ALL);
  registerKernel(js, 'sum', ALL, async (x, valid) => {
    const { acc, n } = sumOf(x, valid);
    return n ? acc : null;
  });
  registerKernel(js, 'min', ALL, async (x, valid) => {
    const { acc, n } = fold(x, valid, Infinity, (a, v) => (v < a ? v : a));
    return n ? acc : null;
  });
  registerKernel(js, 'max', ALL, async (x, valid) => {
    const { acc, n } = fold(x, valid, -Infinity, (a, v) => Math.max(a, v));
    return n ? acc : null;
  });
  registerKernel(js, 'mean', ALL, async (x, valid) => {
    const { acc, n } = sumOf(x, valid);
    return n ? acc / n : null;
  });
  registerKernel(js, 'variance', ALL, async (x, valid) => {
    const { acc, n } = sumOf(x, valid);
    if (n < 2) return null;
    const mean = acc / n;
    return fold(x, valid, 0, (a, v) => a + (v - mean) * (v - mean)).acc / (n - 1);
  });
  registerKernel(js, 'count', ALL, async (x, valid) => sumOf(x, valid).n);
  registerKernel(js, 'segment_sum', ALL, async (x, groups, numGroups, valid) => {
    const out = new Float64Array(numGroups);
    for (let i = 0; i < x.length; i++) if (valid === null || valid[i] === 1) out[groups[i]!] += x[i]!;
    return out;
  });
  registerKernel(js, 'compact', ALL, async (x, mask) => {
    let n = 0;
    for (let i = 0; i < mask.length; i++) n += mask[i]!;
    const out = new (x.constructor as new (n: number) => NumArray)(n);
    for (let i = 0, j = 0; i < mask.length; i++) if (mask[i] === 1) out[j++] = x[i]!;
    return out;
  });
  registerKernel(js, 'matmul', ['float32'], async (a, rows, inner, b, cols) => denseJs(a, rows, [{ weights: b, bias: new Float32Array(cols), inDim: inner, outDim: cols, activation: 'linear' }]));
  registerKernel(js, 'dense', ['float32'], async (x, rows, layers) => denseJs(x, rows, layers));
}
