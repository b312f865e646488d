/**
 * The expression execution-backend seam: operators compile their expressions through
 * `compileExpr`/`compilePredicate` here, which ask the backend in scope (set by the planner from
 * its config, and by a worker from its task request, see src/kernels/) and fall back to the JS
 * code generator (codegen.ts, the reference) for every expression that backend does not take.
 * Backends compile at operator construction, so the scope is the planner's (or buildStage's) call.
 */
import { type CompiledExpr, type CompiledPredicate, compileExpr as jsCompileExpr, compilePredicate as jsCompilePredicate } from './codegen.js';
import type { BoundExpr } from './expr.js';

export type { CompiledExpr, CompiledPredicate };

/** An expression execution backend: which expressions it takes and how it compiles them. */
export interface ExprBackend {
  /** Its name, as `Session.create({ kernels })` and `spark.kernels.describe()` spell it. */
  readonly name: string;
  /** True when this backend computes `e` (its types, functions and the precision policy allow it). */
  supports(e: BoundExpr): boolean;
  /** Compiles a value expression (only called when `supports(e)`). */
  compile(e: BoundExpr): CompiledExpr;
  /** Compiles a boolean expression into a filter mask (only called when `supports(e)`). */
  compilePredicate(e: BoundExpr): CompiledPredicate;
  /** The kernel backends (src/kernels/ registry names) operators may run kernels on under this choice; absent: js only. */
  readonly kernelBackends?: readonly string[];
}

/** The JS code generator: the reference and the fallback, takes every expression. */
export const JS_BACKEND: ExprBackend = { name: 'js', supports: () => true, compile: jsCompileExpr, compilePredicate: jsCompilePredicate };

let active: ExprBackend = JS_BACKEND;

/** Runs `fn` (operator construction) with `backend` (default: js) compiling its expressions. */
export function withExprBackend<T>(backend: ExprBackend | undefined, fn: () => T): T {
  const prev = active;
  active = backend ?? JS_BACKEND;
  try {
    return fn();
  } finally {
    active = prev;
  }
}

/** The backend in scope (js outside any planner call). */
export function activeExprBackend(): ExprBackend {
  return active;
}

/** Compiles a value expression with the backend in scope, or with JS code generation where it does not take it. */
export function compileExpr(e: BoundExpr): CompiledExpr {
  return active !== JS_BACKEND && active.supports(e) ? active.compile(e) : jsCompileExpr(e);
}

/** Compiles a predicate with the backend in scope, or with JS code generation where it does not take it. */
export function compilePredicate(e: BoundExpr): CompiledPredicate {
  return active !== JS_BACKEND && active.supports(e) ? active.compilePredicate(e) : jsCompilePredicate(e);
}
