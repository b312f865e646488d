/**
 * The shapes of function definitions — scalar (type rule + code generator), aggregate (type rule
 * + accumulator) and window (type rule + evaluator over sorted rows) — and of the registry that
 * function modules register them into, plus `typeError`, the one helper their type rules share.
 * Types only otherwise: function modules import this module, not src/expr/registry.ts, so the
 * registry can load them (src/expr/builtins.ts) without an import cycle.
 */
import type { ColumnData } from '../data/column.js';
import { TypeMismatchError } from '../errors.js';
import type { DataType } from '../types.js';
import type { BoundExpr } from './expr.js';

/** Names of a generated value/null-flag variable pair. */
export interface CodeVar {
  /** JS variable holding the value (valid only when the null flag is false). */
  readonly v: string;
  /** JS variable holding `true` when the value is null. */
  readonly n: string;
}

/** Services codegen gives to custom generators. */
export interface CodegenContext {
  /** Registers a constant (function, RegExp, Set, ...) and returns the JS expression that reads it. */
  constant(value: unknown): string;
  /** A fresh variable pair, declared at loop scope. */
  fresh(): CodeVar;
  /** Generates the statements computing argument `i` ahead of the generator's own code and returns its variables. */
  arg(i: number): CodeVar;
  /**
   * Generates argument `i` as a separate piece of code that the generator places where it wants
   * (e.g. inside an `if`, so the argument is evaluated only when needed, as coalesce requires).
   */
  argLazy(i: number): CodeVar & { readonly code: string };
  /**
   * The elements of array argument `i` (a higher-order function's input): `code` runs first (it
   * evaluates the argument), `n` is its null flag, elements are indices `lo` ≤ j < `hi` and
   * `at(j)` is element j's storage value or null. A column reference is read straight from the
   * list column's offsets and child arrays; any other array expression as the JS array codegen
   * computes.
   */
  elements(i: number): ArrayElements;
  /**
   * Lambda argument `i`'s body as code to place inside the function's element loop, with its
   * parameters bound to `params` (variables the generator assigns before the code runs).
   */
  lambda(i: number, params: readonly CodeVar[]): CodeVar & { readonly code: string };
}

/** How generated code walks an array argument (see {@link CodegenContext.elements}). */
export interface ArrayElements {
  readonly code: string;
  readonly n: string;
  readonly lo: string;
  readonly hi: string;
  at(j: string): string;
}

/** Result of resolving a function against argument types. */
export interface ResolvedSignature {
  /** Result type. */
  readonly type: DataType;
  /** Types the arguments are implicitly cast to (same length as the arguments). */
  readonly argTypes: readonly DataType[];
}

/** A scalar (row-wise) function. */
export interface ScalarFunctionDef {
  /** Lower-case canonical name. */
  readonly name: string;
  /** Other names it is callable by (SQL synonyms). */
  readonly aliases?: readonly string[];
  /** Minimum and maximum number of arguments (`Infinity` for variadic). */
  readonly arity: readonly [number, number];
  /** One-line description (shown in docs and errors). */
  readonly doc: string;
  /**
   * Type rule: result type and argument coercions; throws `TypeMismatchError` when not applicable.
   * `args` (the bound arguments) lets a rule read a constant argument, e.g. round's scale on a decimal.
   */
  resolve(argTypes: readonly DataType[], display: string, args?: readonly BoundExpr[]): ResolvedSignature;
  /**
   * 'strict' (default): the result is null when any argument is null, otherwise computed by
   * `template` or `impl` from the non-null argument values. 'custom': `generate` does it all.
   */
  readonly nulls?: 'strict' | 'custom';
  /** Strict: a JS expression over argument value expressions (storage values: numbers, strings, booleans). */
  template?(args: readonly string[], argTypes: readonly DataType[], type: DataType): string;
  /** Strict: a JS function over non-null argument values; may return null to produce a null. */
  readonly impl?: (...args: never[]) => unknown;
  /** Strict with template: true when the template may evaluate to null (checked per row). */
  readonly mayReturnNull?: boolean;
  /** Custom: statements that assign `out.v` / `out.n`, pulling arguments through `ctx.arg(i)`. */
  generate?(ctx: CodegenContext, argTypes: readonly DataType[], type: DataType, out: CodeVar): string;
  /**
   * Higher-order functions: for argument `index`, undefined when it is not a lambda, else the
   * types of the lambda's parameters (`types`, at most that many parameters, at least `min`),
   * from the arguments bound so far (`args`: undefined for lambdas not bound yet; a lambda bound
   * in an earlier pass holds its body's type, which lets aggregate widen its accumulator).
   */
  lambdaParams?(index: number, args: readonly (BoundExpr | undefined)[], display: string): { readonly types: readonly DataType[]; readonly min: number } | undefined;
  /** False for functions whose value changes between calls (rand, current_date): never constant-folded. */
  readonly deterministic?: boolean;
}

/** Per-group running state of one aggregate. */
export interface Accumulator {
  /** Ensures room for `numGroups` groups (new groups start empty). */
  grow(numGroups: number): void;
  /** Folds rows into groups: row i goes to group `groups[i]`; `args` are the evaluated argument columns. */
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void;
  /** Partial state as columns (one row per group), of `stateTypes`. */
  state(numGroups: number): ColumnData[];
  /** Folds partial state rows into groups. */
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void;
  /** Final values, one per group. */
  finish(numGroups: number): ColumnData;
  /**
   * Optional (sum, avg): folds per-group sums and counts of non-null values computed elsewhere (a
   * segment-sum kernel, src/kernels/grouped.ts) instead of the rows themselves.
   */
  addGroupSums?(sums: Float64Array, counts: Float64Array, numGroups: number): void;
}

