/**
 * Top-N per group (optimizer rule infer_window_group_limit + WindowGroupLimitOp): a filter such as
 * `row_number() OVER w <= k` is planned as a per-group top-k before and after the shuffle. Every
 * query here runs twice, with the rule and with it excluded (the sort-based plan), on seeded random
 * data with ties, nulls and NaN in keys and order columns, and must give the same rows in the same
 * order; explain must show the operator. A few are also checked against DuckDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { type Column, type DataFrame, type Row, Session, Window, col, functions as F, lit } from '../src/index.js';
import { mulberry32 } from '../src/exec/basic.js';
import { groupLimitTuning } from '../src/exec/window-group-limit.js';
import { WindowOp } from '../src/exec/window/operator.js';
import type { PhysicalOp } from '../src/exec/operator.js';
import { prepare } from '../src/exec/scheduler.js';
import { physicalToString } from '../src/plan/physical.js';
import { testThreads } from './threads.js';

let spark: Session;
/** One thread and one shuffle partition: the plan without an exchange (Final phase only). */
let local: Session;
beforeAll(async () => {
  spark = await Session.create({ threads: testThreads(), shufflePartitions: 3 });
  local = await Session.create({ threads: 1, shufflePartitions: 1 });
});
afterAll(async () => {
  await spark.stop();
  await local.stop();
});

type R = { id: number; g1: number | null; g2: string | null; o1: number | null; o2: number | null };
function makeRows(n: number, seed: number): R[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, (_, id) => ({
    id,
    g1: r() < 0.05 ? null : Math.floor(r() * 40),
    g2: r() < 0.05 ? null : `s${Math.floor(r() * 3)}`,
    o1: r() < 0.1 ? null : r() < 0.03 ? NaN : Math.floor(r() * 8) / 2, // many ties
    o2: r() < 0.1 ? null : Math.floor(r() * 5),
  }));
}
const ROWS = makeRows(3000, 11);
const SCHEMA = 'id INT, g1 INT, g2 STRING, o1 DOUBLE, o2 INT';
const data = (s: Session) => s.createDataFrame(ROWS, SCHEMA).repartition(4);

const RULE = 'infer_window_group_limit';

/** The physical plan as explain() shows it (without printing it). */
const physicalPlan = (s: Session, df: DataFrame) => physicalToString(prepare(df.plan, s.plannerConfig()).physical);

/** Runs `q` with the rule and without it; both must give the same rows in the same order. */
async function same(s: Session, q: (x: DataFrame, s: Session) => DataFrame, expectLimit = true): Promise<Row[]> {
  const df = q(data(s), s);
  const plan = physicalPlan(s, df);
  expect(plan.includes('WindowGroupLimit'), plan).toBe(expectLimit);
  const ours = await df.collect();
  s.conf.set('spark.sql.optimizer.excludedRules', RULE);
  try {
    const df2 = q(data(s), s);
    expect(physicalPlan(s, df2)).not.toContain('WindowGroupLimit');
    expect(ours).toEqual(await df2.collect());
  } finally {
    s.conf.unset('spark.sql.optimizer.excludedRules');
  }
  return ours;
}

/** One test per case: each against the sort-based plan through the shuffle, without it, and over 40 input partitions. */
function everywhere(cases: [string, (x: DataFrame) => DataFrame][]): void {
  for (const [name, q] of cases) {
    it(name, async () => {
      const rows = await same(spark, q);
      expect(rows.length).toBeGreaterThan(0);
      await same(local, q);
      await same(local, (x) => q(x.repartition(40)));
    });
  }
}

const withRank = (fn: Column, w: ReturnType<typeof Window.partitionBy>) => (x: DataFrame) => x.withColumn('rn', fn.over(w));

