/**
 * TensorFlow.js kernel backends ('tfjs-cpu', 'tfjs-wasm', 'webgpu', 'tfjs-node'): reductions,
 * segment sums, compaction and matmul / dense layers as tfjs ops, and an expression backend that
 * fuses an element-wise expression (arithmetic, comparisons, math functions, numeric casts) into
 * one tfjs graph per batch. TF.js computes in float32: with precision 'exact' (the default) these
 * backends take only float32 data (model scoring, dense layers); with precision 'float32' the
 * user lets them take float64/int32 columns too (rounded to float32, see README, Kernels). Integer
 * sums never go through float32.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { ColumnData } from '../data/column.js';
import type { Batch } from '../data/batch.js';
import type { BoundExpr } from '../expr/expr.js';
import { type ExprBackend, JS_BACKEND } from '../expr/backend.js';
import { type KernelBackend, type KernelType, type NumArray, defineBackend, registerKernel } from './registry.js';

/** How much precision a backend may give up: 'exact' (default) or 'float32' (opt-in). */
export type KernelPrecision = 'exact' | 'float32';

const UNARY: Record<string, (tf: typeof TF, x: TF.Tensor) => TF.Tensor> = {
  sqrt: (tf, x) => tf.sqrt(x), exp: (tf, x) => tf.exp(x), abs: (tf, x) => tf.abs(x), sin: (tf, x) => tf.sin(x),
  cos: (tf, x) => tf.cos(x), tanh: (tf, x) => tf.tanh(x), negative: (tf, x) => tf.neg(x), signum: (tf, x) => tf.sign(x),
};
const BINARY: Record<string, (tf: typeof TF, a: TF.Tensor, b: TF.Tensor) => TF.Tensor> = {
  add: (tf, a, b) => tf.add(a, b), subtract: (tf, a, b) => tf.sub(a, b), multiply: (tf, a, b) => tf.mul(a, b),
  divide: (tf, a, b) => tf.div(a, b), pow: (tf, a, b) => tf.pow(a, b),
  eq: (tf, a, b) => tf.equal(a, b), neq: (tf, a, b) => tf.notEqual(a, b), lt: (tf, a, b) => tf.less(a, b),
  lte: (tf, a, b) => tf.lessEqual(a, b), gt: (tf, a, b) => tf.greater(a, b), gte: (tf, a, b) => tf.greaterEqual(a, b),
};
const NUMERIC = new Set(['int32', 'float64']);
/** Device bytes of columns kept resident between fused expressions, per backend (oldest dropped first). */
const RESIDENT_BYTES = 64 * 2 ** 20;
/**
 * AND: fused in predicates only, where null and false both drop the row, so the simple validity
 * model (a row is null when any referenced column is) gives SQL's answer; as a value (`SELECT
 * a > 1 AND b < 2`) three-valued logic differs, and js computes it. OR and NOT are left to js
 * (`true OR null` is true, `NOT (false AND null)` is true: the simple model would drop the row).
 */
const LOGIC = new Set(['and']);
const hasLogic = (e: BoundExpr): boolean => (e.kind === 'call' && (LOGIC.has(e.fn) || e.args.some(hasLogic))) || (e.kind === 'cast' && hasLogic(e.expr));

/** True when `e` is an element-wise numeric expression the tfjs expression backend can fuse (types aside from precision). */
function fusable(e: BoundExpr): boolean {
  switch (e.kind) {
    case 'ref': return NUMERIC.has(e.type);
    case 'lit': return typeof e.value === 'number';
    case 'cast': return (NUMERIC.has(e.type) || e.type === 'boolean') && NUMERIC.has(e.expr.type) && fusable(e.expr);
    case 'call':
      if (LOGIC.has(e.fn)) return e.args.every((a) => a.type === 'boolean' && fusable(a));
      if (!(e.fn in UNARY && e.args.length === 1) && !(e.fn in BINARY && e.args.length >= 2)) return false;
      if (e.args.length > 2 && !['add', 'subtract', 'multiply', 'divide'].includes(e.fn)) return false;
      // Integer arithmetic stays exact on js (int32 results through float32 would round above 2^24).
      return (e.type === 'float64' || e.type === 'boolean') && e.args.every((a) => NUMERIC.has(a.type) && fusable(a));
    default: return false;
  }
}

