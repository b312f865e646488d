/**
 * Binder: resolves an `Expr` against an input schema into a typed `BoundExpr` — column names to
 * indices (case-insensitive, qualifiers for joins), function names through the registry, implicit
 * casts from the functions' type rules — with errors that name the expression and suggest fixes.
 */
import { AnalysisError, TypeMismatchError, didYouMean } from '../errors.js';
import { type DataType, type Schema, commonType, isNested, isStruct, sparkSimpleName } from '../types.js';
import type { BoundExpr, Expr, LambdaParam } from './expr.js';
import { LEFT_FOLD_OPS, exprName } from './expr.js';
import { anyBound, exprDepth } from './tree.js';
import type { ScalarFunctionDef } from './function-defs.js';
import { checkArity, getScalar } from './registry.js';
import { GENERATORS } from './generators.js';
import { canCast } from './runtime.js';

/** Finds the index of a (possibly qualified) column in a schema, or throws a helpful AnalysisError. */
export function resolveColumn(schema: Schema, name: string, qualifier?: string): number {
  const lower = name.toLowerCase();
  const q = qualifier?.toLowerCase();
  const matches: number[] = [];
  schema.fields.forEach((f, i) => {
    if (f.name.toLowerCase() !== lower) return;
    if (q !== undefined && !(f.qualifiers ?? []).some((x) => x.toLowerCase() === q)) return;
    matches.push(i);
  });
  if (matches.length > 1) {
    // Prefer an exact-case match if it is unique.
    const exact = matches.filter((i) => schema.fields[i]!.name === name);
    if (exact.length === 1) return exact[0]!;
    throw new AnalysisError(
      `reference '${qualifier ? qualifier + '.' : ''}${name}' is ambiguous: it matches ${matches.length} columns of [${schema.names.join(', ')}]; qualify it (e.g. df.col('${name}') on the DataFrame it comes from, or alias the DataFrames) or rename one side`,
    );
  }
  if (matches.length === 1) return matches[0]!;
  const shown = qualifier && !qualifier.startsWith('#') ? `${qualifier}.${name}` : name;
  const candidates = schema.names;
  if (qualifier !== undefined && schema.indexOf(name) >= 0 && !qualifier.startsWith('#')) {
    throw new AnalysisError(`column '${shown}' cannot be resolved: no input is named '${qualifier}'; columns: [${candidates.join(', ')}]`);
  }
  throw new AnalysisError(`column '${shown}' cannot be resolved${didYouMean(name, candidates)}; available columns: [${candidates.join(', ')}]`);
}

/**
 * `col('s.a.b')` as a struct field access (get_field calls) when no column has the dotted name:
 * `t.s.a` (a qualifier, then the column) is tried first, then `s.a` (the column, then fields),
 * as Spark resolves them. Undefined when it names no struct column.
 */
