/**
 * db-benchmark on Kindling (`npm run bench:db -- --rows 1e7`): the 10 groupby questions and the
 * 5 join questions (h2oai db-benchmark definitions) on generated data, each run with 1 thread and
 * with N threads (default 2) in the same command, printing seconds, rows/s and the speed-up, and
 * the CSV load time. Data is generated once under bench/data/. No assertions: a measurement.
 *
 * Inputs are loaded into memory (cache) first, as db-benchmark does, so questions time the
 * engine rather than CSV parsing; CSV load is timed separately.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateGroupByCsv, generateJoinCsvs } from '../scripts/generate-groupby.js';
import type { DataFrame, Session as SessionT } from '../src/index.js';
// Benchmarks measure the built package (what users run); `--src` runs the TypeScript sources
// instead (under tsx, worker threads run about 2× slower per row than from dist/).
const lib = (process.argv.includes('--src') ? await import('../src/index.js') : await import(new URL('../dist/index.js', import.meta.url).href)) as typeof import('../src/index.js');
const { Session, Window, col, functions: F } = lib;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const rows = Number(arg('rows', '1e7'));
const threadsN = Number(arg('threads', '2'));
const only = arg('only', 'all'); // 'groupby' | 'join' | 'all'
const tag = rows.toExponential().replace('+', '');
const dir = path.resolve('bench/data');
fs.mkdirSync(dir, { recursive: true });

const gbFile = path.join(dir, `G1_${tag}_1e2_0_0.csv`);
if (only !== 'join' && !fs.existsSync(gbFile)) {
  process.stderr.write(`generating groupby data (${rows} rows) ...\n`);
  generateGroupByCsv(gbFile, rows, 100);
}
let joinFiles: { x: string; small: string; medium: string; big: string } | undefined;
if (only !== 'groupby') {
  const x = path.join(dir, `J1_${tag}_NA_0_0.csv`);
  if (!fs.existsSync(x)) process.stderr.write(`generating join data (${rows} rows) ...\n`);
  joinFiles = fs.existsSync(x)
    ? { x, small: path.join(dir, `J1_${tag}_${(rows / 1e6).toExponential().replace('+', '')}_0_0.csv`), medium: path.join(dir, `J1_${tag}_${(rows / 1e3).toExponential().replace('+', '')}_0_0.csv`), big: path.join(dir, `J1_${tag}_${tag}_0_0.csv`) }
    : generateJoinCsvs(dir, rows) as never;
}

type Q = [string, (df: DataFrame) => DataFrame];
const groupby: Q[] = [
  ['q1 sum v1 by id1', (x) => x.groupBy('id1').agg(F.sum('v1').alias('v1'))],
  ['q2 sum v1 by id1:id2', (x) => x.groupBy('id1', 'id2').agg(F.sum('v1').alias('v1'))],
  ['q3 sum v1 mean v3 by id3', (x) => x.groupBy('id3').agg(F.sum('v1').alias('v1'), F.avg('v3').alias('v3'))],
  ['q4 mean v1:v3 by id4', (x) => x.groupBy('id4').agg(F.avg('v1').alias('v1'), F.avg('v2').alias('v2'), F.avg('v3').alias('v3'))],
  ['q5 sum v1:v3 by id6', (x) => x.groupBy('id6').agg(F.sum('v1').alias('v1'), F.sum('v2').alias('v2'), F.sum('v3').alias('v3'))],
  ['q6 median v3 sd v3 by id4 id5', (x) => x.groupBy('id4', 'id5').agg(F.median('v3').alias('median_v3'), F.stddev('v3').alias('sd_v3'))],
  ['q7 max v1 - min v2 by id3', (x) => x.groupBy('id3').agg(F.max('v1').minus(F.min('v2')).alias('range_v1_v2'))],
  ['q8 largest two v3 by id6', (x) => x.filter(col('v3').isNotNull()).withColumn('rn', F.row_number().over(Window.partitionBy('id6').orderBy(col('v3').desc()))).filter(col('rn').leq(2)).select('id6', 'v3')],
  ['q9 regression v1 v2 by id2 id4', (x) => x.groupBy('id2', 'id4').agg(F.pow(F.corr('v1', 'v2'), 2).alias('r2'))],
  ['q10 sum v3 count by id1:id6', (x) => x.groupBy('id1', 'id2', 'id3', 'id4', 'id5', 'id6').agg(F.sum('v3').alias('v3'), F.count('*').alias('count'))],
];

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

interface Row { label: string; t1: number; tn: number; outRows: number; first1: number; firstN: number }
const results: Row[] = [];
const loads: { label: string; t1: number; tn: number }[] = [];

type Timing = { t: number; first: number; n: number };
async function withSessions(fn: (s: SessionT, threads: number) => Promise<Map<string, Timing>>): Promise<void> {
  const out: Map<string, Timing>[] = [];
  for (const threads of [1, threadsN]) {
    const s = await Session.create({ threads, progress: false });
    // Warm the worker pool so thread start-up is not charged to the first question.
    await s.range(threads * 1000).groupBy(col('id').mod(7)).count().collect();
    out.push(await fn(s, threads));
    await s.stop();
  }
  for (const [label, a] of out[0]!) {
    const b = out[1]!.get(label)!;
    results.push({ label, t1: a.t, tn: b.t, outRows: a.n, first1: a.first, firstN: b.first });
  }
}

const gbSchema = 'id1 STRING, id2 STRING, id3 STRING, id4 INT, id5 INT, id6 INT, v1 INT, v2 INT, v3 DOUBLE';
if (only !== 'join') {
  const loadTimes: number[] = [];
  await withSessions(async (s) => {
    const m = new Map<string, Timing>();
    let x!: DataFrame;
    loadTimes.push(await timeIt(async () => { x = await s.read.csv(gbFile, { header: true, schema: gbSchema }).cache(); await x.count(); }));
    for (const [label, q] of groupby) {
      // Two runs, as db-benchmark does: the first includes JIT warm-up (in every worker).
      let n = 0;
      const first = await timeIt(async () => { n = await q(x).count(); });
      const t = await timeIt(async () => { n = await q(x).count(); });
      if (process.env.KINDLING_BENCH_VERBOSE) process.stderr.write(`${label}: ${first.toFixed(2)}s / ${t.toFixed(2)}s rss=${(process.memoryUsage().rss / 1e6).toFixed(0)}MB\n`);
      m.set(label, { t, first, n });
    }
    await x.unpersist();
    return m;
  });
  loads.push({ label: 'groupby csv load (9 cols)', t1: loadTimes[0]!, tn: loadTimes[1]! });
}

if (only !== 'groupby' && joinFiles) {
  const loadTimes: number[] = [];
  await withSessions(async (s) => {
    const m = new Map<string, Timing>();
    let x!: DataFrame, small!: DataFrame, medium!: DataFrame, big!: DataFrame;
    loadTimes.push(await timeIt(async () => {
      x = await s.read.csv(joinFiles!.x, { header: true, schema: 'id1 INT, id2 INT, id3 INT, id4 STRING, id5 STRING, id6 STRING, v1 DOUBLE' }).cache();
      small = await s.read.csv(joinFiles!.small, { header: true, schema: 'id1 INT, id4 STRING, v2 DOUBLE' }).cache();
      medium = await s.read.csv(joinFiles!.medium, { header: true, schema: 'id1 INT, id2 INT, id4 STRING, id5 STRING, v2 DOUBLE' }).cache();
      big = await s.read.csv(joinFiles!.big, { header: true, schema: 'id1 INT, id2 INT, id3 INT, id4 STRING, id5 STRING, id6 STRING, v2 DOUBLE' }).cache();
      await Promise.all([x.count(), small.count(), medium.count(), big.count()]);
    }));
    const qs: Q[] = [
      ['j1 small inner on int', () => x.join(small.select('id1', 'v2'), 'id1')],
      ['j2 medium inner on int', () => x.join(medium.select('id2', 'v2'), 'id2')],
      ['j3 medium outer on int', () => x.join(medium.select('id2', 'v2'), 'id2', 'left')],
      ['j4 medium inner on factor', () => x.join(medium.select('id5', 'v2'), 'id5')],
      ['j5 big inner on int', () => x.join(big.select('id3', 'v2'), 'id3')],
    ];
    for (const [label, q] of qs) {
      let n = 0;
      // db-benchmark materialises the join; aggregate every output column so nothing is pruned away.
      const run = async () => { n = Number((await q(x).agg(F.count('*').alias('n'), F.sum('v1'), F.sum('v2')).collect())[0]!['n']); };
      const first = await timeIt(run);
      const t = await timeIt(run);
      m.set(label, { t, first, n });
    }
    for (const d of [x, small, medium, big]) await d.unpersist();
    return m;
  });
  loads.push({ label: 'join csv load (4 tables)', t1: loadTimes[0]!, tn: loadTimes[1]! });
}

console.log(`\nKindling db-benchmark — ${rows.toLocaleString()} rows, 1 vs ${threadsN} threads, node ${process.version}, ${process.platform}/${process.arch}`);
console.log('(questions: second of two runs; first run, which includes JIT warm-up, in brackets)');
console.log(`${'question'.padEnd(34)} ${'out rows'.padStart(9)} ${'1 thr s'.padStart(8)} ${`${threadsN} thr s`.padStart(8)} ${'Mrows/s'.padStart(8)} ${'speed-up'.padStart(8)}  ${'[run 1: 1 thr / N thr]'}`);
for (const l of loads) console.log(`${l.label.padEnd(34)} ${''.padStart(9)} ${l.t1.toFixed(2).padStart(8)} ${l.tn.toFixed(2).padStart(8)} ${(rows / l.tn / 1e6).toFixed(2).padStart(8)} ${(l.t1 / l.tn).toFixed(2).padStart(7)}x`);
for (const r of results) {
  console.log(`${r.label.padEnd(34)} ${String(r.outRows).padStart(9)} ${r.t1.toFixed(2).padStart(8)} ${r.tn.toFixed(2).padStart(8)} ${(rows / r.tn / 1e6).toFixed(2).padStart(8)} ${(r.t1 / r.tn).toFixed(2).padStart(7)}x  [${r.first1.toFixed(2)} / ${r.firstN.toFixed(2)}]`);
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (main thread process; workers share it)`);
