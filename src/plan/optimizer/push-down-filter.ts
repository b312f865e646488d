/**
 * `push_down_filter`: moves filter predicates as close to the data as they can go: through
 * projections (substituting the projected expressions), sorts, repartitions, an aggregate's
 * grouping keys, a window's partition keys, a generator's passed-through columns, into every input of a union, into the sides of a join
 * (and a join's own condition: side-only parts to the sides, equalities to keys), and into scans.
 * Non-deterministic predicates only move where rows pass unchanged. Predicates stop above limits,
 * samples and any node not listed here. A predicate never moves where it would copy an expression
 * calling a UDF (a projected or grouped UDF result), so a UDF still runs once per row, and one
 * calling a UDF never goes into a scan (UDFs are evaluated by EvalUdfs nodes, see extract-udfs.ts).
 */
import type { BoundExpr } from '../../expr/expr.js';
import type { JoinNode, LogicalPlan } from '../logical.js';
import { transformDown } from '../tree.js';
import { andAll, conjuncts, containsUdf, extractJoinKeys, isDeterministic, refList, substitute, toRightSide } from './expr-utils.js';
import type { OptimizerRule } from './rule.js';

export const pushDownFilter: OptimizerRule = {
  name: 'push_down_filter',
  apply(plan) {
    const pass = new FilterPass();
    return transformDown(plan, (p) => pass.visit(p));
  },
};

function wrapFilter(p: LogicalPlan, preds: readonly BoundExpr[]): LogicalPlan {
  if (preds.length === 0) return p;
  return { kind: 'filter', input: p, condition: andAll(preds), schema: p.schema };
}

/** Splits `preds` by `down`, in order. */
function split(preds: readonly BoundExpr[], down: (e: BoundExpr) => boolean): { down: BoundExpr[]; up: BoundExpr[] } {
  const d: BoundExpr[] = [];
  const u: BoundExpr[] = [];
  for (const e of preds) (down(e) ? d : u).push(e);
  return { down: d, up: u };
}

/**
 * One top-down pass. A filter's predicates (with those of filters right below it) are pushed one
 * node down at a time: the node's inputs get new filters, which the traversal visits next.
 */
class FilterPass {
  /** The predicate lists of the filters this pass put below a node (kept as lists, not re-split from the AND). */
  private readonly pending = new WeakMap<LogicalPlan, readonly BoundExpr[]>();
  /** Joins this pass rewrote (the traversal meets one again when a filter stays above it). */
  private readonly rewritten = new WeakSet<LogicalPlan>();

  visit(p: LogicalPlan): LogicalPlan {
    if (p.kind === 'join') return this.rewritten.has(p) ? p : this.join(p, []);
    if (p.kind !== 'filter') return p;
    const preds: BoundExpr[] = [];
    let c: LogicalPlan = p;
    for (; c.kind === 'filter'; c = c.input) preds.push(...(this.pending.get(c) ?? conjuncts(c.condition)));
    return this.through(c, preds);
  }

  /** A filter of `preds` over `p`, to be pushed further when the traversal reaches it. */
  private below(p: LogicalPlan, preds: readonly BoundExpr[]): LogicalPlan {
    const f = wrapFilter(p, preds);
    if (f !== p) this.pending.set(f, preds);
    return f;
  }

