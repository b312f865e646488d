/**
 * Generator functions (Spark's `Generator`s): explode, explode_outer, posexplode,
 * posexplode_outer, inline, inline_outer. They turn one input row into zero or more output rows,
 * so they are not scalar functions: a generator call is only allowed as a whole SELECT item
 * (`df.select(F.explode('a'))`) or in `LATERAL VIEW`, where the plan builder puts a Generate node
 * (src/plan/analyzer/generate.ts) below the projection. This module only names them and their
 * output columns, so the binder can refuse a generator anywhere else. explode / posexplode take an
 * array (one `col`) or a map (`key`, `value`, as Spark); inline takes an array of structs (one
 * column per field, named after the fields).
 */
import { type DataType, elementType, isList, isMap, isStruct, structFields } from '../types.js';

/** What a generator produces. */
export interface GeneratorInfo {
  /** Canonical name. */
  readonly name: string;
  /** The element generator: explode (one column per element) or posexplode (position, element). */
  readonly base: 'explode' | 'posexplode' | 'inline';
  /** Outer: a row whose array is null or empty is kept once, with nulls in the generated columns. */
  readonly outer: boolean;
  /** Default output column names over an array argument (see {@link generatorNames} for maps and inline). */
  readonly names: readonly string[];
}

const LIST: readonly GeneratorInfo[] = [
  { name: 'explode', base: 'explode', outer: false, names: ['col'] },
  { name: 'explode_outer', base: 'explode', outer: true, names: ['col'] },
  { name: 'posexplode', base: 'posexplode', outer: false, names: ['pos', 'col'] },
  { name: 'posexplode_outer', base: 'posexplode', outer: true, names: ['pos', 'col'] },
  { name: 'inline', base: 'inline', outer: false, names: [] },
  { name: 'inline_outer', base: 'inline', outer: true, names: [] },
];

/** Generators by lower-case name. */
export const GENERATORS: ReadonlyMap<string, GeneratorInfo> = new Map(LIST.map((g) => [g.name, g]));

/** The generator `fn` names, or undefined. */
export function generatorInfo(fn: string): GeneratorInfo | undefined {
  return GENERATORS.get(fn.toLowerCase());
}

/**
 * The generated columns' default names for an argument of type `t`: `col` (`pos`, `col`) over an
 * array, `key`, `value` (`pos`, `key`, `value`) over a map, the struct's field names for inline.
 */
export function generatorNames(info: GeneratorInfo, t: DataType): readonly string[] {
  if (info.base === 'inline') {
    const e = isList(t) ? elementType(t) : null;
    return e !== null && isStruct(e) ? structFields(e).map((f) => f.name) : [];
  }
  if (isMap(t)) return info.base === 'posexplode' ? ['pos', 'key', 'value'] : ['key', 'value'];
  return info.names;
}

/** Spark's required argument type of a generator when `t` does not fit it (`the array type`), else null. */
export function generatorArgMismatch(info: GeneratorInfo, t: DataType): string | null {
  if (info.base === 'inline') return isList(t) && isStruct(elementType(t)) ? null : 'the array<struct> type';
  return isList(t) || isMap(t) ? null : 'the (array or map) type';
}
