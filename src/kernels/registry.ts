/**
 * Kernels per backend, registered by function and argument types: reductions (sum, min, max,
 * mean, variance, count), grouped sums over int group ids (segment sums), compaction by a mask,
 * and matmul / dense layers. Each backend declares the element types it takes; `findKernel`
 * answers only where the backend registered that function for those types, so a caller falls
 * back to 'js' (the reference, registered for every type) otherwise. Transfers to and from a
 * device are counted per backend.
 */
import { IllegalArgumentError } from '../errors.js';

/** Element types a kernel argument can have. */
export type KernelType = 'float32' | 'float64' | 'int32';
/** A numeric column as a typed array. */
export type NumArray = Float32Array | Float64Array | Int32Array;
/** A dense layer: `y = activation(x · weights + bias)`, weights row-major inDim × outDim. */
export interface DenseLayer {
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly inDim: number;
  readonly outDim: number;
  readonly activation: 'linear' | 'relu' | 'sigmoid' | 'softmax';
}

/** Kernel signatures. `valid` is a 0/1 validity mask (null: all valid); null results mean "no valid input". */
export interface KernelSignatures {
  sum(x: NumArray, valid: Uint8Array | null): Promise<number | null>;
  min(x: NumArray, valid: Uint8Array | null): Promise<number | null>;
  max(x: NumArray, valid: Uint8Array | null): Promise<number | null>;
  mean(x: NumArray, valid: Uint8Array | null): Promise<number | null>;
  /** Sample variance (Spark's variance / var_samp); null below two values. */
  variance(x: NumArray, valid: Uint8Array | null): Promise<number | null>;
  count(x: NumArray, valid: Uint8Array | null): Promise<number>;
  /** Sum of x per group id in [0, numGroups) (invalid rows skipped). */
  segment_sum(x: NumArray, groups: Int32Array, numGroups: number, valid: Uint8Array | null): Promise<Float64Array>;
  /** The values where mask is 1, in order. */
  compact(x: NumArray, mask: Uint8Array): Promise<NumArray>;
  /** a (rows × inner) · b (inner × cols), row-major float32. */
  matmul(a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number): Promise<Float32Array>;
  /** x (rows × layers[0].inDim) through the layers. */
  dense(x: Float32Array, rows: number, layers: readonly DenseLayer[]): Promise<Float32Array>;
}
export type KernelFn = keyof KernelSignatures;

/** Counted host↔device traffic of a backend. */
export interface TransferStats {
  toDevice: number;
  fromDevice: number;
  bytesToDevice: number;
  bytesFromDevice: number;
}

/** A kernel backend: its name, the element types it takes, its kernels and transfer counts. */
export interface KernelBackend {
  readonly name: string;
  readonly types: ReadonlySet<KernelType>;
  readonly transfers: TransferStats;
}

// One registry per thread, even where this module is loaded twice (a module UDF imported by URL
// next to the bundled sources, as under vitest), so transfer counts and kernels are shared.
const REGISTRY = Symbol.for('kindling.kernelRegistry');
type RegistryState = { backends: Map<string, KernelBackend>; kernels: Map<string, Map<KernelFn, { types: ReadonlySet<KernelType>; impl: unknown }>> };
const state: RegistryState = ((globalThis as Record<symbol, unknown>)[REGISTRY] as RegistryState | undefined) ??
  ((globalThis as Record<symbol, unknown>)[REGISTRY] = { backends: new Map(), kernels: new Map() } as RegistryState);
const { backends, kernels } = state;

/** The element type of a typed array. */
export function typeOf(x: NumArray): KernelType {
  return x instanceof Float32Array ? 'float32' : x instanceof Float64Array ? 'float64' : 'int32';
}

/** Declares a backend and the element types it takes (replacing an earlier declaration of that name, whose transfer counts carry on). */
export function defineBackend(name: string, types: readonly KernelType[]): KernelBackend {
  const b: KernelBackend = { name, types: new Set(types), transfers: backends.get(name)?.transfers ?? { toDevice: 0, fromDevice: 0, bytesToDevice: 0, bytesFromDevice: 0 } };
  backends.set(name, b);
  kernels.set(name, new Map());
  return b;
}

/** Registers `impl` as `backend`'s kernel for `fn` over the given element types (each must be one the backend takes). */
export function registerKernel<F extends KernelFn>(backend: KernelBackend, fn: F, types: readonly KernelType[], impl: KernelSignatures[F]): void {
  for (const t of types) if (!backend.types.has(t)) throw new IllegalArgumentError(`registerKernel: backend '${backend.name}' does not take ${t} (it takes ${[...backend.types].join(', ')}); declare the type in defineBackend first`);
  kernels.get(backend.name)!.set(fn, { types: new Set(types), impl });
}

/** `backend`'s kernel for `fn` over element type `type`, or undefined where it has none (use 'js'). */
export function findKernel<F extends KernelFn>(backend: string, fn: F, type: KernelType): KernelSignatures[F] | undefined {
  const k = kernels.get(backend)?.get(fn);
  return k && k.types.has(type) ? (k.impl as KernelSignatures[F]) : undefined;
}

/** The kernel for `fn` over `type` on `backend`, else js's. */
export function kernelFor<F extends KernelFn>(backend: string, fn: F, type: KernelType): KernelSignatures[F] {
  return findKernel(backend, fn, type) ?? findKernel('js', fn, type)!;
}

/** A declared backend by name. */
export function kernelBackend(name: string): KernelBackend | undefined {
  return backends.get(name);
}

/** Names of the declared backends. */
export function kernelBackendNames(): string[] {
  return [...backends.keys()];
}
