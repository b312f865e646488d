/**
 * Physical planning: turns an optimised logical plan into partitioned operators, inserting an
 * exchange wherever an operator needs all rows of a key (aggregate, join, distinct) or a global
 * order (sort, limit): two-phase aggregation, shuffled or broadcast hash joins, top-K for
 * orderBy + limit.
 */
import type { ExprBackend } from '../expr/backend.js';
import { type BoundExpr, boundRefs, remapRefs } from '../expr/expr.js';
import { aggStateTypes, HashAggregateOp } from '../exec/aggregate.js';
import { CoalesceOp, EmptyOp, FilterOp, LimitOp, ProjectOp, SampleOp, ScanOp, UnionOp } from '../exec/basic.js';
import { ExchangeOp } from '../exec/exchange.js';
import { ExpandOp } from '../exec/expand.js';
import { GenerateOp } from '../exec/generate.js';
import { HashJoinOp } from '../exec/join.js';
import { MedianPartialOp } from '../exec/median-partial.js';
import type { PhysicalOp } from '../exec/operator.js';
import { SortOp } from '../exec/sort.js';
import { WindowOp, partitionedForWindow } from '../exec/window/operator.js';
import { WindowGroupLimitOp } from '../exec/window-group-limit.js';
import { KindlingError } from '../errors.js';
import { FlatMapGroupsInArrowOp } from '../udf/flat-map-groups.js';
import { MapInArrowOp } from '../udf/map-in-arrow.js';
import { EvalUdfsOp } from '../udf/eval-udfs-op.js';
import { DEFAULT_ARROW_BATCH } from '../udf/spec.js';
import { Schema } from '../types.js';
import type { JoinNode, LogicalPlan } from './logical.js';

/** Planner settings (from the Session). */
export interface PlannerConfig {
  /** Partitions after a shuffle (Spark's spark.sql.shuffle.partitions). */
  shufflePartitions: number;
  /** Largest estimated size in bytes of a join side that is broadcast instead of shuffled (-1 disables). */
  autoBroadcastJoinThreshold: number;
  /** Rows per call of a vectorized UDF without its own batchSize (spark.sql.execution.arrow.maxRecordsPerBatch). */
  arrowMaxRecordsPerBatch?: number;
  /** Optimizer rules to skip (Spark's spark.sql.optimizer.excludedRules); read by the optimizer, not this planner. */
  optimizerExcludedRules?: readonly string[];
  /** The expression backend operators compile with (src/expr/backend.ts; default js). */
  exprBackend?: ExprBackend;
  /** Direct (array-indexed) group ids for small integer key domains (`kindling.aggregate.direct`; default true). */
  directAggregation?: boolean;
  /** Groups per sub-partition of a large final aggregate partition (`kindling.aggregate.splitGroups`; 0: never split). */
  aggregateSplitGroups?: number;
}

/** Rough output size of a logical plan in bytes, when it can be estimated. */
export function estimateBytes(p: LogicalPlan): number | undefined {
  switch (p.kind) {
    case 'scan': {
      const total = p.source.estimatedBytes();
      if (total === undefined) return undefined;
      const frac = p.source.schema.length ? p.columns.length / p.source.schema.length : 1;
      return total * frac;
    }
    case 'empty': return 0;
    case 'project': case 'filter': case 'sort': case 'sample': case 'repartition': return estimateBytes(p.input);
    case 'limit': return Math.min(estimateBytes(p.input) ?? Infinity, p.limit * 64 * Math.max(1, p.schema.length));
    case 'union': {
      let n = 0;
      for (const i of p.inputs) {
        const e = estimateBytes(i);
        if (e === undefined) return undefined;
        n += e;
      }
      return n;
    }
    default: return undefined;
  }
}

function refs(schema: Schema, count: number, offset = 0): BoundExpr[] {
  return Array.from({ length: count }, (_, i) => ({ kind: 'ref', index: offset + i, type: schema.fields[offset + i]!.type, name: schema.fields[offset + i]!.name }) as const);
}

