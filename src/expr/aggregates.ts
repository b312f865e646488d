/**
 * Aggregate functions: vectorised accumulators indexed by group id, with partial state that can be
 * shipped through a shuffle and merged (two-phase aggregation), and the standard library of
 * aggregates (count, sum, avg, min, max, stddev, variance, first, last, countDistinct, ...). The
 * common ones carry fast evaluators over window frames (src/expr/window/frame-aggregates.ts).
 * min / max of numbers start each group at a sentinel (no has-flag read per row), NaN sorting
 * above every number as in Spark, and several of them update in one loop (`fusedMinMax`).
 * Worker profile of 20 × q7 at 1e7 (2026-12-06 13:00, load average 6): MinMaxAcc.grow filling
 * a string slot per group for every numeric min / max took 1.9 s CPU and the two min / max loops
 * 2.4 s; after, 0 and 1.4 s. A/B figures: src/exec/aggregate.ts.
 * Exact percentiles (median, percentile) select through a histogram of each group's value range
 * (`histogramSelect`). db-benchmark q6 (median and stddev of v3 by id4, id5: 1e4 groups of ~1000
 * values) at 1e7 rows, 2 threads, 2026-12-06 (load average 5-8 from other jobs): worker profile
 * before, the old sampled-window selection 25% of q6's worker CPU; `flock
 * /work/wt/notes/bench.lock npx tsx --max-old-space-size=12000 bench/dbbench.ts --rows 1e7 --only
 * groupby --q q10,q6 --reps 3 --baseline /work/wt/base/dist`: q6 1.30× (pairs 1.25–1.34, best
 * 0.51 → 0.39 s) at 20:58 UTC, 1.14× (pairs 0.98–1.47, best 1.42 → 1.01 s) at 21:14 (load 5.6),
 * 1.26× (pairs 1.20–1.30, best 0.49 → 0.38 s) at 21:37 (load 1-3.5). bench:compare's protocol
 * (fresh process, answer cached + counted, best of two runs; 3 processes per build, alternating,
 * load 3-6): 0.50-0.62 s against main's 0.61-1.08 s, run-2 CPU 0.49-0.58 s against 0.61-0.68 s.
 * `register` adds the definitions to the function registry.
 */
import { ArithmeticOverflowError } from '../errors.js';
import { ColumnData, allocOutputValues, allocValues, decimalColumn, take, utf8FromStrings } from '../data/column.js';
import { copyPrefix } from '../data/alloc.js';
import { fromValues } from '../data/batch.js';
import { POW10N, checkDecimal, divHalfUp } from '../data/decimal.js';
import { type DataType, type DecimalType, MAX_EXACT_INT, boundedDecimal, decimalParams, isDecimal, isList, isNested, isNumeric, listOf } from '../types.js';
import { type Accumulator, type AggregateFunctionDef, type FunctionRegistry, typeError } from './function-defs.js';
import { GroupKeys } from '../data/direct-keys.js';
import { loopFamily } from '../data/specialize.js';
import { COUNT_OVER_FRAMES, firstLastOverFrames, minMaxOverFrames, sumAvgOverFrames } from './window/frame-aggregates.js';

export function grownF64(a: Float64Array, n: number, fill = 0): Float64Array {
  if (a.length >= n) return a;
  const b = new Float64Array(Math.max(n, a.length * 2));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}
export function grownU8(a: Uint8Array, n: number): Uint8Array {
  if (a.length >= n) return a;
  const b = new Uint8Array(Math.max(n, a.length * 2));
  b.set(a);
  return b;
}

/** A column of `type` from per-group numbers; groups with `has[g] == 0` are null. */
export function outColumn(type: DataType, n: number, vals: Float64Array, has: Uint8Array | null): ColumnData {
  const values = allocOutputValues(type, n);
  let validity: Uint8Array | null = null;
  if (has) {
    for (let g = 0; g < n; g++) {
      if (!has[g]) {
        validity = copyPrefix(has, n);
        break;
      }
    }
  }
  for (let g = 0; g < n; g++) values[g] = vals[g]!;
  return new ColumnData(type, n, values, validity);
}

/**
 * The per-row source of one accumulator kind in the generated loops (here and the slot loops of
 * slot-aggregates.ts), for row `i` and group (or slot) `g`; its arrays are named `${p}x` (values),
 * `${p}y` (second argument), `${p}vx` / `${p}vy` (their validity, read only where `vx` / `vy`) and
 * `${p}0`, `${p}1`, ... (states). Tags: C a count kept by the caller (nothing); c count(*) (counts); n count(x) (counts); s sum (sums,
 * has); S sum over values without nulls, has flags kept by the caller (sums); a avg (sums, counts);
 * A avg over values without nulls, count kept by the caller (sums); m / M min / max (vals from their sentinel, has);
 * r co-moments (cnt, mx, my, cxy, m2x, m2y). `at(j)` is the expression of state j of the row's group
 * (default `${p}j[g]`; the slot loops may keep the states packed side by side in one array).
 */
export function rowSource(tag: string, p: string, vx: boolean, vy = false, at: (j: number) => string = (j) => `${p}${j}[g]`): string {
  const x = `${p}x[i]`;
  const [s0, s1, s2, s3, s4, s5] = [0, 1, 2, 3, 4, 5].map(at) as [string, string, string, string, string, string];
  let row: string;
  switch (tag) {
    case 'C': return ''; // a count kept by the caller
    case 'c': return `${s0}++;`;
    case 'n': return vx ? `${s0} += ${p}vx[i];` : `${s0}++;`;
    case 's': row = `${s0} += ${x}; ${s1} = 1;`; break;
    case 'S': case 'A': row = `${s0} += ${x};`; break;
    case 'a': row = `${s0} += ${x}; ${s1}++;`; break;
    // min / max states start at their sentinel (minMaxSentinel); NaN sorts above every number.
    case 'm': case 'M': row = `const x = ${x}, o = ${s0}; if (${minMaxTakes(tag === 'M', true)}) ${s0} = x; ${s1} = 1;`; break;
    // min (L) / max (H) whose has flags the caller sets per group (values without nulls).
    case 'L': case 'H': row = `const x = ${x}, o = ${s0}; if (${minMaxTakes(tag === 'H', true)}) ${s0} = x;`; break;
    // (The updated means are kept in locals: V8 would load them again, the arrays may alias.)
    case 'r': row = `const x = ${x}, y = ${p}y[i], c = ++${s0};
      const dx = x - ${s1}, mx = ${s1} + dx / c; ${s1} = mx;
      const dy = y - ${s2}, my = ${s2} + dy / c; ${s2} = my;
      ${s3} += dx * (y - my); ${s4} += dx * (x - mx); ${s5} += dy * (y - my);`; break;
    default: throw new Error(`unknown fused row tag ${tag}`);
  }
  const cond = [vx ? `${p}vx[i] !== 0` : '', vy ? `${p}vy[i] !== 0` : ''].filter(Boolean).join(' && ');
  return cond ? `if (${cond}) { ${row} }` : `{ ${row} }`;
}

/** Arrays of one fused part (see rowSource): values, second argument, their validity, states. */
export interface FusedArrays {
  readonly x: readonly (ArrayLike<number> | null)[];
  readonly y: readonly (ArrayLike<number> | null)[];
  readonly vx: readonly (Uint8Array | null)[];
  readonly vy: readonly (Uint8Array | null)[];
  readonly st: readonly (readonly (Float64Array | Uint8Array)[])[];
}

/** Number of state arrays of each rowSource tag. */
export const STATES: Record<string, number> = { C: 0, c: 1, n: 1, s: 2, S: 1, a: 2, A: 1, m: 2, M: 2, r: 6, L: 2, H: 2 };

/** Source that reads each part's arrays out of `ctx` (a FusedArrays) into the names rowSource uses (`k${k}_`). */
export function partsHead(tags: readonly string[], ctx: string): string {
  return tags.map((tag, k) => {
    const st = Array.from({ length: STATES[tag]! }, (_, j) => `, k${k}_${j} = ${ctx}.st[${k}][${j}]`);
    return `const k${k}_x = ${ctx}.x[${k}], k${k}_y = ${ctx}.y[${k}], k${k}_vx = ${ctx}.vx[${k}], k${k}_vy = ${ctx}.vy[${k}]${st.join('')};`;
  }).join('\n');
}

