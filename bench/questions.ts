/**
 * The db-benchmark questions (h2oai db-benchmark definitions), shared by `npm run bench:db`
 * (bench/dbbench.ts) and `npm run bench:compare` (bench/compare.ts): the 10 groupby and 5 join
 * questions as Kindling DataFrame code, the same questions as SQL (db-benchmark's Spark SQL
 * solution, which DuckDB also runs), and the CSV schemas of the generated tables.
 *
 * The Kindling versions take the library module as an argument, so a benchmark can run them on
 * the built package, the sources or another checkout's build.
 */
import type { DataFrame } from '../src/index.js';

/** A question: short id (`q1`, `j3`), label for reports, and its code. */
export type KindlingQuestion = [label: string, run: (x: DataFrame) => DataFrame];
type Lib = Pick<typeof import('../src/index.js'), 'Window' | 'col' | 'functions'>;

/** CSV schema of the groupby table G1_* (Spark DDL). */
export const GROUPBY_SCHEMA = 'id1 STRING, id2 STRING, id3 STRING, id4 INT, id5 INT, id6 INT, v1 INT, v2 INT, v3 DOUBLE';
/** CSV schemas of the join tables J1_* (Spark DDL). */
export const JOIN_SCHEMAS = {
  x: 'id1 INT, id2 INT, id3 INT, id4 STRING, id5 STRING, id6 STRING, v1 DOUBLE',
  small: 'id1 INT, id4 STRING, v2 DOUBLE',
  medium: 'id1 INT, id2 INT, id4 STRING, id5 STRING, v2 DOUBLE',
  big: 'id1 INT, id2 INT, id3 INT, id4 STRING, id5 STRING, id6 STRING, v2 DOUBLE',
} as const;

/** Labels of the 10 groupby questions, in order; the first word is the id. */
export const GROUPBY_LABELS = [
  'q1 sum v1 by id1', 'q2 sum v1 by id1:id2', 'q3 sum v1 mean v3 by id3', 'q4 mean v1:v3 by id4',
  'q5 sum v1:v3 by id6', 'q6 median v3 sd v3 by id4 id5', 'q7 max v1 - min v2 by id3',
  'q8 largest two v3 by id6', 'q9 regression v1 v2 by id2 id4', 'q10 sum v3 count by id1:id6',
] as const;
/** Labels of the 5 join questions, in order. */
export const JOIN_LABELS = [
  'j1 small inner on int', 'j2 medium inner on int', 'j3 medium outer on int', 'j4 medium inner on factor', 'j5 big inner on int',
] as const;

/** The groupby questions on Kindling's DataFrame API. */
export function kindlingGroupby({ Window, col, functions: F }: Lib): KindlingQuestion[] {
  const qs: ((x: DataFrame) => DataFrame)[] = [
    (x) => x.groupBy('id1').agg(F.sum('v1').alias('v1')),
    (x) => x.groupBy('id1', 'id2').agg(F.sum('v1').alias('v1')),
    (x) => x.groupBy('id3').agg(F.sum('v1').alias('v1'), F.avg('v3').alias('v3')),
    (x) => x.groupBy('id4').agg(F.avg('v1').alias('v1'), F.avg('v2').alias('v2'), F.avg('v3').alias('v3')),
    (x) => x.groupBy('id6').agg(F.sum('v1').alias('v1'), F.sum('v2').alias('v2'), F.sum('v3').alias('v3')),
    (x) => x.groupBy('id4', 'id5').agg(F.median('v3').alias('median_v3'), F.stddev('v3').alias('sd_v3')),
    (x) => x.groupBy('id3').agg(F.max('v1').minus(F.min('v2')).alias('range_v1_v2')),
    (x) => x.filter(col('v3').isNotNull()).withColumn('rn', F.row_number().over(Window.partitionBy('id6').orderBy(col('v3').desc()))).filter(col('rn').leq(2)).select('id6', 'v3'),
    (x) => x.groupBy('id2', 'id4').agg(F.pow(F.corr('v1', 'v2'), 2).alias('r2')),
    (x) => x.groupBy('id1', 'id2', 'id3', 'id4', 'id5', 'id6').agg(F.sum('v3').alias('v3'), F.count('*').alias('count')),
  ];
  return GROUPBY_LABELS.map((label, i) => [label, qs[i]!]);
}

/** The join questions on Kindling's DataFrame API; `x` is the question's argument. */
export function kindlingJoin(t: { small: DataFrame; medium: DataFrame; big: DataFrame }): KindlingQuestion[] {
  const qs: ((x: DataFrame) => DataFrame)[] = [
    (x) => x.join(t.small.select('id1', 'v2'), 'id1'),
    (x) => x.join(t.medium.select('id2', 'v2'), 'id2'),
    (x) => x.join(t.medium.select('id2', 'v2'), 'id2', 'left'),
    (x) => x.join(t.medium.select('id5', 'v2'), 'id5'),
    (x) => x.join(t.big.select('id3', 'v2'), 'id3'),
  ];
  return JOIN_LABELS.map((label, i) => [label, qs[i]!]);
}

/** The groupby questions in SQL over the table/view `x` (db-benchmark's Spark SQL solution; DuckDB runs them as they are). */
export const GROUPBY_SQL: Record<string, string> = {
  q1: 'SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1',
  q2: 'SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2',
  q3: 'SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM x GROUP BY id3',
  q4: 'SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM x GROUP BY id4',
  q5: 'SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6',
  q6: 'SELECT id4, id5, median(v3) AS median_v3, stddev(v3) AS sd_v3 FROM x GROUP BY id4, id5',
  q7: 'SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM x GROUP BY id3',
  q8: 'SELECT id6, v3 FROM (SELECT id6, v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS rn FROM x WHERE v3 IS NOT NULL) sub WHERE rn <= 2',
  q9: 'SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4',
  q10: 'SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS count FROM x GROUP BY id1, id2, id3, id4, id5, id6',
};
/** The join questions in SQL over `x`, `small`, `medium`, `big`. */
export const JOIN_SQL: Record<string, string> = {
  j1: 'SELECT x.*, small.v2 FROM x JOIN small USING (id1)',
  j2: 'SELECT x.*, medium.v2 FROM x JOIN medium USING (id2)',
  j3: 'SELECT x.*, medium.v2 FROM x LEFT JOIN medium USING (id2)',
  j4: 'SELECT x.*, medium.v2 FROM x JOIN medium USING (id5)',
  j5: 'SELECT x.*, big.v2 FROM x JOIN big USING (id3)',
};

/** The id (`q3`, `j1`) of a question label. */
export const questionId = (label: string): string => label.split(' ')[0]!;
