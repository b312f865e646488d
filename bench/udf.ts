/**
 * UDF overhead (`npm run bench:udf -- --rows 1e7 --threads 2`): a scalar UDF and a vectorized
 * UDF against the built-in expression computing the same thing, over a cached frame of `--rows`
 * rows (a double column and a string column), each summed so no rows are collected. Prints the
 * median of `--runs` runs per variant and the ratio to the built-in (goals: vectorized ≤ 1.5×,
 * scalar ≤ 5×). A measurement, no assertions. Runs the built dist/ (`--src` for the sources).
 */
import { medianSeconds } from './timing.js';
import type { Vector } from 'apache-arrow';

const K = (process.argv.includes('--src') ? await import('../src/index.js') : await import(new URL('../dist/index.js', import.meta.url).href)) as typeof import('../src/index.js');
const { Session, col, lit, functions: F } = K;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const rows = Number(arg('rows', '1e7'));
const threads = Number(arg('threads', '2'));
const runs = Number(arg('runs', '3'));

const spark = await Session.create({ threads, progress: false });
const df = spark.range(0, rows, 1, threads * 4)
  .select(col('id').cast('double').multiply(0.5).alias('x'), F.concat(lit('key_'), col('id').mod(1000).cast('string')).alias('s'))
  .cache();
await df.count();

const time = (f: () => Promise<unknown>): Promise<number> => medianSeconds(f, runs);

const sumOf = (c: InstanceType<typeof K.Column>) => () => df.select(c.alias('y')).agg(F.sum('y').alias('t')).collect();
const sumLen = (c: InstanceType<typeof K.Column>) => () => df.select(F.length(c).alias('y')).agg(F.sum('y').alias('t')).collect();

const arith = {
  builtin: sumOf(col('x').multiply(2).plus(1)),
  scalar: sumOf(F.udf((x: number) => x * 2 + 1, 'double', { name: 'lin' })('x')),
  vectorized: sumOf(F.arrowUdf((v: Vector) => {
    const a = v.toArray() as Float64Array;
    const out = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i]! * 2 + 1;
    return out;
  }, 'double', { name: 'vlin' })('x')),
};
const str = {
  builtin: sumLen(F.upper(col('s'))),
  scalar: sumLen(F.udf((s: string) => s.toUpperCase(), 'string', { name: 'up' })('s')),
  vectorized: sumLen(F.arrowUdf((v: Vector) => {
    const out = new Array<string | null>(v.length);
    let i = 0;
    for (const s of v as Iterable<string | null>) out[i++] = s === null ? null : s.toUpperCase();
    return out;
  }, 'string', { name: 'vup' })('s')),
};

console.log(`UDF overhead: ${rows.toLocaleString('en')} rows, threads ${threads}, median of ${runs}`);
for (const [label, cases] of [['x * 2 + 1 (double)', arith], ['upper(s) (string)', str]] as const) {
  const base = await time(cases.builtin);
  const scalar = await time(cases.scalar);
  const vec = await time(cases.vectorized);
  console.log(`${label.padEnd(20)} built-in ${base.toFixed(3)} s | scalar UDF ${scalar.toFixed(3)} s (${(scalar / base).toFixed(2)}×) | vectorized UDF ${vec.toFixed(3)} s (${(vec / base).toFixed(2)}×)`);
}
await spark.stop();