/** Source that skips row i when its validity byte is 0. */
const skipNull = (has: boolean | undefined, name = 'valid'): string => (has ? `if (${name}[i] === 0) continue;` : '');

type GroupedLoop = (groups: Int32Array, n: number, v: ArrayLike<number>, valid: Uint8Array | null, a: Float64Array, b: Float64Array | Uint8Array) => void;

/** A loop over rows [0, n) of group ids `groups` running one accumulator kind's rowSource (`tag`: the key's last entry picks M over m). */
function groupedLoop(name: string, tag: string): (...key: (ArrayLike<number> | boolean | null)[]) => GroupedLoop {
  return loopFamily<GroupedLoop>(name, ['groups', 'n', 'k_x', 'k_vx', 'k_0', 'k_1'], ([, valid, max]) => `
  for (let i = 0; i < n; i++) { const g = groups[i]; ${rowSource(tag === 'm' && max ? 'M' : tag, 'k_', valid!)} }`);
}

/** sum: s[g] += v[i], has[g] = 1 over the valid rows; one copy per value array type (data/specialize.ts). */
const sumLoop = groupedLoop('sum', 's');

/** avg: s[g] += v[i], c[g] += 1 over the valid rows. */
const avgLoop = groupedLoop('avg', 'a');

/**
 * min / max (key: values, validity, max, double) of numbers into out[g], which starts at its
 * sentinel (`minMaxSentinel`), so a row costs one compare and no has-flag read. Doubles order NaN
 * above every number (Spark, DuckDB): max takes a NaN and keeps it, min (starting at NaN) takes
 * any number over a NaN; doubles also set h[g] (a double may equal the sentinel), other types
 * leave h alone (a group has a value where out differs from the sentinel).
 */
const minMaxLoop = loopFamily<GroupedLoop>('minMax', ['groups', 'n', 'v', 'valid', 'out', 'h'], ([, valid, max, dbl]) => {
  const takes = minMaxTakes(max!, dbl!);
  return `
  for (let i = 0; i < n; i++) {
    ${skipNull(valid)}
    const g = groups[i];
    const x = v[i];
    const o = out[g];
    if (${takes}) out[g] = x;
    ${dbl ? 'h[g] = 1;' : ''}
  }`;
});

/** When min / max replaces the state `o` by the value `x` (source text; see minMaxLoop). */
const minMaxTakes = (max: boolean, dbl: boolean): string => (max ? `x > o${dbl ? ' || x !== x' : ''}` : `x < o${dbl ? ' || o !== o' : ''}`);

/**
 * Several min / max aggregates over the same group ids in one loop (q7's `max(v1) - min(v2)`
 * reads each row's group once). Key per aggregate: tag (x: max, m: min), values, validity, and
 * d (double) or i (other number types).
 */
const fusedMinMaxLoop = loopFamily<(groups: Int32Array, n: number, vals: readonly ArrayLike<number>[], valids: readonly (Uint8Array | null)[], outs: readonly Float64Array[], hs: readonly Uint8Array[]) => void>(
  'fusedMinMax', ['groups', 'n', 'vals', 'valids', 'outs', 'hs'], (flags, names) => {
    const head: string[] = [];
    const rows: string[] = [];
    for (let k = 0; 4 * k < names.length; k++) {
      const dbl = names[4 * k + 3] === 'd';
      head.push(`const v${k} = vals[${k}], va${k} = valids[${k}], o${k} = outs[${k}], h${k} = hs[${k}];`);
      const body = `{ const x = v${k}[i]; const o = o${k}[g]; if (${minMaxTakes(names[4 * k] === 'x', dbl)}) o${k}[g] = x; ${dbl ? `h${k}[g] = 1;` : ''} }`;
      rows.push(flags[4 * k + 2] ? `if (va${k}[i] !== 0) ${body}` : body);
    }
    return `${head.join('\n')}\nfor (let i = 0; i < n; i++) {\n  const g = groups[i];\n  ${rows.join('\n  ')}\n}`;
  });

/** The value min / max states start at: NaN for min of doubles (NaN sorts last), else ∓Infinity. */
const minMaxSentinel = (max: boolean, dbl: boolean): number => (max ? -Infinity : dbl ? NaN : Infinity);

/** corr / covariance co-moments, Welford-style, over the rows where both x and y are valid. */
const coMomentsLoop = loopFamily<(groups: Int32Array, count: number, ctx: FusedArrays) => void>(
  'coMoments', ['groups', 'count', 'ctx'], ([, , xValid, yValid]) => `
  ${partsHead(['r'], 'ctx')}
  for (let i = 0; i < count; i++) { const g = groups[i]; ${rowSource('r', 'k0_', xValid!, yValid!)} }`);

/**
 * One loop for several count / sum / avg aggregates over the same group ids (a query such as
 * `avg(v1), avg(v2), avg(v3)` reads each row's group once instead of once per aggregate). Key:
 * per aggregate a tag (c: count(*), n: count(x), s: sum, a: avg), its values' array and its
 * validity; `ctx.st` holds each aggregate's state arrays (count: counts; sum: sums, has; avg:
 * sums, counts).
 */
const fusedLoop = loopFamily<(groups: Int32Array, n: number, ctx: FusedArrays) => void>(
  'fused', ['groups', 'n', 'ctx'], (flags, names) => {
    const rows: string[] = [];
    const tags: string[] = [];
    for (let k = 0; 3 * k < names.length; k++) {
      tags.push(names[3 * k]!);
      rows.push(rowSource(names[3 * k]!, `k${k}_`, flags[3 * k + 2]!));
    }
    return `${partsHead(tags, 'ctx')}\nfor (let i = 0; i < n; i++) {\n  const g = groups[i];\n  ${rows.join('\n  ')}\n}`;
  });

/**
 * Folds a batch into several count / sum / avg accumulators (numbers, not decimals) in one pass
 * over the rows; false (nothing done) when some aggregate is of another kind, so the caller runs
 * each accumulator's own update. `args[k]` are aggregate k's evaluated arguments.
 */
export function fusedUpdate(accs: readonly Accumulator[], groups: Int32Array, n: number, args: readonly (readonly ColumnData[])[]): boolean {
  if (accs.length < 2) return false;
  const key: (string | ArrayLike<number> | null)[] = [];
  const x: (ArrayLike<number> | null)[] = [];
  const vx: (Uint8Array | null)[] = [];
  const st: (Float64Array | Uint8Array)[][] = [];
  for (let k = 0; k < accs.length; k++) {
    const acc = accs[k]!;
    const col = args[k]!.length === 1 ? args[k]![0]! : null;
    if (col !== null && (col.type === 'null' || col.values === null)) return false;
    if (acc instanceof CountAcc && (acc.star || args[k]!.length === 0)) {
      key.push('c', null, null);
      st.push([acc.counts]);
    } else if (acc instanceof CountAcc && col !== null) {
      key.push('n', null, col.validity);
      st.push([acc.counts]);
    } else if ((acc instanceof SumAcc || acc instanceof AvgAcc) && col !== null) {
      const sum = acc instanceof SumAcc;
      key.push(sum ? 's' : 'a', col.values, col.validity);
      st.push([acc.sums, sum ? acc.has : acc.counts]);
    } else return false;
    x.push(col?.values ?? null);
    vx.push(col?.validity ?? null);
  }
  fusedLoop(...key)(groups, n, { x, y: [], vx, vy: [], st });
  return true;
}

/** count(*) / count(x): number of rows / non-null values. */
export class CountAcc implements Accumulator {
  counts: Float64Array = new Float64Array(16);
  constructor(readonly star: boolean) {}
  grow(n: number): void { this.counts = grownF64(this.counts, n); }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    const c = this.counts;
    if (this.star || args.length === 0) {
      for (let i = 0; i < n; i++) c[groups[i]!]!++;
      return;
    }
    if (args.length === 1) {
      const col = args[0]!;
      const valid = col.type === 'null' ? new Uint8Array(n) : col.validity;
      if (valid) for (let i = 0; i < n; i++) c[groups[i]!]! += valid[i]!;
      else for (let i = 0; i < n; i++) c[groups[i]!]!++;
      return;
    }
    // count(a, b, ...): rows where every argument is non-null.
    for (let i = 0; i < n; i++) {
      let ok = 1;
      for (const col of args) if (col.type === 'null' || (col.validity && !col.validity[i])) { ok = 0; break; }
      c[groups[i]!]! += ok;
    }
  }
  state(n: number): ColumnData[] { return [outColumn('int64', n, this.counts, null)]; }
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void {
    const s = state[0]!.values as Float64Array;
    for (let i = 0; i < n; i++) this.counts[groups[i]!]! += s[i]!;
  }
  finish(n: number): ColumnData { return outColumn('int64', n, this.counts, null); }
}

