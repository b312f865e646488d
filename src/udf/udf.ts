/**
 * The public UDF objects: `F.udf` / `F.arrowUdf` (and their `fromModule` forms) build a
 * `UserDefinedFunction`, a callable that turns columns into a Column holding a `udf` expression
 * (PySpark's UserDefinedFunction: `.name`, `.returnType`, `.deterministic`,
 * `.asNondeterministic()`). The function itself travels to the workers through function-ref.ts.
 */
import type * as A from 'apache-arrow';
import { Column, type ColumnOrName, nameOrColumn } from '../column.js';
import { IllegalArgumentError } from '../errors.js';
import type { DataType } from '../types.js';
import { type FunctionRef, type UdfContext, isFunctionRef, moduleFunction, toFunctionRef } from './function-ref.js';
import { type ReturnTypeInput, type UdfKind, type UdfOptions, type UdfSpec, checkUdfOptions, parseReturnType } from './spec.js';

/** A UDF: call it with columns (or column names) to get a Column. */
export interface UserDefinedFunction {
  (...cols: (ColumnOrName | readonly ColumnOrName[])[]): Column;
  /** The name in column names, explain, SQL (after `spark.udf.register`) and errors. */
  readonly name: string;
  /** The result type (a Kindling type name, e.g. 'float64'). */
  readonly returnType: DataType;
  /** False after `asNondeterministic()` or `{ deterministic: false }`. */
  readonly deterministic: boolean;
  /** 'scalar' (one call per row) or 'vectorized' (one call per Arrow batch). */
  readonly kind: UdfKind;
  /** The same UDF marked non-deterministic (never duplicated, folded or moved across filters). */
  asNondeterministic(): UserDefinedFunction;
  /** @internal The plain-data description shipped to the workers. */
  readonly spec: UdfSpec;
}

/** A scalar UDF's function: one row's argument values, then the context. */
export type ScalarUdfFunction = (...argsAndContext: never[]) => unknown;
/** A vectorized UDF's function: one Arrow Vector per argument, then the context; returns a Vector, typed array or array. */
export type ArrowUdfFunction = (...vectorsAndContext: never[]) => A.Vector | ArrayLike<unknown> | Promise<A.Vector | ArrayLike<unknown>>;

/** The UDF object for a spec. */
export function udfFromSpec(spec: UdfSpec): UserDefinedFunction {
  const call = (...cols: (ColumnOrName | readonly ColumnOrName[])[]): Column => {
    const flat = (cols as (ColumnOrName | ColumnOrName[])[]).flat();
    return new Column({ kind: 'udf', udf: spec, args: flat.map((c, i) => nameOrColumn(c, `${spec.name}()`, i + 1)) });
  };
  return Object.defineProperties(call, {
    name: { value: spec.name },
    returnType: { value: spec.returnType, enumerable: true },
    deterministic: { value: spec.deterministic, enumerable: true },
    kind: { value: spec.kind, enumerable: true },
    spec: { value: spec },
    asNondeterministic: { value: () => udfFromSpec({ ...spec, deterministic: false }) },
  }) as unknown as UserDefinedFunction;
}

/** True for a value made by F.udf / F.arrowUdf. */
export function isUserDefinedFunction(x: unknown): x is UserDefinedFunction {
  return typeof x === 'function' && typeof (x as { spec?: UdfSpec }).spec === 'object' && typeof (x as { asNondeterministic?: unknown }).asNondeterministic === 'function';
}

/** Builds a UDF of `kind` from a function (shipped by source) or a module reference. */
export function makeUdf(kind: UdfKind, fn: ((...a: never[]) => unknown) | FunctionRef, returnType: ReturnTypeInput, options: UdfOptions, what: string): UserDefinedFunction {
  const type = parseReturnType(returnType, what);
  const opts = checkUdfOptions(kind, options, what);
  if (typeof fn !== 'function' && !isFunctionRef(fn)) throw new IllegalArgumentError(`${what}: the first argument should be a function or F.fromModule(url, exportName), got ${fn === null ? 'null' : typeof fn}`);
  const ref = toFunctionRef(fn, what, {
    ...(options.name !== undefined ? { name: options.name } : typeof fn === 'function' && !fn.name ? { name: 'udf' } : {}),
    ...(options.args !== undefined ? { args: options.args } : {}),
    ...(options.init !== undefined ? { init: options.init } : {}),
  });
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(ref.name)) throw new IllegalArgumentError(`${what}: the name '${ref.name}' should be an identifier (letters, digits, _); give { name: '...' }`);
  return udfFromSpec({ name: ref.name, kind, fn: ref, returnType: type, ...opts });
}

/** `F.udf(fn, returnType, options?)` with its `fromModule` shorthand. */
export interface UdfFactory {
  <Args = unknown>(fn: ScalarUdfFunction | FunctionRef, returnType: ReturnTypeInput, options?: UdfOptions<Args>): UserDefinedFunction;
  /** A UDF exported by a module (imported once per worker): `F.udf.fromModule(new URL('./udfs.js', import.meta.url), 'monthAsInt', 'int')`. */
  fromModule<Args = unknown>(url: string | URL, exportName: string, returnType: ReturnTypeInput, options?: Omit<UdfOptions<Args>, 'init'>): UserDefinedFunction;
}

/** The factory of one kind, `what` being its public name. */
export function udfFactory(kind: UdfKind, what: string): UdfFactory {
  const f = ((fn: ScalarUdfFunction | FunctionRef, returnType: ReturnTypeInput, options: UdfOptions = {}) => makeUdf(kind, fn, returnType, options, what)) as UdfFactory;
  f.fromModule = (url, exportName, returnType, options = {}) =>
    makeUdf(kind, moduleFunction(url, exportName, `${what}.fromModule`), returnType, { name: exportName, ...options }, `${what}.fromModule`);
  return f;
}

export type { UdfContext };