describe('row_number() <= k against the sort-based plan', () => {
  const w1 = Window.partitionBy('g1').orderBy(col('o1').desc());
  const cases: [string, (x: DataFrame) => DataFrame][] = [
    ['rn <= 2, one key, desc', (x) => withRank(F.row_number(), w1)(x).filter(col('rn').leq(2))],
    ['rn = 1', (x) => withRank(F.row_number(), w1)(x).filter(col('rn').eq(1))],
    ['rn < 3', (x) => withRank(F.row_number(), w1)(x).filter(col('rn').lt(3))],
    ['3 >= rn', (x) => withRank(F.row_number(), w1)(x).filter(lit(3).geq(col('rn')))],
    ['k larger than every group', (x) => withRank(F.row_number(), w1)(x).filter(col('rn').leq(500))],
    ['asc nulls last, two order keys', (x) => withRank(F.row_number(), Window.partitionBy('g1').orderBy(col('o1').asc_nulls_last(), col('o2').desc_nulls_first()))(x).filter(col('rn').leq(3))],
    ['desc nulls first', (x) => withRank(F.row_number(), Window.partitionBy('g2').orderBy(col('o1').desc_nulls_first()))(x).filter(col('rn').leq(4))],
    ['two partition keys with nulls', (x) => withRank(F.row_number(), Window.partitionBy('g1', 'g2').orderBy('o2', 'o1'))(x).filter(col('rn').leq(2))],
    ['string order key', (x) => withRank(F.row_number(), Window.partitionBy('o2').orderBy(col('g2').desc()))(x).filter(col('rn').leq(7))],
    ['no partition keys', (x) => withRank(F.row_number(), Window.orderBy('o1'))(x).filter(col('rn').leq(5))],
    ['with another condition and a projection', (x) => withRank(F.row_number(), w1)(x).filter(col('rn').leq(2).and(col('id').gt(100))).select('id', 'g1', 'rn')],
  ];
  for (const [name, q] of cases) {
    it(name, async () => {
      const rows = await same(spark, q);
      expect(rows.length).toBeGreaterThan(0);
      await same(local, q);
    });
  }

  it('keeps exactly k rows per group, the earlier of tied rows', async () => {
    // One input partition in id order: the stable sort keeps the smaller id of tied rows.
    const rows = await withRank(F.row_number(), Window.partitionBy('g1').orderBy('o2'))(spark.createDataFrame(ROWS, SCHEMA)).filter(col('rn').leq(2)).collect();
    const groups = new Set(ROWS.map((r) => r.g1));
    expect(rows.length).toBe(2 * groups.size);
    for (const g of groups) {
      const members = ROWS.filter((r) => r.g1 === g).sort((a, b) => ((a.o2 ?? -Infinity) - (b.o2 ?? -Infinity)) || a.id - b.id);
      const got = rows.filter((r) => r['g1'] === g).map((r) => r['id']).sort((a, b) => (a as number) - (b as number));
      expect(got).toEqual(members.slice(0, 2).map((r) => r.id).sort((a, b) => a - b));
    }
  });
});

describe('compacting the retained rows (main thread, compacting after every few rows)', () => {
  it('gives the same rows', async () => {
    groupLimitTuning.compactMin = 50;
    try {
      const small = (x: DataFrame) => x.repartition(40); // batches of about 75 rows
      await same(local, (x) => withRank(F.row_number(), Window.partitionBy('g1').orderBy(col('o1').desc()))(small(x)).filter(col('rn').leq(2)));
      await same(local, (x) => withRank(F.rank(), Window.partitionBy('g2').orderBy('o2'))(small(x)).filter(col('rn').leq(3)));
      await same(local, (x) => withRank(F.dense_rank(), Window.partitionBy('g1').orderBy('o2'))(small(x)).filter(col('rn').leq(2)));
    } finally {
      groupLimitTuning.compactMin = 1 << 20;
    }
  });
});

describe('row_number() over one numeric key of each type (typed-array keys per kept row)', () => {
  // o2 as bigint, date and boolean, and o1 (double with NaN) ascending with nulls first.
  const typed = (x: DataFrame) => x.withColumn('b', col('o2').cast('bigint')).withColumn('d', F.expr("date_add(DATE'2020-01-01', o2)")).withColumn('t', col('o2').gt(2));
  const cases: [string, Column][] = [
    ['bigint desc', col('b').desc()],
    ['date asc nulls last', col('d').asc_nulls_last()],
    ['boolean desc nulls first', col('t').desc_nulls_first()],
    ['double asc nulls first (NaN last)', col('o1').asc_nulls_first()],
  ];
  for (const [name, key] of cases) {
    it(name, async () => {
      const q = (x: DataFrame) => withRank(F.row_number(), Window.partitionBy('g1').orderBy(key))(typed(x)).filter(col('rn').leq(3));
      await same(spark, q);
      await same(local, q);
    });
  }
  it('many small groups, compacted often, k = 1 and k larger than most groups', async () => {
    groupLimitTuning.compactMin = 64;
    try {
      const many = (x: DataFrame) => x.withColumn('m', col('id').mod(977)).repartition(30);
      for (const k of [1, 4]) {
        await same(local, (x) => withRank(F.row_number(), Window.partitionBy('m').orderBy(col('o1').desc()))(many(x)).filter(col('rn').leq(k)));
        await same(spark, (x) => withRank(F.row_number(), Window.partitionBy('m', 'g2').orderBy(col('o2').asc_nulls_last()))(many(x)).filter(col('rn').leq(k)));
      }
    } finally {
      groupLimitTuning.compactMin = 1 << 20;
    }
  });
});

