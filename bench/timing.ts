/** Timing helper shared by the benchmarks: the median wall time of `runs` calls, in seconds. */
export async function medianSeconds(f: () => unknown, runs: number): Promise<number> {
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    ts.push((performance.now() - t0) / 1000);
  }
  return ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)]!;
}
