/**
 * The optimizer rule interface: a named rewrite of a logical plan that keeps the rows it
 * computes and its output schema. The optimizer (index.ts) runs the rules in order, lets callers
 * switch rules off by name, and checks the schema after each one.
 */
import { KindlingError } from '../../errors.js';
import type { LogicalPlan } from '../logical.js';

/** Options of one optimisation run. */
export interface OptimizeOptions {
  /** Names of rules to skip (Spark's `spark.sql.optimizer.excludedRules`). Unknown names and required rules are an error. */
  readonly disabledRules?: readonly string[];
}

/** What a rule may read besides the plan: the run's options (a place for settings later rules need). */
export interface OptimizerContext {
  readonly options: OptimizeOptions;
}

/**
 * One optimizer rule. `apply` returns a plan computing the same rows (in the same order where the
 * input's order is defined) with the same output column names and types; it may return `plan`
 * itself when nothing applies. Rules are pure functions of their input (no state between runs).
 */
export interface OptimizerRule {
  /** snake_case name, as listed in `OPTIMIZER_RULES` and accepted by `disabledRules`. */
  readonly name: string;
  /**
   * Required for correctness (e.g. rewrite_subqueries: nothing downstream handles its input
   * nodes): always runs, and naming it in `disabledRules` is an error.
   */
  readonly required?: boolean;
  apply(plan: LogicalPlan, ctx: OptimizerContext): LogicalPlan;
}

/** A broken optimizer invariant (a bug, not a user error): names the rule that broke it. */
export class OptimizerError extends KindlingError {
  override name = 'OptimizerError';
}