describe('row_number() over fixed-width columns only (kept rows copied into slots, no batches retained)', () => {
  // No string column: the operator copies each kept row's values beside its slot. Nulls in the
  // order key and in other columns, NaN, ties, several types, k above most group sizes.
  const fixed = (x: DataFrame) => x.select('id', 'g1', 'o1', 'o2', col('o2').cast('bigint').alias('b'), F.expr("date_add(DATE'2020-01-01', o2)").alias('d'), col('o1').gt(1).alias('t'));
  const cases: [string, (x: DataFrame) => DataFrame][] = [
    ['desc, k = 2 (q8)', (x) => withRank(F.row_number(), Window.partitionBy('g1').orderBy(col('o1').desc()))(fixed(x)).filter(col('rn').leq(2))],
    ['asc nulls first, k = 3', (x) => withRank(F.row_number(), Window.partitionBy('g1').orderBy(col('o1').asc_nulls_first()))(fixed(x)).filter(col('rn').leq(3))],
    ['int order key with ties, desc nulls last, k = 1', (x) => withRank(F.row_number(), Window.partitionBy('g1').orderBy(col('o2').desc_nulls_last()))(fixed(x)).filter(col('rn').leq(1))],
    ['k larger than every group', (x) => withRank(F.row_number(), Window.partitionBy('g1').orderBy(col('b').asc()))(fixed(x)).filter(col('rn').leq(400))],
    ['many groups (slots grown several times), date key', (x) => withRank(F.row_number(), Window.partitionBy(col('id').mod(1500)).orderBy(col('d').desc()))(fixed(x)).filter(col('rn').leq(2))],
  ];
  everywhere(cases);
});

describe('row_number() over one key column of direct slots (GroupKeys)', () => {
  // The key's range widens from batch to batch (negative keys too), null keys take the null slot,
  // a range past the direct limit or a second dictionary moves the keys to hashing mid-stream;
  // with the copy mode (fixed-width columns) and with retained batches.
  const cases: [string, (x: DataFrame) => DataFrame][] = [
    ['keys widening batch by batch, negative, null', (x) => x.withColumn('p', F.when(col('id').lt(1000), col('g1')).when(col('id').lt(2900), col('id').multiply(-3)).otherwise(lit(null)))],
    ['keys past the direct limit mid-stream', (x) => x.withColumn('p', F.when(col('id').lt(1500), col('g1')).otherwise(col('id').multiply(-100_000)))],
  ];
  for (const [name, key] of cases) {
    it(name, async () => {
      for (const k of [1, 2]) {
        const q = (x: DataFrame) => withRank(F.row_number(), Window.partitionBy('p').orderBy(col('o1').desc()))(key(x.repartition(40)).select('id', 'p', 'o1', 'o2')).filter(col('rn').leq(k));
        const rows = await same(local, q);
        expect(rows.some((r) => r['p'] === null)).toBe(true);
        expect(rows.some((r) => (r['p'] as number) < -1000)).toBe(true);
        await same(spark, q);
        // With a string column: batches are retained, not copied.
        await same(local, (x) => withRank(F.row_number(), Window.partitionBy('p').orderBy(col('o2').asc_nulls_first()))(key(x.repartition(40))).filter(col('rn').leq(k)));
      }
    });
  }
  it('a dictionary key (cached strings), then a second dictionary', async () => {
    const one = data(local).cache();
    const two = local.createDataFrame(makeRows(500, 12), SCHEMA).withColumn('g2', F.concat(col('g2'), lit('x'))).cache();
    try {
      const q = (x: DataFrame) => withRank(F.row_number(), Window.partitionBy('g2').orderBy(col('o1').desc()))(x).filter(col('rn').leq(2));
      const frames = [one, one.union(two).coalesce(1)];
      const ours = await Promise.all(frames.map((f) => q(f).collect()));
      local.conf.set('spark.sql.optimizer.excludedRules', RULE);
      try {
        for (let i = 0; i < frames.length; i++) expect(ours[i]).toEqual(await q(frames[i]!).collect());
      } finally {
        local.conf.unset('spark.sql.optimizer.excludedRules');
      }
      expect(ours.map((r) => r.length)).toEqual([8, 14]);
    } finally {
      one.unpersist();
      two.unpersist();
    }
  });
});