/** sum: null for groups with no non-null values; int sums checked against ±2^53. */
export class SumAcc implements Accumulator {
  sums: Float64Array = new Float64Array(16);
  has: Uint8Array = new Uint8Array(16);
  constructor(private readonly type: DataType) {}
  grow(n: number): void { this.sums = grownF64(this.sums, n); this.has = grownU8(this.has, n); }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    const col = args[0]!;
    if (col.type === 'null') return;
    const v = col.values!;
    sumLoop(v, col.validity)(groups, n, v, col.validity, this.sums, this.has);
  }
  addGroupSums(sums: Float64Array, counts: Float64Array, numGroups: number): void {
    for (let g = 0; g < numGroups; g++) if (counts[g]! > 0) { this.sums[g]! += sums[g]!; this.has[g] = 1; }
  }
  state(n: number): ColumnData[] { return [this.finish(n)]; }
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void { this.update(groups, n, state); }
  finish(n: number): ColumnData {
    if (this.type === 'int64') {
      for (let g = 0; g < n; g++) {
        const x = this.sums[g]!;
        if (x > MAX_EXACT_INT || x < -MAX_EXACT_INT) throw new ArithmeticOverflowError(`sum overflowed the exact int64 range ±2^53 (got about ${x}); cast the column to double before summing`);
      }
    }
    return outColumn(this.type, n, this.sums, this.has);
  }
}

/** avg: sum and count, result double. */
export class AvgAcc implements Accumulator {
  sums: Float64Array = new Float64Array(16);
  counts: Float64Array = new Float64Array(16);
  grow(n: number): void { this.sums = grownF64(this.sums, n); this.counts = grownF64(this.counts, n); }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    const col = args[0]!;
    if (col.type === 'null') return;
    const v = col.values!;
    avgLoop(v, col.validity)(groups, n, v, col.validity, this.sums, this.counts);
  }
  addGroupSums(sums: Float64Array, counts: Float64Array, numGroups: number): void {
    for (let g = 0; g < numGroups; g++) { this.sums[g]! += sums[g]!; this.counts[g]! += counts[g]!; }
  }
  state(n: number): ColumnData[] { return [outColumn('float64', n, this.sums, null), outColumn('int64', n, this.counts, null)]; }
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void {
    const s = state[0]!.values as Float64Array;
    const c = state[1]!.values as Float64Array;
    for (let i = 0; i < n; i++) { const g = groups[i]!; this.sums[g]! += s[i]!; this.counts[g]! += c[i]!; }
  }
  finish(n: number): ColumnData {
    const out = new Float64Array(n);
    const has = new Uint8Array(n);
    for (let g = 0; g < n; g++) if (this.counts[g]! > 0) { out[g] = this.sums[g]! / this.counts[g]!; has[g] = 1; }
    return outColumn('float64', n, out, has);
  }
}

function grownBig(a: bigint[], n: number): bigint[] {
  while (a.length < n) a.push(0n);
  return a;
}

/** Keeps the groups flagged in `has` (null elsewhere) as a decimal column. */
function decimalOut(type: DataType, n: number, vals: readonly bigint[], has: Uint8Array): ColumnData {
  let validity: Uint8Array | null = null;
  for (let g = 0; g < n; g++) if (!has[g]) { validity = has.slice(0, n); break; }
  return decimalColumn(type, vals.slice(0, n), validity);
}

/**
 * sum of decimals: exact bigint sums per group (Spark's result decimal(min(38, p+10), s)); a sum
 * that does not fit raises ArithmeticOverflowError. The partial state is the sum so far.
 */
class DecimalSumAcc implements Accumulator {
  sums: bigint[] = [];
  has: Uint8Array = new Uint8Array(16);
  constructor(private readonly type: DecimalType) {}
  grow(n: number): void { grownBig(this.sums, n); this.has = grownU8(this.has, n); }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    const col = args[0]!;
    if (col.type === 'null') return;
    const v = col.bigints();
    const valid = col.validity;
    const s = this.sums;
    const h = this.has;
    for (let i = 0; i < n; i++) if (!valid || valid[i]) { const g = groups[i]!; s[g] = s[g]! + v[i]!; h[g] = 1; }
  }
  state(n: number): ColumnData[] { return [this.finish(n)]; }
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void { this.update(groups, n, state); }
  finish(n: number): ColumnData {
    for (let g = 0; g < n; g++) if (this.has[g]) checkDecimal(this.sums[g]!, this.type, 'sum');
    return decimalOut(this.type, n, this.sums, this.has);
  }
}

/**
 * avg of decimals (Spark: result decimal(min(38, p+4), min(38, s+4))): exact sum and count per
 * group, then sum / count rounded HALF_UP once at the result scale. State: the sum as
 * decimal(min(38, p+10), s) and the count.
 */
class DecimalAvgAcc implements Accumulator {
  private readonly sum: DecimalSumAcc;
  counts: Float64Array = new Float64Array(16);
  constructor(private readonly argType: DecimalType, private readonly type: DecimalType) {
    this.sum = new DecimalSumAcc(decimalSumType(argType));
  }
  grow(n: number): void { this.sum.grow(n); this.counts = grownF64(this.counts, n); }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    this.sum.update(groups, n, args);
    const col = args[0]!;
    const valid = col.type === 'null' ? new Uint8Array(n) : col.validity;
    const c = this.counts;
    for (let i = 0; i < n; i++) if (!valid || valid[i]) c[groups[i]!]!++;
  }
  state(n: number): ColumnData[] { return [this.sum.finish(n), outColumn('int64', n, this.counts, null)]; }
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void {
    this.sum.update(groups, n, [state[0]!]);
    const c = state[1]!.values as Float64Array;
    for (let i = 0; i < n; i++) this.counts[groups[i]!]! += c[i]!;
  }
  finish(n: number): ColumnData {
    const up = POW10N[decimalParams(this.type).scale - decimalParams(this.argType).scale]!;
    const out = new Array<bigint>(n).fill(0n);
    const has = new Uint8Array(n);
    for (let g = 0; g < n; g++) {
      const c = this.counts[g]!;
      if (c === 0) continue;
      out[g] = checkDecimal(divHalfUp(this.sum.sums[g]! * up, BigInt(c)), this.type, 'avg');
      has[g] = 1;
    }
    return decimalOut(this.type, n, out, has);
  }
}

/** Spark's sum type of decimal(p,s): decimal(min(38, p+10), s). */
function decimalSumType(t: DecimalType): DecimalType {
  const { precision, scale } = decimalParams(t);
  return boundedDecimal(precision + 10, scale);
}

/** Folds the non-null values `v` (strings, bigints) into each group's running min / max in `out`; `h` marks groups that have one. */
function foldExtremes<T>(v: readonly T[], out: T[], h: Uint8Array, groups: Int32Array, n: number, valid: Uint8Array | null, max: boolean): void {
  for (let i = 0; i < n; i++) {
    if (valid && !valid[i]) continue;
    const g = groups[i]!;
    const x = v[i]!;
    if (!h[g] || (max ? x > out[g]! : x < out[g]!)) { out[g] = x; h[g] = 1; }
  }
}

/**
 * min / max over numbers, dates, timestamps, booleans, strings and decimals. Numbers keep one
 * float64 per group starting at a sentinel (`minMaxSentinel`); only doubles also keep has-flags.
 */
