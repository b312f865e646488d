/**
 * The one function registry shared by the DataFrame API (`F.*`) and SQL: scalar functions with
 * their type rules and code generators, aggregate functions with their accumulators, and
 * window-only functions with their evaluators. The definition types live in
 * src/expr/function-defs.ts (re-exported here).
 *
 * Built-in functions are registered explicitly, not by importing modules for their side effects:
 * every entry point of this module (lookups and registrations alike) first calls
 * {@link registerBuiltins}, which registers the built-in modules listed in src/expr/builtins.ts
 * once per thread. Doing it here rather than in `Session.create` and the worker entry means any
 * code that reaches the registry — the binder in a worker thread, `F.row_number().over(w)` built
 * before a session exists, a unit test binding expressions directly — sees the built-ins, and a
 * function registered by user code (a UDF module) always lands after them. The built-in modules
 * import only function-defs.ts (types and `typeError`), never this module, so loading them from
 * here makes no import cycle.
 */
import { AnalysisError, didYouMean } from '../errors.js';
import type { DataType } from '../types.js';
import { BUILTIN_MODULES } from './builtins.js';
import type { AggregateFunctionDef, FunctionRegistry, ScalarFunctionDef, WindowFunctionDef } from './function-defs.js';

export type {
  Accumulator, AggregateFunctionDef, AggregateWindowHooks, CodeVar, CodegenContext, ConstantArg, FrameRows, FunctionModule,
  FunctionRegistry, ResolvedSignature, ScalarFunctionDef, WindowFunctionDef, WindowInput, WindowLayout,
} from './function-defs.js';

// One registry per thread, even if this module is loaded twice (e.g. through different loaders).
const REGISTRY = Symbol.for('kindling.functionRegistry');
type RegistryState = {
  scalars: Map<string, ScalarFunctionDef>;
  aggregates: Map<string, AggregateFunctionDef>;
  windows: Map<string, WindowFunctionDef>;
  builtins: boolean;
};
const state: RegistryState = ((globalThis as Record<symbol, unknown>)[REGISTRY] as RegistryState | undefined) ??
  ((globalThis as Record<symbol, unknown>)[REGISTRY] = { scalars: new Map(), aggregates: new Map(), windows: new Map(), builtins: false } as RegistryState);
const scalars = state.scalars;
const aggregates = state.aggregates;
const windows = state.windows;

/** The registry as function modules see it (passed to each module's `register`). */
const registry: FunctionRegistry = {
  registerScalar(...defs) {
    for (const d of defs) {
      scalars.set(d.name, d);
      for (const a of d.aliases ?? []) scalars.set(a, d);
    }
  },
  registerAggregate(...defs) {
    for (const d of defs) {
      aggregates.set(d.name, d);
      for (const a of d.aliases ?? []) aggregates.set(a, d);
    }
  },
  registerWindow(...defs) {
    for (const d of defs) windows.set(d.name, d);
    registry.registerScalar(...defs.map(windowPlaceholder));
  },
};

/**
 * A window function called without OVER is registered as a scalar too, whose type rule fails at
 * analysis with a clear message (instead of reporting an unknown function).
 */
function windowPlaceholder(d: WindowFunctionDef): ScalarFunctionDef {
  return {
    name: d.name,
    arity: d.arity,
    doc: `${d.doc} (window function: needs .over(window) / OVER (...))`,
    nulls: 'custom',
    deterministic: false,
    resolve(_argTypes: readonly DataType[], display: string): never {
      throw new AnalysisError(
        `window function ${display} needs a window: use it with .over(...), e.g. F.${d.name}(${d.arity[0] ? '...' : ''}).over(Window.partitionBy(...).orderBy(...)) (SQL: ${d.name}(...) OVER (PARTITION BY ... ORDER BY ...))`,
      );
    },
  };
}

/**
 * Registers the built-in functions (src/expr/builtins.ts) in this thread's registry. Idempotent:
 * only the first call registers; every function of this module calls it, so there is no need to
 * call it before using the registry.
 */
export function registerBuiltins(): void {
  if (state.builtins) return;
  state.builtins = true;
  for (const m of BUILTIN_MODULES) m.register(registry);
}

/** Adds scalar functions to the registry (also under their aliases). */
export function registerScalar(...defs: ScalarFunctionDef[]): void {
  registerBuiltins();
  registry.registerScalar(...defs);
}

/** Adds aggregate functions to the registry (also under their aliases). */
export function registerAggregate(...defs: AggregateFunctionDef[]): void {
  registerBuiltins();
  registry.registerAggregate(...defs);
}

/** Adds window-only functions to the registry, each also as a scalar placeholder that explains the missing OVER. */
export function registerWindowFunction(...defs: WindowFunctionDef[]): void {
  registerBuiltins();
  registry.registerWindow(...defs);
}

/** True if `name` is a registered aggregate. */
export function isAggregate(name: string): boolean {
  registerBuiltins();
  return aggregates.has(name.toLowerCase());
}

/** True if `name` is a registered scalar function. */
export function isScalar(name: string): boolean {
  registerBuiltins();
  return scalars.has(name.toLowerCase());
}

/** True if `name` is a window-only function (row_number, rank, lag, ...). Aggregates are not included. */
export function isWindowFunction(name: string): boolean {
  registerBuiltins();
  return windows.has(name.toLowerCase());
}

function unknownFunction(name: string): AnalysisError {
  const all = [...scalars.keys(), ...aggregates.keys()];
  return new AnalysisError(`undefined function '${name}'${didYouMean(name, all)}`);
}

/** Looks up a scalar function; throws `AnalysisError` with suggestions if unknown. */
export function getScalar(name: string): ScalarFunctionDef {
  registerBuiltins();
  const d = scalars.get(name.toLowerCase());
  if (!d) {
    if (aggregates.has(name.toLowerCase())) throw new AnalysisError(`aggregate function '${name}' is not allowed here (it needs a groupBy/agg or a window)`);
    throw unknownFunction(name);
  }
  return d;
}

/** Looks up an aggregate function; throws `AnalysisError` with suggestions if unknown. */
export function getAggregate(name: string): AggregateFunctionDef {
  registerBuiltins();
  const d = aggregates.get(name.toLowerCase());
  if (!d) throw unknownFunction(name);
  return d;
}

/** The definition of a window-only function, or undefined. */
export function getWindowFunction(name: string): WindowFunctionDef | undefined {
  registerBuiltins();
  return windows.get(name.toLowerCase());
}

/** Every registered scalar and aggregate name (for docs and suggestions). */
export function functionNames(): { scalar: string[]; aggregate: string[] } {
  registerBuiltins();
  return { scalar: [...scalars.keys()].sort(), aggregate: [...aggregates.keys()].sort() };
}

/** Names of the window-only functions, in registration order. */
export function windowFunctionNames(): string[] {
  registerBuiltins();
  return [...windows.keys()];
}

/** Checks an argument count against a definition's arity. */
export function checkArity(def: { name: string; arity: readonly [number, number] }, n: number, display: string): void {
  const [lo, hi] = def.arity;
  if (n < lo || n > hi) {
    const want = lo === hi ? `${lo}` : hi === Infinity ? `at least ${lo}` : `${lo} to ${hi}`;
    throw new AnalysisError(`function ${def.name} takes ${want} argument(s) but ${n} were given in ${display}`);
  }
}