/** Plans a logical tree into physical operators. */
export function planPhysical(p: LogicalPlan, cfg: PlannerConfig): PhysicalOp {
  switch (p.kind) {
    case 'scan':
      return new ScanOp(p.source, p.columns, p.filters, p.limit, p.schema);
    case 'empty':
      return new EmptyOp(p.schema);
    case 'generate':
      return new GenerateOp(planPhysical(p.input, cfg), p.generator, p.outer, p.arg, p.passthrough, p.schema);
    case 'expand':
      return new ExpandOp(planPhysical(p.input, cfg), p.projections, p.schema);
    case 'project': {
      const j = p.input;
      if (j.kind === 'join' && j.joinType !== 'left_semi' && j.joinType !== 'left_anti') {
        // Only gather the joined columns the projection reads (the join keys are often dropped).
        const used = [...p.exprs.reduce((set, e) => boundRefs(e, set), new Set<number>())].sort((a, b) => a - b);
        if (used.length < j.schema.length) {
          const pos = new Map(used.map((c, k) => [c, k]));
          const exprs = p.exprs.map((e) => remapRefs(e, (i) => pos.get(i)!));
          return new ProjectOp(planJoin(j, cfg, used), exprs, p.schema);
        }
      }
      return new ProjectOp(planPhysical(p.input, cfg), p.exprs, p.schema);
    }
    case 'filter':
      return new FilterOp(planPhysical(p.input, cfg), p.condition);
    case 'sample':
      return new SampleOp(planPhysical(p.input, cfg), p.fraction, p.withReplacement, p.seed);
    case 'repartition': {
      const child = planPhysical(p.input, cfg);
      if (p.mode === 'coalesce') return child.numPartitions() <= p.partitions ? child : new CoalesceOp(child, p.partitions);
      if (p.mode === 'hash') return new ExchangeOp(child, { kind: 'hash', keys: p.keys, partitions: p.partitions });
      return new ExchangeOp(child, { kind: 'roundrobin', partitions: p.partitions });
    }
    case 'union':
      return new UnionOp(p.inputs.map((i) => planPhysical(i, cfg)), p.schema);
    case 'sort': {
      // Global order: range-partition by the sort keys (bounds sampled from the data), then sort
      // each partition; partitions come out in key order.
      const child = planPhysical(p.input, cfg);
      if (child.numPartitions() === 1 && cfg.shufflePartitions === 1) return new SortOp(child, p.keys);
      const ranged = cfg.shufflePartitions === 1
        ? new ExchangeOp(child, { kind: 'single' })
        : new ExchangeOp(child, { kind: 'range', keys: p.keys, partitions: cfg.shufflePartitions });
      return new SortOp(ranged, p.keys);
    }
    case 'limit': {
      if (p.input.kind === 'sort') {
        // TakeOrdered: top-(limit+offset) per partition, then a final top-K on one partition.
        const k = p.limit + p.offset;
        const child = planPhysical(p.input.input, cfg);
        const local = child.numPartitions() === 1 ? child : new ExchangeOp(new SortOp(child, p.input.keys, k), { kind: 'single' });
        const top = new SortOp(local, p.input.keys, k);
        return p.offset ? new LimitOp(top, p.limit, p.offset, true) : top;
      }
      const child = planPhysical(p.input, cfg);
      if (child.numPartitions() === 1) return new LimitOp(child, p.limit, p.offset, true);
      const local = new LimitOp(child, p.limit + p.offset, 0, false);
      return new LimitOp(new ExchangeOp(local, { kind: 'single' }), p.limit, p.offset, true);
    }
    case 'aggregate': {
      const child = planPhysical(p.input, cfg);
      const nKeys = p.groupBy.length;
      const splittable = p.aggs.every((a) => aggStateTypes(a) !== undefined);
      const direct = cfg.directAggregation ?? true;
      const keyPart = (keys: readonly BoundExpr[]) =>
        nKeys === 0 || cfg.shufflePartitions === 1
          ? ({ kind: 'single' } as const)
          : ({ kind: 'hash', keys, partitions: cfg.shufflePartitions } as const);
      if (!splittable) {
        const ex = new ExchangeOp(child, keyPart(p.groupBy));
        return new HashAggregateOp(ex, 'complete', p.groupBy, p.aggs, p.schema, direct);
      }
      const groupSchema = new Schema(p.schema.fields.slice(0, nKeys));
      const partialSchema = HashAggregateOp.partialSchema(groupSchema, p.aggs);
      // With a median, a partial phase that writes each group's values once, pre-split for the exchange.
      const partial = MedianPartialOp.applies(p.aggs)
        ? new MedianPartialOp(child, p.groupBy, p.aggs, partialSchema, direct, nKeys === 0 || cfg.shufflePartitions === 1 ? 1 : cfg.shufflePartitions)
        : new HashAggregateOp(child, 'partial', p.groupBy, p.aggs, partialSchema, direct);
      const ex = new ExchangeOp(partial, keyPart(refs(partialSchema, nKeys)));
      return new HashAggregateOp(ex, 'final', refs(partialSchema, nKeys), p.aggs, p.schema, direct, cfg.aggregateSplitGroups);
    }
    case 'window':
      return new WindowOp(windowInput(p.input, p.partitionBy, cfg), p.partitionBy, p.orderBy, p.functions, p.schema);
    case 'windowGroupLimit':
      return windowInput(p, p.partitionBy, cfg);
    case 'mapInArrow':
      return new MapInArrowOp(planPhysical(p.input, cfg), p.fn, p.maxRecordsPerBatch, p.schema);
    case 'flatMapGroupsInArrow': {
      // Every row of a group must meet in one task, as for an aggregate.
      const child = planPhysical(p.input, cfg);
      const single = p.keys.length === 0 || cfg.shufflePartitions === 1;
      const ex = new ExchangeOp(child, single ? { kind: 'single' } : { kind: 'hash', keys: p.keys, partitions: cfg.shufflePartitions });
      return new FlatMapGroupsInArrowOp(ex, p.keys, p.fn, p.withKey, p.maxGroupBytes, p.schema);
    }
    case 'join':
      return planJoin(p, cfg, null);
    case 'evalUdfs':
      return new EvalUdfsOp(planPhysical(p.input, cfg), p.udfs, (cfg.arrowMaxRecordsPerBatch ?? DEFAULT_ARROW_BATCH) || Number.MAX_SAFE_INTEGER, p.schema);
    case 'subquery':
      throw new KindlingError(`internal error: a Subquery node (${p.mode}) reached the physical planner; the optimizer rule rewrite_subqueries turns them into joins and cannot be skipped`);
  }
}