  /** `p` under the predicates `preds`: those that can go below `p` are put on its inputs, the rest stay above it. */
  private through(p: LogicalPlan, preds: BoundExpr[]): LogicalPlan {
    switch (p.kind) {
      case 'scan': {
        const { down, up } = split(preds, (e) => isDeterministic(e) && !containsUdf(e));
        return wrapFilter({ ...p, filters: [...p.filters, ...down] }, up);
      }
      case 'empty':
        return p;
      case 'project': {
        const { down, up } = split(preds, (e) => refList(e).every((i) => isDeterministic(p.exprs[i]!) && !containsUdf(p.exprs[i]!)));
        return wrapFilter({ ...p, input: this.below(p.input, down.map((e) => substitute(e, p.exprs))) }, up);
      }
      case 'sort':
        return { ...p, input: this.below(p.input, preds) };
      case 'aggregate': {
        const nKeys = p.groupBy.length;
        const { down, up } = split(preds, (e) => nKeys > 0 && refList(e).every((i) => i < nKeys && !containsUdf(p.groupBy[i]!)) && isDeterministic(e));
        return wrapFilter({ ...p, input: this.below(p.input, down.map((e) => substitute(e, p.groupBy))) }, up);
      }
      case 'union':
        return { ...p, inputs: p.inputs.map((i) => this.below(i, preds)) };
      case 'window': {
        // A filter on partition-by columns only keeps or drops whole window partitions, so it can run first.
        const keyCols = new Set(p.partitionBy.flatMap((e) => (e.kind === 'ref' ? [e.index] : [])));
        const { down, up } = split(preds, (e) => {
          const used = refList(e);
          return used.length > 0 && used.every((i) => keyCols.has(i)) && isDeterministic(e);
        });
        return wrapFilter({ ...p, input: this.below(p.input, down) }, up);
      }
      case 'join':
        return this.join(p, preds);
      case 'generate': {
        // Predicates on passed-through columns only hold for all of a row's generated rows or none: filter the input first.
        const w = p.passthrough.length;
        const { down, up } = split(preds, (e) => refList(e).every((i) => i < w) && isDeterministic(e));
        const input = p.input.schema.fields;
        const through = p.passthrough.map((i): BoundExpr => ({ kind: 'ref', index: i, type: input[i]!.type, name: input[i]!.name }));
        return wrapFilter({ ...p, input: this.below(p.input, down.map((e) => substitute(e, through))) }, up);
      }
      case 'repartition': {
        // Filtering before a shuffle moves fewer rows; rows are independent, so deterministic predicates commute.
        const { down, up } = split(preds, isDeterministic);
        return wrapFilter({ ...p, input: this.below(p.input, down) }, up);
      }
      default:
        return wrapFilter(p, preds); // limit, sample: rows depend on position, predicates stay above
    }
  }

  /** Pushes `preds` and the side-only parts of the join's own condition into its sides; equalities become keys. */
  private join(p: JoinNode, preds: readonly BoundExpr[]): LogicalPlan {
    const lw = p.left.schema.length;
    const jt = p.joinType;
    const inner = jt === 'inner' || jt === 'cross';
    const leftOk = inner || jt === 'left' || jt === 'left_semi' || jt === 'left_anti';
    const rightOk = inner || jt === 'right';
    const onLeft = (used: number[]) => used.every((i) => i < lw);
    const onRight = (used: number[]) => used.length > 0 && used.every((i) => i >= lw);
    const toLeft: BoundExpr[] = [];
    const toRight: BoundExpr[] = [];
    const toJoin: BoundExpr[] = [];
    const up: BoundExpr[] = [];
    for (const e of preds) {
      const used = refList(e);
      if (!isDeterministic(e)) up.push(e);
      else if (onLeft(used) && leftOk) toLeft.push(e);
      else if (onRight(used) && rightOk) toRight.push(toRightSide(e, lw));
      else if (inner) toJoin.push(e);
      else up.push(e);
    }
    // The join's own residual condition: for inner joins, side-only parts can go down too.
    let residual = p.condition;
    if (residual && inner) {
      toJoin.push(...conjuncts(residual));
      residual = null;
    } else if (residual && (jt === 'left' || jt === 'left_semi' || jt === 'left_anti')) {
      // Conditions on the right side only can filter the right input of a left join.
      const keep: BoundExpr[] = [];
      for (const c of conjuncts(residual)) {
        if (onRight(refList(c)) && isDeterministic(c)) toRight.push(toRightSide(c, lw));
        else keep.push(c);
      }
      residual = keep.length ? andAll(keep) : null;
    }
    let joinType = jt;
    let leftKeys = [...p.leftKeys];
    let rightKeys = [...p.rightKeys];
    if (toJoin.length) {
      // Side-only conjuncts of an inner join condition are pushed to the sides; equalities become keys.
      const stay: BoundExpr[] = [];
      for (const c of toJoin) {
        const used = refList(c);
        if (onLeft(used) && used.length) toLeft.push(c);
        else if (onRight(used)) toRight.push(toRightSide(c, lw));
        else stay.push(c);
      }
      const ex = extractJoinKeys(stay.length ? andAll(stay) : null, lw);
      leftKeys = [...leftKeys, ...ex.leftKeys];
      rightKeys = [...rightKeys, ...ex.rightKeys];
      residual = ex.residual;
      if (joinType === 'cross' && leftKeys.length) joinType = 'inner';
    }
    const node: JoinNode = {
      ...p,
      joinType,
      left: this.below(p.left, toLeft),
      right: this.below(p.right, toRight),
      leftKeys,
      rightKeys,
      condition: residual,
    };
    this.rewritten.add(node);
    return wrapFilter(node, up);
  }
}
