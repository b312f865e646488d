/**
 * The resolved logical plan: relational operators over bound expressions, each with its output
 * schema. The DataFrame API and SQL build these (resolving names eagerly, as Spark's analyzer
 * does); the optimizer rewrites them; the physical planner turns them into partitioned operators.
 */
import type { BoundAgg, BoundExpr, BoundSortKey, BoundUdf, Expr, WindowFrame } from '../expr/expr.js';
import { boundToString, exprName } from '../expr/expr.js';
import { transformExprDown } from '../expr/tree.js';
import { getWindowFunction } from '../expr/window-functions.js';
import type { DataSource } from '../io/source.js';
import type { FunctionRef } from '../udf/function-ref.js';
import { type DataType, type Field, Schema } from '../types.js';

/** Spark's join kinds. */
export type JoinType = 'inner' | 'left' | 'right' | 'full' | 'left_semi' | 'left_anti' | 'cross';

export interface ScanNode {
  readonly kind: 'scan';
  readonly source: DataSource;
  /** Indices into source.schema that are read (projection pushdown). */
  readonly columns: readonly number[];
  /** Conjunctive filters over the scan's output columns, applied right after reading (predicate pushdown). */
  readonly filters: readonly BoundExpr[];
  /** Stop after this many rows per partition (limit pushdown), if set. */
  readonly limit: number | null;
  readonly schema: Schema;
}
export interface ProjectNode { readonly kind: 'project'; readonly input: LogicalPlan; readonly exprs: readonly BoundExpr[]; readonly schema: Schema }
export interface FilterNode { readonly kind: 'filter'; readonly input: LogicalPlan; readonly condition: BoundExpr; readonly schema: Schema }
export interface AggregateNode {
  readonly kind: 'aggregate';
  readonly input: LogicalPlan;
  readonly groupBy: readonly BoundExpr[];
  readonly aggs: readonly BoundAgg[];
  /** Group columns first, then one column per aggregate. */
  readonly schema: Schema;
}
export interface SortNode { readonly kind: 'sort'; readonly input: LogicalPlan; readonly keys: readonly BoundSortKey[]; readonly schema: Schema }
export interface LimitNode { readonly kind: 'limit'; readonly input: LogicalPlan; readonly limit: number; readonly offset: number; readonly schema: Schema }
export interface JoinNode {
  readonly kind: 'join';
  readonly left: LogicalPlan;
  readonly right: LogicalPlan;
  readonly joinType: JoinType;
  /** Equi-join keys over the left / right schemas (pairwise, same types). */
  readonly leftKeys: readonly BoundExpr[];
  readonly rightKeys: readonly BoundExpr[];
  /** Residual (non-equi) condition over left ++ right columns, or null. */
  readonly condition: BoundExpr | null;
  readonly schema: Schema;
}
export interface UnionNode { readonly kind: 'union'; readonly inputs: readonly LogicalPlan[]; readonly schema: Schema }
export interface SampleNode {
  readonly kind: 'sample';
  readonly input: LogicalPlan;
  readonly fraction: number;
  readonly withReplacement: boolean;
  readonly seed: number;
  readonly schema: Schema;
}
/** One function computed by a window node: a window-only function (row_number, lag, ...) or an aggregate, over a frame. */
export interface BoundWindowFn {
  /** Canonical name: a window function (row_number, rank, ...) or a registered aggregate (sum, count, first, ...). */
  readonly fn: string;
  /** Bound arguments over the window node's input (constant arguments such as lag's offset are literals). */
  readonly args: readonly BoundExpr[];
  /** DISTINCT aggregate (e.g. count(DISTINCT x) OVER ...). */
  readonly distinct: boolean;
  /** The resolved frame (Spark's default filled in); ignored by ranking and offset functions. */
  readonly frame: WindowFrame;
  /** Result type. */
  readonly type: DataType;
}
/**
 * Window functions sharing one PARTITION BY / ORDER BY: the output is the input's columns (rows
 * unchanged, order not guaranteed) followed by one column per function.
 */