function structFieldPath(schema: Schema, e: Extract<Expr, { kind: 'col' }>): Expr | undefined {
  const internal = e.qualifier !== undefined && /^[#^$]/.test(e.qualifier);
  const parts = (e.qualifier !== undefined && !internal ? `${e.qualifier}.${e.name}` : e.name).split('.');
  const tries: [string | undefined, string, string[]][] = [];
  if (internal) tries.push([e.qualifier, parts[0]!, parts.slice(1)]);
  else {
    if (parts.length > 2) tries.push([parts[0], parts[1]!, parts.slice(2)]);
    tries.push([undefined, parts[0]!, parts.slice(1)]);
  }
  for (const [qualifier, name, fields] of tries) {
    if (fields.length === 0) continue;
    const lower = name.toLowerCase();
    const q = qualifier?.toLowerCase();
    const hit = schema.fields.find((f) => f.name.toLowerCase() === lower && (q === undefined || (f.qualifiers ?? []).some((x) => x.toLowerCase() === q)));
    if (!hit || !isStruct(hit.type)) continue;
    let out: Expr = qualifier === undefined ? { kind: 'col', name } : { kind: 'col', name, qualifier };
    for (const f of fields) out = { kind: 'call', fn: 'get_field', args: [out, { kind: 'lit', value: f, type: 'utf8' }] };
    return out;
  }
  return undefined;
}

/** Wraps `e` in a cast to `to` unless it already has that type. */
export function castTo(e: BoundExpr, to: DataType): BoundExpr {
  if (e.type === to) return e;
  if (e.kind === 'lit' && e.value === null) return { kind: 'lit', value: null, type: to };
  return { kind: 'cast', expr: e, type: to };
}

/** Options for binding. */
export interface BindOptions {
  /** Called for aggregate calls; returns their bound replacement (e.g. a ref to the aggregate's output). */
  onAggregate?: (e: Extract<Expr, { kind: 'agg' }>) => BoundExpr;
  /** Called for window function calls; returns their bound replacement (a ref to the window operator's output). */
  onWindow?: (e: Extract<Expr, { kind: 'window' }>) => BoundExpr;
  /** Internal: the parameters of the lambda functions enclosing the expression being bound (innermost last). */
  lambdaScope?: readonly LambdaParam[];
}

/**
 * How deeply an expression may nest (function calls inside function calls; a chain of `+` or
 * `AND` counts as one level): binding and code generation recurse once per level.
 */
export const MAX_EXPR_DEPTH = 1000;

/** Resolves an expression against `schema`. */
export function bindExpr(e: Expr, schema: Schema, opts: BindOptions = {}): BoundExpr {
  const depth = exprDepth(e);
  if (depth > MAX_EXPR_DEPTH) {
    const name = exprName(e.kind === 'alias' ? e.expr : e);
    throw new AnalysisError(`expression ${name.length > 60 ? `${name.slice(0, 60)}...` : name} is nested ${depth} levels deep, more than the limit of ${MAX_EXPR_DEPTH} levels; compute inner parts in an earlier select()/withColumn() step`);
  }
  return bindNode(e, schema, opts);
}

function bindNode(e: Expr, schema: Schema, opts: BindOptions): BoundExpr {
  switch (e.kind) {
    case 'col': {
      // A lambda parameter shadows a column of the same name (as in Spark).
      if (e.qualifier === undefined && opts.lambdaScope && findLambdaParam(opts.lambdaScope, e.name)) return bindNode({ kind: 'lambdavar', name: e.name }, schema, opts);
      // '@i' is an internal positional reference (star expansion, renames).
      let index: number;
      try {
        index = e.qualifier?.startsWith('@') ? Number(e.qualifier.slice(1)) : resolveColumn(schema, e.name, e.qualifier);
      } catch (err) {
        // 's.a' / 't.s.a': a field of a struct column.
        const field = err instanceof AnalysisError ? structFieldPath(schema, e) : undefined;
        if (field) return bindNode(field, schema, opts);
        throw err;
      }
      const f = schema.fields[index]!;
      return { kind: 'ref', index, type: f.type, name: f.name };
    }
    case 'lit':
      return { kind: 'lit', value: e.value, type: e.type };
    case 'alias':
      return bindNode(e.expr, schema, opts);
    case 'sort':
      return bindNode(e.expr, schema, opts);
    case 'cast': {
      const inner = bindNode(e.expr, schema, opts);
      if (!canCast(inner.type, e.to)) {
        const hint = isNested(inner.type) && e.to === 'utf8' ? '; use to_json() to write a struct or map as text' : '';
        throw new TypeMismatchError(`cannot cast ${exprName(e.expr)} from ${isNested(inner.type) ? sparkSimpleName(inner.type) : inner.type} to ${isNested(e.to) ? sparkSimpleName(e.to) : e.to}${hint}`);
      }
      return castTo(inner, e.to);
    }
    case 'star':
      throw new AnalysisError(`'*' is only allowed in select() / count(*), not inside ${exprName(e)}`);
    case 'window':
      if (opts.onWindow) return opts.onWindow(e);
      throw new AnalysisError(`window function ${exprName(e)} is only allowed in select() / withColumn()`);
    case 'agg':
      if (opts.onAggregate) return opts.onAggregate(e);
      throw new AnalysisError(`aggregate ${exprName(e)} is not allowed here; use it inside agg() / groupBy().agg() or select() of a whole-frame aggregate`);
    case 'case': {
      const branches = e.branches.map(([c, v]) => {
        const bc = bindNode(c, schema, opts);
        if (bc.type !== 'boolean' && bc.type !== 'null') {
          throw new TypeMismatchError(`WHEN condition ${exprName(c)} must be boolean but is ${bc.type}`);
        }
        return [castTo(bc, 'boolean'), bindNode(v, schema, opts)] as const;
      });
      const otherwise = e.otherwise ? bindNode(e.otherwise, schema, opts) : null;
      let t: DataType | undefined = 'null';
      for (const [, v] of branches) t = t && widenValueType(t, v.type);
      if (otherwise) t = t && widenValueType(t, otherwise.type);
      if (!t) {
        const types = [...branches.map(([, v]) => v.type), ...(otherwise ? [otherwise.type] : [])];
        throw new TypeMismatchError(`cannot resolve ${exprName(e)}: THEN/ELSE values have incompatible types (${types.join(', ')}); cast them to one type`);
      }
      const type = t;
      return {
        kind: 'case',
        branches: branches.map(([c, v]) => [c, castTo(v, type)] as const),
        otherwise: otherwise ? castTo(otherwise, type) : null,
        type,
      };
    }
    case 'lambdavar': {
      const p = opts.lambdaScope && findLambdaParam(opts.lambdaScope, e.name);
      if (!p) throw new AnalysisError(`lambda variable '${e.name}' is used outside the lambda function that declares it`);
      return { kind: 'lambdavar', name: p.name, slot: p.slot, type: p.type };
    }
    case 'lambda':
      throw new AnalysisError(`a lambda function (${exprName(e)}) is only allowed as an argument of a higher-order function such as transform, filter, exists, forall, aggregate or zip_with`);
    case 'udf':
      // Arguments keep their own types: the function receives them as they are.
      return { kind: 'udf', udf: e.udf, args: e.args.map((a) => bindExpr(a, schema, opts)), type: e.udf.returnType };
    case 'call': {
      if (GENERATORS.has(e.fn.toLowerCase())) {
        throw new AnalysisError(`[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT] The generator is not supported: outside the SELECT clause, found: ${exprName(e)}; use it as a whole item of select() or in LATERAL VIEW`);
      }
      const def = getScalar(e.fn);
      const display = exprName(e);
      if (e.args.length > 2 && LEFT_FOLD_OPS.has(def.name)) {
        // A left fold `(a op b) op c ...`: bound step by step, each step typed as the binary operator.
        let acc = bindNode(e.args[0]!, schema, opts);
        let open: BoundExpr[] | null = null; // the arguments of `acc` while it is a chain built here
        for (let i = 1; i < e.args.length; i++) {
          const right = bindNode(e.args[i]!, schema, opts);
          const sig = def.resolve([acc.type, right.type], display, [acc, right]);
          if (open !== null && sig.type === acc.type && sig.argTypes[0] === acc.type) {
            open.push(castTo(right, sig.argTypes[1] ?? right.type)); // appended in place: linear in the chain's length
            continue;
          }
          acc = bindBinary(def, acc, right, display);
          open = acc.kind === 'call' && acc.fn === def.name ? (acc.args as BoundExpr[]) : null;
        }
        return acc;
      }
      checkArity(def, e.args.length, display);
      if (def.lambdaParams || e.args.some((a) => a.kind === 'lambda')) return bindHigherOrder(def, e.args, schema, opts, display);
      const args = e.args.map((a) => bindNode(a, schema, opts));
      if (args.length === 2 && LEFT_FOLD_OPS.has(def.name)) return bindBinary(def, args[0]!, args[1]!, display);
      const sig = def.resolve(args.map((a) => a.type), display, args);
      return { kind: 'call', fn: def.name, args: args.map((a, i) => castTo(a, sig.argTypes[i] ?? a.type)), type: sig.type };
    }
  }
}

function findLambdaParam(scope: readonly LambdaParam[], name: string): LambdaParam | undefined {
  const lower = name.toLowerCase();
  for (let i = scope.length - 1; i >= 0; i--) if (scope[i]!.name.toLowerCase() === lower) return scope[i];
  return undefined;
}

/**
 * A higher-order function call (transform, aggregate, ...): the plain arguments are bound first,
 * then each lambda argument with its parameters typed by the function's `lambdaParams` (from the
 * arguments bound so far); when a parameter's type depends on a lambda's result (aggregate's
 * accumulator), the lambdas are bound again until the types settle. The function's type rule then
 * sees each lambda as its body's type, and a cast it asks for applies to the body.
 */
function bindHigherOrder(def: ScalarFunctionDef, exprs: readonly Expr[], schema: Schema, opts: BindOptions, display: string): BoundExpr {
  const hook = def.lambdaParams;
  if (!hook) throw new AnalysisError(`${def.name}() does not take a lambda function: ${display}`);
  const scope = opts.lambdaScope ?? [];
  const args: (BoundExpr | undefined)[] = exprs.map((a) => (a.kind === 'lambda' ? undefined : bindNode(a, schema, opts)));
  for (let pass = 0; pass < 3; pass++) {
    let changed = false;
    exprs.forEach((a, i) => {
      const want = hook(i, args, display);
      if (!want) {
        if (a.kind === 'lambda') throw new TypeMismatchError(`cannot resolve ${display}: argument ${i + 1} of ${def.name}() must not be a lambda function`);
        return;
      }
      if (a.kind !== 'lambda') throw new TypeMismatchError(`cannot resolve ${display}: argument ${i + 1} of ${def.name}() must be a lambda function such as x -> ...`);
      if (a.params.length < want.min || a.params.length > want.types.length) {
        const expected = want.min === want.types.length ? `${want.min}` : `${want.min} or ${want.types.length}`;
        throw new AnalysisError(`[INVALID_LAMBDA_FUNCTION_CALL.NUM_ARGS_MISMATCH] Invalid lambda function call. A higher order function expects ${expected} arguments, but got ${a.params.length}: ${exprName(a)} in ${display}`);
      }
      const lower = a.params.map((p) => p.toLowerCase());
      if (new Set(lower).size !== lower.length) throw new AnalysisError(`[INVALID_LAMBDA_FUNCTION_CALL.DUPLICATE_ARG_NAMES] Invalid lambda function call. The lambda function has duplicate arguments: ${exprName(a)}`);
      const prev = args[i];
      if (prev && prev.kind === 'lambda' && prev.params.every((p, k) => p.type === want.types[k])) return;
      const params: LambdaParam[] = a.params.map((name, k) => ({ name, slot: scope.length + k, type: want.types[k]! }));
      const body = bindNode(a.body, schema, { ...opts, lambdaScope: [...scope, ...params] });
      if (anyBound(body, (x) => x.kind === 'udf')) throw new AnalysisError(`a UDF cannot be called inside a lambda function (${exprName(a)}): UDFs run once per row, not per element; apply it to the array in its own column`);
      args[i] = { kind: 'lambda', params, body, type: body.type };
      changed = true;
    });
    if (!changed) break;
  }
  const bound = args as BoundExpr[];
  const sig = def.resolve(bound.map((a) => a.type), display, bound);
  const cast = bound.map((a, i) => {
    const to = sig.argTypes[i] ?? a.type;
    if (a.kind !== 'lambda' || a.type === to) return castTo(a, to);
    return { ...a, body: castTo(a.body, to), type: to };
  });
  return { kind: 'call', fn: def.name, args: cast, type: sig.type };
}

/**
 * `left op right` for a fold operator (see `LEFT_FOLD_OPS`): when `left` is already a chain of
 * `op` of the result type (no cast between), `right` joins its arguments, so a long chain stays
 * one call; codegen evaluates it as the same left-to-right sequence of binary steps.
 */
function bindBinary(def: ScalarFunctionDef, left: BoundExpr, right: BoundExpr, display: string): BoundExpr {
  const sig = def.resolve([left.type, right.type], display, [left, right]);
  const a = castTo(left, sig.argTypes[0] ?? left.type);
  const b = castTo(right, sig.argTypes[1] ?? right.type);
  return foldBound(def.name, a, b, sig.type);
}

/** `fn(a, b)` of type `type`, appended to `a`'s arguments when `a` is a chain of the fold operator `fn` of that type. */
export function foldBound(fn: string, a: BoundExpr, b: BoundExpr, type: DataType): BoundExpr {
  if (LEFT_FOLD_OPS.has(fn) && a.kind === 'call' && a.fn === fn && a.type === type) return { kind: 'call', fn, args: [...a.args, b], type };
  return { kind: 'call', fn, args: [a, b], type };
}

/** Result type for values of two branches (CASE, coalesce, union): numeric widening, else strings absorb nothing. */
export function widenValueType(a: DataType, b: DataType): DataType | undefined {
  return commonType(a, b);
}