/** tfjs kernels and expression backend over one tfjs backend ('cpu', 'wasm', 'webgpu', 'tensorflow'). */
export function registerTfKernels(tf: typeof TF, name: string, tfName: string, precision: KernelPrecision): { kernels: KernelBackend; expr: ExprBackend } {
  const types: KernelType[] = precision === 'float32' ? ['float32', 'float64', 'int32'] : ['float32'];
  const kb = defineBackend(name, types);
  const t = kb.transfers;
  const onBackend = async (): Promise<void> => {
    if (tf.getBackend() !== tfName) await tf.setBackend(tfName);
  };
  const upload = (x: NumArray | Uint8Array, dtype: 'float32' | 'int32' | 'bool' = 'float32'): TF.Tensor1D => {
    const data = dtype === 'float32' && !(x instanceof Float32Array) ? Float32Array.from(x) : x;
    t.toDevice++;
    t.bytesToDevice += data.byteLength;
    return tf.tensor1d(data as Float32Array, dtype);
  };
  const download = async (x: TF.Tensor): Promise<Float32Array | Int32Array | Uint8Array> => {
    const d = (await x.data()) as Float32Array | Int32Array | Uint8Array;
    t.fromDevice++;
    t.bytesFromDevice += d.byteLength;
    return d;
  };
  const masked = (x: NumArray, valid: Uint8Array | null, fill: number): TF.Tensor1D => {
    const v = upload(x);
    return valid === null ? v : tf.where(upload(valid, 'bool'), v, tf.fill([x.length], fill));
  };
  const countOf = (x: NumArray, valid: Uint8Array | null): number => {
    if (valid === null) return x.length;
    let n = 0;
    for (let i = 0; i < valid.length; i++) n += valid[i]!;
    return n;
  };
  const scalar = async (fn: () => TF.Tensor): Promise<number> => {
    await onBackend();
    const r = tf.tidy(fn);
    const v = (await download(r))[0]!;
    r.dispose();
    return v;
  };
  const floats: KernelType[] = types.filter((x) => x !== 'int32');
  registerKernel(kb, 'sum', floats, async (x, valid) => (countOf(x, valid) ? scalar(() => tf.sum(masked(x, valid, 0))) : null));
  registerKernel(kb, 'min', types, async (x, valid) => (countOf(x, valid) ? scalar(() => tf.min(masked(x, valid, Infinity))) : null));
  registerKernel(kb, 'max', types, async (x, valid) => (countOf(x, valid) ? scalar(() => tf.max(masked(x, valid, -Infinity))) : null));
  registerKernel(kb, 'mean', floats, async (x, valid) => {
    const n = countOf(x, valid);
    return n ? (await scalar(() => tf.sum(masked(x, valid, 0)))) / n : null;
  });
  registerKernel(kb, 'variance', floats, async (x, valid) => {
    const n = countOf(x, valid);
    if (n < 2) return null;
    return scalar(() => {
      const v = masked(x, valid, 0);
      const mean = tf.div(tf.sum(v), n);
      const d = tf.sub(v, mean);
      const sq = valid === null ? tf.square(d) : tf.where(upload(valid, 'bool'), tf.square(d), tf.zerosLike(d));
      return tf.div(tf.sum(sq), n - 1);
    });
  });
  registerKernel(kb, 'count', types, async (x, valid) => countOf(x, valid));
  // Not every tfjs backend has UnsortedSegmentSum (wasm 4.22 does not): those fall back to js.
  if (tf.getKernel('UnsortedSegmentSum', tfName)) registerKernel(kb, 'segment_sum', floats, async (x, groups, numGroups, valid) => {
    await onBackend();
    const r = tf.tidy(() => tf.unsortedSegmentSum(masked(x, valid, 0), upload(groups, 'int32'), numGroups));
    const out = Float64Array.from(await download(r));
    r.dispose();
    return out;
  });
  registerKernel(kb, 'compact', types, async (x, mask) => {
    await onBackend();
    const v = upload(x, x instanceof Int32Array ? 'int32' : 'float32');
    const m = upload(mask, 'bool');
    const r = await tf.booleanMaskAsync(v, m);
    const d = await download(r);
    tf.dispose([v, m, r]);
    return x instanceof Int32Array ? Int32Array.from(d) : x instanceof Float64Array ? Float64Array.from(d) : (d as Float32Array);
  });
  const denseOn = async (x: Float32Array, rows: number, layers: readonly { weights: Float32Array; bias: Float32Array; inDim: number; outDim: number; activation: string }[]): Promise<Float32Array> => {
    await onBackend();
    const r = tf.tidy(() => {
      t.toDevice++;
      t.bytesToDevice += x.byteLength;
      let cur: TF.Tensor2D = tf.tensor2d(x, [rows, layers[0]!.inDim]);
      for (const l of layers) {
        cur = tf.add(tf.matMul(cur, tf.tensor2d(l.weights, [l.inDim, l.outDim])), tf.tensor1d(l.bias));
        if (l.activation === 'relu') cur = tf.relu(cur);
        else if (l.activation === 'sigmoid') cur = tf.sigmoid(cur);
        else if (l.activation === 'softmax') cur = tf.softmax(cur);
      }
      return cur;
    });
    const out = (await download(r)) as Float32Array;
    r.dispose();
    return out;
  };
  registerKernel(kb, 'matmul', ['float32'], (a, rows, inner, b, cols) => denseOn(a, rows, [{ weights: b, bias: new Float32Array(cols), inDim: inner, outDim: cols, activation: 'linear' }]));
  registerKernel(kb, 'dense', ['float32'], (x, rows, layers) => denseOn(x, rows, layers));

  // Device residency: each input column is uploaded once and kept (keyed by the ColumnData, which
  // operators pass along unchanged), and each numeric result stays on the device next to its
  // downloaded copy, so a chain of fused expressions (a project's expressions, a filter or project
  // over a projected column) uploads each column once and downloads once per result. Before each
  // run the oldest tensors are disposed past RESIDENT_BYTES.
  const resident = new Map<ColumnData, TF.Tensor>();
  let residentBytes = 0;
  const keepResident = (col: ColumnData, x: TF.Tensor): void => {
    resident.set(col, x);
    residentBytes += x.size * 4;
  };
  /** Drops the oldest resident tensors past the budget (between runs only: a run may use any of them). */
  const trimResident = (): void => {
    for (const [c, old] of resident) {
      if (residentBytes <= RESIDENT_BYTES) break;
      resident.delete(c);
      residentBytes -= old.size * 4;
      old.dispose();
    }
  };
  const residentOf = (col: ColumnData): TF.Tensor => {
    let x = resident.get(col);
    if (!x) keepResident(col, (x = tf.keep(upload(col.values as NumArray))));
    return x;
  };

  // Expression backend: one tfjs graph per batch; validity = AND of the referenced columns' validity
  // (and divisor ≠ 0 for divide, Spark's null), computed on the host.
  const build = (e: BoundExpr, b: Batch, divisors: TF.Tensor[]): TF.Tensor => {
    switch (e.kind) {
      case 'ref': return residentOf(b.columns[e.index]!);
      case 'lit': return tf.scalar(e.value as number);
      case 'cast': {
        const x = build(e.expr, b, divisors);
        return e.type === 'int32' ? tf.mul(tf.floor(tf.abs(x)), tf.sign(x)) : e.type === 'boolean' ? tf.notEqual(x, 0) : x;
      }
      case 'call': {
        const xs = e.args.map((a) => build(a, b, divisors));
        if (e.fn === 'and') return tf.logicalAnd(xs[0]!, xs[1]!);
        if (e.fn in UNARY) return UNARY[e.fn]!(tf, xs[0]!);
        if (e.fn === 'divide') divisors.push(...xs.slice(1));
        return xs.slice(1).reduce((acc, x) => BINARY[e.fn]!(tf, acc, x), xs[0]!);
      }
      default: throw new Error(`unreachable: ${e.kind}`);
    }
  };
  const validityOf = (e: BoundExpr, b: Batch, divisors: Float32Array[]): Uint8Array | null => {
    const refs = new Set<number>();
    const walk = (x: BoundExpr): void => {
      if (x.kind === 'ref') refs.add(x.index);
      else if (x.kind === 'cast') walk(x.expr);
      else if (x.kind === 'call') x.args.forEach(walk);
    };
    walk(e);
    const vs = [...refs].map((i) => b.columns[i]!.validity).filter((v): v is Uint8Array => v !== null);
    if (!vs.length && !divisors.length) return null;
    const out = new Uint8Array(b.numRows).fill(1);
    for (const v of vs) for (let i = 0; i < out.length; i++) out[i]! &= v[i]!;
    for (const d of divisors) for (let i = 0; i < out.length; i++) if (d[i] === 0) out[i] = 0;
    return out;
  };
  const run = (e: BoundExpr, b: Batch): { values: Float32Array | Uint8Array; validity: Uint8Array | null; result: TF.Tensor } => {
    const divisorTs: TF.Tensor[] = [];
    trimResident();
    const [r, divs] = tf.tidy(() => {
      const out = tf.broadcastTo(build(e, b, divisorTs), [b.numRows]);
      return [out, divisorTs.map((d) => tf.broadcastTo(d, [b.numRows]))] as const;
    });
    const values = r.dataSync() as Float32Array | Uint8Array;
    const divisors = divs.map((d) => d.dataSync() as Float32Array);
    t.fromDevice += 1 + divs.length;
    t.bytesFromDevice += values.byteLength;
    tf.dispose(divs);
    return { values, validity: validityOf(e, b, divisors), result: r };
  };
  const expr: ExprBackend = {
    name,
    kernelBackends: [name],
    supports: (e) => precision === 'float32' && e.kind !== 'ref' && e.kind !== 'lit' && fusable(e),
    compile: (e) => hasLogic(e) ? JS_BACKEND.compile(e) : (b) => {
      const { values, validity, result } = run(e, b);
      const out = e.type === 'boolean' ? Uint8Array.from(values) : e.type === 'int32' ? Int32Array.from(values) : Float64Array.from(values);
      const col = new ColumnData(e.type, b.numRows, out, validity);
      // A numeric result stays on the device: a later expression over this column reads it there.
      if (NUMERIC.has(e.type)) keepResident(col, result);
      else result.dispose();
      return col;
    },
    compilePredicate: (e) => (b) => {
      const { values, validity, result } = run(e, b);
      result.dispose();
      const mask = new Uint8Array(b.numRows);
      let count = 0;
      for (let i = 0; i < mask.length; i++) count += mask[i] = values[i] !== 0 && (validity === null || validity[i] === 1) ? 1 : 0;
      return { mask, count };
    },
  };
  return { kernels: kb, expr };
}