/**
 * The input of a window on `partitionBy`: every row of a window partition must meet in one task,
 * so hash-partition on the partition keys (one partition without keys), unless the input already
 * is (a window on the same keys). A WindowGroupLimit input keeps its top-k per group on both
 * sides of that exchange (Partial, Final); without an exchange, once (Final).
 */
function windowInput(input: LogicalPlan, partitionBy: readonly BoundExpr[], cfg: PlannerConfig): PhysicalOp {
  const limit = input.kind === 'windowGroupLimit' ? input : null;
  const child = planPhysical(limit ? limit.input : input, cfg);
  const samePartitioning = partitionedForWindow(child, partitionBy);
  const single = partitionBy.length === 0 || cfg.shufflePartitions === 1;
  const topK = (op: PhysicalOp, mode: 'partial' | 'final') => (limit ? new WindowGroupLimitOp(op, limit.partitionBy, limit.orderBy, limit.fn, limit.limit, mode) : op);
  if (samePartitioning || (single && child.numPartitions() === 1)) return topK(child, 'final');
  return topK(new ExchangeOp(topK(child, 'partial'), single ? { kind: 'single' } : { kind: 'hash', keys: partitionBy, partitions: cfg.shufflePartitions }), 'final');
}

/**
 * A broadcast or shuffled hash join (nested loop without equi-keys). `outputCols` (indices into
 * the joined schema) limits the columns it gathers; null emits them all.
 */
