/**
 * db-benchmark on Kindling (`npm run bench:db -- --rows 1e7`): the 10 groupby questions and the
 * 5 join questions (h2oai db-benchmark definitions) on generated data, each run with 1 thread and
 * with N threads (default 2) in the same command — two live child processes measured in
 * back-to-back pairs — printing seconds, rows/s and the speed-up, and the CSV load times. Data is
 * generated once under bench/data/. No assertions: a measurement.
 *
 * Inputs are loaded into memory (cache) first, as db-benchmark does, so questions time the
 * engine rather than CSV parsing; CSV load is timed separately.
 *
 * `--baseline DIR` turns the pairs into an A/B of two builds at the same thread count: DIR is
 * another checkout's dist/ (e.g. `git worktree add /tmp/base <rev> && (cd /tmp/base && npm ci &&
 * npm run build)`, then `--baseline /tmp/base/dist`); speed-up > 1 means this build is faster.
 *
 * `--sql` pairs the DataFrame API (first column) with the same questions through `spark.sql`
 * over temp views of the cached inputs (second column), both at `--threads`; a ratio near 1
 * means SQL is as fast as the API (it should be: both lower to the same plans and read the cache).
 */
import fs from 'node:fs';
import path from 'node:path';
import { type ChildProcess, fork } from 'node:child_process';
import { generateGroupByCsv, generateJoinCsvs } from '../scripts/generate-groupby.js';
import type { DataFrame } from '../src/index.js';
import { GROUPBY_SCHEMA, GROUPBY_SQL, JOIN_SCHEMAS, JOIN_SQL, kindlingGroupby, kindlingJoin } from './questions.js';
// Benchmarks measure the built package (what users run); `--src` runs the TypeScript sources
// instead (under tsx, worker threads run about 2× slower per row than from dist/).
// `--baseline DIR` (parent) compares two builds instead of two thread counts: one child runs the
// build in DIR (another checkout's dist/), the other this one's, both at `--threads`; a child is
// told which build to load with `--lib DIR`.
const libArg = process.argv.indexOf('--lib');
const lib = (libArg >= 0
  ? await import(new URL(`file://${path.resolve(process.argv[libArg + 1]!, 'index.js')}`).href)
  : process.argv.includes('--src') ? await import('../src/index.js') : await import(new URL('../dist/index.js', import.meta.url).href)) as typeof import('../src/index.js');
const { Session, col, functions: F } = lib;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}
const rows = Number(arg('rows', '1e7'));
const threadsN = Number(arg('threads', '2'));
const only = arg('only', 'all'); // 'groupby' | 'join' | 'all'
const reps = Number(arg('reps', '5'));
/** `--q q3,j2` runs only the questions whose label starts with one of these. */
/** `--split-mb 16` sets the sessions' maxPartitionBytes (CSV split size) in MiB; default: the session default. */
const splitMB = Number(arg('split-mb', '0'));
const baseline = arg('baseline', '');
const qFilter = arg('q', '').split(',').filter(Boolean);
/** `--sql`: API vs SQL at the same thread count (parent); `--mode sql` tells a child to answer through SQL. */
const vsSql = process.argv.includes('--sql');
const sqlMode = arg('mode', 'api') === 'sql';
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

const groupby = kindlingGroupby(lib);
const groupbySql = GROUPBY_SQL;
const joinSql = JOIN_SQL;

/** CPU time counters of the whole machine (Linux /proc/stat, in ticks): total and stolen by the hypervisor. */
function cpuTicks(): { total: number; steal: number } | null {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return { total: f.slice(0, 8).reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  } catch {
    return null;
  }
}

const NUMERIC = new Set(['tinyint', 'smallint', 'int', 'bigint', 'float', 'double']);

/** Rows of `df`, computed together with the sum of every numeric column (the answer's checksum). */
async function checksum(df: DataFrame): Promise<number> {
  const sums = df.dtypes.filter(([, t]) => NUMERIC.has(t)).map(([name]) => F.sum(col(name)));
  const row = (await df.agg(F.count('*').alias('n'), ...sums).collect())[0]!;
  return Number(row['n']);
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b), h = s.length >> 1; return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2; };

/** Messages between the parent and a child process. */
type Cmd = { cmd: 'load'; section: 'groupby' | 'join' } | { cmd: 'unload' } | { cmd: 'run'; label: string } | { cmd: 'stop' };
interface Done { seconds: number; rows?: number; labels?: string[]; maxRssMB?: number }
type Reply = Done | { error: string };

/**
 * Child mode: one session with `threads`, answering the parent's commands — load (and cache) a
 * section's inputs, run one question, unload, stop — and reporting seconds per command.
 */
