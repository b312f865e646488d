/**
 * Direct aggregation A/B (`npx tsx bench/direct-agg.ts [threads=1] [pairs=9] [q4,q5,q6,q9,q10] [rows=1e6]`
 * after `npm run build` and one `npm run bench:db -- --rows 1e6` to generate the data): one
 * session over the cached db-benchmark groupby table runs each question with
 * `kindling.aggregate.direct` on and off in alternating pairs and prints the medians of wall and
 * process CPU time (all threads) and the median of the pairs' ratios (> 1: direct is faster). CPU
 * time is the steadier figure on a shared machine. No assertions: a measurement.
 */
import path from 'node:path';
import { GROUPBY_SCHEMA, kindlingGroupby } from './questions.js';
const lib = (await import(new URL('../dist/index.js', import.meta.url).href)) as typeof import('../src/index.js');
const { Session, col, functions: F } = lib;
const threads = Number(process.argv[2] ?? '1');
const reps = Number(process.argv[3] ?? '9');
const qs = (process.argv[4] ?? 'q4,q5,q6,q9,q10').split(',');
const rows = process.argv[5] ?? '1e6';
const s = await Session.create({ threads, progress: false });
const x = s.read.csv(path.resolve(`bench/data/G1_${rows}_1e2_0_0.csv`), { header: true, schema: GROUPBY_SCHEMA }).cache();
await x.count();
const NUM = new Set(['int', 'bigint', 'double']);
const run = async (df: import('../src/index.js').DataFrame) => (await df.agg(F.count('*'), ...df.dtypes.filter(([, t]) => NUM.has(t)).map(([n]) => F.sum(col(n)))).collect())[0];
const med = (a: number[]) => { const b = [...a].sort((p, q) => p - q); return b[b.length >> 1]!; };
for (const [label, q] of kindlingGroupby(lib)) {
  if (!qs.includes(label.split(' ')[0]!)) continue;
  const t: Record<string, { wall: number[]; cpu: number[] }> = { on: { wall: [], cpu: [] }, off: { wall: [], cpu: [] } };
  const once = async (mode: 'on' | 'off') => {
    s.conf.set('kindling.aggregate.direct', mode === 'on');
    const c0 = process.cpuUsage(); const w0 = performance.now();
    await run(q(x));
    const c = process.cpuUsage(c0);
    t[mode]!.wall.push(performance.now() - w0); t[mode]!.cpu.push((c.user + c.system) / 1000);
  };
  await once('on'); await once('off'); t.on = { wall: [], cpu: [] }; t.off = { wall: [], cpu: [] };
  for (let r = 0; r < reps; r++) for (const m of (r % 2 ? ['on', 'off'] : ['off', 'on']) as ('on' | 'off')[]) await once(m);
  const ratio = (k: 'wall' | 'cpu', f: (a: number[]) => number) => (f(t.off![k]) / f(t.on![k])).toFixed(2);
  const pair = (k: 'wall' | 'cpu') => med(t.off![k].map((v, i) => v / t.on![k][i]!)).toFixed(2);
  console.log(`${label.padEnd(34)} hash ${med(t.off.wall).toFixed(0)} ms / direct ${med(t.on.wall).toFixed(0)} ms wall; cpu ${med(t.off.cpu).toFixed(0)} / ${med(t.on.cpu).toFixed(0)} ms; speed-up wall ${pair('wall')}x (median of pairs), cpu ${pair('cpu')}x, best-cpu ${ratio('cpu', (a) => Math.min(...a))}x`);
}
await s.stop();