describe('rank() and dense_rank() keep tied rows', () => {
  const w = Window.partitionBy('g1').orderBy(col('o2').desc());
  it('rank() <= 2', async () => {
    const rows = await same(spark, (x) => withRank(F.rank(), w)(x).filter(col('rn').leq(2)));
    expect(rows.length).toBeGreaterThan(2 * 41); // ties keep more than two rows per group
    await same(local, (x) => withRank(F.rank(), w)(x).filter(col('rn').leq(2)));
  });
  it('dense_rank() < 3 over two order keys', async () => {
    await same(spark, (x) => withRank(F.dense_rank(), Window.partitionBy('g2').orderBy('o1', 'o2'))(x).filter(col('rn').lt(3)));
  });
  it('row_number and rank in one window, filtered on rank', async () => {
    await same(spark, (x) => x.select('*', F.row_number().over(w).alias('rn'), F.rank().over(w).alias('rk')).filter(col('rk').leq(1)));
  });
});

describe('the Window over the Final phase takes its rows ranked (no second sort)', () => {
  // The Final phase emits each group's rows in window order and the Window numbers them as they
  // come, so ties (input order), nulls, NaN and -0 against 0 must come out exactly as the sort
  // puts them, for each rank-like function, with the rows copied (fixed-width columns only) or
  // taken (a string column), through the shuffle and without it (local: Final phase only).
  const signed = (x: DataFrame) => x.withColumn('o3', F.when(col('id').mod(3).eq(0), col('o1').multiply(-1)).otherwise(col('o1')));
  const fixed = (x: DataFrame) => signed(x).select('id', 'g1', 'o1', 'o2', 'o3');
  const all3 = (w: ReturnType<typeof Window.partitionBy>) => (x: DataFrame) =>
    x.select('*', F.row_number().over(w).alias('rn'), F.rank().over(w).alias('rk'), F.dense_rank().over(w).alias('dr'));
  const cases: [string, (x: DataFrame) => DataFrame][] = [
    ['row_number <= 2 beside rank and dense_rank, fixed-width columns, desc (q8 shape)', (x) => all3(Window.partitionBy('g1').orderBy(col('o3').desc()))(fixed(x)).filter(col('rn').leq(2))],
    ['rank <= 2, a string column, asc nulls first', (x) => all3(Window.partitionBy('g1').orderBy(col('o3').asc_nulls_first()))(signed(x)).filter(col('rk').leq(2))],
    ['dense_rank <= 2, two order keys', (x) => all3(Window.partitionBy('g1').orderBy(col('o2').asc_nulls_first(), col('o3').desc_nulls_last()))(signed(x)).filter(col('dr').leq(2))],
    ['row_number <= 3, string partition key with nulls, int order key with ties', (x) => all3(Window.partitionBy('g2').orderBy(col('o2').desc()))(fixed(x).join(signed(x).select('id', 'g2'), 'id')).filter(col('rn').leq(3))],
    ['no partition keys, desc nulls first', (x) => all3(Window.orderBy(col('o3').desc_nulls_first()))(fixed(x)).filter(col('rn').leq(5))],
  ];
  everywhere(cases);
  it('is planned so: the Window over a Final phase on its own keys skips the sort, other Windows do not', async () => {
    const windows = (df: DataFrame) => {
      const found: WindowOp[] = [];
      const walk = (op: PhysicalOp) => {
        if (op instanceof WindowOp) found.push(op);
        op.children.forEach(walk);
      };
      walk(prepare(df.plan, spark.plannerConfig()).physical);
      return found;
    };
    const w = Window.partitionBy('g1').orderBy(col('o3').desc());
    expect(windows(all3(w)(fixed(data(spark))).filter(col('rn').leq(2))).map((o) => o.ranked)).toEqual([true]);
    expect(windows(all3(w)(fixed(data(spark))).filter(col('rn').gt(2))).map((o) => o.ranked)).toEqual([false]);
  });
  it('ranks in the output restart at 1 in each group and follow the ORDER BY (the rows were not re-sorted)', async () => {
    const rows = await same(spark, (x) => all3(Window.partitionBy('g1').orderBy(col('o3').desc()))(fixed(x)).filter(col('rn').leq(3)));
    let prev: Row | null = null;
    for (const r of rows) {
      if (prev === null || prev['g1'] !== r['g1']) expect(r['rn']).toBe(1);
      else expect(r['rn']).toBe((prev['rn'] as number) + 1);
      prev = r;
    }
  });
});

