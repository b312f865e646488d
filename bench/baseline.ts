/**
 * Baseline benchmark (`npm run bench`): generates the db-benchmark groupby data (10M rows by
 * default; `--rows N` to change) once under bench/data/, then times CSV load, a filter +
 * project, and a groupBy-sum in Kindling, printing seconds and rows/s. With `--duckdb`, DuckDB's
 * node package runs the same queries in the same process as a reference (ratios printed).
 * No assertions: this is a measurement, not a test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateGroupByCsv } from '../scripts/generate-groupby.js';
// Benchmarks measure the built package (what users run); `--src` runs the TypeScript sources.
const lib = (process.argv.includes('--src') ? await import('../src/index.js') : await import(new URL('../dist/index.js', import.meta.url).href)) as typeof import('../src/index.js');
const { Session, col, functions: F } = lib;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const rows = Number(arg('rows', '1e7'));
const threads = Number(arg('threads', '1'));
const withDuck = process.argv.includes('--duckdb');
const file = path.resolve(`bench/data/G1_${rows.toExponential().replace('+', '')}_1e2_0_0.csv`);

if (!fs.existsSync(file)) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const t = performance.now();
  process.stderr.write(`generating ${rows} rows into ${file} ...\n`);
  generateGroupByCsv(file, rows, 100);
  process.stderr.write(`  done in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
}
const mb = fs.statSync(file).size / 1e6;

async function time<T>(label: string, fn: () => Promise<T>): Promise<{ label: string; s: number; result: T }> {
  const t = performance.now();
  const result = await fn();
  const s = (performance.now() - t) / 1000;
  return { label, s, result };
}

const spark = await Session.create({ threads });
const schema = 'id1 STRING, id2 STRING, id3 STRING, id4 INT, id5 INT, id6 INT, v1 INT, v2 INT, v3 DOUBLE';
const load = () => spark.read.csv(file, { header: true, schema });

const results: { label: string; s: number; result: unknown }[] = [];
results.push(await time('csv load (count, all columns parsed)', async () => {
  const df = load();
  // Force every column to be parsed: aggregate each one.
  const r = await df.agg(F.count('id1'), F.count('id2'), F.count('id3'), F.sum('id4'), F.sum('id5'), F.sum('id6'), F.sum('v1'), F.sum('v2'), F.sum('v3')).collect();
  return r[0];
}));
results.push(await time('csv infer schema + load', async () => spark.read.csv(file, { header: true, inferSchema: true }).count()));
results.push(await time('filter + project (v1 > 2, v3 * 2)', async () =>
  load().filter(col('v1').gt(2)).select(col('id1'), col('v3').multiply(2).alias('v3x2')).agg(F.count('*'), F.sum('v3x2')).collect()));
results.push(await time('groupBy id1 sum v1 (q1)', async () => (await load().groupBy('id1').agg(F.sum('v1')).collect()).length));
results.push(await time('groupBy id1,id2 sum v1 (q2)', async () => (await load().groupBy('id1', 'id2').agg(F.sum('v1')).collect()).length));
results.push(await time('groupBy id3 sum v1, mean v3 (q5-like)', async () => (await load().groupBy('id3').agg(F.sum('v1'), F.avg('v3')).count())));
await spark.stop();

const duck: Record<string, number> = {};
if (withDuck) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await (await DuckDBInstance.create(':memory:', { threads: String(threads) })).connect();
  const src = `read_csv('${file}', header = true, columns = {'id1':'VARCHAR','id2':'VARCHAR','id3':'VARCHAR','id4':'INTEGER','id5':'INTEGER','id6':'INTEGER','v1':'INTEGER','v2':'INTEGER','v3':'DOUBLE'})`;
  const q: [string, string][] = [
    ['csv load (count, all columns parsed)', `SELECT count(id1), count(id2), count(id3), sum(id4), sum(id5), sum(id6), sum(v1), sum(v2), sum(v3) FROM ${src}`],
    ['filter + project (v1 > 2, v3 * 2)', `SELECT count(*), sum(v3 * 2) FROM ${src} WHERE v1 > 2`],
    ['groupBy id1 sum v1 (q1)', `SELECT id1, sum(v1) FROM ${src} GROUP BY id1`],
    ['groupBy id1,id2 sum v1 (q2)', `SELECT id1, id2, sum(v1) FROM ${src} GROUP BY id1, id2`],
    ['groupBy id3 sum v1, mean v3 (q5-like)', `SELECT count(*) FROM (SELECT id3, sum(v1), avg(v3) FROM ${src} GROUP BY id3)`],
  ];
  for (const [label, sql] of q) {
    const t = performance.now();
    await db.runAndReadAll(sql);
    duck[label] = (performance.now() - t) / 1000;
  }
  db.closeSync();
}

console.log(`\nKindling baseline — ${rows.toLocaleString()} rows, ${mb.toFixed(0)} MB CSV, threads=${threads}, node ${process.version}`);
console.log(`${'step'.padEnd(40)} ${'seconds'.padStart(8)} ${'Mrows/s'.padStart(8)} ${'MB/s'.padStart(7)}${withDuck ? `  ${'duckdb s'.padStart(8)}  ${'ratio'.padStart(6)}` : ''}`);
for (const r of results) {
  const d = duck[r.label];
  console.log(`${r.label.padEnd(40)} ${r.s.toFixed(2).padStart(8)} ${(rows / r.s / 1e6).toFixed(2).padStart(8)} ${(mb / r.s).toFixed(0).padStart(7)}${d !== undefined ? `  ${d.toFixed(2).padStart(8)}  ${(r.s / d).toFixed(1).padStart(5)}x` : ''}`);
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
