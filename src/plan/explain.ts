/**
 * Explain text: the analyzed, optimized and physical plans of a logical plan as Spark prints
 * them (`df.explain(mode)`, SQL `EXPLAIN [EXTENDED]`).
 */
import { prepare } from '../exec/scheduler.js';
import { logicalToString, type LogicalPlan } from './logical.js';
import { type PlannerConfig, physicalToString } from './physical.js';

/** Explain modes that print plans without running them. */
export type ExplainMode = 'simple' | 'extended' | 'formatted';

/** 'simple': the physical plan; otherwise the analyzed, optimized and physical plans. */
export function explainString(plan: LogicalPlan, config: PlannerConfig, mode: ExplainMode): string {
  const { optimized, physical } = prepare(plan, config);
  if (mode === 'simple') return `== Physical Plan ==\n${physicalToString(physical)}\n`;
  return `== Analyzed Logical Plan ==\n${logicalToString(plan)}\n\n== Optimized Logical Plan ==\n${logicalToString(optimized)}\n\n== Physical Plan ==\n${physicalToString(physical)}\n`;
}
