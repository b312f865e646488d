/**
 * Join and union analysis: join conditions bound over both inputs (equi-keys extracted), USING
 * joins with Spark's output layout (keys once, then the other columns), and unions whose
 * columns are widened to common types (by position or by name).
 */
import { AnalysisError, IllegalArgumentError } from '../../errors.js';
import { bindExpr, castTo, resolveColumn, widenValueType } from '../../expr/binder.js';
import { type BoundExpr, type Expr, exprName } from '../../expr/expr.js';
import { type DataType, Schema } from '../../types.js';
import { type JoinType, type LogicalPlan, joinSchema, projectSchema } from '../logical.js';
import { extractJoinKeys } from '../optimizer/expr-utils.js';
import { positional } from './positional.js';

/** Join kinds accepted by `join(..., how)`, with PySpark's synonyms. */
export const JOIN_KINDS: Readonly<Record<string, JoinType>> = {
  inner: 'inner', cross: 'cross', outer: 'full', full: 'full', fullouter: 'full', full_outer: 'full',
  left: 'left', leftouter: 'left', left_outer: 'left', right: 'right', rightouter: 'right', right_outer: 'right',
  semi: 'left_semi', leftsemi: 'left_semi', left_semi: 'left_semi', anti: 'left_anti', leftanti: 'left_anti', left_anti: 'left_anti',
};

/**
 * Joins two plans: `on` is null (a cross join; an outer kind without condition keeps its kind),
 * a list of column names (USING) or a boolean condition over left ++ right; `how` a join kind
 * or one of its synonyms.
 */
export function join(left: LogicalPlan, right: LogicalPlan, on: readonly string[] | Expr | null, how: string): LogicalPlan {
  const joinType = JOIN_KINDS[how.toLowerCase()];
  if (!joinType) throw new IllegalArgumentError(`unsupported join type '${how}'; use one of ${Object.keys(JOIN_KINDS).join(', ')}`);
  if (on === null || (Array.isArray(on) && on.length === 0)) return joinOn(left, right, null, joinType === 'inner' ? 'cross' : joinType);
  if (Array.isArray(on)) return joinUsing(left, right, on as readonly string[], joinType);
  return joinOn(left, right, on as Expr, joinType);
}

/** Cartesian product. */
export function crossJoin(left: LogicalPlan, right: LogicalPlan): LogicalPlan {
  return joinOn(left, right, null, 'cross');
}

function joinOn(left: LogicalPlan, right: LogicalPlan, cond: Expr | null, joinType: JoinType): LogicalPlan {
  const combined = new Schema([...left.schema.fields, ...right.schema.fields]);
  let condition: BoundExpr | null = null;
  if (cond) {
    const b = bindExpr(cond, combined);
    if (b.type !== 'boolean') throw new AnalysisError(`join condition ${exprName(cond)} must be boolean but is ${b.type}`);
    condition = b;
  }
  const { leftKeys, rightKeys, residual } = extractJoinKeys(condition, left.schema.length);
  const kind = joinType === 'cross' && leftKeys.length ? 'inner' : joinType;
  return { kind: 'join', left, right, joinType: kind, leftKeys, rightKeys, condition: residual, schema: joinSchema(left.schema, right.schema, kind) };
}

function joinUsing(left: LogicalPlan, right: LogicalPlan, names: readonly string[], joinType: JoinType): LogicalPlan {
  const li = names.map((n) => resolveColumn(left.schema, n));
  const ri = names.map((n) => resolveColumn(right.schema, n));
  const leftKeys: BoundExpr[] = [];
  const rightKeys: BoundExpr[] = [];
  li.forEach((l, k) => {
    const lf = left.schema.fields[l]!;
    const rf = right.schema.fields[ri[k]!]!;
    const t = widenValueType(lf.type, rf.type) ?? (lf.type === 'utf8' || rf.type === 'utf8' ? 'utf8' : undefined);
    if (!t) throw new AnalysisError(`join key '${names[k]}' has type ${lf.type} on the left and ${rf.type} on the right; cast one side`);
    leftKeys.push(castTo({ kind: 'ref', index: l, type: lf.type, name: lf.name }, t));
    rightKeys.push(castTo({ kind: 'ref', index: ri[k]!, type: rf.type, name: rf.name }, t));
  });
  const schema = joinSchema(left.schema, right.schema, joinType);
  const joined: LogicalPlan = { kind: 'join', left, right, joinType, leftKeys, rightKeys, condition: null, schema };
  if (joinType === 'left_semi' || joinType === 'left_anti') return joined;
  // Spark's USING output: keys once (from the side that has them), then the other columns.
  const lw = left.schema.length;
  const keyExprs: Expr[] = li.map((l, k) => {
    const lref = positional(l);
    const rref = positional(lw + ri[k]!);
    if (joinType === 'right') return rref;
    if (joinType === 'full') return { kind: 'call', fn: 'coalesce', args: [lref, rref] };
    return lref;
  });
  const restL = left.schema.fields.map((_, i) => i).filter((i) => !li.includes(i));
  const restR = right.schema.fields.map((_, i) => i).filter((i) => !ri.includes(i));
  const exprs = [...keyExprs, ...restL.map((i) => positional(i)), ...restR.map((i) => positional(lw + i))];
  const outNames = [...li.map((l) => left.schema.fields[l]!.name), ...restL.map((i) => left.schema.fields[i]!.name), ...restR.map((i) => right.schema.fields[i]!.name)];
  const bound = exprs.map((e) => bindExpr(e, schema));
  // Keep the qualifiers of both sides on the key columns so df1.col('k') and df2.col('k') still resolve.
  const jf = schema.fields;
  const outSchema = projectSchema(schema, bound, outNames);
  const fields = outSchema.fields.map((f, i) => {
    if (i >= li.length) return f;
    const q = [...(jf[li[i]!]!.qualifiers ?? []), ...(jf[lw + ri[i]!]!.qualifiers ?? [])];
    return { ...f, qualifiers: q, nullable: joinType === 'inner' ? jf[li[i]!]!.nullable : true };
  });
  return { kind: 'project', input: joined, exprs: bound, schema: new Schema(fields) };
}

