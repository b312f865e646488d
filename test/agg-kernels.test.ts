/**
 * The specialised aggregation loops (src/data/specialize.ts): per-array-type copies of the group id
 * and accumulator loops, the range check folded into the direct slot loops (a key outside the
 * range found mid-batch widens the dimensions, or moves the keys to hashing, keeping ids), and the
 * fused count / sum / avg loop (expr/aggregates.ts `fusedUpdate`). Checked through the public API
 * against a plain JS reference at 1 and 4 worker threads: with and without nulls, int sums past
 * 2^31 (to long), empty partitions, cached input (dictionary-encoded string keys), and int keys
 * leaving the direct range part-way through a batch (GroupKeys itself against the KeyTable in
 * that case: test/direct-agg.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, col, functions as F } from '../src/index.js';
import { mulberry32 } from '../src/exec/basic.js';

const INT32_MAX = 2 ** 31 - 1;

type Row = { s: string | null; k: number | null; i: number | null; d: number | null; j: number | null };

/** Seeded rows: a string key of 7 values, an int key of 30, int and double measures; `nulls` = share of null values. */
function makeRows(n: number, seed: number, nulls: number): Row[] {
  const r = mulberry32(seed);
  const nul = <T>(x: T): T | null => (r() < nulls ? null : x);
  return Array.from({ length: n }, () => ({
    s: nul(`s${Math.floor(r() * 7)}`),
    k: nul(Math.floor(r() * 30) - 10),
    i: nul(Math.floor(r() * 2000) - 500),
    d: nul(Math.round(r() * 1e6) / 1e3),
    j: nul(Math.floor(r() * 50)),
  }));
}
const SCHEMA = 's STRING, k INT, i INT, d DOUBLE, j INT';

/** The expected aggregates per group of `keyOf`, in JS: count(*), count(i), sum(i), sum(d), avg(i), avg(d), min/max, corr(i, j). */
function reference(rows: readonly Row[], keyOf: (r: Row) => string): Map<string, Record<string, number | null>> {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = keyOf(r);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out = new Map<string, Record<string, number | null>>();
  for (const [k, rs] of groups) {
    const vals = (f: keyof Row) => rs.map((r) => r[f]).filter((v): v is number => v !== null);
    const sum = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) : null);
    const is = vals('i');
    const ds = vals('d');
    const pairs = rs.filter((r) => r.i !== null && r.j !== null).map((r) => [r.i!, r.j!] as const);
    let corr: number | null = null;
    if (pairs.length >= 2) {
      const mx = pairs.reduce((a, p) => a + p[0], 0) / pairs.length;
      const my = pairs.reduce((a, p) => a + p[1], 0) / pairs.length;
      let cxy = 0, vx = 0, vy = 0;
      for (const [x, y] of pairs) { cxy += (x - mx) * (y - my); vx += (x - mx) ** 2; vy += (y - my) ** 2; }
      corr = cxy / Math.sqrt(vx * vy);
    }
    out.set(k, {
      n: rs.length, ni: is.length, si: sum(is), sd: sum(ds),
      ai: is.length ? sum(is)! / is.length : null, ad: ds.length ? sum(ds)! / ds.length : null,
      mi: is.length ? Math.min(...is) : null, xd: ds.length ? Math.max(...ds) : null, r: corr,
    });
  }
  return out;
}

/** `got` equals `want`: exactly for integers and nulls, to a relative 1e-9 for doubles. */
function expectClose(got: number | null, want: number | null, what: string): void {
  if (got === null || want === null || Number.isInteger(want)) expect(got, what).toBe(want);
  else expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
}

/** Expects `rows` (one per group, keyed by `keyOf`) to match the reference. */
function expectMatches(rows: readonly Record<string, unknown>[], ref: Map<string, Record<string, number | null>>, keyOf: (r: Record<string, unknown>) => string): void {
  expect(rows).toHaveLength(ref.size);
  for (const row of rows) {
    const want = ref.get(keyOf(row));
    expect(want).toBeDefined();
    for (const [f, v] of Object.entries(want!)) expectClose(row[f] === null || row[f] === undefined ? null : Number(row[f]), v, `${keyOf(row)}.${f}`);
  }
}

const aggs = () => [
  F.count('*').alias('n'), F.count('i').alias('ni'), F.sum('i').alias('si'), F.sum('d').alias('sd'), F.avg('i').alias('ai'),
  F.avg('d').alias('ad'), F.min('i').alias('mi'), F.max('d').alias('xd'), F.corr('i', 'j').alias('r'),
];