export interface WindowNode {
  readonly kind: 'window';
  readonly input: LogicalPlan;
  readonly partitionBy: readonly BoundExpr[];
  readonly orderBy: readonly BoundSortKey[];
  readonly functions: readonly BoundWindowFn[];
  readonly schema: Schema;
}
/**
 * Spark's WindowGroupLimit (inferred by the optimizer rule infer_window_group_limit under a filter
 * such as `row_number() OVER w <= k`): keeps, of each window partition, only the rows that can
 * have a rank-like function (`fn`: row_number, rank or dense_rank) at most `limit`; the rows of a
 * partition it keeps are a prefix of the partition in window order, so the Window above it
 * computes the same values for them. Output: the input's columns.
 */
export interface WindowGroupLimitNode {
  readonly kind: 'windowGroupLimit';
  readonly input: LogicalPlan;
  readonly partitionBy: readonly BoundExpr[];
  readonly orderBy: readonly BoundSortKey[];
  readonly fn: 'row_number' | 'rank' | 'dense_rank';
  readonly limit: number;
  readonly schema: Schema;
}
/**
 * An explicit repartitioning: round-robin (`repartition(n)`), by hash of columns
 * (`repartition(n, cols)`), or merging partitions without a shuffle (`coalesce(n)`).
 */
export interface RepartitionNode {
  readonly kind: 'repartition';
  readonly input: LogicalPlan;
  readonly mode: 'roundrobin' | 'hash' | 'coalesce';
  readonly partitions: number;
  readonly keys: readonly BoundExpr[];
  readonly schema: Schema;
}
/**
 * Spark's Expand (grouping sets): each input row is emitted once per projection (one per grouping
 * set: the input's columns, the group keys with the keys outside the set null, the grouping id);
 * an ordinary aggregate over the output then computes every grouping set at once.
 */
export interface ExpandNode { readonly kind: 'expand'; readonly input: LogicalPlan; readonly projections: readonly (readonly BoundExpr[])[]; readonly schema: Schema }
/**
 * Spark's Generate: each input row becomes one output row per element of the array `arg`
 * (`explode`; a map gives one row per entry, as key and value columns), with its 0-based position
 * first for `posexplode`; `inline` gives one column per field of an array of structs; `outer` keeps a row whose array
 * is null or empty once, with nulls. The output is the `passthrough` input columns (indices into
 * the input, in order; column pruning narrows them) followed by the generated columns.
 */
export interface GenerateNode {
  readonly kind: 'generate';
  readonly input: LogicalPlan;
  readonly generator: 'explode' | 'posexplode' | 'inline';
  readonly outer: boolean;
  readonly arg: BoundExpr;
  readonly passthrough: readonly number[];
  readonly schema: Schema;
}
/** An empty relation (a filter folded to false, limit 0). */
export interface EmptyNode { readonly kind: 'empty'; readonly schema: Schema }

/**
 * What a {@link SubqueryNode} computes for each input row: `exists` / `not_exists` / `in` /
 * `not_in` keep the input rows that pass the test (WHERE conjuncts); `exists_value`, `in_value`
 * and `scalar` append the columns from which the subquery's value is read (see
 * `subqueryResult` in optimizer/rewrite-subqueries.ts).
 */
export type SubqueryMode = 'exists' | 'not_exists' | 'in' | 'not_in' | 'exists_value' | 'in_value' | 'scalar';

/**
 * A subquery the analyzer (SQL) left in the plan, with its correlation as data, as Spark's
 * analyzer leaves subquery expressions for the optimizer. The required optimizer rule
 * `rewrite_subqueries` turns it into joins; the physical planner never sees one. Expressions are
 * positional `Expr`s (the plan builder's language, bound when the rule builds the joins). The
 * output schema is that of the joins it stands for: the input's columns, then the columns the
 * rewrite appends (none for the filtering modes except NOT IN's two counts).
 */