export class MinMaxAcc implements Accumulator {
  vals: Float64Array;
  strs: (string | null)[] = [];
  big: bigint[] = [];
  has: Uint8Array = new Uint8Array(16);
  readonly dbl: boolean;
  private readonly sentinel: number;
  constructor(readonly type: DataType, readonly isMax: boolean) {
    this.dbl = type === 'float64';
    this.sentinel = minMaxSentinel(isMax, this.dbl);
    this.vals = new Float64Array(16).fill(this.sentinel);
  }
  grow(n: number): void {
    this.vals = grownF64(this.vals, n, this.sentinel); this.has = grownU8(this.has, n);
    if (this.type === 'utf8') while (this.strs.length < n) this.strs.push(null);
    if (isDecimal(this.type)) grownBig(this.big, n);
  }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    const col = args[0]!;
    if (col.type === 'null') return;
    const valid = col.validity;
    const h = this.has;
    const max = this.isMax;
    if (isDecimal(this.type)) return foldExtremes(col.bigints(), this.big, h, groups, n, valid, max);
    if (this.type === 'utf8') return foldExtremes(col.strings(), this.strs, h, groups, n, valid, max);
    const v = col.values!;
    minMaxLoop(v, valid, max, this.dbl)(groups, n, v, valid, this.vals, h);
  }
  state(n: number): ColumnData[] { return [this.finish(n)]; }
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void { this.update(groups, n, state); }
  finish(n: number): ColumnData {
    if (this.type === 'utf8') return utf8FromStrings(this.strs.slice(0, n).map((s, g) => (this.has[g] ? s : null)));
    if (isDecimal(this.type)) return decimalOut(this.type, n, this.big, this.has);
    if (this.dbl) return outColumn(this.type, n, this.vals, this.has);
    // Other types: a group without a value still holds the (non-finite) sentinel; output 0 there.
    const values = allocOutputValues(this.type, n);
    const vals = this.vals;
    const s = this.sentinel;
    let validity: Uint8Array | null = null;
    for (let g = 0; g < n; g++) {
      const x = vals[g]!;
      if (x !== s) values[g] = x;
      else {
        validity ??= new Uint8Array(n).fill(1);
        validity[g] = 0;
        values[g] = 0;
      }
    }
    return new ColumnData(this.type, n, values, validity);
  }
}

/**
 * Folds a batch into several min / max accumulators over numbers (not strings or decimals) in one
 * pass over the rows; false (nothing done) when some aggregate is of another kind, so the caller
 * runs each accumulator's own update. `args[k]` are aggregate k's evaluated arguments.
 */
export function fusedMinMax(accs: readonly Accumulator[], groups: Int32Array, n: number, args: readonly (readonly ColumnData[])[]): boolean {
  if (accs.length < 2) return false;
  const key: (string | ArrayLike<number> | null)[] = [];
  const vals: ArrayLike<number>[] = [];
  const valids: (Uint8Array | null)[] = [];
  const outs: Float64Array[] = [];
  const hs: Uint8Array[] = [];
  for (let k = 0; k < accs.length; k++) {
    const acc = accs[k]!;
    const col = args[k]!.length === 1 ? args[k]![0]! : null;
    if (!(acc instanceof MinMaxAcc) || acc.type === 'utf8' || isDecimal(acc.type) || col === null || col.type === 'null' || col.values === null) return false;
    key.push(acc.isMax ? 'x' : 'm', col.values, col.validity, acc.dbl ? 'd' : 'i');
    vals.push(col.values);
    valids.push(col.validity);
    outs.push(acc.vals);
    hs.push(acc.has);
  }
  fusedMinMaxLoop(...key)(groups, n, vals, valids, outs, hs);
  return true;
}

/** Welford-style moments (count, mean, M2) for variance / stddev (sample or population). */
class MomentsAcc implements Accumulator {
  cnt: Float64Array = new Float64Array(16);
  mean: Float64Array = new Float64Array(16);
  m2: Float64Array = new Float64Array(16);
  constructor(private readonly kind: 'var_samp' | 'var_pop' | 'stddev_samp' | 'stddev_pop') {}
  grow(n: number): void { this.cnt = grownF64(this.cnt, n); this.mean = grownF64(this.mean, n); this.m2 = grownF64(this.m2, n); }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    const col = args[0]!;
    if (col.type === 'null') return;
    const v = col.values!;
    const valid = col.validity;
    const { cnt, mean, m2 } = this;
    for (let i = 0; i < n; i++) {
      if (valid && !valid[i]) continue;
      const g = groups[i]!;
      const x = v[i]!;
      const c = ++cnt[g]!;
      const d = x - mean[g]!;
      const mu = mean[g]! + d / c;
      mean[g] = mu;
      m2[g]! += d * (x - mu);
    }
  }
  state(n: number): ColumnData[] {
    return [outColumn('float64', n, this.cnt, null), outColumn('float64', n, this.mean, null), outColumn('float64', n, this.m2, null)];
  }
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void {
    const c2 = state[0]!.values as Float64Array;
    const mu2 = state[1]!.values as Float64Array;
    const m22 = state[2]!.values as Float64Array;
    for (let i = 0; i < n; i++) {
      const g = groups[i]!;
      const nb = c2[i]!;
      if (nb === 0) continue;
      const na = this.cnt[g]!;
      const tot = na + nb;
      const d = mu2[i]! - this.mean[g]!;
      this.mean[g]! += (d * nb) / tot;
      this.m2[g]! += m22[i]! + (d * d * na * nb) / tot;
      this.cnt[g] = tot;
    }
  }
  finish(n: number): ColumnData {
    const out = new Float64Array(n);
    const has = new Uint8Array(n);
    const samp = this.kind === 'var_samp' || this.kind === 'stddev_samp';
    const sqrt = this.kind.startsWith('stddev');
    for (let g = 0; g < n; g++) {
      const c = this.cnt[g]!;
      if (c === 0) continue;
      // Spark returns NaN for the sample variance of a single value (non-ANSI default) -> we follow: null.
      if (samp && c === 1) continue;
      const v = this.m2[g]! / (samp ? c - 1 : c);
      out[g] = sqrt ? Math.sqrt(v) : v;
      has[g] = 1;
    }
    return outColumn('float64', n, out, has);
  }
}

/** first / last (optionally ignoring nulls): by arrival order within the task. */
class FirstLastAcc implements Accumulator {
  vals: Float64Array = new Float64Array(16);
  strs: (string | null)[] = [];
  set: Uint8Array = new Uint8Array(16); // 1 once a value (or a null, when nulls count) was taken
  isNullV: Uint8Array = new Uint8Array(16);
  big: bigint[] = [];
  constructor(private readonly type: DataType, private readonly last: boolean, private readonly ignoreNulls: boolean) {}
  grow(n: number): void {
    this.vals = grownF64(this.vals, n); this.set = grownU8(this.set, n); this.isNullV = grownU8(this.isNullV, n);
    if (this.type === 'utf8') while (this.strs.length < n) this.strs.push(null);
    if (isDecimal(this.type)) grownBig(this.big, n);
  }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    const col = args[0]!;
    const valid = col.type === 'null' ? new Uint8Array(n) : col.validity;
    const s = this.type === 'utf8' && col.type === 'utf8' ? col.strings() : null;
    const dec = isDecimal(col.type);
    const v: ArrayLike<number | bigint> | null = dec ? col.bigints() : col.values;
    const target: { [g: number]: number | bigint } = dec ? this.big : this.vals;
    for (let i = 0; i < n; i++) {
      const g = groups[i]!;
      if (!this.last && this.set[g]) continue;
      const isNull = valid ? valid[i] === 0 : false;
      if (isNull && this.ignoreNulls) continue;
      this.set[g] = 1;
      this.isNullV[g] = isNull ? 1 : 0;
      if (!isNull) { if (s) this.strs[g] = s[i]!; else if (v) target[g] = v[i]!; }
    }
  }
  state(n: number): ColumnData[] { return [this.finish(n), outColumn('boolean', n, Float64Array.from(this.set.subarray(0, n)), null)]; }
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void {
    const sets = state[1]!.values as Uint8Array;
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if (sets[i]) idx.push(i);
    const g2 = Int32Array.from(idx.map((i) => groups[i]!));
    const col = state[0]!;
    const sub = idx.length === n ? col : takeRows(col, idx);
    const saved = this.ignoreNulls;
    this.update(g2, g2.length, [sub]);
    void saved;
  }
  finish(n: number): ColumnData {
    const has = new Uint8Array(n);
    for (let g = 0; g < n; g++) has[g] = this.set[g] && !this.isNullV[g] ? 1 : 0;
    if (this.type === 'utf8') return utf8FromStrings(this.strs.slice(0, n).map((s, g) => (has[g] ? s : null)));
    if (this.type === 'null') return new ColumnData('null', n, null, null);
    if (isDecimal(this.type)) return decimalOut(this.type, n, this.big, has);
    return outColumn(this.type, n, this.vals, has);
  }
}

function takeRows(col: ColumnData, idx: number[]): ColumnData {
  return take(col, Int32Array.from(idx));
}

