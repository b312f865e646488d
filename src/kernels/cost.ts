/**
 * The cost model behind `kernels: 'auto'`: measured seconds per backend, per kernel and per size
 * (bench:kernels writes them to bench/results/kernels-calibration.json and calibration.ts), read
 * back by interpolation, so the choice between backends follows the measured crossover instead
 * of a guess. Each measurement includes the transfers (typed arrays in, typed arrays out), so an
 * estimate is a cost "including transfer". A backend with no measurement for a kernel is never
 * picked for it, except that a GPU backend without calibration takes float32-by-nature work
 * (dense layers, model scoring) from `GPU_UNCALIBRATED_MIN_ROWS` rows on. Pure functions only:
 * no backend is loaded here.
 */
import { CALIBRATION } from './calibration.js';

/** The kernels the cost model knows (bench:kernels measures each). */
export type CostKernel = 'elementwise' | 'filter' | 'sum' | 'segment_sum' | 'dense';

/** Measured points per backend and kernel: `[rows, seconds]`, rows ascending. */
export interface KernelCalibration {
  /** The machine measured (CPU model × cores, Node version, GPU or "none"). */
  readonly machine: string;
  readonly points: Readonly<Record<string, Partial<Record<CostKernel, readonly (readonly [number, number])[]>>>>;
}

/** Multiply-adds per row of the benchmark's dense stack (13 → 64 → 16 → 3): dense work is scaled by it. */
export const BENCH_DENSE_MACS = 13 * 64 + 64 * 16 + 16 * 3;
/** GPU backends: without a calibration they take dense work (model scoring) from this many rows on, nothing else. */
export const GPU_UNCALIBRATED_MIN_ROWS = 100_000;
/** Backends that run on a GPU. */
export const GPU_BACKENDS: ReadonlySet<string> = new Set(['tfjs-node-gpu', 'webgpu']);

/** Benchmark rows equivalent to `rows` rows through dense layers of `macsPerRow` multiply-adds. */
export function denseWork(rows: number, macsPerRow: number): number {
  return (rows * macsPerRow) / BENCH_DENSE_MACS;
}

/**
 * Estimated seconds for `rows` rows of `kernel` on `backend`: linear interpolation between the
 * measured sizes, and the nearest measured rate (seconds per row) outside them; undefined where
 * nothing was measured.
 */
export function estimateSeconds(cal: KernelCalibration, backend: string, kernel: CostKernel, rows: number): number | undefined {
  const pts = cal.points[backend]?.[kernel];
  if (!pts || pts.length === 0) return undefined;
  if (rows <= pts[0]![0]) return (pts[0]![1] / pts[0]![0]) * rows;
  for (let i = 1; i < pts.length; i++) {
    const [n1, s1] = pts[i]!;
    if (rows <= n1) {
      const [n0, s0] = pts[i - 1]!;
      return s0 + ((s1 - s0) * (rows - n0)) / (n1 - n0);
    }
  }
  const [n, s] = pts[pts.length - 1]!;
  return (s / n) * rows;
}

/**
 * The cheapest backend among `candidates` (which always includes 'js', the fallback) for `rows`
 * rows of `kernel`. A candidate without a measurement is skipped, except an uncalibrated GPU
 * backend on dense work from `GPU_UNCALIBRATED_MIN_ROWS` rows on. Ties go to the earlier candidate.
 */
export function pickBackend(cal: KernelCalibration, kernel: CostKernel, rows: number, candidates: readonly string[]): string {
  let best = 'js';
  let bestCost = estimateSeconds(cal, 'js', kernel, rows) ?? Infinity;
  for (const b of candidates) {
    if (b === 'js') continue;
    const cost = estimateSeconds(cal, b, kernel, rows);
    if (cost === undefined) {
      if (GPU_BACKENDS.has(b) && kernel === 'dense' && rows >= GPU_UNCALIBRATED_MIN_ROWS && cal.points[b] === undefined) return b;
      continue;
    }
    if (cost < bestCost) [best, bestCost] = [b, cost];
  }
  return best;
}

/** The smallest measured size from which `backend` beats js at every larger measured size (undefined: never). */
export function crossover(cal: KernelCalibration, backend: string, kernel: CostKernel): number | undefined {
  const sizes = (cal.points[backend]?.[kernel] ?? []).map(([n]) => n).filter((n) => estimateSeconds(cal, 'js', kernel, n) !== undefined);
  const beats = (n: number) => estimateSeconds(cal, backend, kernel, n)! < estimateSeconds(cal, 'js', kernel, n)!;
  return sizes.find((n, i) => sizes.slice(i).every(beats));
}

/** bench:kernels workload names → the kernel each measures. */
export const BENCH_WORKLOADS: Readonly<Record<string, CostKernel>> = {
  'a*b+c': 'elementwise', filter: 'filter', sum: 'sum', groupsum100: 'segment_sum', 'dense13-64-16-3': 'dense',
};

/** A calibration from bench:kernels results (per backend, workload and size: median seconds). */
export function calibrationFrom(machine: string, results: readonly { backend: string; workload: string; rows: number; seconds: number }[]): KernelCalibration {
  const points: Record<string, Partial<Record<CostKernel, [number, number][]>>> = {};
  for (const r of results) {
    const k = BENCH_WORKLOADS[r.workload];
    if (!k) continue;
    ((points[r.backend] ??= {})[k] ??= []).push([r.rows, r.seconds]);
  }
  for (const b of Object.values(points)) for (const pts of Object.values(b)) pts!.sort((x, y) => x[0] - y[0]);
  return { machine, points };
}

let calibration: KernelCalibration | undefined;

/** The calibration `auto` reads in this thread: the committed one (calibration.ts) unless replaced. */
export function kernelCalibration(): KernelCalibration {
  return calibration ?? CALIBRATION;
}

/**
 * Replaces this thread's calibration (undefined: back to the committed one), e.g. with one
 * measured on the machine at hand by `npm run bench:kernels -- --tag NAME`. Worker threads keep
 * the committed calibration.
 */
export function setKernelCalibration(cal: KernelCalibration | undefined): void {
  calibration = cal;
}