async function child(threads: number): Promise<void> {
  const s = await Session.create({ threads, progress: false, ...(splitMB > 0 ? { maxPartitionBytes: splitMB * 1024 * 1024 } : {}) });
  // Warm the worker pool so thread start-up is not charged to the first measurement.
  await s.range(threads * 1000).groupBy(col('id').mod(7)).count().collect();
  let cached: DataFrame[] = [];
  let questions = new Map<string, () => Promise<number>>();
  const load = async (section: 'groupby' | 'join') => {
    if (section === 'groupby') {
      const x = s.read.csv(gbFile, { header: true, schema: GROUPBY_SCHEMA }).cache();
      await x.count();
      cached = [x];
      x.createOrReplaceTempView('x');
      // db-benchmark materialises the answer and then checksums its measures: sum every numeric
      // column of the answer in the same job, so no aggregate is pruned away (a bare count()
      // would only group the keys).
      questions = new Map(groupby.filter(([l]) => selected(l)).map(([label, q]) => [label, () => checksum(sqlMode ? s.sql(groupbySql[label.split(' ')[0]!]!) : q(x))]));
      return;
    }
    const x = s.read.csv(joinFiles!.x, { header: true, schema: JOIN_SCHEMAS.x }).cache();
    const small = s.read.csv(joinFiles!.small, { header: true, schema: JOIN_SCHEMAS.small }).cache();
    const medium = s.read.csv(joinFiles!.medium, { header: true, schema: JOIN_SCHEMAS.medium }).cache();
    const big = s.read.csv(joinFiles!.big, { header: true, schema: JOIN_SCHEMAS.big }).cache();
    await Promise.all([x.count(), small.count(), medium.count(), big.count()]);
    cached = [x, small, medium, big];
    for (const [name, df] of Object.entries({ x, small, medium, big })) df.createOrReplaceTempView(name);
    const qs = kindlingJoin({ small, medium, big });
    // db-benchmark materialises the join; aggregate every output column so nothing is pruned away.
    questions = new Map(qs.filter(([l]) => selected(l)).map(([label, q]) => [label, async () => Number((await (sqlMode ? s.sql(joinSql[label.split(' ')[0]!]!) : q(x)).agg(F.count('*').alias('n'), F.sum('v1'), F.sum('v2')).collect())[0]!['n'])]));
  };
  process.on('message', (m: Cmd) => {
    void (async (): Promise<Done> => {
      const t = performance.now();
      const secs = () => (performance.now() - t) / 1000;
      switch (m.cmd) {
        case 'load': await load(m.section); return { seconds: secs(), labels: [...questions.keys()] };
        case 'unload': for (const d of cached) await d.unpersist(); cached = []; return { seconds: secs() };
        case 'run': { const rows = await questions.get(m.label)!(); return { seconds: secs(), rows }; }
        case 'stop': await s.stop(); return { seconds: secs(), maxRssMB: process.resourceUsage().maxRSS / 1024 };
      }
    })().then(
      (r) => { process.send!(r); if (m.cmd === 'stop') process.disconnect(); },
      (e: Error) => process.send!({ error: e?.stack ?? String(e) }),
    );
  });
}


