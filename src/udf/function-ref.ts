/**
 * How a user function travels to the worker threads, and how a worker turns it back into a
 * callable once. Two explicit ways, both plain data inside the stage spec:
 *  - by source: the function's text (`Function.prototype.toString`), checked at registration for
 *    free variables (free-variables.ts): a closure over outer state is refused with an error that
 *    says how to fix it. Values the function needs (a lookup table, a model path) are passed as
 *    `args` at registration and travel with it (structured-cloned); an `init` function, shipped the
 *    same way, builds per-worker state from them once;
 *  - by module: a module URL and an export name; the module is imported once per worker (a
 *    module-level `const model = await load(...)` is loaded once per worker).
 * A worker resolves each reference once (cached by the reference's id, which is unique per
 * registration, so two sessions never share state) and hands every call a context
 * `{ name, args, state }` as the last argument.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IllegalArgumentError } from '../errors.js';
import { importModule } from '../exec/import-module.js';
import { freeVariables } from './free-variables.js';

/** What every shipped function receives as its last argument. */
export interface UdfContext<A = unknown, S = unknown> {
  /** The UDF's name (for messages). */
  readonly name: string;
  /** The `args` given at registration (a structured clone of them). */
  readonly args: A;
  /** What `init(args)` returned in this worker (undefined without `init`). */
  readonly state: S;
}

/** A function shipped by source. */
export interface SourceFunctionRef {
  readonly kind: 'source';
  /** Unique per registration: the worker-side cache key. */
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly init?: string;
  readonly args?: unknown;
}

/** A function exported by a module. */
export interface ModuleFunctionRef {
  readonly kind: 'module';
  readonly id: string;
  readonly name: string;
  /** The module's URL (file: URLs for local files). */
  readonly url: string;
  readonly exportName: string;
  readonly args?: unknown;
}

/** A shipped function: plain, structured-cloneable data. */
export type FunctionRef = SourceFunctionRef | ModuleFunctionRef;

/**
 * What a module may export for a module UDF: a function, or `{ init?(args), evaluate }` where
 * `init` builds the per-worker state handed to `evaluate` in its context.
 */
export interface ModuleUdfDefinition<A = unknown, S = unknown> {
  init?(args: A): S | Promise<S>;
  evaluate(...argsAndContext: never[]): unknown;
}

/** Options common to shipped functions. */
export interface ShipOptions {
  /** A name for messages (default: the function's own name, else `where`). */
  readonly name?: string;
  /** Values the function reads through `ctx.args`; must be structured-cloneable. */
  readonly args?: unknown;
  /** Builds per-worker state from `args` once per worker; shipped by source like the function. */
  readonly init?: (args: never) => unknown;
}

/** Free identifiers that are fine in a worker: its globals, plus helpers esbuild/tsx and vitest inject. */
function isWorkerGlobal(name: string): boolean {
  return name in globalThis || name === '__name' || name === '__vite_ssr_dynamic_import__';
}

/** The text of a function as an expression that evaluates to it (method shorthand included). */
function functionSource(fn: (...a: never[]) => unknown, what: string): string {
  if (typeof fn !== 'function') throw new IllegalArgumentError(`${what} should be a function, got ${fn === null ? 'null' : typeof fn}`);
  const src = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) {
    throw new IllegalArgumentError(`${what}: ${fn.name || 'the function'} is a built-in or bound function, whose source cannot be shipped to the workers; wrap it: (x) => ...`);
  }
  if (/^class\b/.test(src)) throw new IllegalArgumentError(`${what} should be a function, got a class`);
  // A method shorthand `name(x) { ... }` prints without `function` (`async name()` keeps `async` first).
  const method = /^async\s/.test(src) ? `async function ${src.replace(/^async\s+/, '')}` : `function ${src}`;
  for (const candidate of [src, method]) {
    try {
      freeVariables(candidate);
      return candidate;
    } catch {
      // try the next form
    }
  }
  throw new IllegalArgumentError(`${what}: the source of ${fn.name || 'the function'} could not be parsed for shipping to the workers; define it as a plain function or arrow function, or use a module UDF`);
}

