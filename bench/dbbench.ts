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
import { execFileSync } from 'node:child_process';
import { generateGroupByCsv, generateJoinCsvs } from '../scripts/generate-groupby.js';
import type { DataFrame } from '../src/index.js';
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
const reps = Number(arg('reps', '2'));
const rounds = Number(arg('rounds', '2'));
/** `--q q3,j2` runs only the questions whose label starts with one of these. */
const qFilter = arg('q', '').split(',').filter(Boolean);
const selected = (label: string) => qFilter.length === 0 || qFilter.some((q) => label.startsWith(`${q} `));
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
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };

/** What one child process measures: seconds per run, by label. */
interface ChildResult { times: Record<string, number[]>; outRows: Record<string, number>; maxRssMB: number }

/**
 * Child mode: one session with `threads`, inputs loaded (timed) and cached, then every question
 * once to warm up (JIT in every worker, as db-benchmark's first run) and `reps` timed runs.
 */
async function child(threads: number): Promise<ChildResult> {
  const res: ChildResult = { times: {}, outRows: {}, maxRssMB: 0 };
  const record = (label: string, t: number, n?: number) => {
    (res.times[label] ??= []).push(t);
    if (n !== undefined) res.outRows[label] = n;
  };
  const s = await Session.create({ threads, progress: false });
  // Warm the worker pool so thread start-up is not charged to the first measurement.
  await s.range(threads * 1000).groupBy(col('id').mod(7)).count().collect();
  const measure = async (label: string, run: () => Promise<number>) => {
    if (!selected(label)) return;
    await run();
    for (let r = 0; r < reps; r++) {
      let n = 0;
      record(label, await timeIt(async () => { n = await run(); }), n);
    }
  };
  if (only !== 'join') {
    const gbSchema = 'id1 STRING, id2 STRING, id3 STRING, id4 INT, id5 INT, id6 INT, v1 INT, v2 INT, v3 DOUBLE';
    let x!: DataFrame;
    record('groupby csv load (9 cols)', await timeIt(async () => { x = s.read.csv(gbFile, { header: true, schema: gbSchema }).cache(); await x.count(); }));
    for (const [label, q] of groupby) await measure(label, () => q(x).count());
    await x.unpersist();
  }
  if (only !== 'groupby' && joinFiles) {
    let x!: DataFrame, small!: DataFrame, medium!: DataFrame, big!: DataFrame;
    record('join csv load (4 tables)', await timeIt(async () => {
      x = s.read.csv(joinFiles!.x, { header: true, schema: 'id1 INT, id2 INT, id3 INT, id4 STRING, id5 STRING, id6 STRING, v1 DOUBLE' }).cache();
      small = s.read.csv(joinFiles!.small, { header: true, schema: 'id1 INT, id4 STRING, v2 DOUBLE' }).cache();
      medium = s.read.csv(joinFiles!.medium, { header: true, schema: 'id1 INT, id2 INT, id4 STRING, id5 STRING, v2 DOUBLE' }).cache();
      big = s.read.csv(joinFiles!.big, { header: true, schema: 'id1 INT, id2 INT, id3 INT, id4 STRING, id5 STRING, id6 STRING, v2 DOUBLE' }).cache();
      await Promise.all([x.count(), small.count(), medium.count(), big.count()]);
    }));
    const qs: Q[] = [
      ['j1 small inner on int', () => x.join(small.select('id1', 'v2'), 'id1')],
      ['j2 medium inner on int', () => x.join(medium.select('id2', 'v2'), 'id2')],
      ['j3 medium outer on int', () => x.join(medium.select('id2', 'v2'), 'id2', 'left')],
      ['j4 medium inner on factor', () => x.join(medium.select('id5', 'v2'), 'id5')],
      ['j5 big inner on int', () => x.join(big.select('id3', 'v2'), 'id3')],
    ];
    // db-benchmark materialises the join; aggregate every output column so nothing is pruned away.
    for (const [label, q] of qs) await measure(label, async () => Number((await q(x).agg(F.count('*').alias('n'), F.sum('v1'), F.sum('v2')).collect())[0]!['n']));
    for (const d of [x, small, medium, big]) await d.unpersist();
  }
  await s.stop();
  res.maxRssMB = process.resourceUsage().maxRSS / 1024;
  return res;
}

const childThreads = arg('child', '');
if (childThreads) {
  process.stdout.write(`${JSON.stringify(await child(Number(childThreads)))}\n`);
  process.exit(0);
}

/**
 * Parent: each measurement runs in a fresh process holding one session, alternating 1-thread and
 * N-thread processes `rounds` times, so drift in this machine's speed (other tenants, CPU steal:
 * a 2-vCPU VM swings ±30% over minutes) hits both sides alike and neither session's memory or JIT
 * state affects the other. Reported: the best run per side (and the median).
 */
const all: [ChildResult[], ChildResult[]] = [[], []];
const passArgs = process.argv.slice(2).filter((_, i, a) => !['--rounds'].includes(a[i]!) && !['--rounds'].includes(a[i - 1]!));
for (let round = 0; round < rounds; round++) {
  for (const [side, threads] of [[0, 1], [1, threadsN]] as const) {
    const args = [...process.execArgv, process.argv[1]!, ...passArgs, '--child', String(threads)];
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
    const r = JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
    if (process.env.KINDLING_BENCH_VERBOSE) process.stderr.write(`round ${round + 1}, ${threads} thread(s): ${Object.entries(r.times).map(([k, v]) => `${k.split(' ')[0]} ${v.map((t) => t.toFixed(2)).join('/')}`).join(', ')}\n`);
    all[side].push(r);
  }
}
const merged = (side: 0 | 1, label: string) => all[side].flatMap((r) => r.times[label] ?? []);
const labels = Object.keys(all[0][0]!.times);

console.log(`\nKindling db-benchmark — ${rows.toLocaleString()} rows, 1 vs ${threadsN} threads, node ${process.version}, ${process.platform}/${process.arch}`);
console.log(`(best of ${rounds} processes × ${reps} runs per side, processes alternating 1 and ${threadsN} threads, each question warmed up once per process; medians in brackets)`);
console.log(`${'question'.padEnd(34)} ${'out rows'.padStart(9)} ${'1 thr s'.padStart(8)} ${`${threadsN} thr s`.padStart(8)} ${'Mrows/s'.padStart(8)} ${'speed-up'.padStart(8)}  [median: 1 thr / ${threadsN} thr / speed-up]`);
for (const label of labels) {
  const t1 = merged(0, label), tn = merged(1, label);
  const b1 = Math.min(...t1), bn = Math.min(...tn), m1 = median(t1), mn = median(tn);
  const out = all[0][0]!.outRows[label];
  console.log(`${label.padEnd(34)} ${(out === undefined ? '' : String(out)).padStart(9)} ${b1.toFixed(2).padStart(8)} ${bn.toFixed(2).padStart(8)} ${(rows / bn / 1e6).toFixed(2).padStart(8)} ${(b1 / bn).toFixed(2).padStart(7)}x  [${m1.toFixed(2)} / ${mn.toFixed(2)} / ${(m1 / mn).toFixed(2)}x]`);
}
for (const [side, threads] of [[0, 1], [1, threadsN]] as const) console.log(`peak RSS, ${threads} thread(s): ${Math.max(...all[side].map((r) => r.maxRssMB)).toFixed(0)} MB (one process; workers are its threads)`);
