/**
 * Kernel backends, picked at session start-up (`Session.create({ kernels })`) and reported by
 * `spark.kernels.describe()`. Each backend is loaded dynamically; each that fails leaves a
 * one-line notice and the choice falls back (to 'js', the always-there typed-array path). 'auto'
 * is cost-based: it loads what it can of tfjs-node-gpu, WebGPU, tfjs-node and tfjs-wasm and, per
 * operator and batch, runs each expression or kernel on the backend the measured calibration
 * (cost.ts, calibration.ts) says is cheapest for that size, transfers included, among those the
 * precision policy lets take the work; js otherwise.
 */
import { IllegalArgumentError } from '../errors.js';
import { type ExprBackend, JS_BACKEND } from '../expr/backend.js';
import type { BoundExpr } from '../expr/expr.js';
import { registerJsKernels } from './js.js';
import { type CostKernel, denseWork, kernelCalibration, pickBackend } from './cost.js';
import { importTf, registerWebGpu, trySetTfBackend } from './tf.js';
import { type KernelPrecision, registerTfKernels } from './tfjs.js';
import { type DenseLayer, type TransferStats, findKernel, kernelBackend, kernelBackendNames, kernelFor } from './registry.js';

export { type KernelPrecision } from './tfjs.js';
export * from './registry.js';
export { type CostKernel, type KernelCalibration, crossover, estimateSeconds, pickBackend, kernelCalibration, setKernelCalibration, GPU_UNCALIBRATED_MIN_ROWS } from './cost.js';

/** Backend names `Session.create({ kernels })` accepts. */
export const KERNEL_BACKENDS = ['auto', 'js', 'tfjs-cpu', 'tfjs-wasm', 'tfjs-node', 'tfjs-node-gpu', 'webgpu'] as const;
export type KernelBackendName = (typeof KERNEL_BACKENDS)[number];
/** The `kernels` session option: a backend name, or a backend with a precision policy. */
export type KernelsOption = KernelBackendName | { readonly backend?: KernelBackendName; readonly precision?: KernelPrecision };

/** What the workers are told: the chosen backend and precision (travels in each TaskRequest). */
export interface KernelRequest {
  readonly backend: string;
  readonly precision: KernelPrecision;
}

/** What `spark.kernels.describe()` reports. */
export interface KernelsDescription {
  readonly requested: KernelBackendName;
  readonly precision: KernelPrecision;
  /** Each backend tried, in order, with whether it loaded and, if not, why. */
  readonly tried: readonly { readonly backend: string; readonly loaded: boolean; readonly notice?: string }[];
  /** The backend expressions are compiled with ('auto': per operator and batch, by cost, among `candidates`). */
  readonly chosen: string;
  /** The kernel backends operators may use (for 'auto', those it chooses among by cost; always ends with 'js'). */
  readonly candidates: readonly string[];
  /** This thread's counted host↔device transfers per kernel backend (worker threads count their own). */
  readonly transfers: Readonly<Record<string, TransferStats>>;
}

/** Validates the `kernels` option (like the other Session options). */
export function parseKernelsOption(opt: KernelsOption | undefined): KernelRequest & { requested: KernelBackendName } {
  const o = typeof opt === 'string' || opt === undefined ? { backend: opt } : opt;
  if (typeof o !== 'object' || o === null) throw new IllegalArgumentError(`kernels must be a backend name or { backend, precision }, got ${String(opt)}`);
  const backend = o.backend ?? 'js';
  if (!(KERNEL_BACKENDS as readonly string[]).includes(backend)) throw new IllegalArgumentError(`kernels: unknown backend '${String(backend)}'; use one of ${KERNEL_BACKENDS.map((b) => `'${b}'`).join(', ')}`);
  const precision = o.precision ?? 'exact';
  if (precision !== 'exact' && precision !== 'float32') throw new IllegalArgumentError(`kernels.precision must be 'exact' or 'float32', got '${String(precision)}'`);
  return { backend, precision, requested: backend };
}