export interface SubqueryNode {
  readonly kind: 'subquery';
  readonly input: LogicalPlan;
  /** Uncorrelated: the whole subquery. Correlated: its FROM/WHERE (local predicates applied), before the select list. */
  readonly subquery: LogicalPlan;
  readonly mode: SubqueryMode;
  /** Correlated predicates over input ++ subquery columns; empty when uncorrelated. */
  readonly correlation: readonly Expr[];
  /** IN: the tested value, over the input. */
  readonly value: Expr | null;
  /**
   * The subquery's select item when it is not simply its first column: correlated IN, over input
   * ++ subquery; correlated scalar, an aggregate expression over the subquery.
   */
  readonly item: Expr | null;
  /** Uncorrelated scalar: the subquery returns exactly one row (a global aggregate), so needs no reduction to one. */
  readonly singleRow: boolean;
  /**
   * Uncorrelated scalar that may return several rows: the message the job fails with when it
   * does (SQL: Spark's "more than one row returned by a subquery used as an expression" and the
   * subquery's position); null takes its first row (the DataFrame builder's default).
   */
  readonly tooManyRows: string | null;
  readonly schema: Schema;
}

/**
 * UDF calls evaluated once per input row (Spark's BatchEvalPython / ArrowEvalPython), put below
 * their consumer by the optimizer rule extract_udfs: the output is the input's columns followed
 * by one column per call. Arguments are over the input and call no UDF (nested calls are layers
 * of these nodes).
 */
export interface EvalUdfsNode { readonly kind: 'evalUdfs'; readonly input: LogicalPlan; readonly udfs: readonly BoundUdf[]; readonly schema: Schema }

/**
 * `df.mapInArrow(fn, schema)`: each partition's rows go through a user function as Arrow record
 * batches (at most `maxRecordsPerBatch` rows each) and come back as batches of `schema`; rows may
 * be added or dropped. An optimisation barrier: filters stay above it and it reads every input column.
 */
export interface MapInArrowNode {
  readonly kind: 'mapInArrow';
  readonly input: LogicalPlan;
  readonly fn: FunctionRef;
  readonly maxRecordsPerBatch: number;
  readonly deterministic: boolean;
  readonly schema: Schema;
}
/**
 * `df.groupBy(keys).applyInArrow(fn, schema)`: rows hash-partitioned by `keys`, then one Arrow
 * Table per group (every input column) through a user function, whose Tables of `schema` form the
 * output. `withKey` passes the group's key values first; `maxGroupBytes` (null: derived from the
 * worker's heap limit) bounds the size of one group. An optimisation barrier like {@link MapInArrowNode}.
 */
export interface FlatMapGroupsInArrowNode {
  readonly kind: 'flatMapGroupsInArrow';
  readonly input: LogicalPlan;
  readonly keys: readonly BoundExpr[];
  readonly fn: FunctionRef;
  readonly withKey: boolean;
  readonly maxGroupBytes: number | null;
  readonly deterministic: boolean;
  readonly schema: Schema;
}

/** Any logical operator. */
export type LogicalPlan = ScanNode | ProjectNode | FilterNode | AggregateNode | SortNode | LimitNode | JoinNode | UnionNode | SampleNode | WindowNode | RepartitionNode | EmptyNode | SubqueryNode | MapInArrowNode | FlatMapGroupsInArrowNode | ExpandNode | EvalUdfsNode | GenerateNode | WindowGroupLimitNode;

/** The inputs of a node. */
export function children(p: LogicalPlan): LogicalPlan[] {
  switch (p.kind) {
    case 'scan': case 'empty': return [];
    case 'join': return [p.left, p.right];
    case 'subquery': return [p.input, p.subquery];
    case 'union': return [...p.inputs];
    default: return [p.input];
  }
}

/** A copy of a node with new inputs (same order as `children`). */
export function withChildren(p: LogicalPlan, kids: readonly LogicalPlan[]): LogicalPlan {
  switch (p.kind) {
    case 'scan': case 'empty': return p;
    case 'join': return { ...p, left: kids[0]!, right: kids[1]! };
    case 'subquery': return { ...p, input: kids[0]!, subquery: kids[1]! };
    case 'union': return { ...p, inputs: [...kids] };
    default: return { ...p, input: kids[0]! } as LogicalPlan;
  }
}