/**
 * Distinct wrapper: a key table over (group id, argument values) — direct slots while they span
 * a small range (data/direct-keys.ts), else hashed — a row feeds the inner aggregate only the
 * first time its key appears. Rows with a null argument are skipped (SQL's
 * COUNT(DISTINCT a, b)). Columnar: no per-row strings or row objects. Single-phase only.
 */
class DistinctAcc implements Accumulator {
  private seen: GroupKeys | null = null;
  private ids: Int32Array = new Int32Array(0);
  constructor(private readonly inner: Accumulator) {}
  grow(n: number): void { this.inner.grow(n); }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    // Rows whose arguments are all non-null.
    let rows = new Int32Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) {
      let ok = true;
      for (const a of args) if (a.type === 'null' || (a.validity && a.validity[i] === 0)) { ok = false; break; }
      if (ok) rows[m++] = i;
    }
    rows = rows.subarray(0, m);
    const cols = m === n ? args : args.map((a) => take(a, rows));
    const g = new Int32Array(m);
    for (let j = 0; j < m; j++) g[j] = groups[rows[j]!]!;
    const keys = [new ColumnData('int32', m, g, null), ...cols];
    this.seen ??= new GroupKeys(keys.map((k) => k.type));
    if (this.ids.length < m) this.ids = new Int32Array(m);
    const before = this.seen.size;
    this.seen.insert(keys, m, this.ids);
    // Ids are handed out in order, so a row is a first occurrence exactly when it gets the next new id.
    const firsts = new Int32Array(this.seen.size - before);
    let next = before;
    let k = 0;
    for (let j = 0; j < m; j++) if (this.ids[j] === next) { firsts[k++] = j; next++; }
    const g2 = new Int32Array(k);
    for (let j = 0; j < k; j++) g2[j] = g[firsts[j]!]!;
    this.inner.update(g2, k, cols.map((c) => take(c, firsts)));
  }
  state(): ColumnData[] { throw new Error('distinct aggregates have no partial state'); }
  merge(): void { throw new Error('distinct aggregates cannot be merged'); }
  finish(n: number): ColumnData { return this.inner.finish(n); }
}

/** collect_list / collect_set: the non-null values of each group as an array (state: the array so far). */
class CollectAcc implements Accumulator {
  lists: unknown[][] = [];
  sets: Set<unknown>[] | null;
  constructor(private readonly type: DataType, unique: boolean) {
    this.sets = unique ? [] : null;
  }
  grow(n: number): void {
    while (this.lists.length < n) {
      this.lists.push([]);
      this.sets?.push(new Set());
    }
  }
  private add(g: number, v: unknown): void {
    if (this.sets) {
      const s = this.sets[g]!;
      if (s.has(v)) return;
      s.add(v);
    }
    this.lists[g]!.push(v);
  }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    const col = args[0]!;
    if (col.type === 'null') return;
    const valid = col.validity;
    const vals: ArrayLike<unknown> = col.type === 'utf8' ? col.strings() : col.type === 'boolean' ? Array.from(col.values!, (x) => x === 1) : col.values!;
    for (let i = 0; i < n; i++) if (!valid || valid[i]) this.add(groups[i]!, vals[i]);
  }
  state(n: number): ColumnData[] { return [this.finish(n)]; }
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void {
    const lists = state[0]!.lists();
    for (let i = 0; i < n; i++) for (const v of lists[i] ?? []) this.add(groups[i]!, v);
  }
  finish(n: number): ColumnData {
    return fromValues(this.type, this.lists.slice(0, n));
  }
}

/**
 * median / percentile: keeps every (group, value) pair without per-group JS arrays. The group ids
 * go into Int32 chunks (doubling from 1K to 64K entries, then 64K, never copied); the values stay
 * in the argument columns as they came (Float64Array views, which batches never change once
 * built), or in a compact copy when a batch has nulls. finish groups the values by a counting sort
 * on the group id, into a per-thread scratch array reused by later tasks, and selects the middle
 * ranks of each group's segment in place (quickselect). median's partial state is the group's
 * values as a list<double> (`state`; MedianPartialOp writes it directly), and `merge` keeps each
 * state row's run by reference, copied into the group's segment in one block when grouping.
 *
 * Chunks instead of one doubling array: on db-benchmark q6 (median and stddev of v3 by id4, id5;
 * 1e4 groups) at 1e7 rows, 2 threads, the doubling's reallocations were the largest single cost
 * in a worker profile. Paired against main's build (`flock bench.lock npx tsx bench/dbbench.ts
 * --rows 1e7 --only groupby --q q6 --reps 3 --baseline <main dist>`, 08:55 UTC, load average
 * 5-9 from other jobs): 1.40× (pairs 1.40-1.51×; best 1.17 → 0.78 s). A two-phase variant, with
 * the values per group as a list<double> partial state, was slower still: 0.79× against main
 * and 0.93× against this single-phase plan (the lists are copied by the split, the shared
 * buffers and the final regrouping, where the shuffle writes each row once).
 *
 * Values by reference and the reused scratch: the first touch of fresh memory is what costs on
 * this VM (a counting sort of 2.5e6 values over 2,500 groups into a fresh Float64Array took about
 * 200-250 ms, into a reused one 20-60 ms), and the chunk store wrote 12 fresh bytes per row where
 * the ids alone write 4. Paired against main's build (`flock bench.lock npx tsx bench/dbbench.ts
 * --rows 1e7 --only groupby --q q6 --reps 3 --baseline /work/wt/base/dist`, 2 threads, machine
 * loaded by other jobs, load average 5-10): 10:55 UTC 1.25× (pairs 1.14-1.75×; best 0.63 →
 * 0.40 s); 12:00 UTC 1.94× (pairs 1.27-2.46×; best 2.58 → 1.13 s under heavier load). At 1e6
 * (--reps 5): 1.06× (pairs 0.73-1.17×; best 0.11 → 0.10 s): there the fixed cost of a job dominates.
 */