const TF_NAMES: Record<string, 'cpu' | 'wasm' | 'tensorflow' | 'webgpu'> = { 'tfjs-cpu': 'cpu', 'tfjs-wasm': 'wasm', 'tfjs-node': 'tensorflow', 'tfjs-node-gpu': 'tensorflow', webgpu: 'webgpu' };
/** What 'auto' tries to load, in the issue's order of preference (tfjs-cpu never wins a measured kernel: left out). */
const AUTO_ORDER = ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'tfjs-wasm'];
const loadedExpr = new Map<string, ExprBackend>();
let jsRegistered = false;

/** Loads one backend (once per thread and precision); a one-line reason when it does not load. */
async function load(name: string, precision: KernelPrecision): Promise<ExprBackend | string> {
  if (!jsRegistered) {
    registerJsKernels();
    jsRegistered = true;
  }
  if (name === 'js') return JS_BACKEND;
  const key = `${name}/${precision}`;
  const have = loadedExpr.get(key);
  if (have) return have;
  const tfName = TF_NAMES[name]!;
  try {
    if (name === 'tfjs-node-gpu') await import('@tensorflow/tfjs-node-gpu' as string);
    if (tfName === 'webgpu') {
      const why = await registerWebGpu();
      if (why) return why;
    }
    if (!(await trySetTfBackend(tfName))) return `${name}: the tfjs '${tfName}' backend did not load${tfName === 'tensorflow' ? ' (@tensorflow/tfjs-node is not installed or does not load on this Node)' : ''}`;
  } catch (e) {
    return `${name}: ${(e as Error).message.split('\n')[0]}`;
  }
  const { expr } = registerTfKernels(await importTf(), name, tfName, precision);
  loadedExpr.set(key, expr);
  return expr;
}

/**
 * The cost-based expression backend over the loaded `candidates`: each expression compiles on
 * every candidate that takes it, and each batch runs on the one the calibration says is cheapest
 * for its row count (element-wise work as 'elementwise', predicates as 'filter'), else on js.
 */
function autoBackend(candidates: readonly ExprBackend[]): ExprBackend {
  const names = candidates.map((c) => c.name);
  const chooser = <F>(e: BoundExpr, kernel: CostKernel, compile: (b: ExprBackend, e: BoundExpr) => F): ((n: number) => F) => {
    const takers = candidates.filter((c) => c.supports(e));
    const fns = new Map<string, F>([['js', compile(JS_BACKEND, e)], ...takers.map((c) => [c.name, compile(c, e)] as [string, F])]);
    const names = takers.map((c) => c.name);
    return (n) => fns.get(pickBackend(kernelCalibration(), kernel, n, names))!;
  };
  return {
    name: 'auto',
    kernelBackends: [...names, 'js'],
    supports: (e) => candidates.some((c) => c.supports(e)),
    compile: (e) => {
      const pick = chooser(e, 'elementwise', (b, x) => b.compile(x));
      return (b) => pick(b.numRows)(b);
    },
    compilePredicate: (e) => {
      const pick = chooser(e, 'filter', (b, x) => b.compilePredicate(x));
      return (b) => pick(b.numRows)(b);
    },
  };
}

/** Loads auto's candidates (once per thread and precision): the cost-based backend, or js when none loads. */
async function loadAuto(precision: KernelPrecision, tried?: { backend: string; loaded: boolean; notice?: string }[]): Promise<ExprBackend> {
  const key = `auto/${precision}`;
  const have = loadedExpr.get(key);
  if (have && !tried) return have;
  const loaded: ExprBackend[] = [];
  for (const name of AUTO_ORDER) {
    const r = await load(name, precision);
    tried?.push(typeof r === 'string' ? { backend: name, loaded: false, notice: r } : { backend: name, loaded: true });
    if (typeof r !== 'string') loaded.push(r);
  }
  if (have) return have;
  const auto = loaded.length ? autoBackend(loaded) : JS_BACKEND;
  loadedExpr.set(key, auto);
  return auto;
}