describe.each([1, 4])('specialised aggregation loops at %i thread(s)', (threads) => {
  let spark: Session;
  beforeAll(async () => {
    spark = await Session.create({ threads, shufflePartitions: threads });
  });
  afterAll(() => spark.stop());

  for (const nulls of [0, 0.15]) {
    it(`count / sum / avg / min / max / corr by int and string keys, ${nulls ? 'with' : 'without'} nulls`, async () => {
      const rows = [...makeRows(3000, 11, nulls), ...makeRows(2000, 12, nulls)];
      // Several batches per task (a union), and the same frame cached (dictionary-encoded strings).
      const df = spark.createDataFrame(rows.slice(0, 3000), SCHEMA).union(spark.createDataFrame(rows.slice(3000), SCHEMA));
      const cached = df.cache();
      for (const frame of [df, cached]) {
        expectMatches(await frame.groupBy('k').agg(...aggs()).collect(), reference(rows, (r) => String(r.k)), (r) => String(r['k']));
        expectMatches(await frame.groupBy('s').agg(...aggs()).collect(), reference(rows, (r) => String(r.s)), (r) => String(r['s']));
        expectMatches(await frame.groupBy('s', 'k').agg(...aggs()).collect(), reference(rows, (r) => `${r.s}|${r.k}`), (r) => `${r['s']}|${r['k']}`);
        // Only fusable aggregates (one loop for all of them), and a whole-frame aggregate.
        const fused = await frame.groupBy('k').agg(F.sum('i').alias('si'), F.avg('d').alias('ad'), F.count('*').alias('n'), F.count('d').alias('nd')).collect();
        const ref = reference(rows, (r) => String(r.k));
        expect(fused).toHaveLength(ref.size);
        for (const row of fused) {
          const want = ref.get(String(row['k']))!;
          expect(row['si'] === null ? null : Number(row['si'])).toBe(want['si']);
          expectClose(row['ad'] as number | null, want['ad']!, 'ad');
          expect(Number(row['n'])).toBe(want['n']);
          expect(Number(row['nd'])).toBe(rows.filter((r) => String(r.k) === String(row['k']) && r.d !== null).length);
        }
        expectMatches(await frame.agg(...aggs()).collect(), reference(rows, () => 'all'), () => 'all');
      }
      await cached.unpersist();
    });
  }

  it('int sums past 2^31 come back exact as long', async () => {
    const rows = Array.from({ length: 40 }, (_, n) => ({ g: n % 2, v: INT32_MAX - n, w: -INT32_MAX + n }));
    const out = await spark.createDataFrame(rows, 'g INT, v INT, w INT').repartition(threads)
      .groupBy('g').agg(F.sum('v').alias('sv'), F.sum('w').alias('sw'), F.avg('v').alias('av')).orderBy('g').collect();
    const want = (g: number, f: 'v' | 'w') => rows.filter((r) => r.g === g).reduce((a, r) => a + r[f], 0);
    expect(out.map((r) => [Number(r['sv']), Number(r['sw'])])).toEqual([[want(0, 'v'), want(0, 'w')], [want(1, 'v'), want(1, 'w')]]);
    expect(Number(out[0]!['sv'])).toBeGreaterThan(INT32_MAX);
    expect(spark.createDataFrame(rows, 'g INT, v INT, w INT').groupBy('g').agg(F.sum('v')).dtypes[1]![1]).toBe('bigint');
  });

  it('empty partitions and empty inputs', async () => {
    const rows = makeRows(5, 3, 0);
    // Eight partitions for five rows: most tasks see nothing.
    const few = spark.createDataFrame(rows, SCHEMA).repartition(8);
    expectMatches(await few.groupBy('k').agg(...aggs()).collect(), reference(rows, (r) => String(r.k)), (r) => String(r['k']));
    const none = few.filter(col('i').gt(1e9));
    expect(await none.groupBy('k').agg(...aggs()).collect()).toEqual([]);
    const whole = (await none.agg(F.count('*').alias('n'), F.sum('i').alias('s'), F.avg('d').alias('a')).collect())[0]!;
    expect([Number(whole['n']), whole['s'], whole['a']]).toEqual([0, null, null]);
  });

  it('int keys at the direct-slot edges and leaving the range part-way through a batch', async () => {
    const ks = [3, 4, 3, 5, -(2 ** 31), 4, null, 2 ** 31 - 1, 3, 70_000, -70_000];
    const rows = ks.map((k, i) => ({ k, v: i }));
    // Batches of one task: the first narrow, later ones go past the range after rows already placed.
    const df = spark.createDataFrame(rows.slice(0, 4), 'k BIGINT, v INT')
      .union(spark.createDataFrame(rows.slice(4, 7), 'k BIGINT, v INT'))
      .union(spark.createDataFrame(rows.slice(7), 'k BIGINT, v INT'))
      .select(col('k').cast('int').alias('k'), 'v').coalesce(1);
    const out = await df.groupBy('k').agg(F.count('*').alias('n'), F.sum('v').alias('s')).collect();
    const want = new Map<string, [number, number]>();
    rows.forEach((r) => { const w = want.get(String(r.k)) ?? [0, 0]; want.set(String(r.k), [w[0] + 1, w[1] + r.v]); });
    expect(new Map(out.map((r) => [String(r['k']), [Number(r['n']), Number(r['s'])]]))).toEqual(want);
    // First-appearance order, as the hashed path gives it (one task, one partition).
    if (threads === 1) expect(out.map((r) => r['k'])).toEqual([...new Set(ks)]);
  });
});