export class PercentileAcc implements Accumulator {
  private gChunks: Int32Array[] = [];
  /** Pairs in the last chunk; every earlier chunk is full. */
  private used = 0;
  private total = 0;
  /** The values of each update, in order: `vals[j][0 .. lens[j])` pair with the next `lens[j]` ids. */
  private vals: Float64Array[] = [];
  private lens: number[] = [];
  /**
   * Merged partial states (list<double> rows, one run of values per row): per merge call the
   * rows' group ids (a copy), list offsets and element values, referenced as they came.
   */
  private runs: { groups: Int32Array; offsets: Int32Array; values: Float64Array }[] = [];
  constructor(private readonly q: number) {}
  grow(_n: number): void {}
  /** Opens the next chunk (double the last one's size, at most 64K pairs). */
  private nextChunk(): void {
    const last = this.gChunks.length ? this.gChunks[this.gChunks.length - 1]!.length : 512;
    this.gChunks.push(new Int32Array(Math.min(last * 2, 1 << 16)));
    this.used = 0;
  }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    const col = args[0]!;
    if (col.type === 'null' || n === 0) return;
    const src = col.values!;
    const valid = col.validity;
    let m = n;
    if (valid) {
      m = 0;
      for (let i = 0; i < n; i++) m += valid[i]!;
      if (m === 0) return;
    }
    let values: Float64Array;
    if (m === n && src instanceof Float64Array) values = src;
    else {
      // Nulls, or values that are not doubles (the percentile family keeps the argument's type): a compact copy.
      values = new Float64Array(m);
      for (let i = 0, k = 0; i < n; i++) if (!valid || valid[i]) values[k++] = src[i] as number;
    }
    this.vals.push(values);
    this.lens.push(m);
    this.total += m;
    if (this.gChunks.length === 0) this.nextChunk();
    let gs = this.gChunks[this.gChunks.length - 1]!;
    let used = this.used;
    const all = m === n;
    for (let i = 0; i < n; ) {
      if (used === gs.length) {
        this.nextChunk();
        gs = this.gChunks[this.gChunks.length - 1]!;
        used = 0;
      }
      const end = Math.min(n, i + gs.length - used);
      if (all) {
        gs.set(groups.subarray(i, end), used);
        used += end - i;
      } else {
        for (let r = i; r < end; r++) if (valid![r]) gs[used++] = groups[r]!;
      }
      i = end;
    }
    this.used = used;
  }
  /**
   * Values grouped contiguously: group g's values are `values[offsets[g] .. offsets[g + 1])`.
   * `values` is this thread's scratch array: valid until the next call of any PercentileAcc's.
   */
  protected grouped(n: number): { offsets: Int32Array; values: Float64Array } {
    const offsets = new Int32Array(n + 1);
    const last = this.gChunks.length - 1;
    for (let c = 0; c <= last; c++) {
      const gs = this.gChunks[c]!;
      const m = c === last ? this.used : gs.length;
      for (let k = 0; k < m; k++) offsets[gs[k]! + 1]!++;
    }
    for (const r of this.runs) {
      const { groups, offsets: ro } = r;
      for (let i = 0; i < groups.length; i++) offsets[groups[i]! + 1]! += ro[i + 1]! - ro[i]!;
    }
    for (let g = 0; g < n; g++) offsets[g + 1]! += offsets[g]!;
    const pos = offsets.slice(0, n);
    const values = regroupScratch(offsets[n]!);
    // Merged runs: one block copy per partial state row.
    for (const r of this.runs) {
      const { groups, offsets: ro, values: rv } = r;
      for (let i = 0; i < groups.length; i++) {
        const s = ro[i]!;
        const e = ro[i + 1]!;
        if (e === s) continue;
        const g = groups[i]!;
        if (e - s < 16) for (let k = s, at = pos[g]!; k < e; k++) values[at++] = rv[k]!;
        else values.set(rv.subarray(s, e), pos[g]!);
        pos[g]! += e - s;
      }
    }
    // Walk the values (per update) and the ids (per chunk) side by side.
    let c = 0;
    let k = 0;
    for (let j = 0; j < this.vals.length; j++) {
      const vs = this.vals[j]!;
      const len = this.lens[j]!;
      for (let i = 0; i < len; ) {
        const gs = this.gChunks[c]!;
        const end = Math.min(len, i + gs.length - k);
        for (; i < end; i++) values[pos[gs[k++]!]!++] = vs[i]!;
        if (k === gs.length) {
          c++;
          k = 0;
        }
      }
    }
    return { offsets, values };
  }
  /** Partial state: each group's values as a list<double> (grouped by the counting sort, copied out of the scratch). */
  state(n: number): ColumnData[] {
    const { offsets, values } = this.grouped(n);
    const child = allocOutputValues('float64', offsets[n]!) as Float64Array;
    child.set(values.subarray(0, offsets[n]!));
    return [new ColumnData(listOf('float64'), n, null, null, offsets, null, new ColumnData('float64', child.length, child, null))];
  }
  /**
   * Folds list<double> partial states (MedianPartialOp's runs or `state`'s lists): the rows are
   * kept by reference, and `grouped` copies each row's run into its group's segment in one block.
   */
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void {
    const col = state[0]!;
    if (n === 0) return;
    const offsets = col.offsets!;
    const child = col.child!;
    const src = child.values!;
    if (src instanceof Float64Array && !col.validity && !child.validity) {
      this.runs.push({ groups: groups.slice(0, n), offsets: offsets.subarray(0, n + 1), values: src });
      return;
    }
    // Null lists, null elements or other element types: a compact copy of the non-null values.
    const valid = col.validity;
    const ev = child.validity;
    const o = new Int32Array(n + 1);
    const dense = new Float64Array(offsets[n]! - offsets[0]!);
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (!valid || valid[i]) for (let k = offsets[i]!; k < offsets[i + 1]!; k++) if (!ev || ev[k]) dense[m++] = src[k] as number;
      o[i + 1] = m;
    }
    this.runs.push({ groups: groups.slice(0, n), offsets: o, values: dense });
  }
  finish(n: number): ColumnData {
    if (this.vals.length === 0 && this.runs.length > 0) return this.finishRuns(n);
    const { offsets, values } = this.grouped(n);
    const out = new Float64Array(n);
    const has = new Uint8Array(n);
    for (let g = 0; g < n; g++) {
      const s = offsets[g]!;
      const e = offsets[g + 1]!;
      if (e === s) continue;
      out[g] = percentileOf(values, s, e, this.q);
      has[g] = 1;
    }
    return outColumn('float64', n, out, has);
  }
  /**
   * finish when every value came through `merge` (the final phase of MedianPartialOp): each
   * group's runs are gathered into one small array reused across groups (it stays in cache) and
   * selected there, instead of regrouping every value into one array first (a second copy, 80 MB
   * on db-benchmark q6 at 1e7 rows).
   */
  private finishRuns(n: number): ColumnData {
    // The merged rows of each group (a counting sort of the rows by group): run and row indices.
    const first = new Int32Array(n + 1);
    const sizes = new Float64Array(n);
    let rows = 0;
    for (const r of this.runs) {
      const { groups, offsets: ro } = r;
      rows += groups.length;
      for (let i = 0; i < groups.length; i++) {
        first[groups[i]! + 1]!++;
        sizes[groups[i]!]! += ro[i + 1]! - ro[i]!;
      }
    }
    for (let g = 0; g < n; g++) first[g + 1]! += first[g]!;
    const at = first.slice(0, n);
    const runOf = new Int32Array(rows);
    const rowOf = new Int32Array(rows);
    this.runs.forEach((r, j) => {
      const { groups } = r;
      for (let i = 0; i < groups.length; i++) {
        const k = at[groups[i]!]!++;
        runOf[k] = j;
        rowOf[k] = i;
      }
    });
    const out = new Float64Array(n);
    const has = new Uint8Array(n);
    let buf = groupScratch(1024);
    for (let g = 0; g < n; g++) {
      const m = sizes[g]!;
      if (m === 0) continue;
      if (buf.length < m) buf = groupScratch(m);
      let w = 0;
      for (let k = first[g]!; k < first[g + 1]!; k++) {
        const { offsets: ro, values: rv } = this.runs[runOf[k]!]!;
        const i = rowOf[k]!;
        const s = ro[i]!;
        const e = ro[i + 1]!;
        if (e - s < 16) for (let x = s; x < e; x++) buf[w++] = rv[x]!;
        else {
          buf.set(rv.subarray(s, e), w);
          w += e - s;
        }
      }
      out[g] = percentileOf(buf, 0, m, this.q);
      has[g] = 1;
    }
    return outColumn('float64', n, out, has);
  }
}

let groupBuf = new Float64Array(0);

/** This thread's scratch for one group's values (at least `n`; kept while at most SCRATCH_KEEP). */
function groupScratch(n: number): Float64Array {
  if (n > SCRATCH_KEEP) return new Float64Array(n);
  if (groupBuf.length < n) groupBuf = new Float64Array(Math.min(SCRATCH_KEEP, Math.max(n, groupBuf.length * 2)));
  return groupBuf;
}

/** Largest regrouping scratch a thread keeps between tasks (32 MiB); larger ones are dropped after use. */
const SCRATCH_KEEP = 1 << 22;
let scratch = new Float64Array(0);

/** A Float64Array of at least `n` entries: this thread's scratch when it is small enough to keep. */
function regroupScratch(n: number): Float64Array {
  if (n > SCRATCH_KEEP) return new Float64Array(n);
  if (scratch.length < n) scratch = new Float64Array(Math.min(SCRATCH_KEEP, Math.max(n, scratch.length * 2)));
  return scratch;
}

/**
 * Spark's percentile of `a[s..e)` (reordered in place): linear interpolation between the closest
 * ranks, NaN sorting above every number. Quickselect finds the lower rank in linear time instead
 * of sorting the segment; the upper rank is then the smallest value above it.
 */
