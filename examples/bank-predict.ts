/**
 * The Quickstart job: batch prediction over the bundled bank-marketing data, the way a Spark user
 * writes it. Reads `data/bank.csv`; derives the features, one of them with a UDF registered for
 * SQL (`month_as_int`) and used in a query over a temp view; scores every row with the bundled
 * model (an MLflow folder holding an ONNX logistic regression, `data/models/bank-mlflow`, trained
 * by `npm run train-model`) through a vectorized UDF that runs in the worker threads, the model
 * loaded once per worker; writes the predictions to Parquet; prints a summary: rows scored,
 * rows/s, predicted class counts, and accuracy and AUC against `y`.
 *
 * Run: `npm run demo` (or `npx tsx examples/bank-predict.ts [out-dir] [model-uri]`).
 */
import { Session, col, functions as F } from '../src/index.js';

const outDir = process.argv[2] ?? 'out';
const modelUri = process.argv[3] ?? 'data/models/bank-mlflow';
const spark = await Session.create({ threads: 2 });
try {
  const t0 = performance.now();
  spark.read.csv('data/bank.csv', { header: true, sep: ';', inferSchema: true }).createOrReplaceTempView('bank');

  // A UDF for SQL. It is shipped to the workers by source, so it may not read outer variables:
  // the lookup table travels with it as `args` (a closure over `months` would be refused).
  const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
  spark.udf.register('month_as_int', F.udf((m: string, ctx: { args: { months: string[] } }) => ctx.args.months.indexOf(m) + 1, 'int', { args: { months } }));

  const features = spark.sql(`
    SELECT age, job, marital, balance, day, month, duration, campaign, pdays, previous,
           month_as_int(month) AS month_int, CAST(y = 'yes' AS INT) AS label
    FROM bank`);

  // MLflow's spark_udf: the model's signature names its input columns, so F.predict finds them.
  const model = spark.models.load(modelUri);
  console.log(`Model: ${model.format} from ${modelUri}; inputs ${model.inputs.map((i) => i.name).join(', ')} → ${model.resultType}`);
  const scored = features
    .withColumn('p_yes', F.predict(model))
    .withColumn('pred', F.when(col('p_yes').geq(0.5), 1).otherwise(0));

  const out = `${outDir}/bank_predictions`;
  await scored.write.mode('overwrite').parquet(out);
  const scoredMs = performance.now() - t0;

  // The summary reads the written predictions back.
  const preds = await spark.read.parquet(out);
  preds.createOrReplaceTempView('preds');
  const [summary] = await spark.sql(`
    SELECT count(*) AS rows, sum(pred) AS predicted_yes, count(*) - sum(pred) AS predicted_no,
           sum(label) AS actual_yes, avg(CAST(pred = label AS INT)) AS accuracy
    FROM preds`).collect();
  // AUC as the Mann–Whitney statistic: the average rank of the positives among all scores (ties share their mean rank).
  const [auc] = await spark.sql(`
    WITH ranked AS (SELECT label, rank() OVER (ORDER BY p_yes) + (count(*) OVER (PARTITION BY p_yes) - 1) / 2.0 AS r FROM preds),
         totals AS (SELECT sum(label) AS pos, count(*) - sum(label) AS neg, sum(CASE WHEN label = 1 THEN r END) AS rank_sum FROM ranked)
    SELECT (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg) AS auc FROM totals`).collect();

  const rows = Number(summary!['rows']);
  console.log(`\nScored ${rows.toLocaleString('en-US')} rows in ${(scoredMs / 1000).toFixed(2)} s (${Math.round(rows / (scoredMs / 1000)).toLocaleString('en-US')} rows/s, read + features + score + write) → ${out}/`);
  console.log(`Predicted yes: ${summary!['predicted_yes']}, predicted no: ${summary!['predicted_no']} (actual yes: ${summary!['actual_yes']})`);
  console.log(`Accuracy: ${Number(summary!['accuracy']).toFixed(4)}   AUC: ${Number(auc!['auc']).toFixed(4)}`);
  console.log('\nMost likely subscribers:');
  await preds.select('age', 'job', 'month', 'duration', F.round('p_yes', 4).alias('p_yes'), 'label').orderBy(col('p_yes').desc()).limit(5).show();
  console.log(`Done in ${((performance.now() - t0) / 1000).toFixed(2)} s.`);
} finally {
  await spark.stop();
}
