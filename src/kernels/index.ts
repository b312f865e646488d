/**
 * Kernel backends, picked at session start-up (`Session.create({ kernels })`) and reported by
 * `spark.kernels.describe()`. Each backend is loaded dynamically; each that fails leaves a
 * one-line notice and the choice falls back (to 'js', the always-there typed-array path). 'auto'
 * is cost-based: it takes a GPU backend (tfjs-node-gpu, WebGPU) only where one loads and the
 * precision policy lets it take the work; the CPU tfjs backends lost to 'js' on element-wise work
 * in bench:kernels (README, Kernels), so without a GPU 'auto' is 'js'.
 */
import { IllegalArgumentError } from '../errors.js';
import { type ExprBackend, JS_BACKEND } from '../expr/backend.js';
import { registerJsKernels } from './js.js';
import { importTf, registerWebGpu, trySetTfBackend } from './tf.js';
import { type KernelPrecision, registerTfKernels } from './tfjs.js';

export { type KernelPrecision } from './tfjs.js';
export * from './registry.js';

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
  /** The backend expressions are compiled with. */
  readonly chosen: string;
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
const GPU = new Set(['tfjs-node-gpu', 'webgpu']);
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

/** Picks and loads the kernel backend for a session: the forced one, or auto's order; failures fall back to js with a notice. */
export async function chooseKernels(opt: KernelsOption | undefined, notify: (line: string) => void = (l) => console.warn(l)): Promise<{ expr: ExprBackend; description: KernelsDescription }> {
  const { requested, precision } = parseKernelsOption(opt);
  const order = requested === 'auto' ? ['tfjs-node-gpu', 'webgpu'] : requested === 'js' ? [] : [requested];
  const tried: { backend: string; loaded: boolean; notice?: string }[] = [];
  let chosen: ExprBackend = JS_BACKEND;
  for (const name of order) {
    const r = await load(name, precision);
    if (typeof r === 'string') {
      tried.push({ backend: name, loaded: false, notice: r });
      if (requested !== 'auto') notify(`kindling: kernels '${name}' unavailable, using js: ${r}`);
      continue;
    }
    tried.push({ backend: name, loaded: true });
    // auto: a GPU backend only (the CPU tfjs backends lose to js end to end, see bench:kernels).
    if (requested !== 'auto' || GPU.has(name)) {
      chosen = r;
      break;
    }
  }
  await load('js', precision);
  tried.push({ backend: 'js', loaded: true });
  return { expr: chosen, description: { requested, precision, tried, chosen: chosen.name } };
}

/** A worker's backend for a task request (loaded once per thread); js when absent or when it does not load here. */
export async function exprBackendFor(req: KernelRequest | undefined): Promise<ExprBackend> {
  if (!req || req.backend === 'js') return JS_BACKEND;
  const r = await load(req.backend, req.precision);
  return typeof r === 'string' ? JS_BACKEND : r;
}
