/**
 * The Quickstart job: an ETL run over the bundled bank-marketing data. Reads `data/bank.csv`,
 * cleans and enriches it, aggregates subscription rates by job and by age band, joins them,
 * prints the results, writes Parquet to `out/bank_by_job`, and reads that Parquet back.
 *
 * Run: `npm run demo` (or `npx tsx examples/bank-etl.ts [out-dir]`).
 */
import { Session, col, functions as F } from '../src/index.js';

const outDir = process.argv[2] ?? 'out';
const spark = await Session.create({ threads: 2 });
try {
  const t0 = performance.now();
  const bank = spark.read.csv('data/bank.csv', { header: true, sep: ';', inferSchema: true });
  bank.printSchema();

  const enriched = bank
    .filter(col('age').gt(30).and(col('balance').geq(0)))
    .withColumn('label', F.when(col('y').eq('yes'), 1).otherwise(0))
    .withColumn('age_band', F.when(col('age').lt(40), '30s').when(col('age').lt(50), '40s').when(col('age').lt(60), '50s').otherwise('60+'));

  const byJob = enriched
    .groupBy('job')
    .agg(
      F.count('*').alias('n'),
      F.round(F.avg('balance'), 2).alias('avg_balance'),
      F.sum('label').alias('yes'),
      F.round(F.avg('duration'), 1).alias('avg_duration'),
    )
    .withColumn('yes_rate', F.round(col('yes').divide(col('n')), 4))
    .orderBy(col('n').desc());

  console.log('\nTop jobs by customers (age > 30, non-negative balance):');
  await byJob.limit(5).show();

  const byBand = enriched.groupBy('age_band').agg(F.count('*').alias('customers'), F.round(F.avg('label'), 4).alias('band_yes_rate'));
  const topJobBand = enriched
    .groupBy('job', 'age_band')
    .agg(F.count('*').alias('n'))
    .join(byBand, 'age_band')
    .withColumn('share_of_band', F.round(col('n').divide(col('customers')), 4))
    .orderBy(col('share_of_band').desc(), col('job'))
    .limit(8);
  console.log('Largest job shares within each age band:');
  await topJobBand.show();

  const out = `${outDir}/bank_by_job`;
  await byJob.write.mode('overwrite').parquet(out);
  const back = await spark.read.parquet(out);
  const rows = await back.count();
  console.log(`Wrote ${rows} rows of Parquet to ${out}/ and read them back.`);
  console.log(`Done in ${((performance.now() - t0) / 1000).toFixed(2)} s.`);
} finally {
  await spark.stop();
}