/** A live child process holding one session. */
class Side {
  private readonly proc: ChildProcess;
  private waiting: ((r: Reply) => void) | null = null;
  constructor(readonly threads: number, libDir?: string, extra: string[] = []) {
    const passArgs = process.argv.slice(2);
    this.proc = fork(process.argv[1]!, [...passArgs, '--child', String(threads), ...(libDir ? ['--lib', libDir] : []), ...extra], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.proc.on('message', (r: Reply) => { const w = this.waiting; this.waiting = null; w?.(r); });
    this.proc.on('exit', (code) => { if (this.waiting) this.waiting({ error: `child (${threads} threads) exited with code ${code}` }); });
  }
  send(cmd: Cmd): Promise<Done> {
    return new Promise((resolve, reject) => {
      this.waiting = (r) => ('error' in r ? reject(new Error(r.error)) : resolve(r));
      this.proc.send(cmd);
    });
  }
}

/**
 * Parent: two live child processes, one session each (1 thread and N threads), holding the same
 * cached inputs. Every question runs once on each side to warm up, then `reps` times as
 * back-to-back pairs (1 thread then N, or N then 1, alternating), so both runs of a pair see
 * the same machine: on a shared 2-vCPU VM, speed drifts by up to 2× over minutes, which
 * sequential processes turn straight into the ratio. The headline is the median of the pairs'
 * ratios; best and median seconds per side are printed too. CSV loads are paired the same way
 * (`--loads` times, default 2).
 */
async function parent(): Promise<void> {
  // With --baseline: `one` is the baseline build and `many` this build, both at threadsN.
  // With --sql: `one` answers through the API and `many` through SQL, both at threadsN.
  const one = baseline ? new Side(threadsN, baseline) : vsSql ? new Side(threadsN) : new Side(1);
  const many = vsSql ? new Side(threadsN, undefined, ['--mode', 'sql']) : new Side(threadsN);
  const loads = Number(arg('loads', '2'));
  const times = new Map<string, [number[], number[]]>();
  const ratios = new Map<string, number[]>();
  const steals = new Map<string, number[]>();
  const outRows = new Map<string, number>();
  const verbose = !!process.env.KINDLING_BENCH_VERBOSE;
  /** Runs `cmd` on both sides back to back (order alternating with `k`), records the times. */
  const pair = async (label: string, k: number, cmd: (side: Side) => Promise<{ seconds: number; rows?: number }>) => {
    const order = k % 2 === 0 ? [one, many] : [many, one];
    const secs = new Map<Side, number>();
    const c0 = cpuTicks();
    for (const side of order) {
      const r = await cmd(side);
      secs.set(side, r.seconds);
      if (r.rows !== undefined) outRows.set(label, r.rows);
    }
    const [a, b] = [secs.get(one)!, secs.get(many)!];
    // Share of the machine's CPU time the hypervisor gave to others during the pair.
    const c1 = cpuTicks();
    const steal = c0 && c1 && c1.total > c0.total ? (100 * (c1.steal - c0.steal)) / (c1.total - c0.total) : NaN;
    steals.set(label, [...(steals.get(label) ?? []), steal]);
    const t = times.get(label) ?? [[], []];
    t[0].push(a); t[1].push(b);
    times.set(label, t);
    ratios.set(label, [...(ratios.get(label) ?? []), a / b]);
    if (verbose) process.stderr.write(`${label.split(' ')[0]!.padEnd(8)} ${a.toFixed(2)} s / ${b.toFixed(2)} s = ${(a / b).toFixed(2)}x  steal ${steal.toFixed(0)}%\n`);
  };
  const sections = (['groupby', 'join'] as const).filter((sct) => only === 'all' || only === sct);
  try {
    for (const section of sections) {
      let labels: string[] = [];
      const loadLabel = section === 'groupby' ? 'groupby csv load (9 cols)' : 'join csv load (4 tables)';
      for (let k = 0; k < loads; k++) {
        if (k > 0) await Promise.all([one.send({ cmd: 'unload' }), many.send({ cmd: 'unload' })]);
        await pair(loadLabel, k, async (side) => {
          const r = await side.send({ cmd: 'load', section });
          labels = r.labels ?? [];
          return r;
        });
      }
      for (const label of labels) {
        for (const side of [one, many]) await side.send({ cmd: 'run', label }); // warm-up
        for (let k = 0; k < reps; k++) await pair(label, k, (side) => side.send({ cmd: 'run', label }));
      }
      await Promise.all([one.send({ cmd: 'unload' }), many.send({ cmd: 'unload' })]);
    }
  } finally {
    const rss = await Promise.all([one, many].map((side) => side.send({ cmd: 'stop' }).catch(() => ({ seconds: 0, maxRssMB: NaN }))));
    print(times, ratios, steals, outRows, rss.map((r) => r.maxRssMB ?? NaN), loads);
  }
}

function print(times: Map<string, [number[], number[]]>, ratios: Map<string, number[]>, steals: Map<string, number[]>, outRows: Map<string, number>, rssMB: number[], loads: number): void {
  const [nameA, nameB] = baseline ? ['base s', 'this s'] : vsSql ? ['API s', 'SQL s'] : ['1 thr s', `${threadsN} thr s`];
  const vs = baseline ? `baseline build (${baseline}) vs this build, ${threadsN} threads each` : vsSql ? `DataFrame API vs spark.sql over cached temp views, ${threadsN} threads each (ratio > 1: SQL faster)` : `1 vs ${threadsN} threads`;
  console.log(`\nKindling db-benchmark — ${rows.toLocaleString()} rows, ${vs}, node ${process.version}, ${process.platform}/${process.arch}`);
  console.log(`(two live processes, one per side, on the same cached inputs; each question warmed up once per side, then ${reps} back-to-back pairs, loads ${loads} pairs)`);
  console.log(`${'question'.padEnd(34)} ${'out rows'.padStart(9)} ${nameA.padStart(8)} ${nameB.padStart(8)} ${'Mrows/s'.padStart(8)} ${'speed-up'.padStart(9)} ${'steal'.padStart(6)}  [best ${nameA} / best ${nameB}; pair ratios min–max]`);
  for (const [label, [t1, tn]] of times) {
    const r = ratios.get(label)!;
    const out = outRows.get(label);
    const m1 = median(t1), mn = median(tn);
    console.log(`${label.padEnd(34)} ${(out === undefined ? '' : String(out)).padStart(9)} ${m1.toFixed(2).padStart(8)} ${mn.toFixed(2).padStart(8)} ${(rows / mn / 1e6).toFixed(2).padStart(8)} ${median(r).toFixed(2).padStart(8)}x ${`${median(steals.get(label)!).toFixed(0)}%`.padStart(6)}  [${Math.min(...t1).toFixed(2)} / ${Math.min(...tn).toFixed(2)}; ${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)}]`);
  }
  console.log('(seconds and Mrows/s: medians per side; speed-up: median of the paired ratios; steal: median share of CPU time the hypervisor took during a pair, from /proc/stat)');
  rssMB.forEach((mb, i) => console.log(`peak RSS, ${baseline ? (i === 0 ? 'baseline' : 'this build') : vsSql ? (i === 0 ? 'API' : 'SQL') : `${i === 0 ? 1 : threadsN} thread(s)`}: ${mb.toFixed(0)} MB (one process; workers are its threads)`));
}

const childThreads = arg('child', '');
if (childThreads) {
  await child(Number(childThreads));
} else {
  await parent();
}
