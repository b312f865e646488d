/**
 * Generator functions (Spark's `Generator`s): explode, explode_outer, posexplode,
 * posexplode_outer, inline, inline_outer. They turn one input row into zero or more output rows,
 * so they are not scalar functions: a generator call is only allowed as a whole SELECT item
 * (`df.select(F.explode('a'))`) or in `LATERAL VIEW`, where the plan builder puts a Generate node
 * (src/plan/analyzer/generate.ts) below the projection. This module only names them and their
 * output columns, so the binder can refuse a generator anywhere else.
 */

/** What a generator produces. */
export interface GeneratorInfo {
  /** Canonical name. */
  readonly name: string;
  /** The element generator: explode (one column per element) or posexplode (position, element). */
  readonly base: 'explode' | 'posexplode' | 'inline';
  /** Outer: a row whose array is null or empty is kept once, with nulls in the generated columns. */
  readonly outer: boolean;
  /** Default output column names. */
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
