/**
 * `npm run bench:compare -- [--size 1e6|1e7] [--engines kindling,duckdb,polars,arquero]
 * [--suite groupby,join,tpch] [--threads N] [--tpch-sf 0.1] [--out bench/results]`
 *
 * Kindling against DuckDB, Polars and Arquero on db-benchmark's 10 groupby and 5 join questions
 * (bench/questions.ts) and on TPC-H through SQL (test/tpch/queries.ts). Data comes from the
 * committed seeded generators (scripts/generate-groupby.ts, scripts/generate-tpch.ts) into a
 * cache folder outside the repository: `$KINDLING_BENCH_DIR`, else `$XDG_CACHE_HOME/kindling-bench`,
 * else `~/.cache/kindling-bench`; generated once per size.
 *
 * Each engine runs each suite in its own child process (so peak RSS is its own), with `--threads`
 * (default: the machine's cores) where the engine allows; each question runs twice, its answer
 * materialised in the engine, and is checksummed (rows + sums of numeric columns); checksums are
 * compared across engines and a disagreeing answer is reported as wrong (bench/compare/report.ts).
 * Writes compare-<size>.md / .json and compare-<size>-<suite>.svg to `--out`, and prints the table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork } from 'node:child_process';
import { generateGroupByCsv, generateJoinCsvs, prettySci } from '../scripts/generate-groupby.js';
import { generateTpch } from '../scripts/generate-tpch.js';
import { ENGINES, type Suite, type SuiteFiles, allLabels, startEngine } from './compare/engines.js';
import { type CompareResult, type EngineSuiteResult, type QuestionResult, type SuiteResult, jsonReport, markWrong, markdownReport, suiteSvg } from './compare/report.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const size = Number(arg('size', '1e6'));
const threads = Number(arg('threads', String(os.availableParallelism())));
const tpchSf = Number(arg('tpch-sf', '0.1'));

/** The cache folder for generated data (outside the repository). */
export function cacheDir(): string {
  return process.env['KINDLING_BENCH_DIR'] ?? path.join(process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'), 'kindling-bench');
}

/** Generates (once) the inputs of a suite into the cache folder; returns their paths. */
function ensureData(suite: Suite): SuiteFiles {
  const tag = prettySci(size);
  const dir = path.join(cacheDir(), suite === 'tpch' ? `tpch-sf${tpchSf}` : `${suite}-${tag}`);
  const index = path.join(dir, 'files.json');
  if (fs.existsSync(index)) return { [suite]: JSON.parse(fs.readFileSync(index, 'utf8')) } as SuiteFiles;
  fs.mkdirSync(dir, { recursive: true });
  process.stderr.write(`generating ${suite} data in ${dir} ...\n`);
  let files: unknown;
  if (suite === 'groupby') { files = path.join(dir, `G1_${tag}_1e2_0_0.csv`); generateGroupByCsv(files as string, size, 100); }
  else if (suite === 'join') files = generateJoinCsvs(dir, size);
  else files = generateTpch(dir, tpchSf);
  fs.writeFileSync(index, JSON.stringify(files));
  return { [suite]: files } as SuiteFiles;
}

/** Child: one engine, one suite; sends back its EngineSuiteResult. */
async function child(engineName: string, suite: Suite, files: SuiteFiles): Promise<EngineSuiteResult> {
  const res: EngineSuiteResult = { engine: engineName, questions: {} };
  let engine;
  try {
    engine = await startEngine(engineName, threads);
  } catch (e) {
    return { ...res, unavailable: String((e as Error)?.message ?? e).split('\n')[0]! };
  }
  res.settings = engine.settings;
  const labels = engine.labels(suite);
  if (labels.length === 0) return { ...res, unavailable: `no ${suite} support (no SQL interface)` };
  let t = performance.now();
  await engine.load(suite, files);
  res.load = (performance.now() - t) / 1000;
  const all = suite === 'tpch' ? (await import('./compare/engines.js')).TPCH_LABELS : labels;
  for (const label of all) {
    const q: QuestionResult = {};
    res.questions[label] = q;
    if (!labels.includes(label)) { q.error = 'unsupported'; continue; }
    try {
      // if the parent kills this child during the question, it keeps this error
      process.send!({ ...res, questions: { ...res.questions, [label]: { error: 'the child process ended during this question' } } });
      for (const run of [1, 2] as const) {
        t = performance.now();
        const check = await engine.answer(suite, label);
        q[`run${run}`] = (performance.now() - t) / 1000;
        const sum = await check();
        if (run === 1) q.checksum = sum;
      }
    } catch (e) {
      q.error = String((e as Error)?.message ?? e).split('\n')[0]!;
      delete q.run1; delete q.run2;
    }
    process.send!({ ...res, peakRssMB: process.resourceUsage().maxRSS / 1024 }); // partial results, kept if the child is killed
    process.stderr.write(`  ${engineName} ${label}: ${q.error ? `error: ${q.error}` : `${q.run1?.toFixed(3)} / ${q.run2?.toFixed(3)} s`}\n`);
  }
  res.peakRssMB = process.resourceUsage().maxRSS / 1024;
  return res;
}

const childTimeoutS = Number(arg('timeout', '900'));
const maxRssMB = Number(arg('max-rss-mb', String(Math.round((os.totalmem() / 2 ** 20) * 0.6))));

/** Resident memory of a process in MB (Linux), or 0. */
function rssMB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/**
 * Runs one engine on one suite in a child process. The child reports after every question, so
 * a child killed for running past `--timeout` seconds (default 900) or above `--max-rss-mb`
 * (default 60% of RAM) keeps its finished answers; the question it was on is an error.
 */
function runChild(engine: string, suite: Suite, files: SuiteFiles): Promise<EngineSuiteResult> {
  return new Promise((resolve) => {
    let got: EngineSuiteResult | undefined;
    let killed = '';
    let seenMB = 0;
    const p = fork(process.argv[1]!, [...process.argv.slice(2), '--child', engine, '--child-suite', suite, '--files', JSON.stringify(files)], {
      execArgv: process.execArgv,
      env: { ...process.env, POLARS_MAX_THREADS: String(threads) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    p.on('message', (m: EngineSuiteResult) => { got = m; });
    const t0 = performance.now();
    const watch = setInterval(() => {
      const mb = rssMB(p.pid!);
      seenMB = Math.max(seenMB, mb);
      if (mb > maxRssMB) killed = `killed at ${mb.toFixed(0)} MB RSS (--max-rss-mb ${maxRssMB})`;
      else if ((performance.now() - t0) / 1000 > childTimeoutS) killed = `killed after ${childTimeoutS} s (--timeout)`;
      if (killed) p.kill('SIGKILL');
    }, 250);
    p.on('exit', (code, signal) => {
      clearInterval(watch);
      const why = killed || `child process exited (${signal ?? `code ${code}`})`;
      if (!got) return resolve({ engine, unavailable: why, questions: {} });
      if (killed) got.peakRssMB = Math.max(got.peakRssMB ?? 0, seenMB);
      for (const q of Object.values(got.questions)) if (q.error === 'the child process ended during this question') q.error = why;
      resolve(got);
    });
  });
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()}/${os.arch()}, node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} at start`;
}

async function parent(): Promise<void> {
  const engines = arg('engines', ENGINES.join(',')).split(',').filter(Boolean);
  const suites = arg('suite', 'groupby,join,tpch').split(',').filter(Boolean) as Suite[];
  const out = path.resolve(arg('out', 'bench/results'));
  const res: CompareResult = { size: prettySci(size), machine: `${machine()}, ${threads} threads per engine`, date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC', suites: [] };
  for (const suite of suites) {
    const files = ensureData(suite);
    const sr: SuiteResult = { suite: suite === 'tpch' ? `tpch sf${tpchSf}` : suite, labels: [], engines: [] };
    for (const e of engines) {
      process.stderr.write(`${suite}: ${e} ...\n`);
      sr.engines.push(await runChild(e, suite, files));
    }
    sr.labels = allLabels(suite);
    markWrong(sr);
    res.suites.push(sr);
  }
  const md = markdownReport(res);
  console.log(md);
  fs.mkdirSync(out, { recursive: true });
  const base = path.join(out, `compare-${res.size}`);
  fs.writeFileSync(`${base}.md`, md);
  fs.writeFileSync(`${base}.json`, jsonReport(res));
  for (const s of res.suites) fs.writeFileSync(`${base}-${s.suite.split(' ')[0]}.svg`, suiteSvg(s, `${s.suite}, ${res.size} rows: seconds (best of 2), ${threads} threads`));
  process.stderr.write(`wrote ${base}.md, .json, -<suite>.svg\n`);
}

const childEngine = arg('child', '');
if (childEngine) {
  const r = await child(childEngine, arg('child-suite', 'groupby') as Suite, JSON.parse(arg('files', '{}')) as SuiteFiles);
  process.send!(r, () => process.exit(0));
} else {
  await parent();
}