/** Refuses a function that reads variables of its surrounding scope. */
function checkSelfContained(source: string, what: string, name: string): void {
  const outer = freeVariables(source).filter((v) => !isWorkerGlobal(v));
  if (outer.length === 0) return;
  const list = outer.map((v) => `'${v}'`).join(', ');
  throw new IllegalArgumentError(
    `${what} '${name}' uses ${list} from the scope it was written in; UDFs run in worker threads, where ${outer.length > 1 ? 'those are' : 'that is'} not defined. ` +
      `Pass ${outer.length > 1 ? 'them' : 'it'} as arguments at registration ({ args: { ${outer.join(', ')} } }, read as ctx.args.${outer[0]} from the last parameter), ` +
      `import what you need inside the function (await import('...')), or export the function from a module and use the fromModule form`,
  );
}

function checkCloneable(args: unknown, what: string, name: string): void {
  if (args === undefined) return;
  try {
    structuredClone(args);
  } catch (err) {
    throw new IllegalArgumentError(`${what} '${name}': args cannot be sent to the workers (${(err as Error).message}); pass plain data (numbers, strings, arrays, objects, Maps, typed arrays), not functions or class instances`);
  }
}

/**
 * Ships a self-contained function by source. `what` names the API for messages (e.g. 'F.udf').
 * Throws `IllegalArgumentError` for closures, built-in/bound functions and uncloneable args.
 */
export function shipFunction(fn: (...a: never[]) => unknown, what: string, options: ShipOptions = {}): SourceFunctionRef {
  const name = options.name ?? (fn?.name || what);
  const source = functionSource(fn, what);
  checkSelfContained(source, what, name);
  let init: string | undefined;
  if (options.init !== undefined) {
    init = functionSource(options.init, `${what} init`);
    checkSelfContained(init, `${what} init of`, name);
  }
  checkCloneable(options.args, what, name);
  return {
    kind: 'source', id: randomUUID(), name, source,
    ...(init !== undefined ? { init } : {}),
    ...(options.args !== undefined ? { args: options.args } : {}),
  };
}

/** References an exported function (or `ModuleUdfDefinition`) of a module by URL or path. */
export function moduleFunction(url: string | URL, exportName: string, what: string, options: Omit<ShipOptions, 'init'> = {}): ModuleFunctionRef {
  if (!(typeof url === 'string' || url instanceof URL)) throw new IllegalArgumentError(`${what}: the module should be a URL or path string, got ${typeof url}`);
  if (typeof exportName !== 'string' || exportName === '') throw new IllegalArgumentError(`${what}: the export name should be a non-empty string, got ${String(exportName)}`);
  const href = url instanceof URL ? url.href : /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : pathToFileURL(url).href;
  const name = options.name ?? exportName;
  checkCloneable(options.args, what, name);
  return { kind: 'module', id: randomUUID(), name, url: href, exportName, ...(options.args !== undefined ? { args: options.args } : {}) };
}

/** A function resolved in this thread, ready to call as `fn(...values, ctx)`. */
export interface ResolvedFunction {
  readonly fn: (...a: unknown[]) => unknown;
  readonly ctx: UdfContext;
}

// One cache per thread, even if this module is loaded twice.
const CACHE = Symbol.for('kindling.udfFunctions');
const cache: Map<string, Promise<ResolvedFunction>> = ((globalThis as Record<symbol, unknown>)[CACHE] as Map<string, Promise<ResolvedFunction>> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[CACHE] = new Map<string, Promise<ResolvedFunction>>());

/**
 * `import(x)` inside a shipped function. Under vitest the function's text reads
 * `__vite_ssr_dynamic_import__('/node_modules/pkg/entry.js')`: a path from vite's root (the working
 * directory), or `/@fs/` + an absolute path, which a worker thread's plain import cannot resolve.
 */
function importFromSource(spec: string): Promise<Record<string, unknown>> {
  if (spec.startsWith('/@fs/')) return importModule(spec.slice('/@fs'.length));
  if (spec.startsWith('/') && !existsSync(spec) && existsSync(join(process.cwd(), spec))) return importModule(join(process.cwd(), spec));
  return importModule(spec);
}

