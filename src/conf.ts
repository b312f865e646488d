/**
 * Runtime configuration of a Session (PySpark's `spark.conf`): string settings by key, read when
 * a job is planned. Known keys are checked when set: `spark.sql.optimizer.excludedRules` and
 * `spark.sql.execution.arrow.maxRecordsPerBatch` (rows per vectorized UDF call).
 */
import { IllegalArgumentError, didYouMean } from './errors.js';
import { OPTIMIZER_RULES, requiredRuleMessage } from './plan/optimizer/index.js';
import { ARROW_BATCH_KEY, checkArrowBatchSize, parseArrowBatchSize } from './udf/spec.js';
import { DICTIONARY_KEY } from './data/dictionary.js';

/** Comma-separated optimizer rule names to skip (see `OPTIMIZER_RULES`), as in Spark. */
export const EXCLUDED_RULES_KEY = 'spark.sql.optimizer.excludedRules';

/** `true` (default) / `false`: direct (array-indexed) group ids for small integer key domains (src/data/direct-keys.ts). */
export const DIRECT_AGG_KEY = 'kindling.aggregate.direct';

/**
 * Groups per sub-partition of a large final aggregate (default 131072; 0: never split): a final
 * partition whose sampled keys suggest more than twice as many groups is aggregated in parts of
 * about this many groups, so its hash table stays in cache (src/exec/aggregate.ts).
 */
export const SPLIT_GROUPS_KEY = 'kindling.aggregate.splitGroups';

/** Checks of known keys' values (unknown keys are stored as given, as Spark does). */
const VALIDATORS: Record<string, (value: string) => void> = {
  [DICTIONARY_KEY]: (value) => {
    if (!/^(true|false)$/i.test(value)) throw new IllegalArgumentError(`${DICTIONARY_KEY} must be true or false, got '${value}'`);
  },
  [ARROW_BATCH_KEY]: checkArrowBatchSize,
  [DIRECT_AGG_KEY]: (value) => {
    if (!/^(true|false)$/i.test(value.trim())) throw new IllegalArgumentError(`${DIRECT_AGG_KEY}: expected true or false, got '${value}'`);
  },
  [SPLIT_GROUPS_KEY]: (value) => {
    if (!/^\s*\d+\s*$/.test(value)) throw new IllegalArgumentError(`${SPLIT_GROUPS_KEY}: expected a whole number of groups (0 never splits), got '${value}'`);
  },
  [EXCLUDED_RULES_KEY]: (value) => {
    for (const name of ruleList(value)) {
      const required = requiredRuleMessage(name);
      if (required) throw new IllegalArgumentError(`${EXCLUDED_RULES_KEY}: ${required}`);
      if (!OPTIMIZER_RULES.includes(name)) {
        throw new IllegalArgumentError(`${EXCLUDED_RULES_KEY}: unknown optimizer rule '${name}'${didYouMean(name, OPTIMIZER_RULES)}; the rules are ${OPTIMIZER_RULES.join(', ')}`);
      }
    }
  },
};

function ruleList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** `spark.conf`: get / set / unset settings by key. */
export class RuntimeConfig {
  private readonly values = new Map<string, string>();

  /** Sets `key` (values are kept as strings). Throws IllegalArgumentError for an invalid value of a known key. */
  set(key: string, value: string | number | boolean): void {
    const v = String(value);
    VALIDATORS[key]?.(v);
    this.values.set(key, v);
  }

  /** The value of `key`, else `defaultValue` (undefined when not given). */
  get(key: string, defaultValue?: string): string | undefined {
    return this.values.get(key) ?? defaultValue;
  }

  /** Removes `key` (back to its default). */
  unset(key: string): void {
    this.values.delete(key);
  }

  /** @internal Rows per Arrow batch for UDFs (`spark.sql.execution.arrow.maxRecordsPerBatch`, default 10000; 0: no limit). */
  arrowMaxRecordsPerBatch(): number {
    return parseArrowBatchSize(this.get(ARROW_BATCH_KEY));
  }

  /** @internal True unless `kindling.dictionary.enabled` is 'false': low-cardinality strings may be dictionary-encoded (cache, CSV). */
  dictionaryEnabled(): boolean {
    return (this.get(DICTIONARY_KEY) ?? 'true').toLowerCase() !== 'false';
  }

  /** @internal Whether aggregates may use direct group ids (`kindling.aggregate.direct`, default true). */
  directAggregation(): boolean {
    return (this.get(DIRECT_AGG_KEY) ?? 'true').trim().toLowerCase() === 'true';
  }

  /** @internal Groups per sub-partition of a large final aggregate (`kindling.aggregate.splitGroups`); undefined: the default. */
  aggregateSplitGroups(): number | undefined {
    const v = this.get(SPLIT_GROUPS_KEY);
    return v === undefined ? undefined : Number(v.trim());
  }

  /** @internal The optimizer rules `spark.sql.optimizer.excludedRules` switches off. */
  excludedRules(): string[] {
    return ruleList(this.get(EXCLUDED_RULES_KEY) ?? '');
  }
}
