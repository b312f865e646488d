/**
 * The TensorFlow.js backend choice, in one place so the later `src/kernels/` layer (GPU
 * backends) can take it over: `tfjs-node`'s native 'tensorflow' backend when that optional
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
export type TfBackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

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
  for (const name of order) {
    if (name === 'tensorflow' && !(await registerNode())) continue;
    if (name === 'wasm' && !(await registerWasm())) continue;
    if (await trySet(name)) return `tfjs-${name}`;
  }
  throw new Error('no TensorFlow.js backend could be initialised (not even cpu)');
}