/** Union by column position (duplicates kept, like SQL UNION ALL); column types widened to a common type. */
export function union(first: LogicalPlan, second: LogicalPlan): LogicalPlan {
  const a = first.schema;
  const b = second.schema;
  if (a.length !== b.length) {
    throw new AnalysisError(`union() needs the same number of columns: the first DataFrame has ${a.length} [${a.names.join(', ')}], the second ${b.length} [${b.names.join(', ')}]; use unionByName(other, true) to match by name`);
  }
  const types: DataType[] = a.fields.map((f, i) => {
    const t = widenValueType(f.type, b.fields[i]!.type) ?? (f.type === 'utf8' || b.fields[i]!.type === 'utf8' ? 'utf8' : undefined);
    if (!t) throw new AnalysisError(`union() column ${i + 1} ('${f.name}') has type ${f.type} in the first DataFrame and ${b.fields[i]!.type} in the second; cast one of them`);
    return t;
  });
  const conform = (p: LogicalPlan): LogicalPlan => {
    const fields = p.schema.fields;
    if (fields.every((f, i) => f.type === types[i])) return p;
    const exprs = fields.map((f, i) => castTo({ kind: 'ref', index: i, type: f.type, name: f.name }, types[i]!));
    return { kind: 'project', input: p, exprs, schema: projectSchema(p.schema, exprs, fields.map((f) => f.name)) };
  };
  const schema = new Schema(a.fields.map((f, i) => ({ name: f.name, type: types[i]!, nullable: f.nullable || b.fields[i]!.nullable })));
  return { kind: 'union', inputs: [conform(first), conform(second)], schema };
}

/**
 * Union matching columns by name (case-insensitive): the first input's columns, then the
 * second's extra ones; with `allowMissingColumns`, a column absent from one side is null there.
 * `project` builds each side's projection (the builder's, passed in to keep this module a leaf).
 */
export function unionByName(
  first: LogicalPlan,
  second: LogicalPlan,
  allowMissingColumns: boolean,
  project: (p: LogicalPlan, exprs: readonly Expr[], names: readonly string[]) => LogicalPlan,
): LogicalPlan {
  const mine = first.schema.names;
  const theirs = second.schema.names;
  const lower = (s: string) => s.toLowerCase();
  const missingInOther = mine.filter((n) => !theirs.some((t) => lower(t) === lower(n)));
  const missingInMine = theirs.filter((n) => !mine.some((t) => lower(t) === lower(n)));
  if (!allowMissingColumns && (missingInOther.length || missingInMine.length)) {
    throw new AnalysisError(`unionByName(): column(s) [${[...missingInOther, ...missingInMine].join(', ')}] are not in both DataFrames; pass allowMissingColumns = true to fill them with nulls`);
  }
  const all = [...mine, ...missingInMine];
  const typeOf = (p: LogicalPlan, n: string) => p.schema.fields.find((f) => lower(f.name) === lower(n))?.type;
  const pick = (p: LogicalPlan, names: readonly string[]) =>
    project(p, all.map((n): Expr => {
      if (names.some((x) => lower(x) === lower(n))) return { kind: 'col', name: n };
      return { kind: 'lit', value: null, type: typeOf(first, n) ?? typeOf(second, n) ?? 'null' };
    }), all);
  return union(pick(first, mine), pick(second, theirs));
}