/** Adds a qualifier (a DataFrame id or alias) to every field of a schema. */
export function qualify(schema: Schema, qualifier: string): Schema {
  return new Schema(schema.fields.map((f) => ({ ...f, qualifiers: [...(f.qualifiers ?? []), qualifier] })));
}

/** Replaces a node's schema (keeping its types, e.g. to add qualifiers). */
export function withSchema<T extends LogicalPlan>(p: T, schema: Schema): T {
  return { ...p, schema };
}

/** Output schema of a projection: names given, qualifiers kept for pass-through columns. */
export function projectSchema(input: Schema, exprs: readonly BoundExpr[], names: readonly string[]): Schema {
  return new Schema(exprs.map((e, i): Field => {
    const passthrough = e.kind === 'ref' ? input.fields[e.index] : undefined;
    return {
      name: names[i]!,
      type: e.type,
      nullable: passthrough ? passthrough.nullable : true,
      ...(passthrough?.qualifiers && passthrough.name.toLowerCase() === names[i]!.toLowerCase() ? { qualifiers: passthrough.qualifiers } : {}),
    };
  }));
}

/** The output schema of a join of these sides. */
export function joinSchema(left: Schema, right: Schema, joinType: JoinType): Schema {
  if (joinType === 'left_semi' || joinType === 'left_anti') return left;
  const l = left.fields.map((f) => (joinType === 'right' || joinType === 'full' ? { ...f, nullable: true } : f));
  const r = right.fields.map((f) => (joinType === 'left' || joinType === 'full' ? { ...f, nullable: true } : f));
  return new Schema([...l, ...r]);
}

/** Indented tree rendering of a logical plan (for explain). */
export function logicalToString(p: LogicalPlan, indent = 0): string {
  const pad = ' '.repeat(indent) + (indent ? '+- ' : '');
  const line = pad + describeNode(p);
  return [line, ...children(p).map((c) => logicalToString(c, indent + 3))].join('\n');
}

