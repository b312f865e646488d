/**
 * Types of the optional TensorFlow.js WebGPU backend: not a dependency (installed by the user next
 * to the `webgpu` package, or carried by the GPU run, scripts/gpu-run.sh), imported by name in
 * tf.ts so a bundler can take it along.
 */
declare module '@tensorflow/tfjs-backend-webgpu' {
  export class WebGPUBackend {
    constructor(device: unknown, adapterInfo?: unknown);
  }
}