function evaluateSource(source: string): (...a: unknown[]) => unknown {
  // `__name` is the helper esbuild (tsx, vitest) inserts to keep function names; vitest rewrites
  // `import(x)` (e.g. `await import('apache-arrow')` inside a UDF) to `__vite_ssr_dynamic_import__(x)`.
  return new Function('importModule', `"use strict"; const __name = (f) => f; const __vite_ssr_dynamic_import__ = (s) => importModule(s); return (${source});`)(importFromSource) as (...a: unknown[]) => unknown;
}

async function resolveUncached(ref: FunctionRef): Promise<ResolvedFunction> {
  if (ref.kind === 'source') {
    const fn = evaluateSource(ref.source);
    const state = ref.init !== undefined ? await evaluateSource(ref.init)(ref.args) : undefined;
    return { fn, ctx: Object.freeze({ name: ref.name, args: ref.args, state }) };
  }
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(ref.url);
  } catch (err) {
    throw new IllegalArgumentError(`UDF '${ref.name}': cannot import module ${ref.url}: ${(err as Error).message}`);
  }
  const exported = mod[ref.exportName];
  if (typeof exported === 'function') return { fn: exported as (...a: unknown[]) => unknown, ctx: Object.freeze({ name: ref.name, args: ref.args, state: undefined }) };
  const def = exported as Partial<ModuleUdfDefinition> | undefined;
  if (def && typeof def === 'object' && typeof def.evaluate === 'function') {
    const state = typeof def.init === 'function' ? await def.init(ref.args) : undefined;
    return { fn: def.evaluate.bind(def) as (...a: unknown[]) => unknown, ctx: Object.freeze({ name: ref.name, args: ref.args, state }) };
  }
  const names = Object.keys(mod).filter((k) => typeof mod[k] === 'function' || (mod[k] && typeof mod[k] === 'object'));
  throw new IllegalArgumentError(`UDF '${ref.name}': module ${ref.url} has no export '${ref.exportName}' that is a function or { evaluate }${names.length ? ` (it exports ${names.join(', ')})` : ''}`);
}

/**
 * The callable for a reference, resolved once per thread (the module imported, `init` run) and
 * cached by the reference's id. A failed resolution is not cached, so a later task retries it.
 */
export function resolveFunction(ref: FunctionRef): Promise<ResolvedFunction> {
  let hit = cache.get(ref.id);
  if (!hit) {
    hit = resolveUncached(ref);
    cache.set(ref.id, hit);
    hit.catch(() => cache.delete(ref.id));
  }
  return hit;
}

/** Forgets every resolved function of this thread (their state becomes garbage). */
export function releaseFunctions(): void {
  cache.clear();
}

/** True for a reference made by {@link moduleFunction} (or shipped already). */
export function isFunctionRef(x: unknown): x is FunctionRef {
  return typeof x === 'object' && x !== null && ((x as FunctionRef).kind === 'module' || (x as FunctionRef).kind === 'source') && typeof (x as FunctionRef).id === 'string';
}

/**
 * What every UDF kind's public API calls: a function is shipped by source (closures refused), a
 * module reference (`F.fromModule(url, exportName, { args })`) is taken as it is, with the
 * registration's name and args applied.
 */
export function toFunctionRef(fnOrRef: ((...a: never[]) => unknown) | FunctionRef, what: string, options: ShipOptions = {}): FunctionRef {
  if (isFunctionRef(fnOrRef)) {
    if (options.init !== undefined && fnOrRef.kind === 'module') throw new IllegalArgumentError(`${what}: init is for functions shipped by source; a module UDF exports { init, evaluate } instead`);
    if (options.args !== undefined) checkCloneable(options.args, what, options.name ?? fnOrRef.name);
    return { ...fnOrRef, id: randomUUID(), ...(options.name !== undefined ? { name: options.name } : {}), ...(options.args !== undefined ? { args: options.args } : {}) };
  }
  return shipFunction(fnOrRef, what, options);
}