function describeNode(p: LogicalPlan): string {
  const cols = (s: Schema) => s.names.join(', ');
  switch (p.kind) {
    case 'scan': {
      const extra = [
        p.filters.length ? `filters=[${p.filters.map(boundToString).join(', ')}]` : '',
        p.limit !== null ? `limit=${p.limit}` : '',
      ].filter(Boolean).join(' ');
      return `Scan ${p.source.describe()} [${cols(p.schema)}]${extra ? ' ' + extra : ''}`;
    }
    case 'project': return `Project [${p.exprs.map((e, i) => `${boundToString(e)} AS ${p.schema.fields[i]!.name}`).join(', ')}]`;
    case 'filter': return `Filter ${boundToString(p.condition)}`;
    case 'aggregate': return `Aggregate [${p.groupBy.map(boundToString).join(', ')}] [${p.aggs.map((a) => `${a.fn}(${a.distinct ? 'DISTINCT ' : ''}${a.args.map(boundToString).join(', ')})`).join(', ')}]`;
    case 'sort': return `Sort [${p.keys.map((k) => `${boundToString(k.expr)} ${k.ascending ? 'ASC' : 'DESC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`).join(', ')}]`;
    case 'limit': return `Limit ${p.limit}${p.offset ? ` offset ${p.offset}` : ''}`;
    case 'join': {
      const keys = p.leftKeys.map((k, i) => `${boundToString(k)} = ${boundToString(p.rightKeys[i]!)}`).join(' AND ');
      return `Join ${p.joinType}${keys ? ` [${keys}]` : ''}${p.condition ? ` condition=${boundToString(p.condition)}` : ''}`;
    }
    case 'union': return 'Union';
    case 'sample': return `Sample fraction=${p.fraction} withReplacement=${p.withReplacement} seed=${p.seed}`;
    case 'window': {
      const keys = p.orderBy.map((k) => `${boundToString(k.expr)} ${k.ascending ? 'ASC' : 'DESC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`);
      return `Window [${p.functions.map(windowFnToString).join(', ')}] partitionBy=[${p.partitionBy.map(boundToString).join(', ')}] orderBy=[${keys.join(', ')}]`;
    }
    case 'windowGroupLimit': return `WindowGroupLimit [${p.partitionBy.map(boundToString).join(', ')}], [${sortKeysToString(p.orderBy)}], ${p.fn}(), ${p.limit}`;
    case 'empty': return `Empty [${cols(p.schema)}]`;
    case 'generate': return `Generate ${p.generator}${p.outer ? '_outer' : ''}(${boundToString(p.arg)}) [${cols(p.schema)}]`;
    case 'expand': return `Expand [${p.projections.map((ps) => `[${ps.map(boundToString).join(', ')}]`).join(', ')}] [${cols(p.schema)}]`;
    case 'subquery': {
      const parts = [
        p.correlation.length ? `correlation=[${p.correlation.map(positionalToString).join(' AND ')}]` : '',
        p.value ? `value=${positionalToString(p.value)}` : '',
        p.item ? `item=${positionalToString(p.item)}` : '',
      ].filter(Boolean).join(' ');
      return `Subquery ${p.mode}${parts ? ' ' + parts : ''} [${cols(p.schema)}]`;
    }
    case 'mapInArrow': return `MapInArrow ${udfCallToString(p.fn, p.input.schema, p.deterministic)}, [${cols(p.schema)}]`;
    case 'flatMapGroupsInArrow': return `FlatMapGroupsInArrow [${p.keys.map(boundToString).join(', ')}], ${udfCallToString(p.fn, p.input.schema, p.deterministic)}, [${cols(p.schema)}]`;
    case 'evalUdfs': return `EvalUdfs [${p.udfs.map((u, j) => `${boundToString(u)}#${p.input.schema.length + j}${u.udf.kind === 'vectorized' ? ' (arrow)' : ''}`).join(', ')}]`;
    case 'repartition': return p.mode === 'coalesce' ? `Coalesce ${p.partitions}` : `Repartition ${p.mode === 'hash' ? `by [${p.keys.map(boundToString).join(', ')}] ` : ''}${p.partitions}`;
  }
}

/** A batch UDF applied to every input column, as explain shows it (Spark: `f(a#0, b#1)`). */
function udfCallToString(fn: FunctionRef, input: Schema, deterministic: boolean): string {
  return `${fn.name}(${input.names.join(', ')})${deterministic ? '' : ' nondeterministic'}`;
}

/** An unbound expression for explain, positional references as `name#i` (as bound ones print). */
function positionalToString(e: Expr): string {
  return exprName(transformExprDown(e, (x) => (x.kind === 'col' && x.qualifier?.startsWith('@') ? { kind: 'col', name: `${x.name}#${x.qualifier.slice(1)}` } : undefined)));
}

/** Sort keys as explain shows them: `expr ASC NULLS FIRST, ...`. */
export function sortKeysToString(keys: readonly BoundSortKey[]): string {
  return keys.map((k) => `${boundToString(k.expr)} ${k.ascending ? 'ASC' : 'DESC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`).join(', ');
}

/** A window function call for explain, with its frame when the function reads one. */
export function windowFnToString(f: BoundWindowFn): string {
  const call = `${f.fn}(${f.distinct ? 'DISTINCT ' : ''}${f.args.map(boundToString).join(', ')})`;
  return getWindowFunction(f.fn)?.usesFrame === false ? call : `${call} ${frameToString(f.frame)}`;
}

/** A frame as SQL text, e.g. `ROWS BETWEEN 2 PRECEDING AND CURRENT ROW`. */
export function frameToString(f: WindowFrame): string {
  const b = (x: WindowFrame['start']) =>
    x === 'unboundedPreceding' ? 'UNBOUNDED PRECEDING' : x === 'unboundedFollowing' ? 'UNBOUNDED FOLLOWING' : x === 0 ? 'CURRENT ROW' : x < 0 ? `${-x} PRECEDING` : `${x} FOLLOWING`;
  return `${f.type.toUpperCase()} BETWEEN ${b(f.start)} AND ${b(f.end)}`;
}
