/**
 * The TensorFlow.js backend choice, shared by the kernel backends (src/kernels/) and the model
 * layer (src/models/): `tfjs-node`'s native 'tensorflow' backend when that optional
 * package is installed (it is not a dependency: it downloads libtensorflow at install and does
 * not load on Node 20.20), else the WebAssembly backend (its .wasm files are read from
 * node_modules), else the pure-JS cpu backend. Backends are per thread, like tfjs's engine;
 * tfjs runs in production mode (no debug checks or console advice). TensorFlow.js is imported
 * on first use, so importing the model layer costs nothing until a tfjs model is loaded.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TF from '@tensorflow/tfjs-core';

/** A TensorFlow.js backend request: 'auto' picks the fastest that loads. */
export type TfBackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu' | 'webgpu';

let tfPromise: Promise<typeof TF> | undefined;

/** tfjs-core with the cpu backend registered, imported once per thread, in production mode. */
export function importTf(): Promise<typeof TF> {
  tfPromise ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    // Production mode: no debug checks, and no console advice to install tfjs-node.
    if (!tf.env().getBool('PROD')) tf.enableProdMode();
    return tf;
  })();
  return tfPromise;
}

let wasmRegistered: Promise<boolean> | undefined;
let webgpuRegistered: Promise<string | null> | undefined;

/**
 * Registers tfjs's WebGPU backend on a Dawn device from the optional `webgpu` package (Node has
 * no `navigator.gpu`); resolves to null when it worked, else to the one-line reason it did not.
 * Unverified on a GPU in this repository's CI (no adapter there): see README, Kernels.
 */
export function registerWebGpu(): Promise<string | null> {
  webgpuRegistered ??= (async () => {
    const pkg = 'webgpu';
    let dawn: { create(flags: string[]): { requestAdapter(o?: object): Promise<unknown> }; globals?: object };
    try {
      dawn = (await import(pkg)) as typeof dawn;
    } catch {
      return `the 'webgpu' package (Dawn) is not installed (npm install webgpu @tensorflow/tfjs-backend-webgpu)`;
    }
    const gpu = dawn.create(['backend=vulkan']);
    const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null)) as { requestDevice(o?: object): Promise<unknown>; features: ReadonlySet<string>; limits: Record<string, number>; info?: unknown } | null;
    if (!adapter) return 'Dawn found no GPU adapter (no Vulkan/Metal/D3D12 driver it accepts)';
    try {
      if (dawn.globals) Object.assign(globalThis, dawn.globals);
      Object.defineProperty(globalThis, 'navigator', { value: { ...(globalThis as { navigator?: object }).navigator, gpu }, configurable: true });
      const webgpu = await import('@tensorflow/tfjs-backend-webgpu');
      const tf = await importTf();
      // tfjs-backend-webgpu 4.22 passes requiredFeatures as an array with 'bgra8unorm-storage': request the device
      // ourselves, with the adapter's buffer limits (the spec's defaults cap a storage buffer at 128 MiB).
      const { maxStorageBufferBindingSize, maxBufferSize } = adapter.limits;
      const device = await adapter.requestDevice({ requiredFeatures: [], requiredLimits: { maxStorageBufferBindingSize, maxBufferSize } });
      tf.registerBackend('webgpu', () => new webgpu.WebGPUBackend(device, adapter.info) as never, 3);
      return null;
    } catch (e) {
      return `tfjs WebGPU backend failed to start: ${(e as Error).message.split('\n')[0]}`;
    }
  })();
  return webgpuRegistered;
}
let nodeRegistered: Promise<boolean> | undefined;

/** Registers the wasm backend (once per thread); false when it cannot load. */
function registerWasm(): Promise<boolean> {
  wasmRegistered ??= (async () => {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const req = createRequire(import.meta.url);
      const dir = path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(dir + path.sep);
      return true;
    } catch {
      return false;
    }
  })();
  return wasmRegistered;
}

/** Imports the optional `@tensorflow/tfjs-node` (registers the 'tensorflow' backend); false when absent. */
function registerNode(): Promise<boolean> {
  nodeRegistered ??= (async () => {
    const name = '@tensorflow/tfjs-node';
    try {
      await import(name);
      return (await importTf()).findBackend('tensorflow') !== null;
    } catch {
      return false;
    }
  })();
  return nodeRegistered;
}

/** Registers the wasm backend if needed and makes `name` the thread's backend; false when it cannot. */
export async function trySetTfBackend(name: 'tensorflow' | 'wasm' | 'cpu' | 'webgpu'): Promise<boolean> {
  if (name === 'tensorflow' && !(await registerNode())) return false;
  if (name === 'wasm' && !(await registerWasm())) return false;
  if (name === 'webgpu' && (await registerWebGpu()) !== null) return false;
  return trySet(name);
}

async function trySet(name: string): Promise<boolean> {
  const tf = await importTf();
  if (tf.getBackend() === name) return true;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/**
 * Makes `requested` the thread's TensorFlow.js backend ('auto': tensorflow, then wasm, then cpu)
 * and returns the one in use as `'tfjs-<name>'`. A named backend that does not load falls back
 * to cpu.
 */
export async function useTfBackend(requested: TfBackendName = 'auto'): Promise<string> {
  const order = requested === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [requested, 'cpu'];
  for (const name of order) if (await trySetTfBackend(name as 'tensorflow')) return `tfjs-${name}`;
  throw new Error('no TensorFlow.js backend could be initialised (not even cpu)');
}