/** An aggregate function definition. */
export interface AggregateFunctionDef {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly arity: readonly [number, number];
  readonly doc: string;
  /** Result type and argument coercions. */
  resolve(argTypes: readonly DataType[], display: string): { type: DataType; argTypes: readonly DataType[] };
  /** Types of the partial state columns; undefined when the function cannot be split in two phases. */
  stateTypes(argTypes: readonly DataType[], type: DataType): DataType[] | undefined;
  /** Checks and folds constant arguments after the type rule's casts (percentile's percentage), in groupBy and over windows. */
  bindArgs?(args: readonly BoundExpr[], constant: ConstantArg, display: string): BoundExpr[];
  /** A fresh accumulator. */
  create(argTypes: readonly DataType[], type: DataType, distinct: boolean): Accumulator;
  /** How the aggregate behaves over a window (`sum(x) OVER (...)`); without it, as any aggregate: through its accumulator. */
  readonly window?: AggregateWindowHooks;
}

/**
 * Evaluates a constant argument of a window call at analysis time (`what` names it in errors,
 * e.g. 'the offset'); throws an AnalysisError when the argument reads columns.
 */
export type ConstantArg = (e: BoundExpr, what: string) => unknown;

/** An aggregate's window-specific behaviour. */
export interface AggregateWindowHooks {
  /** False when the result over a window is never null (count). Default true. */
  readonly nullable?: boolean;
  /** Checks and folds constant arguments after the type rule's casts (first/last's ignoreNulls). */
  bindArgs?(args: readonly BoundExpr[], constant: ConstantArg, display: string): BoundExpr[];
  /**
   * A faster column over the frames than the accumulator gives (prefix sums, segment trees),
   * for calls without DISTINCT; undefined falls back to the accumulator.
   */
  evaluate?(x: WindowInput): ColumnData | undefined;
}

/** Partition and peer-group boundaries of rows sorted by (partition keys, ORDER BY keys), per row; ends are exclusive. */
export interface WindowLayout {
  readonly n: number;
  readonly partStart: Int32Array;
  readonly partEnd: Int32Array;
  readonly peerStart: Int32Array;
  readonly peerEnd: Int32Array;
}

/** Each row's frame as an inclusive index range [lo, hi] into the sorted rows (empty when lo > hi). */
export interface FrameRows {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
}

/** What a window evaluator gets: one window call over the sorted rows of one task. */
export interface WindowInput {
  /** Partition and peer boundaries of the sorted rows. */
  readonly layout: WindowLayout;
  /** The bound arguments (constants folded by `bindArgs` are literals). */
  readonly args: readonly BoundExpr[];
  /** The arguments evaluated over the sorted rows. */
  readonly columns: readonly ColumnData[];
  /** Result type. */
  readonly type: DataType;
  /** Each row's frame, computed on first use (ranking and offset functions never ask). */
  frame(): FrameRows;
}

/** A window-only function (row_number, rank, lag, ...): analysis and evaluation in one definition. */
export interface WindowFunctionDef {
  /** Lower-case canonical name. */
  readonly name: string;
  /** Minimum and maximum number of arguments. */
  readonly arity: readonly [number, number];
  /** One-line description. */
  readonly doc: string;
  /** True when the window must have an ORDER BY (Spark rejects e.g. `row_number()` over an unordered window). */
  readonly requiresOrder: boolean;
  /** True when the function reads the window frame (nth_value); ranking and offset functions ignore it. */
  readonly usesFrame: boolean;
  /** False when the result is never null (ranking functions). */
  readonly nullable: boolean;
  /**
   * Result type and argument coercions. Arguments that must be constants (ntile's bucket count,
   * lag's offset, nth_value's n) are checked by `bindArgs`, not here.
   */
  resolve(argTypes: readonly DataType[], display: string): ResolvedSignature;
  /** Checks and folds constant arguments after the type rule's casts (e.g. lag's offset becomes an int literal). */
  bindArgs?(args: readonly BoundExpr[], constant: ConstantArg, display: string): BoundExpr[];
  /** The function's column over the sorted rows, aligned with them. */
  evaluate(x: WindowInput): ColumnData;
}

/** Where function modules put their definitions (each module exports `register(registry)`). */
export interface FunctionRegistry {
  /** Adds scalar functions (also under their aliases); a later definition of a name replaces an earlier one. */
  registerScalar(...defs: ScalarFunctionDef[]): void;
  /** Adds aggregate functions (also under their aliases). */
  registerAggregate(...defs: AggregateFunctionDef[]): void;
  /** Adds window-only functions (and a scalar placeholder for each that explains the missing OVER). */
  registerWindow(...defs: WindowFunctionDef[]): void;
}

/** A module of built-in functions. */
export interface FunctionModule {
  /** Registers the module's functions. */
  register(registry: FunctionRegistry): void;
}

/** A TypeMismatchError naming the expression and the offending types. */
export function typeError(display: string, argTypes: readonly DataType[], expected: string): TypeMismatchError {
  return new TypeMismatchError(`cannot resolve ${display}: argument types (${argTypes.join(', ')}) do not match; expected ${expected}`);
}