function planJoin(p: JoinNode, cfg: PlannerConfig, outputCols: readonly number[] | null): PhysicalOp {
  const schema = outputCols ? new Schema(outputCols.map((i) => p.schema.fields[i]!)) : p.schema;
  let left = planPhysical(p.left, cfg);
  let right = planPhysical(p.right, cfg);
  const equi = p.leftKeys.length > 0;
  const rightSize = estimateBytes(p.right);
  const leftSize = estimateBytes(p.left);
  const fits = (size: number | undefined): size is number => size !== undefined && cfg.autoBroadcastJoinThreshold >= 0 && size <= cfg.autoBroadcastJoinThreshold;
  const broadcastable = p.joinType === 'inner' || p.joinType === 'left' || p.joinType === 'left_semi' || p.joinType === 'left_anti' || p.joinType === 'cross';
  const small = fits(rightSize);
  // Spark's build side: an inner or right outer equi-join may broadcast its left input instead,
  // when only the left fits or it is the smaller of two that do (TPC-H Q3's filtered customers
  // against orders). The operator always builds its right input, so the sides are swapped.
  if (equi && (p.joinType === 'inner' || p.joinType === 'right') && fits(leftSize) && (!small || leftSize < rightSize!)) {
    return buildLeftJoin(p, left, right, schema, outputCols);
  }
  if (broadcastable && (!equi || small)) {
    right = new ExchangeOp(right, { kind: 'broadcast' });
    return new HashJoinOp(left, right, p.joinType, p.leftKeys, p.rightKeys, p.condition, true, schema, outputCols);
  }
  if (!equi) {
    // right/full outer without equi-keys: both sides on one partition.
    left = new ExchangeOp(left, { kind: 'single' });
    right = new ExchangeOp(right, { kind: 'single' });
    return new HashJoinOp(left, right, p.joinType, p.leftKeys, p.rightKeys, p.condition, false, schema, outputCols);
  }
  const n = cfg.shufflePartitions;
  left = new ExchangeOp(left, n === 1 ? { kind: 'single' } : { kind: 'hash', keys: p.leftKeys, partitions: n });
  right = new ExchangeOp(right, n === 1 ? { kind: 'single' } : { kind: 'hash', keys: p.rightKeys, partitions: n });
  return new HashJoinOp(left, right, p.joinType, p.leftKeys, p.rightKeys, p.condition, false, schema, outputCols);
}

/**
 * An inner or right outer equi-join that broadcasts its left input: planned as the join of the
 * sides swapped (right outer becomes left outer), with the residual condition and the emitted
 * columns mapped onto the swapped pair, so its output columns are the original join's.
 */
function buildLeftJoin(p: JoinNode, left: PhysicalOp, right: PhysicalOp, schema: Schema, outputCols: readonly number[] | null): PhysicalOp {
  const nl = p.left.schema.length;
  const nr = p.right.schema.length;
  const swap = (j: number): number => (j < nl ? j + nr : j - nl);
  const out = (outputCols ?? Array.from({ length: nl + nr }, (_, j) => j)).map(swap);
  const condition = p.condition ? remapRefs(p.condition, swap) : null;
  const joinType = p.joinType === 'right' ? 'left' : p.joinType;
  return new HashJoinOp(right, new ExchangeOp(left, { kind: 'broadcast' }), joinType, p.rightKeys, p.leftKeys, condition, true, schema, out);
}

/** Renders a physical plan as an indented tree, marking stages (cut at exchanges) and partition counts. */
export function physicalToString(op: PhysicalOp, metrics?: Map<PhysicalOp, { rows: number; timeMs: number }>): string {
  const lines: string[] = [];
  let stages = 0;
  // Stage 0 is the result stage; each exchange's input is a new stage (tasks = its partitions).
  const walk = (o: PhysicalOp, depth: number, stage: number) => {
    const pad = ' '.repeat(depth * 3) + (depth ? '+- ' : '');
    const m = metrics?.get(o);
    lines.push(`${pad}${o.describe()} (partitions=${o.numPartitions()}${m ? `, rows=${m.rows}` : ''}) [stage ${stage}]`);
    for (const c of o.children) walk(c, depth + 1, o instanceof ExchangeOp ? ++stages : stage);
  };
  walk(op, 0, 0);
  return lines.join('\n');
}

/** Stages of a physical plan: the root stage plus one per exchange, in dependency order (inputs first). */
export function stagesOf(root: PhysicalOp): { id: number; root: PhysicalOp; partitions: number; dependsOn: number[] }[] {
  const stages: { id: number; root: PhysicalOp; partitions: number; dependsOn: number[] }[] = [];
  const visit = (stageRoot: PhysicalOp): number => {
    const deps: number[] = [];
    const walk = (o: PhysicalOp) => {
      for (const c of o.children) {
        if (c instanceof ExchangeOp) deps.push(visit(c.child));
        else walk(c);
      }
    };
    walk(stageRoot);
    const id = stages.length;
    stages.push({ id, root: stageRoot, partitions: stageRoot.numPartitions(), dependsOn: deps });
    return id;
  };
  visit(root);
  return stages;
}
