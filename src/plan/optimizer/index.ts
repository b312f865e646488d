/**
 * The logical optimizer: runs the rules of `OPTIMIZER_RULES` in order, skipping the ones the
 * caller disables, and checks after each rule that the plan's output schema is unchanged. Each
 * rule lives in its own file of this folder (see rule.ts for the interface).
 */
import type { LogicalPlan } from '../logical.js';
import { collapseProject } from './collapse-project.js';
import { combineFilters } from './combine-filters.js';
import { constantFolding } from './constant-folding.js';
import { countCrossJoin } from './count-cross-join.js';
import { eliminateFilter } from './eliminate-filter.js';
import { eliminateLimit } from './eliminate-limit.js';
import { extractUdfs } from './extract-udfs.js';
import { inferWindowGroupLimit } from './infer-window-group-limit.js';
import { pruneColumns } from './prune-columns.js';
import { pushDownFilter } from './push-down-filter.js';
import { pushDownLimit } from './push-down-limit.js';
import { rewriteSubqueries } from './rewrite-subqueries.js';
import { type OptimizeOptions, type OptimizerContext, OptimizerError, type OptimizerRule } from './rule.js';

export { andAll, conjuncts, extractJoinKeys, foldExpr } from './expr-utils.js';
export { OptimizerError } from './rule.js';
export { subqueryNode, subqueryResult, type SubquerySpec } from './rewrite-subqueries.js';
export type { OptimizeOptions, OptimizerContext, OptimizerRule } from './rule.js';

/** The rules, in the order they run (each once). */
const RULES: readonly OptimizerRule[] = [
  rewriteSubqueries,
  combineFilters,
  collapseProject,
  constantFolding,
  eliminateFilter,
  eliminateLimit,
  pushDownFilter,
  pushDownLimit,
  countCrossJoin,
  pruneColumns,
  inferWindowGroupLimit,
  extractUdfs,
];

/**
 * Names of the optimizer rules that can be switched off, in the order they run (for
 * `disabledRules` / `spark.sql.optimizer.excludedRules`).
 */
export const OPTIMIZER_RULES: readonly string[] = RULES.filter((r) => !r.required).map((r) => r.name);

/** Names of the rules that always run (required for correctness); excluding one is an error. */
export const REQUIRED_OPTIMIZER_RULES: readonly string[] = RULES.filter((r) => r.required).map((r) => r.name);

/** The error for excluding a required rule, or null when `name` is not one. */
export function requiredRuleMessage(name: string): string | null {
  return REQUIRED_OPTIMIZER_RULES.includes(name)
    ? `optimizer rule '${name}' is required for correctness and cannot be excluded; the rules that can be are ${OPTIMIZER_RULES.join(', ')}`
    : null;
}

/** Runs every rule not disabled; the result computes the same rows, with the same output schema, as the input. */
export function optimize(plan: LogicalPlan, options: OptimizeOptions = {}): LogicalPlan {
  return runRules(RULES, plan, options);
}

/**
 * Runs `rules` in order, skipping those named in `options.disabledRules` (which must name rules
 * of `OPTIMIZER_RULES`, not required ones), and checks the output schema after each one.
 */
export function runRules(rules: readonly OptimizerRule[], plan: LogicalPlan, options: OptimizeOptions = {}): LogicalPlan {
  const disabled = new Set(options.disabledRules ?? []);
  for (const name of disabled) {
    const required = requiredRuleMessage(name);
    if (required) throw new OptimizerError(required);
    if (!OPTIMIZER_RULES.includes(name)) throw new OptimizerError(`unknown optimizer rule '${name}'; the rules are ${OPTIMIZER_RULES.join(', ')}`);
  }
  const ctx: OptimizerContext = { options };
  let p = plan;
  for (const rule of rules) {
    if (disabled.has(rule.name)) continue;
    const next = rule.apply(p, ctx);
    checkSchema(rule.name, p, next);
    p = next;
  }
  return p;
}

/**
 * Throws if `after` does not output the same columns as `before`: names and types equal, and no
 * column that could not be null may become nullable (a rule may learn that one cannot be null).
 */
function checkSchema(rule: string, before: LogicalPlan, after: LogicalPlan): void {
  const a = before.schema.fields;
  const b = after.schema.fields;
  const bad = a.length !== b.length
    ? `${a.length} columns became ${b.length}`
    : a.map((f, i) => {
      const g = b[i]!;
      if (f.name !== g.name || f.type !== g.type) return `column ${i} ${f.name}: ${f.type} became ${g.name}: ${g.type}`;
      if (!f.nullable && g.nullable) return `column ${i} ${f.name} became nullable`;
      return '';
    }).find(Boolean);
  if (bad) throw new OptimizerError(`internal error: optimizer rule ${rule} changed the plan's output schema (${bad})`);
}
