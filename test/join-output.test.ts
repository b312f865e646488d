/**
 * Hash join output (src/exec/join.ts `gather`): when every left row of a probe batch pairs with
 * exactly one build row, in order, the left columns are passed through rather than gathered.
 * These joins hit that path and its near misses (a row matching twice while another matches
 * nothing, so the pair count still equals the batch's rows; unmatched rows; outer joins; a
 * residual condition), with string, dictionary-encoded, null and double columns, and compare
 * with answers computed here row by row. Run at 1 and 4 threads (test:parity).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataFrame, Session, col } from '../src/index.js';
import { testThreads } from './threads.js';

let spark: Session;
beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(2), shufflePartitions: 3 });
});
afterAll(async () => {
  await spark.stop();
});

type L = { id: number; k: number | null; s: string | null; c: string; v: number };
type R = { k: number; w: string; x: number };

const N = 5000;
/** Left rows: key k (nullable), a unique string, a low-cardinality string (cached as a dictionary), a double. */
function left(key: (i: number) => number | null): L[] {
  return Array.from({ length: N }, (_, i) => ({ id: i, k: key(i), s: i % 97 === 0 ? null : `s${i}`, c: `c${i % 5}`, v: i * 0.5 }));
}
function right(keys: number[]): R[] {
  return keys.map((k, j) => ({ k, w: `w${k}_${j}`, x: k * 10 + j }));
}
/** The inner / left join of rows, in the engine's order (left rows in order, build matches in build order). */
function expected(ls: L[], rs: R[], how: 'inner' | 'left') {
  const out: Record<string, unknown>[] = [];
  for (const l of ls) {
    const m = l.k === null ? [] : rs.filter((r) => r.k === l.k);
    if (m.length === 0 && how === 'left') out.push({ ...l, w: null, x: null });
    for (const r of m) out.push({ ...l, w: r.w, x: r.x });
  }
  return out;
}
const byId = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => (a['id'] as number) - (b['id'] as number) || String(a['w']).localeCompare(String(b['w'])));

async function check(ls: L[], rs: R[], how: 'inner' | 'left', cache: boolean) {
  let l: DataFrame = spark.createDataFrame(ls, 'id INT, k INT, s STRING, c STRING, v DOUBLE');
  if (cache) {
    l = l.cache();
    await l.count();
  }
  const r = spark.createDataFrame(rs, 'k INT, w STRING, x INT');
  const got = await l.join(r, 'k', how).select('id', 'k', 's', 'c', 'v', 'w', 'x').collect();
  expect(byId(got)).toEqual(byId(expected(ls, rs, how).map(({ id, k, s, c, v, w, x }) => ({ id, k, s, c, v, w, x }))));
  if (cache) await l.unpersist();
}

describe('join output when left rows pair once, in order', () => {
  const keys = Array.from({ length: 50 }, (_, i) => i);
  it.each([false, true])('every left row matches one build row (cached left: %s)', async (cache) => {
    await check(left((i) => i % 50), right(keys), 'inner', cache);
    await check(left((i) => i % 50), right(keys), 'left', cache);
  });

  it('one row matches twice and another matches nothing: as many pairs as rows, not in order', async () => {
    // Only row 1234 has key 500, which has two build rows; only row 999 has key 999, which has
    // none: a batch holding both pairs as many rows as it has, but not once each.
    const ls = left((i) => (i === 999 ? 999 : i === 1234 ? 500 : i % 50));
    const rs = right([...keys, 500, 500]);
    await check(ls, rs, 'inner', true);
    await check(ls, rs, 'left', false);
  });

  it('unmatched and null keys, and a residual condition', async () => {
    const ls = left((i) => (i % 13 === 0 ? null : i % 60));
    await check(ls, right(keys), 'inner', true);
    await check(ls, right(keys), 'left', true);
    const l = spark.createDataFrame(left((i) => i % 50), 'id INT, k INT, s STRING, c STRING, v DOUBLE');
    const r = spark.createDataFrame(right(keys), 'k INT, w STRING, x INT');
    const got = await l.join(r, l.col('k').eq(r.col('k')).and(col('v').gt(r.col('x'))), 'inner').select('id', 'w').orderBy('id').collect();
    const want = left((i) => i % 50).filter((x) => x.v > (x.k as number) * 10 + (x.k as number)).map((x) => ({ id: x.id, w: `w${x.k}_${x.k}` }));
    expect(got).toEqual(want);
  });
});
