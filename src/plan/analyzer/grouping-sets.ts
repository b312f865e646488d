/**
 * Grouping sets (GROUP BY ROLLUP / CUBE / GROUPING SETS, df.rollup / df.cube), planned as Spark
 * plans them: an Expand node emits each input row once per grouping set, with the group keys
 * outside the set null and the grouping id (bit j set when key j is not in the set, first key
 * most significant) appended, and an ordinary aggregate groups by the keys and the id.
 * `grouping(col)` and `grouping_id(cols...)` are constant within a grouping set, so each becomes
 * one more Expand column (and hidden group key) read by the outputs.
 */
import { AnalysisError } from '../../errors.js';
import { type BoundExpr, type Expr, exprName } from '../../expr/expr.js';
import { transformExprDown, visitExpr } from '../../expr/tree.js';
import { type DataType, type Field, Schema } from '../../types.js';
import type { LogicalPlan } from '../logical.js';

type GroupingCall = Extract<Expr, { kind: 'call' }>;

/** True for a grouping() / grouping_id() call (an aggregate-level value, like an aggregate call). */
export function isGroupingCall(e: Expr): e is GroupingCall {
  return e.kind === 'call' && (e.fn === 'grouping' || e.fn === 'grouping_id');
}

/** Throws for grouping() / grouping_id() in an aggregate without grouping sets (as Spark does). */
export function rejectGroupingCalls(outExprs: readonly Expr[]): void {
  for (const e of outExprs) {
    visitExpr(e, (x) => {
      if (x.kind === 'agg') return false;
      if (isGroupingCall(x)) throw new AnalysisError(`${exprName(x)}: ${x.fn}() can only be used with GROUP BY ROLLUP / CUBE / GROUPING SETS (or df.rollup() / df.cube())`);
      return true;
    });
  }
}

/** The Expand node below the aggregate, the aggregate's group keys over it, and the outputs with grouping calls replaced. */
export interface ExpandedGroups {
  readonly expand: LogicalPlan;
  readonly groupBound: BoundExpr[];
  readonly groupNames: string[];
  readonly outExprs: Expr[];
}

export function expandGroupingSets(
  input: LogicalPlan, groupExprs: readonly Expr[], bound: readonly BoundExpr[], outExprs: readonly Expr[], sets: readonly (readonly number[])[],
): ExpandedGroups {
  const n = groupExprs.length;
  if (n > 30) throw new AnalysisError(`grouping sets over ${n} columns are not supported (at most 30)`);
  const inFields = input.schema.fields;
  const inW = inFields.length;
  const keyJson = groupExprs.map((g) => JSON.stringify(g));
  // A grouping call's argument: a group expression, or (SQL) a positional reference to group slot j.
  const keyOf = (call: GroupingCall, a: Expr): number => {
    const inner = a.kind === 'alias' ? a.expr : a;
    if (inner.kind === 'col' && inner.qualifier?.startsWith('@')) return Number(inner.qualifier.slice(1));
    const j = keyJson.indexOf(JSON.stringify(inner));
    if (j < 0) throw new AnalysisError(`${exprName(call)}: ${exprName(a)} is not one of the grouping columns (${groupExprs.map(exprName).join(', ')})`);
    return j;
  };
  const calls: { call: GroupingCall; type: DataType; value: (set: ReadonlySet<number>) => number }[] = [];
  const callSlot = new Map<string, number>();
  for (const e of outExprs) {
    visitExpr(e, (x) => {
      if (x.kind === 'agg') return false;
      if (!isGroupingCall(x)) return true;
      const key = JSON.stringify(x);
      if (callSlot.has(key)) return false;
      let value: (set: ReadonlySet<number>) => number;
      if (x.fn === 'grouping') {
        if (x.args.length !== 1) throw new AnalysisError(`${exprName(x)}: grouping() takes exactly one grouping column`);
        const j = keyOf(x, x.args[0]!);
        value = (set) => (set.has(j) ? 0 : 1);
      } else {
        const keys = x.args.length === 0 ? groupExprs.map((_, j) => j) : x.args.map((a) => keyOf(x, a));
        value = (set) => keys.reduce((acc, j) => acc * 2 + (set.has(j) ? 0 : 1), 0);
      }
      callSlot.set(key, n + 1 + calls.length);
      calls.push({ call: x, type: x.fn === 'grouping' ? 'int32' : 'int64', value });
      return false;
    });
  }
  const projections = sets.map((s): BoundExpr[] => {
    const set = new Set(s);
    const gid = groupExprs.reduce((acc, _, j) => acc * 2 + (set.has(j) ? 0 : 1), 0);
    return [
      ...inFields.map((f, i): BoundExpr => ({ kind: 'ref', index: i, type: f.type, name: f.name })),
      ...bound.map((b, j): BoundExpr => (set.has(j) ? b : { kind: 'lit', value: null, type: b.type })),
      { kind: 'lit', value: gid, type: 'int64' },
      ...calls.map((c): BoundExpr => ({ kind: 'lit', value: c.value(set), type: c.type })),
    ];
  });
  const groupNames = [...groupExprs.map(exprName), 'spark_grouping_id', ...calls.map((c) => exprName(c.call))];
  const extraFields: Field[] = [
    ...bound.map((b, j): Field => ({ name: groupNames[j]!, type: b.type, nullable: true })),
    { name: 'spark_grouping_id', type: 'int64', nullable: false },
    ...calls.map((c, k): Field => ({ name: groupNames[n + 1 + k]!, type: c.type, nullable: false })),
  ];
  const expand: LogicalPlan = { kind: 'expand', input, projections, schema: new Schema([...inFields, ...extraFields]) };
  const groupBound = extraFields.map((f, k): BoundExpr => ({ kind: 'ref', index: inW + k, type: f.type, name: f.name }));
  const rewritten = outExprs.map((e) => transformExprDown(e, (x) => {
    if (x.kind === 'agg') return x;
    if (!isGroupingCall(x)) return undefined;
    const slot = callSlot.get(JSON.stringify(x))!;
    return { kind: 'col', name: groupNames[slot]!, qualifier: `@${slot}` };
  }));
  return { expand, groupBound, groupNames, outExprs: rewritten };
}

/** ROLLUP over `n` keys: every prefix, longest first: (0..n-1), ..., (0), (). */
export function rollupSets(n: number): number[][] {
  return Array.from({ length: n + 1 }, (_, i) => Array.from({ length: n - i }, (_k, j) => j));
}

/** CUBE over `n` keys: every subset, the full set first and the empty set last. */
export function cubeSets(n: number): number[][] {
  if (n > 12) throw new AnalysisError(`CUBE over ${n} columns would make ${2 ** n} grouping sets; at most 12 columns are supported`);
  const out: number[][] = [];
  for (let mask = (1 << n) - 1; mask >= 0; mask--) out.push(Array.from({ length: n }, (_, j) => j).filter((j) => mask & (1 << (n - 1 - j))));
  return out;
}
