/**
 * Shuffle buffers are released as soon as they are read (src/exec/scheduler.ts): a chain of
 * shuffles holds about one shuffle's data at a time, not every shuffle's until the job ends. The
 * memory budget shows it: a job whose three copies of the data (two shuffles and the result)
 * would exceed memoryLimit runs, because each shuffle is given back once its reader has run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, col } from '../src/index.js';
import { testThreads } from './threads.js';

const N = 200_000; // one bigint column: 1.6 MB per copy of the data

describe('shuffle data released once read', () => {
  let spark: Session;
  beforeAll(async () => {
    spark = await Session.create({ threads: testThreads(1), shufflePartitions: 4, memoryLimit: 2 * 8 * N + 400_000, maxResultSize: 0 });
  });
  afterAll(() => spark.stop());

  it('two shuffles in a row and the result fit in the budget of two copies', async () => {
    const df = spark.range(0, N, 1, 4).repartition(4).filter(col('id').geq(0)).repartition(3, 'id');
    const parts = await df.toArrow();
    expect(parts.numRows).toBe(N);
  });

  it('an exchange read twice in one job (a self-join) is kept until both reads ran', async () => {
    const t = spark.range(0, 1000, 1, 2).repartition(2, 'id');
    const rows = await t.join(t.withColumnRenamed('id', 'id2'), col('id').eqNullSafe(col('id2'))).count();
    expect(rows).toBe(1000);
  });
});
