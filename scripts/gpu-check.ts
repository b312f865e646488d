/**
 * The GPU run's checks (scripts/gpu-run.sh runs this bundled, with a carried Node): the machine,
 * a Dawn adapter request with backend=vulkan through the `webgpu` package (its name, driver and
 * buffer limits, or why there is none), then the kernel conformance suite (src/kernels/
 * conformance.ts, the one test/kernels.test.ts runs) on every kernel backend that loads, WebGPU
 * included where an adapter exists. Prints one line per result and writes a JSON summary to
 * `--out FILE`. Exit status: 0 when every backend that loaded conforms (also when there is no
 * GPU: that is reported, never passed off as a GPU run), 1 when a check fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import { chooseKernels } from '../src/kernels/index.js';
import { CONFORMANCE_CHECKS } from '../src/kernels/conformance.js';

const outIdx = process.argv.indexOf('--out');
const outFile = outIdx >= 0 ? process.argv[outIdx + 1] : undefined;
const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` };
console.log(`machine: ${machine.cpu} × ${machine.cores}, Node ${machine.node}, ${machine.platform}`);

/** The Dawn adapter with backend=vulkan: its info and limits, or why there is none. */
async function adapterInfo(): Promise<Record<string, unknown>> {
  const pkg = 'webgpu';
  let dawn: { create(flags: string[]): { requestAdapter(o?: object): Promise<unknown> } };
  try {
    dawn = (await import(pkg)) as typeof dawn;
  } catch (e) {
    return { adapter: null, reason: `the 'webgpu' package does not load: ${(e as Error).message.split('\n')[0]}` };
  }
  const a = (await dawn.create(['backend=vulkan']).requestAdapter({ powerPreference: 'high-performance' }).catch((e: Error) => e)) as
    | { info?: Record<string, unknown>; limits?: Record<string, number>; features?: Iterable<string> } | Error | null;
  if (a === null || a instanceof Error) return { adapter: null, reason: a ? `requestAdapter failed: ${a.message}` : 'Dawn found no adapter for backend=vulkan (no Vulkan driver it accepts)' };
  const info = a.info ?? {};
  return {
    adapter: { vendor: info['vendor'], architecture: info['architecture'], device: info['device'], description: info['description'] },
    limits: { maxStorageBufferBindingSize: a.limits?.['maxStorageBufferBindingSize'], maxBufferSize: a.limits?.['maxBufferSize'], maxComputeWorkgroupsPerDimension: a.limits?.['maxComputeWorkgroupsPerDimension'] },
    features: [...(a.features ?? [])],
  };
}

const adapter = await adapterInfo();
console.log(adapter['adapter'] ? `Dawn adapter (backend=vulkan): ${JSON.stringify(adapter['adapter'])}, limits ${JSON.stringify(adapter['limits'])}` : `Dawn adapter (backend=vulkan): none: ${String(adapter['reason'])}`);

const results: { backend: string; loaded: boolean; notice?: string; checks?: { name: string; failures: string[] }[] }[] = [];
let failed = false;
for (const backend of ['js', 'tfjs-cpu', 'tfjs-wasm', 'webgpu'] as const) {
  const { description } = await chooseKernels({ backend, precision: 'float32' }, () => {});
  if (description.chosen !== backend) {
    const notice = description.tried[0]?.notice ?? 'did not load';
    console.log(`conformance on ${backend}: skipped: ${notice}`);
    results.push({ backend, loaded: false, notice });
    continue;
  }
  const checks: { name: string; failures: string[] }[] = [];
  for (const c of CONFORMANCE_CHECKS) {
    const failures = await c.run(backend).catch((e: Error) => [`threw: ${e.message.split('\n')[0]}`]);
    checks.push({ name: c.name, failures });
    failed ||= failures.length > 0;
    console.log(`conformance on ${backend}: ${failures.length ? 'FAIL' : 'ok'}   ${c.name}${failures.length ? `: ${failures.join('; ')}` : ''}`);
  }
  results.push({ backend, loaded: true, checks });
}
const gpu = results.find((r) => r.backend === 'webgpu')!;
console.log(gpu.loaded ? `WebGPU: ran the conformance suite on the GPU (${failed ? 'with failures' : 'all passed'})` : 'WebGPU: no GPU backend loaded here; nothing ran on a GPU');
if (outFile) fs.writeFileSync(outFile, JSON.stringify({ machine, ...adapter, results }, null, 1) + '\n');
process.exit(failed ? 1 : 0);
