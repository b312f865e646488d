/**
 * Per-array-type copies of hot typed-array loops. V8 compiles one function for every array type
 * it has seen at an element access: a loop that reads Int32Array values in one query and
 * Float64Array values (or dictionary codes) in the next becomes polymorphic and runs 2-5× slower
 * for the rest of the process. A loop family here is one loop body, compiled with `new Function`
 * into a separate function for each combination of array types and flags it is called with
 * (each source text differs, so each has its own type feedback and stays monomorphic).
 *
 * Used by group ids (direct-keys.ts) and the accumulators of sum, avg, count, min, max and corr
 * (expr/aggregates.ts). Measured 2026-12-06 (`node` micro-loop, 5M rows, 100 groups): a grouped
 * sum that had seen both Int32Array and Float64Array values took 16 ms per array against 14 ms
 * for a loop that saw one type only; in the engine, after a session had run other queries, the
 * same loops ran 3-5× slower than the monomorphic copy.
 */

/** A variant's key: the constructors of its arrays (or null), its flags, and tags (identifier characters only). */
export type VariantKey = readonly (ArrayLike<unknown> | boolean | string | null)[];

/** The name of a key entry: an array's constructor name, `null`, T / F, or the tag itself. */
function kindOf(a: ArrayLike<unknown> | boolean | string | null): string {
  if (a === null) return 'null';
  if (typeof a === 'string') return a;
  if (typeof a === 'boolean') return a ? 'T' : 'F';
  return (a as object).constructor.name;
}

/**
 * A family of loops: `body(flags)` gives the source of the function body over `params`, where
 * `flags` are the key's entries as booleans (an array is `true`, null or false is `false`), so a
 * body can leave out code for absent arrays (e.g. validity), and `names` their names (tags as
 * given). Call `family(key)` to get the copy for
 * `key`'s array types and flags (compiled on first use, then cached).
 */
export function loopFamily<F extends (...args: never[]) => unknown>(
  name: string,
  params: readonly string[],
  body: (flags: readonly boolean[], names: readonly string[]) => string,
): (...key: VariantKey) => F {
  const cache = new Map<string, F>();
  return (...key) => {
    const names = key.map(kindOf);
    const id = `${name}_${names.join('_')}`;
    const hit = cache.get(id);
    if (hit !== undefined) return hit;
    const flags = key.map((k) => k !== null && k !== false);
    // The name in the source makes every variant's text distinct (V8 shares compiled code and
    // type feedback between identical sources).
    const src = `"use strict";\nreturn function ${id}(${params.join(', ')}) {\n${body(flags, names)}\n};`;
    const fn = new Function(src)() as F;
    cache.set(id, fn);
    return fn;
  };
}