export function percentileOf(a: Float64Array, s: number, e: number, q: number): number {
  // NaNs to the end: they rank last.
  let m = e;
  for (let i = s; i < m; ) {
    const x = a[i]!;
    if (x !== x) {
      a[i] = a[--m]!;
      a[m] = x;
    } else i++;
  }
  const pos = q * (e - s - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (s + lo >= m) return NaN;
  if (m - s >= HIST_MIN && s + hi < m) {
    const v = histogramSelect(a, s, m, lo, hi, pos);
    if (v !== undefined) return v;
  }
  if (m - s >= WINDOW_MIN && s + hi < m) {
    const v = windowSelect(a, s, m, lo, hi, pos);
    if (v !== undefined) return v;
  }
  selectKth(a, s, m - 1, s + lo);
  const vlo = a[s + lo]!;
  if (hi === lo) return vlo;
  if (s + hi >= m) return NaN;
  let vhi = Infinity;
  for (let i = s + lo + 1; i < m; i++) if (a[i]! < vhi) vhi = a[i]!;
  return vlo + (vhi - vlo) * (pos - lo);
}

/** Segments at least this long are selected through a histogram of their value range (histogramSelect). */
const HIST_MIN = 64;
let hist = new Int32Array(0);
let bucketVals = new Float64Array(0);

/**
 * The percentile at rank `pos` (between ranks lo and hi = lo or lo + 1) of a[s..m) (no NaN),
 * through a histogram: one pass finds the min and max, one counts the values in about n / 2
 * equal-width buckets over [min, max] (bucket order is value order), and one copies the values
 * of the bucket holding rank lo (and, when rank hi lies beyond it, up to the next non-empty
 * bucket) into a scratch where the ranks are selected: three branch-free passes, where
 * windowSelect sorts a sample and partitions about a quarter of the values. Skewed values only
 * make the selected buckets larger. Undefined for an infinite or subnormal range (then the
 * caller selects another way; `a` is unchanged).
 * Measured 2026-12-06 (node, 1e4 segments of 1000 doubles, `scratch/e-pct3.mjs`, best of 8,
 * loaded 2-core machine): 215-300 ms through windowSelect, 70-98 ms here.
 */
function histogramSelect(a: Float64Array, s: number, m: number, lo: number, hi: number, pos: number): number | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let i = s; i < m; i++) {
    const x = a[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (min === max) return min;
  const n = m - s;
  const buckets = Math.max(64, Math.min(8192, (1 << (32 - Math.clz32(n - 1))) >> 1));
  const scale = (buckets - 1) / (max - min);
  if (!(scale > 0 && scale < Infinity)) return undefined;
  if (hist.length < buckets) hist = new Int32Array(buckets);
  else hist.fill(0, 0, buckets);
  const h = hist;
  for (let i = s; i < m; i++) h[((a[i]! - min) * scale) | 0]!++;
  let below = 0;
  let first = 0;
  while (below + h[first]! <= lo) below += h[first++]!;
  const k = lo - below;
  let last = first;
  let count = h[first]!;
  if (hi !== lo && k + 1 >= count) {
    last++;
    while (h[last] === 0) last++;
    count += h[last]!;
  }
  if (bucketVals.length < count + 1) bucketVals = new Float64Array(Math.max(count + 1, 2 * bucketVals.length));
  const vals = bucketVals;
  const span = last - first;
  let w = 0;
  for (let i = s; i < m; i++) {
    const x = a[i]!;
    vals[w] = x;
    w += ((((x - min) * scale) | 0) - first) >>> 0 <= span ? 1 : 0;
  }
  return selectRanks(vals, count, k, lo, hi, pos);
}

/**
 * The percentile at rank `pos` of a segment, from `vals[0..count)` holding its values of ranks
 * lo - k onwards (its rank-lo value is the k-th smallest there; rank hi = lo + 1 also inside).
 */
function selectRanks(vals: Float64Array, count: number, k: number, lo: number, hi: number, pos: number): number {
  selectKth(vals, 0, count - 1, k);
  const vlo = vals[k]!;
  if (hi === lo) return vlo;
  let vhi = Infinity;
  for (let i = k + 1; i < count; i++) if (vals[i]! < vhi) vhi = vals[i]!;
  return vlo + (vhi - vlo) * (pos - lo);
}

/** Segments at least this long are selected through a sampled window (windowSelect). */
const WINDOW_MIN = 256;
const SAMPLE = 64;
const sample = new Float64Array(SAMPLE);
let window = new Float64Array(0);

/**
 * The percentile at rank `pos` (between ranks lo and hi = lo or lo + 1) of a[s..m) (no NaN),
 * through a window: a sorted sample of 64 values gives two bounds around the target rank, one
 * branch-free pass counts the values below the lower bound and copies those between the bounds
 * (about a quarter) into a scratch, and the ranks are selected there. Undefined when the ranks
 * fall outside the window (then the caller selects over the whole segment; `a` is unchanged).
 * Against quickselect over the whole segment: about 1.4 comparisons per value instead of 3, and
 * no unpredictable swaps over the whole segment.
 */
function windowSelect(a: Float64Array, s: number, m: number, lo: number, hi: number, pos: number): number | undefined {
  const n = m - s;
  for (let i = 0; i < SAMPLE; i++) sample[i] = a[s + Math.floor((i * n) / SAMPLE)]!;
  for (let i = 1; i < SAMPLE; i++) {
    const x = sample[i]!;
    let j = i - 1;
    while (j >= 0 && sample[j]! > x) {
      sample[j + 1] = sample[j]!;
      j--;
    }
    sample[j + 1] = x;
  }
  const r = (lo * SAMPLE) / n;
  const lower = sample[Math.max(0, Math.floor(r) - 8)]!;
  const upper = sample[Math.min(SAMPLE - 1, Math.ceil(r) + 8)]!;
  if (window.length < n + 1) window = new Float64Array(Math.max(n + 1, window.length * 2));
  const win = window;
  let below = 0;
  let w = 0;
  for (let i = s; i < m; i++) {
    const x = a[i]!;
    below += x < lower ? 1 : 0;
    win[w] = x;
    w += (x >= lower ? 1 : 0) & (x <= upper ? 1 : 0);
  }
  const k = lo - below;
  if (k < 0 || hi - below >= w) return undefined;
  return selectRanks(win, w, k, lo, hi, pos);
}

/** Reorders a[left..right] (no NaN) so that a[k] holds the value of rank k, smaller before, larger after (Wirth's selection). */
function selectKth(a: Float64Array, left: number, right: number, k: number): void {
  while (right - left > 16) {
    const mid = (left + right) >>> 1;
    // Median of three as the pivot; the ends then bound the inner scans.
    if (a[mid]! < a[left]!) swap(a, mid, left);
    if (a[right]! < a[left]!) swap(a, right, left);
    if (a[right]! < a[mid]!) swap(a, right, mid);
    const pivot = a[mid]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return; // a[j + 1 .. i - 1] all equal the pivot
  }
  for (let i = left + 1; i <= right; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= left && a[j]! > x) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** corr / covar_samp / covar_pop: co-moments merged pairwise (two-phase). */
export class CoMomentsAcc implements Accumulator {
  n: Float64Array = new Float64Array(16);
  mx: Float64Array = new Float64Array(16);
  my: Float64Array = new Float64Array(16);
  cxy: Float64Array = new Float64Array(16);
  m2x: Float64Array = new Float64Array(16);
  m2y: Float64Array = new Float64Array(16);
  constructor(private readonly kind: 'corr' | 'covar_samp' | 'covar_pop') {}
  grow(k: number): void {
    this.n = grownF64(this.n, k); this.mx = grownF64(this.mx, k); this.my = grownF64(this.my, k);
    this.cxy = grownF64(this.cxy, k); this.m2x = grownF64(this.m2x, k); this.m2y = grownF64(this.m2y, k);
  }
  update(groups: Int32Array, count: number, args: readonly ColumnData[]): void {
    const [a, b] = args as [ColumnData, ColumnData];
    if (a.type === 'null' || b.type === 'null') return;
    const xv = a.values!;
    const yv = b.values!;
    coMomentsLoop(xv, yv, a.validity, b.validity)(groups, count, { x: [xv], y: [yv], vx: [a.validity], vy: [b.validity], st: [[this.n, this.mx, this.my, this.cxy, this.m2x, this.m2y]] });
  }
  state(k: number): ColumnData[] {
    return [this.n, this.mx, this.my, this.cxy, this.m2x, this.m2y].map((a) => outColumn('float64', k, a, null));
  }
  merge(groups: Int32Array, count: number, state: readonly ColumnData[]): void {
    const [n2, mx2, my2, c2, vx2, vy2] = state.map((c) => c.values as Float64Array) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    for (let i = 0; i < count; i++) {
      const g = groups[i]!;
      const nb = n2[i]!;
      if (nb === 0) continue;
      const na = this.n[g]!;
      const n = na + nb;
      const dx = mx2[i]! - this.mx[g]!;
      const dy = my2[i]! - this.my[g]!;
      this.cxy[g]! += c2[i]! + (dx * dy * na * nb) / n;
      this.m2x[g]! += vx2[i]! + (dx * dx * na * nb) / n;
      this.m2y[g]! += vy2[i]! + (dy * dy * na * nb) / n;
      this.mx[g]! += (dx * nb) / n;
      this.my[g]! += (dy * nb) / n;
      this.n[g] = n;
    }
  }
  finish(k: number): ColumnData {
    const out = new Float64Array(k);
    const has = new Uint8Array(k);
    for (let g = 0; g < k; g++) {
      const n = this.n[g]!;
      if (n === 0) continue;
      if (this.kind === 'corr') {
        if (n < 2) continue;
        out[g] = this.cxy[g]! / Math.sqrt(this.m2x[g]! * this.m2y[g]!);
      } else if (this.kind === 'covar_samp') {
        if (n < 2) continue;
        out[g] = this.cxy[g]! / (n - 1);
      } else {
        out[g] = this.cxy[g]! / n;
      }
      has[g] = 1;
    }
    return outColumn('float64', k, out, has);
  }
}

function numericArg(name: string) {
  return (argTypes: readonly DataType[], display: string) => {
    const t = argTypes[0]!;
    if (!isNumeric(t) && !isDecimal(t) && t !== 'null') throw typeError(display, argTypes, `a numeric argument for ${name}`);
    return t;
  };
}

const sumType = numericArg('sum');

/**
 * Argument types for accumulators that read any numeric column as numbers (avg, the moments,
 * corr/covariance): numbers stay as they are, so no cast allocates a double column per batch;
 * only null arguments become double.
 */
function asRead(argTypes: readonly DataType[]): DataType[] {
  return argTypes.map((t) => (isNumeric(t) ? t : 'float64'));
}
const numArg = numericArg('this aggregate');

function withDistinct(def: Omit<AggregateFunctionDef, 'create'> & { make(argTypes: readonly DataType[], type: DataType): Accumulator }): AggregateFunctionDef {
  return {
    ...def,
    create(argTypes, type, distinct) {
      const acc = def.make(argTypes, type);
      return distinct ? new DistinctAcc(acc) : acc;
    },
  };
}

const DEFS: AggregateFunctionDef[] = [
  withDistinct({
    name: 'count', arity: [0, Infinity], doc: 'Number of rows (count(*)) or of non-null values (count(col)).',
    resolve: (argTypes) => ({ type: 'int64', argTypes }),
    stateTypes: () => ['int64'],
    make: (argTypes) => new CountAcc(argTypes.length === 0),
    window: COUNT_OVER_FRAMES,
  }),
  withDistinct({
    name: 'sum', arity: [1, 1], doc: 'Sum of non-null values; integers sum to long, exact within ±2^53; decimal(p,s) sums exactly to decimal(min(38,p+10),s).',
    resolve: (argTypes, d) => {
      const t = sumType(argTypes, d);
      if (isDecimal(t)) return { type: decimalSumType(t), argTypes: [t] };
      const type: DataType = t === 'float64' ? 'float64' : 'int64';
      return { type, argTypes: [t === 'null' ? 'int64' : t] };
    },
    stateTypes: (_a, type) => [type],
    make: (_a, type) => (isDecimal(type) ? new DecimalSumAcc(type) : new SumAcc(type)),
    window: sumAvgOverFrames(false),
  }),
  withDistinct({
    name: 'avg', aliases: ['mean'], arity: [1, 1], doc: 'Mean of non-null values (double; decimal(p,s) gives decimal(min(38,p+4), min(38,s+4)), rounded HALF_UP).',
    resolve: (argTypes, d) => {
      const t = numArg(argTypes, d);
      if (isDecimal(t)) {
        const { precision, scale } = decimalParams(t);
        return { type: boundedDecimal(precision + 4, scale + 4), argTypes: [t] };
      }
      return { type: 'float64', argTypes: asRead(argTypes) };
    },
    stateTypes: (argTypes) => (isDecimal(argTypes[0]!) ? [decimalSumType(argTypes[0]), 'int64'] : ['float64', 'int64']),
    make: (argTypes, type) => (isDecimal(type) ? new DecimalAvgAcc(argTypes[0] as DecimalType, type) : new AvgAcc()),
    window: sumAvgOverFrames(true),
  }),
  ...(['min', 'max'] as const).map((name) => withDistinct({
    name, arity: [1, 1], doc: `${name === 'min' ? 'Smallest' : 'Largest'} non-null value.`,
    resolve: (argTypes) => ({ type: argTypes[0]!, argTypes }),
    stateTypes: (_a, type) => [type],
    make: (_a, type) => new MinMaxAcc(type, name === 'max'),
    window: minMaxOverFrames(name === 'max'),
  })),
  ...([
    ['stddev', 'stddev_samp', ['stddev_samp', 'std']],
    ['stddev_pop', 'stddev_pop', []],
    ['variance', 'var_samp', ['var_samp']],
    ['var_pop', 'var_pop', []],
  ] as const).map(([name, kind, aliases]) => withDistinct({
    name, aliases, arity: [1, 1], doc: `${kind.replace('_', ' ')} of non-null values (double).`,
    resolve: (argTypes, d) => { numArg(argTypes, d); return { type: 'float64', argTypes: asRead(argTypes) }; },
    stateTypes: () => ['float64', 'float64', 'float64'],
    make: () => new MomentsAcc(kind),
  })),
  {
    name: 'median', arity: [1, 1] as const, doc: 'Exact median of non-null values (double), interpolating between the middle values.',
    resolve: (argTypes: readonly DataType[], d: string) => { numArg(argTypes, d); return { type: 'float64' as DataType, argTypes: ['float64' as DataType] }; },
    // Partial state: the group's values as a list<double>. The planner runs the partial phase as
    // MedianPartialOp (src/exec/median-partial.ts), which writes each task's values grouped and
    // already split by shuffle bucket, so the exchange moves them without another copy.
    stateTypes: () => [listOf('float64')],
    create: () => new PercentileAcc(0.5),
  },
  ...(['corr', 'covar_samp', 'covar_pop'] as const).map((name) => ({
    name, arity: [2, 2] as const, doc: `${name}(x, y) of the rows where both are non-null (double).`,
    resolve: (argTypes: readonly DataType[], d: string) => {
      for (const t of argTypes) if (!isNumeric(t) && t !== 'null') throw typeError(d, argTypes, `numeric arguments for ${name}`);
      return { type: 'float64' as DataType, argTypes: asRead(argTypes) };
    },
    stateTypes: () => ['float64', 'float64', 'float64', 'float64', 'float64', 'float64'] as DataType[],
    create: () => new CoMomentsAcc(name),
  })),
  ...(['collect_list', 'collect_set'] as const).map((name) => ({
    name, arity: [1, 1] as const,
    doc: name === 'collect_list' ? 'The non-null values of each group as an array (order follows the input within a task).' : 'The distinct non-null values of each group as an array.',
    resolve: (argTypes: readonly DataType[], display: string) => {
      const t = argTypes[0]!;
      if (isNested(t)) throw typeError(display, argTypes, 'a scalar argument (collecting arrays, structs or maps is not supported yet)');
      if (isDecimal(t)) throw typeError(display, argTypes, 'a non-decimal argument (arrays of decimals are not supported yet; cast to string or double first)');
      return { type: listOf(t === 'null' ? 'utf8' : t) as DataType, argTypes: [t === 'null' ? 'utf8' as DataType : t] };
    },
    stateTypes: (_a: readonly DataType[], type: DataType) => [type],
    create: (_a: readonly DataType[], type: DataType, distinct: boolean) => new CollectAcc(type, name === 'collect_set' || distinct),
  })),
  ...(['first', 'last'] as const).map((name) => ({
    name, aliases: [`${name}_value`], arity: [1, 2] as const, doc: `The ${name} value seen in each group (order is not guaranteed without a sort, as in Spark); a second argument true ignores nulls.`,
    resolve: (argTypes: readonly DataType[]) => ({ type: argTypes[0]!, argTypes: argTypes.length === 2 ? [argTypes[0]!, 'boolean' as DataType] : argTypes }),
    stateTypes: (_a: readonly DataType[], type: DataType) => [type, 'boolean' as DataType],
    create: (argTypes: readonly DataType[], type: DataType) => new FirstLastAcc(type, name === 'last', argTypes.length === 2),
    window: firstLastOverFrames(name === 'last'),
  })),
];

/** Registers the built-in aggregates. */
export function register(registry: FunctionRegistry): void {
  registry.registerAggregate(...DEFS);
}