/** This thread's transfer counts per declared kernel backend. */
function transferCounts(): Record<string, TransferStats> {
  return Object.fromEntries(kernelBackendNames().filter((n) => n !== 'js').map((n) => [n, { ...kernelBackend(n)!.transfers }]));
}

/** Picks and loads the kernel backend for a session: the forced one, or auto's cost-based choice; failures fall back to js with a notice. */
export async function chooseKernels(opt: KernelsOption | undefined, notify: (line: string) => void = (l) => console.warn(l)): Promise<{ expr: ExprBackend; description: KernelsDescription }> {
  const { requested, precision } = parseKernelsOption(opt);
  const tried: { backend: string; loaded: boolean; notice?: string }[] = [];
  let chosen: ExprBackend = JS_BACKEND;
  if (requested === 'auto') chosen = await loadAuto(precision, tried);
  else if (requested !== 'js') {
    const r = await load(requested, precision);
    if (typeof r === 'string') {
      tried.push({ backend: requested, loaded: false, notice: r });
      notify(`kindling: kernels '${requested}' unavailable, using js: ${r}`);
    } else {
      tried.push({ backend: requested, loaded: true });
      chosen = r;
    }
  }
  await load('js', precision);
  tried.push({ backend: 'js', loaded: true });
  const candidates = [...(chosen.kernelBackends ?? []).filter((b) => b !== 'js'), 'js'];
  return { expr: chosen, description: { requested, precision, tried, chosen: chosen.name, candidates, get transfers() { return transferCounts(); } } };
}

/** A worker's backend for a task request (loaded once per thread); js when absent or when it does not load here. */
export async function exprBackendFor(req: KernelRequest | undefined): Promise<ExprBackend> {
  if (!req || req.backend === 'js') return load('js', 'exact') as Promise<ExprBackend>;
  if (req.backend === 'auto') return loadAuto(req.precision);
  const r = await load(req.backend, req.precision);
  return typeof r === 'string' ? JS_BACKEND : r;
}

/** Kernel backend names of the tfjs backends (`'wasm'` → `'tfjs-wasm'`, ...). */
const KERNELS_OF_TF: Record<string, KernelBackendName> = { cpu: 'tfjs-cpu', wasm: 'tfjs-wasm', tensorflow: 'tfjs-node', webgpu: 'webgpu' };

/**
 * Dense layers (model scoring) through the kernel registry: the `dense` kernel of the session's
 * kernel choice `req` (forced: that backend; 'auto': the cheapest for the batch's work by the
 * calibration, an uncalibrated GPU from GPU_UNCALIBRATED_MIN_ROWS rows on; 'js': the typed-array
 * loops), or, without a session choice, of the tfjs backend the model loaded on (`tfBackend`,
 * e.g. 'wasm'). Dense work is float32 by nature, so every precision takes it. Returns the
 * forward pass and the backend(s) it may run on.
 */
export async function denseKernelsFor(req: KernelRequest | undefined, tfBackend: string): Promise<{ name: string; dense: (x: Float32Array, rows: number, layers: readonly DenseLayer[]) => Promise<Float32Array> }> {
  const expr = await exprBackendFor(req ?? { backend: KERNELS_OF_TF[tfBackend] ?? 'js', precision: 'exact' });
  const names = (expr.kernelBackends ?? []).filter((b) => b !== 'js' && findKernel(b, 'dense', 'float32'));
  if (expr.name !== 'auto') {
    const name = names[0] ?? 'js';
    return { name, dense: kernelFor(name, 'dense', 'float32') };
  }
  return {
    name: `auto(${[...names, 'js'].join(', ')})`,
    dense: (x, rows, layers) => {
      const macs = layers.reduce((m, l) => m + l.inDim * l.outDim, 0);
      return kernelFor(pickBackend(kernelCalibration(), 'dense', denseWork(rows, macs), names), 'dense', 'float32')(x, rows, layers);
    },
  };
}
