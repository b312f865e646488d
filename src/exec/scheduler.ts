/**
 * Job execution: optimises a logical plan, plans it physically, and runs the final stage's
 * partitions (each exchange runs its input stage on first use). Partitions currently run one
 * after another in the calling thread; the plan is already cut into stages at exchanges, so a
 * worker-pool scheduler can replace `runJob` without changing plans or operators.
 */
import type { Batch } from '../data/batch.js';
import { optimize } from '../plan/optimizer.js';
import type { LogicalPlan } from '../plan/logical.js';
import { type PlannerConfig, planPhysical } from '../plan/physical.js';
import { ExecContext, type PhysicalOp, wrapTaskError } from './operator.js';

/** Result of running a job: the output batches per final partition, plus what ran. */
export interface JobResult {
  readonly partitions: Batch[][];
  readonly physical: PhysicalOp;
  readonly context: ExecContext;
}

/** Plans a logical tree for execution. */
export function prepare(plan: LogicalPlan, cfg: PlannerConfig): { optimized: LogicalPlan; physical: PhysicalOp } {
  const optimized = optimize(plan);
  return { optimized, physical: planPhysical(optimized, cfg) };
}

/** Runs every partition of a physical plan and returns their batches in partition order. */
export async function runPhysical(physical: PhysicalOp, ctx: ExecContext): Promise<Batch[][]> {
  const out: Batch[][] = [];
  for (let p = 0; p < physical.numPartitions(); p++) {
    const batches: Batch[] = [];
    try {
      for await (const b of physical.execute(p, ctx)) if (b.numRows > 0) batches.push(b);
    } catch (err) {
      throw wrapTaskError(err, `task for partition ${p} of the final stage`);
    }
    out.push(batches);
  }
  return out;
}

/** Optimises, plans and runs a logical plan. */
export async function runJob(plan: LogicalPlan, cfg: PlannerConfig, signal?: AbortSignal): Promise<JobResult> {
  const { physical } = prepare(plan, cfg);
  const context = new ExecContext(signal);
  const partitions = await runPhysical(physical, context);
  return { partitions, physical, context };
}
