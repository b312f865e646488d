/**
 * The one function registry shared by the DataFrame API (`F.*`) and SQL: scalar functions with
 * their type rules and code generators, and aggregate functions with their accumulators.
 */
import { AnalysisError, TypeMismatchError, didYouMean } from '../errors.js';
import type { DataType } from '../types.js';
import type { AggregateFunctionDef } from './aggregates.js';

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
  /** Type rule: result type and argument coercions; throws `TypeMismatchError` when not applicable. */
  resolve(argTypes: readonly DataType[], display: string): ResolvedSignature;
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
  /** False for functions whose value changes between calls (rand, current_date): never constant-folded. */
  readonly deterministic?: boolean;
}

// One registry per thread, even if this module is loaded twice (e.g. through different loaders).
const REGISTRY = Symbol.for('kindling.functionRegistry');
type RegistryState = { scalars: Map<string, ScalarFunctionDef>; aggregates: Map<string, AggregateFunctionDef> };
const state: RegistryState = ((globalThis as Record<symbol, unknown>)[REGISTRY] as RegistryState | undefined) ??
  ((globalThis as Record<symbol, unknown>)[REGISTRY] = { scalars: new Map(), aggregates: new Map() } as RegistryState);
const scalars = state.scalars;
const aggregates = state.aggregates;

/** Adds scalar functions to the registry (also under their aliases). */
export function registerScalar(...defs: ScalarFunctionDef[]): void {
  for (const d of defs) {
    scalars.set(d.name, d);
    for (const a of d.aliases ?? []) scalars.set(a, d);
  }
}

/** Adds aggregate functions to the registry (also under their aliases). */
export function registerAggregate(...defs: AggregateFunctionDef[]): void {
  for (const d of defs) {
    aggregates.set(d.name, d);
    for (const a of d.aliases ?? []) aggregates.set(a, d);
  }
}

/** True if `name` is a registered aggregate. */
export function isAggregate(name: string): boolean {
  return aggregates.has(name.toLowerCase());
}

/** True if `name` is a registered scalar function. */
export function isScalar(name: string): boolean {
  return scalars.has(name.toLowerCase());
}

function unknownFunction(name: string): AnalysisError {
  const all = [...scalars.keys(), ...aggregates.keys()];
  return new AnalysisError(`undefined function '${name}'${didYouMean(name, all)}`);
}

/** Looks up a scalar function; throws `AnalysisError` with suggestions if unknown. */
export function getScalar(name: string): ScalarFunctionDef {
  const d = scalars.get(name.toLowerCase());
  if (!d) {
    if (aggregates.has(name.toLowerCase())) throw new AnalysisError(`aggregate function '${name}' is not allowed here (it needs a groupBy/agg or a window)`);
    throw unknownFunction(name);
  }
  return d;
}

/** Looks up an aggregate function; throws `AnalysisError` with suggestions if unknown. */
export function getAggregate(name: string): AggregateFunctionDef {
  const d = aggregates.get(name.toLowerCase());
  if (!d) throw unknownFunction(name);
  return d;
}

/** Every registered scalar and aggregate name (for docs and suggestions). */
export function functionNames(): { scalar: string[]; aggregate: string[] } {
  return { scalar: [...scalars.keys()].sort(), aggregate: [...aggregates.keys()].sort() };
}

/** Checks an argument count against a definition's arity. */
export function checkArity(def: { name: string; arity: readonly [number, number] }, n: number, display: string): void {
  const [lo, hi] = def.arity;
  if (n < lo || n > hi) {
    const want = lo === hi ? `${lo}` : hi === Infinity ? `at least ${lo}` : `${lo} to ${hi}`;
    throw new AnalysisError(`function ${def.name} takes ${want} argument(s) but ${n} were given in ${display}`);
  }
}

/** A TypeMismatchError naming the expression and the offending types. */
export function typeError(display: string, argTypes: readonly DataType[], expected: string): TypeMismatchError {
  return new TypeMismatchError(`cannot resolve ${display}: argument types (${argTypes.join(', ')}) do not match; expected ${expected}`);
}
