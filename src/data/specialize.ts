/**
 * Per-array-type copies of hot typed-array loops. V8 compiles one function for every array type
 * it has seen at an element access: a loop that reads Int32Array values in one query and
 * Float64Array values (or dictionary codes) in the next becomes polymorphic and stays slower for
 * the rest of the process (about 1.2× in the measurement below). A loop family here is one loop body, compiled with `new Function`
 * into a separate function for each combination of array types and flags it is called with
 * (each source text differs, so each has its own type feedback and stays monomorphic).
 *
 * Used by group ids (direct-keys.ts) and the accumulators of sum, avg, count, min, max and corr
 * (expr/aggregates.ts).
 *
 * Measured 2026-12-06 08:30-09:20 UTC on the shared 2-vCPU machine, load average 8-14 from other
 * jobs (so ±30% and more; take these as rough):
 *  - `node` micro-loop, grouped sum of 5M rows into 100 groups: one loop fed both Int32Array and
 *    Float64Array values took 32-35 ms for the two arrays, against 28-30 ms for two copies that
 *    each saw one type (1.15-1.2×); a `new Function` copy runs exactly as fast as the same loop
 *    written in a module (2.6 ns/row both, best of 200).
 *  - Three avg aggregates over the same ids (q4's shape, 5M rows, best of 40): the fused loop
 *    (expr/aggregates.ts `fusedUpdate`) 31.9 ms against 50.5 ms for the three accumulators' own
 *    loops; with the group ids (GroupKeys, int key of 100 values, range check in the slot loop
 *    instead of a min/max scan): 53-63 ms against 101-105 ms for the previous code
 *    (`node k3.mjs <dist>`, separate processes, two runs each).
 *  - End to end: see src/exec/aggregate.ts.
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