describe('where the rule does not apply', () => {
  const w = Window.partitionBy('g1').orderBy('o1');
  it('other window functions in the same Window, k = 0, k above the threshold, rn > k', async () => {
    await same(spark, (x) => x.select('*', F.row_number().over(w).alias('rn'), F.sum('o2').over(w).alias('s')).filter(col('rn').leq(2)), false);
    await same(spark, (x) => withRank(F.row_number(), w)(x).filter(col('rn').lt(1)), false);
    await same(spark, (x) => withRank(F.row_number(), w)(x).filter(col('rn').leq(5000)), false);
    await same(spark, (x) => withRank(F.row_number(), w)(x).filter(col('rn').gt(2)), false);
    const mod3 = F.udf((g: number | null) => (g === null ? null : g % 3), 'int', { name: 'mod3' });
    await same(spark, (x) => withRank(F.row_number(), Window.partitionBy(mod3('g1')).orderBy('o1', 'id'))(x).filter(col('rn').leq(2)), false);
  });
});

describe('SQL', () => {
  it('a subquery filtered on rn, as db-benchmark q8 is written', async () => {
    const q = (x: DataFrame, s: Session) => {
      x.createOrReplaceTempView('t');
      return s.sql('SELECT g1, o1 FROM (SELECT g1, o1, row_number() OVER (PARTITION BY g1 ORDER BY o1 DESC) AS rn FROM t WHERE o1 IS NOT NULL) sub WHERE rn <= 2');
    };
    const rows = await same(spark, q);
    expect(rows.length).toBeGreaterThan(40);
    const explained = q(data(spark), spark).explain();
    expect(explained).toMatch(/WindowGroupLimit \[g1#\d+\], \[o1#\d+ DESC NULLS LAST\], row_number\(\), 2, Final/);
    expect(explained).toContain('row_number(), 2, Partial');
  });
});

describe('against DuckDB', () => {
  let db: DuckDBConnection;
  beforeAll(async () => {
    db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run('CREATE TABLE t (id INTEGER, g1 INTEGER, g2 VARCHAR, o1 DOUBLE, o2 INTEGER)');
    const q = (x: unknown) => (x === null ? 'NULL' : typeof x === 'string' ? `'${x}'` : Number.isNaN(x) ? "'NaN'::DOUBLE" : String(x));
    await db.run(`INSERT INTO t VALUES ${ROWS.map((r) => `(${r.id}, ${q(r.g1)}, ${q(r.g2)}, ${q(r.o1)}, ${q(r.o2)})`).join(',\n')}`);
  });
  afterAll(() => db.closeSync());

  async function ids(sql: string): Promise<number[]> {
    const res = await db.runAndReadAll(sql);
    return res.getRowObjects().map((r) => Number(r['id'])).sort((a, b) => a - b);
  }
  const ours = async (df: DataFrame) => (await df.collect()).map((r) => r['id'] as number).sort((a, b) => a - b);

  it('row_number() <= 3 with a unique order (ties broken by id)', async () => {
    const w = Window.partitionBy('g1', 'g2').orderBy(col('o1').desc_nulls_last(), col('id'));
    expect(await ours(withRank(F.row_number(), w)(data(spark)).filter(col('rn').leq(3)))).toEqual(
      await ids('SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY g1, g2 ORDER BY o1 DESC NULLS LAST, id) AS rn FROM t) WHERE rn <= 3'));
  });
  it('rank() <= 2 and dense_rank() <= 2', async () => {
    const w = Window.partitionBy('g1').orderBy(col('o2').asc_nulls_first());
    expect(await ours(withRank(F.rank(), w)(data(spark)).filter(col('rn').leq(2)))).toEqual(
      await ids('SELECT id FROM (SELECT id, rank() OVER (PARTITION BY g1 ORDER BY o2 ASC NULLS FIRST) AS rn FROM t) WHERE rn <= 2'));
    expect(await ours(withRank(F.dense_rank(), w)(data(spark)).filter(col('rn').leq(2)))).toEqual(
      await ids('SELECT id FROM (SELECT id, dense_rank() OVER (PARTITION BY g1 ORDER BY o2 ASC NULLS FIRST) AS rn FROM t) WHERE rn <= 2'));
  });
});
