/**
 * Generators in the plan builder: a select list (or withColumn) with a generator item
 * (`explode(a)`, `posexplode(a) AS (p, c)`) becomes a Generate node over the input with the
 * projection above it, where the generator item stands for the generated columns; `LATERAL VIEW`
 * adds a Generate node whose columns carry the view's name. One generator per select list, never
 * nested inside another expression (Spark's UNSUPPORTED_GENERATOR errors).
 */
import { AnalysisError, TypeMismatchError } from '../../errors.js';
import { bindExpr } from '../../expr/binder.js';
import { type Expr, exprName } from '../../expr/expr.js';
import { generatorArgMismatch, generatorInfo, generatorNames } from '../../expr/generators.js';
import { anyExpr } from '../../expr/tree.js';
import { type Field, type ListType, type StructType, Schema, elementType, isMap, mapTypes, sparkSimpleName, structFields } from '../../types.js';
import type { GenerateNode, LogicalPlan } from '../logical.js';
import { positional } from './positional.js';

/** True if `e` is a generator call. */
export function isGeneratorCall(e: Expr): boolean {
  return e.kind === 'call' && generatorInfo(e.fn) !== undefined;
}

/** The generator call of a select item (under its alias), or null. */
function itemGenerator(e: Expr): { call: Extract<Expr, { kind: 'call' }>; names: readonly string[] | null } | null {
  const inner = e.kind === 'alias' ? e.expr : e;
  if (inner.kind !== 'call' || !isGeneratorCall(inner)) return null;
  return { call: inner, names: e.kind === 'alias' ? e.names ?? [e.name] : null };
}

/** True if any expression holds a generator call. */
export function hasGenerator(exprs: readonly Expr[]): boolean {
  return exprs.some((e) => anyExpr(e, isGeneratorCall));
}

/**
 * A Generate node over `input` for the generator `call`: the input's columns, then the generated
 * ones, named `names` (default `col`, or `pos`, `col`; `key`, `value` over a map; the struct's
 * field names for inline) and qualified by `qualifier` when given.
 */
export function generate(input: LogicalPlan, call: Extract<Expr, { kind: 'call' }>, names: readonly string[] | null, qualifier: string | null): GenerateNode {
  const info = generatorInfo(call.fn)!;
  const display = exprName(call);
  if (call.args.length !== 1) throw new AnalysisError(`${info.name}() takes exactly one argument, but ${display} has ${call.args.length}`);
  const arg = bindExpr(call.args[0]!, input.schema);
  const mismatch = generatorArgMismatch(info, arg.type);
  if (mismatch !== null) {
    throw new TypeMismatchError(`[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve ${display} due to data type mismatch: parameter 1 requires ${mismatch}, however ${exprName(call.args[0]!)} has the type ${sparkSimpleName(arg.type)}`);
  }
  const outNames = checkNames(generatorNames(info, arg.type), names, display);
  const q = qualifier === null ? {} : { qualifiers: [qualifier] };
  const generated: Field[] = [];
  if (info.base === 'posexplode') generated.push({ name: outNames[0]!, type: 'int32', nullable: info.outer, ...q });
  const valueNames = info.base === 'posexplode' ? outNames.slice(1) : outNames;
  if (info.base === 'inline') {
    structFields(elementType(arg.type as ListType) as StructType).forEach((f, i) => generated.push({ name: valueNames[i]!, type: f.type, nullable: true, ...q }));
  } else if (isMap(arg.type)) {
    const { key, value } = mapTypes(arg.type);
    generated.push({ name: valueNames[0]!, type: key, nullable: info.outer, ...q }, { name: valueNames[1]!, type: value, nullable: true, ...q });
  } else {
    generated.push({ name: valueNames[0]!, type: elementType(arg.type as ListType), nullable: true, ...q });
  }
  return {
    kind: 'generate',
    input,
    generator: info.base,
    outer: info.outer,
    arg,
    passthrough: input.schema.fields.map((_, i) => i),
    schema: new Schema([...input.schema.fields, ...generated]),
  };
}

function checkNames(defaults: readonly string[], names: readonly string[] | null, display: string): readonly string[] {
  if (names === null) return defaults;
  if (names.length !== defaults.length) {
    throw new AnalysisError(`[UDTF_ALIAS_NUMBER_MISMATCH] The number of aliases supplied in the AS clause does not match the number of columns output by ${display}: expected ${defaults.length} aliases (${defaults.join(', ')}) but got ${names.length} (${names.join(', ')})`);
  }
  return names;
}

/**
 * A select list with a generator item: the Generate node, and the list over its output (the other
 * items unchanged, as the node passes every input column through at the same positions; the
 * generator item replaced by its generated columns). Null when no item is a generator.
 */
export function generatorSelect(input: LogicalPlan, exprs: readonly Expr[], names: readonly string[]): { plan: LogicalPlan; exprs: Expr[]; names: string[] } | null {
  const gens: number[] = [];
  exprs.forEach((e, i) => {
    if (itemGenerator(e)) gens.push(i);
    else if (anyExpr(e, isGeneratorCall)) {
      throw new AnalysisError(`[UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS] The generator is not supported: nested in expressions ${exprName(e)}; select the generator as its own item and compute on its column in a later select()`);
    }
  });
  if (gens.length === 0) return null;
  if (gens.length > 1) {
    throw new AnalysisError(`[UNSUPPORTED_GENERATOR.MULTI_GENERATOR] The generator is not supported: only one generator allowed per select clause but found ${gens.length}: ${gens.map((i) => exprName(itemGenerator(exprs[i]!)!.call)).join(', ')}; explode in two steps (two select() calls, or two LATERAL VIEWs)`);
  }
  const g = itemGenerator(exprs[gens[0]!]!)!;
  const plan = generate(input, g.call, g.names, null);
  const w = input.schema.length;
  const outExprs: Expr[] = [];
  const outNames: string[] = [];
  exprs.forEach((e, i) => {
    if (i !== gens[0]) {
      outExprs.push(e);
      outNames.push(names[i]!);
      return;
    }
    for (let j = w; j < plan.schema.length; j++) {
      outExprs.push(positional(j));
      outNames.push(plan.schema.fields[j]!.name);
    }
  });
  return { plan, exprs: outExprs, names: outNames };
}
