/**
 * More aggregate functions (Spark names): bool_and / every, bool_or / some / any, count_if,
 * max_by / min_by, mode, skewness, kurtosis, the regr_* family, exact percentile /
 * percentile_cont / percentile_disc (WITHIN GROUP in SQL), percentile_approx /
 * approx_percentile (computed exactly), and approx_count_distinct (HyperLogLog++ registers as
 * the two-phase partial state); also the grouping() / grouping_id() names. Accumulators keep typed-array state per group id, as in
 * src/expr/aggregates.ts; `register` adds the definitions to the function registry.
 */
import { AnalysisError } from '../errors.js';
import { ColumnData, take, utf8FromStrings } from '../data/column.js';
import { KeyTable, hashRows } from '../data/key-table.js';
import { type DataType, isList, isNumeric, listOf } from '../types.js';
import { CoMomentsAcc, PercentileAcc, grownF64, grownU8, outColumn, percentileOf } from './aggregates.js';
import type { BoundExpr } from './expr.js';
import { type Accumulator, type AggregateFunctionDef, type ConstantArg, type FunctionRegistry, type ScalarFunctionDef, typeError } from './function-defs.js';

/** bool_and / bool_or: per group, whether a non-null value was seen and the running AND / OR. */
class BoolAcc implements Accumulator {
  has: Uint8Array = new Uint8Array(16);
  val: Uint8Array = new Uint8Array(16);
  constructor(private readonly isAnd: boolean) {}
  grow(n: number): void {
    const old = this.val.length;
    this.has = grownU8(this.has, n);
    this.val = grownU8(this.val, n);
    if (this.isAnd && this.val.length > old) this.val.fill(1, old);
  }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    const col = args[0]!;
    if (col.type === 'null') return;
    const v = col.values as Uint8Array;
    const valid = col.validity;
    const h = this.has;
    const out = this.val;
    for (let i = 0; i < n; i++) {
      if (valid && !valid[i]) continue;
      const g = groups[i]!;
      h[g] = 1;
      if (this.isAnd) out[g]! &= v[i]!;
      else out[g]! |= v[i]!;
    }
  }
  state(n: number): ColumnData[] { return [this.finish(n)]; }
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void { this.update(groups, n, state); }
  finish(n: number): ColumnData { return outColumn('boolean', n, Float64Array.from(this.val.subarray(0, n)), this.has); }
}

/** count_if: number of rows where the condition is true. */
class CountIfAcc implements Accumulator {
  counts: Float64Array = new Float64Array(16);
  grow(n: number): void { this.counts = grownF64(this.counts, n); }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    const col = args[0]!;
    if (col.type === 'null') return;
    const v = col.values as Uint8Array;
    const valid = col.validity;
    const c = this.counts;
    for (let i = 0; i < n; i++) if (v[i] && (!valid || valid[i])) c[groups[i]!]!++;
  }
  state(n: number): ColumnData[] { return [this.finish(n)]; }
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void {
    const s = state[0]!.values as Float64Array;
    for (let i = 0; i < n; i++) this.counts[groups[i]!]! += s[i]!;
  }
  finish(n: number): ColumnData { return outColumn('int64', n, this.counts, null); }
}

/**
 * max_by(x, y) / min_by(x, y): x of the row with the largest / smallest non-null y (x may be
 * null there). Partial state is (x, y) per group, merged like input rows. Ties keep the first seen.
 */
class ByAcc implements Accumulator {
  xs: Float64Array = new Float64Array(16);
  xStr: (string | null)[] = [];
  xNull: Uint8Array = new Uint8Array(16);
  ys: Float64Array = new Float64Array(16);
  yStr: (string | null)[] = [];
  has: Uint8Array = new Uint8Array(16);
  constructor(private readonly xType: DataType, private readonly yType: DataType, private readonly isMax: boolean) {}
  grow(n: number): void {
    this.xs = grownF64(this.xs, n); this.ys = grownF64(this.ys, n); this.xNull = grownU8(this.xNull, n); this.has = grownU8(this.has, n);
    while (this.xStr.length < n) { this.xStr.push(null); this.yStr.push(null); }
  }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    const [x, y] = args as [ColumnData, ColumnData];
    if (y.type === 'null') return;
    const yValid = y.validity;
    const xValid = x.type === 'null' ? new Uint8Array(n) : x.validity;
    const xs = x.type === 'utf8' ? x.strings() : null;
    const xv = x.values;
    const ys = y.type === 'utf8' ? y.strings() : null;
    const yv = y.values;
    const max = this.isMax;
    for (let i = 0; i < n; i++) {
      if (yValid && !yValid[i]) continue;
      const g = groups[i]!;
      if (ys) {
        const k = ys[i]!;
        if (this.has[g] && !(max ? k > this.yStr[g]! : k < this.yStr[g]!)) continue;
        this.yStr[g] = k;
      } else {
        const k = yv![i]!;
        if (this.has[g] && !(max ? k > this.ys[g]! : k < this.ys[g]!)) continue;
        this.ys[g] = k;
      }
      this.has[g] = 1;
      const isNull = xValid ? !xValid[i] : false;
      this.xNull[g] = isNull ? 1 : 0;
      if (!isNull) {
        if (xs) this.xStr[g] = xs[i]!;
        else if (xv) this.xs[g] = xv[i]!;
      }
    }
  }
  private column(type: DataType, n: number, nums: Float64Array, strs: (string | null)[], has: Uint8Array): ColumnData {
    if (type === 'null') return new ColumnData('null', n, null, null);
    if (type === 'utf8') return utf8FromStrings(strs.slice(0, n).map((s, g) => (has[g] ? s : null)));
    return outColumn(type, n, nums, has);
  }
  state(n: number): ColumnData[] {
    return [this.finish(n), this.column(this.yType, n, this.ys, this.yStr, this.has)];
  }
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void { this.update(groups, n, state); }
  finish(n: number): ColumnData {
    const has = new Uint8Array(n);
    for (let g = 0; g < n; g++) has[g] = this.has[g]! && !this.xNull[g] ? 1 : 0;
    return this.column(this.xType, n, this.xs, this.xStr, has);
  }
}

/**
 * mode: the most frequent non-null value of each group; ties go to the smallest value (Spark's
 * `mode(x, true)`, deterministic). A key table over (group, value) counts occurrences. Single-phase.
 */
class ModeAcc implements Accumulator {
  private table: KeyTable;
  private counts: Float64Array = new Float64Array(1024);
  private ids = new Int32Array(0);
  constructor(private readonly type: DataType) { this.table = new KeyTable(['int32', type]); }
  grow(_n: number): void {}
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    const col = args[0]!;
    if (col.type === 'null') return;
    const keep = col.validity;
    let m = n;
    let g = groups;
    let vals = col;
    if (keep) {
      const rows = new Int32Array(n);
      m = 0;
      for (let i = 0; i < n; i++) if (keep[i]) rows[m++] = i;
      const sel = rows.subarray(0, m);
      g = new Int32Array(m);
      for (let j = 0; j < m; j++) g[j] = groups[sel[j]!]!;
      vals = take(col, sel);
    }
    if (this.ids.length < m) this.ids = new Int32Array(m);
    this.table.insert([new ColumnData('int32', m, g.subarray(0, m), null), vals], m, this.ids);
    this.counts = grownF64(this.counts, this.table.size);
    const c = this.counts;
    const ids = this.ids;
    for (let j = 0; j < m; j++) c[ids[j]!]!++;
  }
  state(): ColumnData[] { throw new Error('mode has no partial state'); }
  merge(): void { throw new Error('mode cannot be merged'); }
  finish(n: number): ColumnData {
    const [gcol, vcol] = this.table.keyColumns() as [ColumnData, ColumnData];
    const gs = gcol.values as Int32Array;
    const best = new Int32Array(n).fill(-1);
    const strs = this.type === 'utf8' ? vcol.strings() : null;
    const nums = vcol.values;
    const c = this.counts;
    for (let id = 0; id < this.table.size; id++) {
      const g = gs[id]!;
      const b = best[g]!;
      if (b < 0 || c[id]! > c[b]! || (c[id] === c[b] && (strs ? strs[id]! < strs[b]! : nums![id]! < nums![b]!))) best[g] = id;
    }
    const has = new Uint8Array(n);
    for (let g = 0; g < n; g++) has[g] = best[g]! >= 0 ? 1 : 0;
    if (strs) return utf8FromStrings(Array.from(best, (b) => (b >= 0 ? strs[b]! : null)));
    const out = new Float64Array(n);
    for (let g = 0; g < n; g++) if (best[g]! >= 0) out[g] = nums![best[g]!]!;
    return outColumn(this.type, n, out, has);
  }
}

/**
 * skewness / kurtosis: central moments up to the fourth (count, mean, M2, M3, M4), updated per
 * value and merged pairwise (Pébay's formulas) for two-phase aggregation. Spark's population
 * formulas: skewness = sqrt(n) M3 / M2^1.5, kurtosis = n M4 / M2^2 - 3 (excess); null when no
 * values or M2 = 0.
 */
class HigherMomentsAcc implements Accumulator {
  n: Float64Array = new Float64Array(16);
  mean: Float64Array = new Float64Array(16);
  m2: Float64Array = new Float64Array(16);
  m3: Float64Array = new Float64Array(16);
  m4: Float64Array = new Float64Array(16);
  constructor(private readonly kind: 'skewness' | 'kurtosis') {}
  grow(k: number): void {
    this.n = grownF64(this.n, k); this.mean = grownF64(this.mean, k); this.m2 = grownF64(this.m2, k); this.m3 = grownF64(this.m3, k); this.m4 = grownF64(this.m4, k);
  }
  private combine(g: number, nb: number, meanB: number, m2b: number, m3b: number, m4b: number): void {
    const na = this.n[g]!;
    const n = na + nb;
    const d = meanB - this.mean[g]!;
    const dn = d / n;
    const m2a = this.m2[g]!;
    const m3a = this.m3[g]!;
    this.m4[g] = this.m4[g]! + m4b + d * dn * dn * dn * na * nb * (na * na - na * nb + nb * nb) + 6 * dn * dn * (na * na * m2b + nb * nb * m2a) + 4 * dn * (na * m3b - nb * m3a);
    this.m3[g] = m3a + m3b + d * dn * dn * na * nb * (na - nb) + 3 * dn * (na * m2b - nb * m2a);
    this.m2[g] = m2a + m2b + d * dn * na * nb;
    this.mean[g] = this.mean[g]! + dn * nb;
    this.n[g] = n;
  }
  update(groups: Int32Array, count: number, args: readonly ColumnData[]): void {
    const col = args[0]!;
    if (col.type === 'null') return;
    const v = col.values!;
    const valid = col.validity;
    for (let i = 0; i < count; i++) if (!valid || valid[i]) this.combine(groups[i]!, 1, v[i]!, 0, 0, 0);
  }
  state(k: number): ColumnData[] { return [this.n, this.mean, this.m2, this.m3, this.m4].map((a) => outColumn('float64', k, a, null)); }
  merge(groups: Int32Array, count: number, state: readonly ColumnData[]): void {
    const [n, mean, m2, m3, m4] = state.map((c) => c.values as Float64Array) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    for (let i = 0; i < count; i++) if (n[i]! > 0) this.combine(groups[i]!, n[i]!, mean[i]!, m2[i]!, m3[i]!, m4[i]!);
  }
  finish(k: number): ColumnData {
    const out = new Float64Array(k);
    const has = new Uint8Array(k);
    for (let g = 0; g < k; g++) {
      const n = this.n[g]!;
      const m2 = this.m2[g]!;
      if (n === 0 || m2 === 0) continue;
      out[g] = this.kind === 'skewness' ? (Math.sqrt(n) * this.m3[g]!) / Math.pow(m2, 1.5) : (n * this.m4[g]!) / (m2 * m2) - 3;
      has[g] = 1;
    }
    return outColumn('float64', k, out, has);
  }
}

type RegrKind = 'regr_count' | 'regr_avgx' | 'regr_avgy' | 'regr_slope' | 'regr_intercept' | 'regr_r2' | 'regr_sxx' | 'regr_syy' | 'regr_sxy';
const REGR_KINDS: readonly RegrKind[] = ['regr_count', 'regr_avgx', 'regr_avgy', 'regr_slope', 'regr_intercept', 'regr_r2', 'regr_sxx', 'regr_syy', 'regr_sxy'];

/**
 * regr_*(y, x) over the rows where both are non-null: the co-moments of corr/covariance, read
 * with the first argument as y (so the accumulator's "x" moments are y's).
 */
class RegrAcc extends CoMomentsAcc {
  constructor(private readonly regr: RegrKind) { super('covar_pop'); }
  override finish(k: number): ColumnData {
    const out = new Float64Array(k);
    const has = new Uint8Array(k);
    for (let g = 0; g < k; g++) {
      const n = this.n[g]!;
      if (this.regr === 'regr_count') { out[g] = n; has[g] = 1; continue; }
      if (n === 0) continue;
      const sxx = this.m2y[g]!;
      const syy = this.m2x[g]!;
      const sxy = this.cxy[g]!;
      let r: number;
      switch (this.regr) {
        case 'regr_avgx': r = this.my[g]!; break;
        case 'regr_avgy': r = this.mx[g]!; break;
        case 'regr_sxx': r = sxx; break;
        case 'regr_syy': r = syy; break;
        case 'regr_sxy': r = sxy; break;
        case 'regr_slope': if (sxx === 0) continue; r = sxy / sxx; break;
        case 'regr_intercept': if (sxx === 0) continue; r = this.mx[g]! - (sxy / sxx) * this.my[g]!; break;
        default: if (sxx === 0) continue; r = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
      }
      out[g] = r;
      has[g] = 1;
    }
    return outColumn(this.regr === 'regr_count' ? 'int64' : 'float64', k, out, has);
  }
}

/** How a percentile accumulator picks values: interpolated (percentile, percentile_cont) or a value of the data (percentile_disc, percentile_approx). */
type PercentileMode = 'cont' | 'disc';

/**
 * percentile / percentile_cont / percentile_disc / percentile_approx: every (group, value) pair
 * kept as median keeps them; the percentage(s) come from the constant second argument (a number
 * or an array) and an optional constant DESC flag (third argument of the WITHIN GROUP forms).
 */
class PercentilesAcc extends PercentileAcc {
  private qs: number[] | null = null;
  private desc = false;
  constructor(private readonly mode: PercentileMode, private readonly outType: DataType, private readonly many: boolean, private readonly descArg: boolean) { super(0); }
  override update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    if (!this.qs && n > 0) {
      const p = args[1]!;
      this.qs = this.many ? (p.lists()[0] as number[]) : [p.values![0]!];
      if (this.descArg) this.desc = (args[2]!.values as Uint8Array)[0] === 1;
    }
    super.update(groups, n, args);
  }
  override finish(n: number): ColumnData {
    const { offsets, values } = this.grouped(n);
    const qs = this.qs ?? [];
    const nq = qs.length;
    const out = new Float64Array(n * nq);
    const has = new Uint8Array(n);
    for (let g = 0; g < n; g++) {
      const s = offsets[g]!;
      const e = offsets[g + 1]!;
      if (e === s) continue;
      has[g] = 1;
      for (let j = 0; j < nq; j++) out[g * nq + j] = this.pick(values, s, e, qs[j]!);
    }
    if (!this.many) return outColumn(this.outType, n, out, has);
    const elem = isList(this.outType) ? (this.outType.slice(5, -1) as DataType) : this.outType;
    const offs = new Int32Array(n + 1);
    for (let g = 0; g < n; g++) offs[g + 1] = offs[g]! + (has[g] ? nq : 0);
    const child = new Float64Array(offs[n]!);
    for (let g = 0, k = 0; g < n; g++) if (has[g]) for (let j = 0; j < nq; j++) child[k++] = out[g * nq + j]!;
    const validity = has.every((h) => h === 1) ? null : has;
    return new ColumnData(this.outType, n, null, validity, offs, null, outColumn(elem, child.length, child, null));
  }
  private pick(values: Float64Array, s: number, e: number, q: number): number {
    if (this.mode === 'cont') return percentileOf(values, s, e, this.desc ? 1 - q : q);
    // The value at 1-based rank ceil(q * n) (at least 1), counted from the top when DESC.
    const cnt = e - s;
    let k = Math.max(1, cnt - Math.floor(cnt - q * cnt)) - 1;
    if (this.desc) k = cnt - 1 - k;
    const seg = values.subarray(s, e).sort();
    return seg[k]!;
  }
}

/** Registers for approx_count_distinct: HLL++ precision p from the relative standard deviation, as Spark computes it. */
function hllPrecision(rsd: number, display: string): number {
  const p = Math.ceil(2 * Math.log2(1.106 / rsd));
  if (!(p >= 4) || !(rsd > 0)) throw new AnalysisError(`the relative SD of ${display} must be a number with precision >= 4 (rsd <= 0.39), got ${rsd}`);
  return Math.min(p, 16);
}

/**
 * approx_count_distinct: HyperLogLog++ (Heule et al.) with 2^p one-byte registers per group,
 * indexed by the top p bits of the 32-bit murmur3-finalised key hash; the estimate uses linear
 * counting below Spark's per-precision threshold, and the raw HLL estimate above. The partial
 * state is the registers themselves (an array<int> of 2^p / 4 packed words per group), merged
 * by a register-wise max, so the aggregate runs in two phases.
 */
class HllAcc implements Accumulator {
  private regs = new Uint8Array(0);
  /** Precision and register count; 0 until the first batch or partial state shows the relative SD. */
  private p = 0;
  private m = 0;
  private hashes = new Int32Array(0);
  private init(p: number): void {
    this.p = p;
    this.m = 1 << p;
  }
  grow(n: number): void {
    if (this.m === 0) return; // the precision comes with the first batch
    const need = n * this.m;
    if (this.regs.length >= need) return;
    const b = new Uint8Array(Math.max(need, this.regs.length * 2));
    b.set(this.regs);
    this.regs = b;
  }
  private precisionFrom(args: readonly ColumnData[], n: number): void {
    if (this.m !== 0 || n === 0) return;
    const rsd = args.length > 1 ? args[1]!.values![0]! : 0.05;
    this.init(hllPrecision(rsd, 'approx_count_distinct'));
  }
  update(groups: Int32Array, n: number, args: readonly ColumnData[]): void {
    this.precisionFrom(args, n);
    const col = args[0]!;
    if (n === 0 || col.type === 'null') return;
    this.ensure(groups, n);
    if (this.hashes.length < n) this.hashes = new Int32Array(n);
    const hs = hashRows([col], n, this.hashes);
    const valid = col.validity;
    const p = this.p;
    const m = this.m;
    const regs = this.regs;
    for (let i = 0; i < n; i++) {
      if (valid && !valid[i]) continue;
      const h = hs[i]!;
      const idx = h >>> (32 - p);
      const rank = Math.clz32((h << p) | (1 << (p - 1))) + 1;
      const at = groups[i]! * m + idx;
      if (rank > regs[at]!) regs[at] = rank;
    }
  }
  private ensure(groups: Int32Array, n: number): void {
    let top = 0;
    for (let i = 0; i < n; i++) if (groups[i]! > top) top = groups[i]!;
    this.grow(top + 1);
  }
  state(n: number): ColumnData[] {
    const words = this.m >>> 2;
    const packed = new Int32Array(n * words);
    new Uint8Array(packed.buffer).set(this.regs.subarray(0, n * this.m));
    const offs = new Int32Array(n + 1);
    for (let g = 0; g <= n; g++) offs[g] = g * words;
    return [new ColumnData(listOf('int32'), n, null, null, offs, null, new ColumnData('int32', packed.length, packed, null))];
  }
  merge(groups: Int32Array, n: number, state: readonly ColumnData[]): void {
    const st = state[0]!;
    if (n === 0) return;
    const off = st.offsets!;
    const words = off[1]! - off[0]!;
    if (this.m === 0) this.init(31 - Math.clz32(words * 4));
    this.ensure(groups, n);
    const child = st.child!.values as Int32Array;
    const bytes = new Uint8Array(child.buffer, child.byteOffset, child.byteLength);
    const m = this.m;
    const regs = this.regs;
    for (let i = 0; i < n; i++) {
      const src = off[i]! * 4;
      const dst = groups[i]! * m;
      for (let j = 0; j < m; j++) if (bytes[src + j]! > regs[dst + j]!) regs[dst + j] = bytes[src + j]!;
    }
  }
  finish(n: number): ColumnData {
    const out = new Float64Array(n);
    const m = this.m;
    if (m === 0) return outColumn('int64', n, out, null);
    this.grow(n);
    const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
    const threshold = HLL_THRESHOLDS[this.p - 4]!;
    const regs = this.regs;
    for (let g = 0; g < n; g++) {
      let sum = 0;
      let zeros = 0;
      const base = g * m;
      for (let j = 0; j < m; j++) {
        const r = regs[base + j]!;
        sum += 1 / 2 ** r;
        if (r === 0) zeros++;
      }
      const e = (alpha * m * m) / sum;
      let est = e;
      if (zeros > 0) {
        const lc = m * Math.log(m / zeros);
        // Spark's threshold, or classic HLL's 2.5m bound: without HLL++'s bias tables the raw estimate runs high up to ~5m.
        if (lc <= threshold || e <= 2.5 * m) est = lc;
      }
      out[g] = Math.round(est);
    }
    return outColumn('int64', n, out, null);
  }
}

/** Spark's (HLL++ paper's) linear-counting thresholds by precision 4..16. */
const HLL_THRESHOLDS = [10, 20, 40, 80, 220, 400, 900, 1800, 3100, 6500, 11500, 20000, 50000];

// ---- definitions

const dbl: DataType = 'float64';

function boolArg(name: string) {
  return (argTypes: readonly DataType[], display: string) => {
    const t = argTypes[0]!;
    if (t !== 'boolean' && t !== 'null') throw typeError(display, argTypes, `a boolean argument for ${name}`);
    return ['boolean' as DataType];
  };
}

function numericArgs(argTypes: readonly DataType[], display: string, name: string, count = argTypes.length): DataType[] {
  return argTypes.slice(0, count).map((t) => {
    if (!isNumeric(t) && t !== 'null') throw typeError(display, argTypes, `numeric arguments for ${name}`);
    return t === 'null' ? dbl : t;
  });
}

/** Checks a constant percentage argument (a number or an array of numbers in [0, 1]). */
function percentageArg(args: readonly BoundExpr[], constant: ConstantArg, display: string, index = 1): void {
  const v = constant(args[index]!, 'the percentage');
  const qs = Array.isArray(v) ? v : [v];
  for (const q of qs) {
    if (typeof q !== 'number' || !(q >= 0 && q <= 1)) throw new AnalysisError(`the percentage of ${display} must be between 0.0 and 1.0 (or an array of such), got ${JSON.stringify(v)}`);
  }
}

function percentageType(argTypes: readonly DataType[], display: string, name: string): { many: boolean; type: DataType } {
  const p = argTypes[1]!;
  if (isNumeric(p)) return { many: false, type: dbl };
  if (isList(p) && isNumeric(p.slice(5, -1) as DataType)) return { many: true, type: p };
  throw typeError(display, argTypes, `${name}(col, percentage) with a numeric percentage or an array of them`);
}

const DEFS: AggregateFunctionDef[] = [
  ...([['bool_and', ['every'], true], ['bool_or', ['some', 'any'], false]] as const).map(([name, aliases, isAnd]): AggregateFunctionDef => ({
    name, aliases, arity: [1, 1], doc: `${isAnd ? 'True when every' : 'True when any'} non-null value is true (null for no values).`,
    resolve: (argTypes, d) => ({ type: 'boolean', argTypes: boolArg(name)(argTypes, d) }),
    stateTypes: () => ['boolean'],
    create: () => new BoolAcc(isAnd),
  })),
  {
    name: 'count_if', arity: [1, 1], doc: 'Number of rows where the boolean argument is true.',
    resolve: (argTypes, d) => ({ type: 'int64', argTypes: boolArg('count_if')(argTypes, d) }),
    stateTypes: () => ['int64'],
    create: () => new CountIfAcc(),
  },
  ...(['max_by', 'min_by'] as const).map((name): AggregateFunctionDef => ({
    name, arity: [2, 2], doc: `The first argument's value at the row with the ${name === 'max_by' ? 'largest' : 'smallest'} second argument.`,
    resolve: (argTypes, d) => {
      if (argTypes.some(isList)) throw typeError(d, argTypes, `scalar arguments for ${name}`);
      return { type: argTypes[0]!, argTypes };
    },
    stateTypes: (argTypes, type) => [type, argTypes[1]!],
    create: (argTypes, type) => new ByAcc(type, argTypes[1]!, name === 'max_by'),
  })),
  {
    name: 'mode', arity: [1, 1], doc: 'Most frequent non-null value of each group (ties: the smallest value).',
    resolve: (argTypes, d) => {
      if (isList(argTypes[0]!)) throw typeError(d, argTypes, 'a scalar argument for mode');
      return { type: argTypes[0]!, argTypes };
    },
    stateTypes: () => undefined,
    create: (_a, type) => new ModeAcc(type),
  },
  ...(['skewness', 'kurtosis'] as const).map((name): AggregateFunctionDef => ({
    name, arity: [1, 1], doc: name === 'skewness' ? 'Population skewness of non-null values (double).' : 'Population excess kurtosis of non-null values (double).',
    resolve: (argTypes, d) => ({ type: dbl, argTypes: numericArgs(argTypes, d, name) }),
    stateTypes: () => [dbl, dbl, dbl, dbl, dbl],
    create: () => new HigherMomentsAcc(name),
  })),
  ...REGR_KINDS.map((name): AggregateFunctionDef => ({
    name, arity: [2, 2], doc: `${name}(y, x) over the rows where both are non-null.`,
    resolve: (argTypes, d) => ({ type: name === 'regr_count' ? 'int64' : dbl, argTypes: numericArgs(argTypes, d, name) }),
    stateTypes: () => [dbl, dbl, dbl, dbl, dbl, dbl],
    create: () => new RegrAcc(name),
  })),
  {
    name: 'percentile', arity: [2, 2], doc: 'Exact percentile(s) of a numeric column, interpolating between the closest values; percentage a number or an array.',
    resolve: (argTypes, d) => {
      const { many, type } = percentageType(argTypes, d, 'percentile');
      return { type: many ? listOf(dbl) : type, argTypes: [numericArgs(argTypes, d, 'percentile', 1)[0]!, argTypes[1]!] };
    },
    bindArgs: (args, constant, d) => { percentageArg(args, constant, d); return [...args]; },
    stateTypes: () => undefined,
    create: (argTypes, type) => new PercentilesAcc('cont', type, isList(argTypes[1]!), false),
  },
  ...(['percentile_cont', 'percentile_disc'] as const).map((name): AggregateFunctionDef => ({
    name, arity: [2, 3], doc: `${name}(p) WITHIN GROUP (ORDER BY x [DESC]): ${name === 'percentile_cont' ? 'interpolated' : 'discrete (a value of x)'} percentile.`,
    resolve: (argTypes, d) => {
      const { many, type } = percentageType(argTypes, d, name);
      const x = numericArgs(argTypes, d, name, 1)[0]!;
      const out: DataType = many ? listOf(dbl) : type;
      return { type: out, argTypes: argTypes.length === 3 ? [x, argTypes[1]!, 'boolean'] : [x, argTypes[1]!] };
    },
    bindArgs: (args, constant, d) => { percentageArg(args, constant, d); return [...args]; },
    stateTypes: () => undefined,
    create: (argTypes, type) => new PercentilesAcc(name === 'percentile_cont' ? 'cont' : 'disc', type, isList(argTypes[1]!), argTypes.length === 3),
  })),
  {
    name: 'percentile_approx', aliases: ['approx_percentile'], arity: [2, 3],
    doc: 'Percentile(s) as a value of the column (exact: the value at rank ceil(p * n), within any accuracy Spark promises).',
    resolve: (argTypes, d) => {
      const { many } = percentageType(argTypes, d, 'percentile_approx');
      const x = numericArgs(argTypes, d, 'percentile_approx', 1)[0]!;
      if (argTypes.length === 3 && !isNumeric(argTypes[2]!)) throw typeError(d, argTypes, 'an integer accuracy as the third argument');
      return { type: many ? listOf(x) : x, argTypes: [x, ...argTypes.slice(1)] };
    },
    bindArgs: (args, constant, d) => {
      percentageArg(args, constant, d);
      if (args.length === 3) {
        const acc = constant(args[2]!, 'the accuracy');
        if (typeof acc !== 'number' || !(acc > 0) || !Number.isInteger(acc)) throw new AnalysisError(`the accuracy of ${d} must be a positive integer literal, got ${JSON.stringify(acc)}`);
      }
      return [...args];
    },
    stateTypes: () => undefined,
    create: (argTypes, type) => new PercentilesAcc('disc', type, isList(argTypes[1]!), false),
  },
  {
    name: 'approx_count_distinct', arity: [1, 2], doc: 'Approximate number of distinct non-null values (HyperLogLog++; optional relative SD, default 0.05).',
    resolve: (argTypes, d) => {
      if (isList(argTypes[0]!)) throw typeError(d, argTypes, 'a scalar argument for approx_count_distinct');
      if (argTypes.length === 2 && !isNumeric(argTypes[1]!)) throw typeError(d, argTypes, 'a numeric relative SD as the second argument');
      return { type: 'int64', argTypes: argTypes.length === 2 ? [argTypes[0]!, dbl] : argTypes };
    },
    bindArgs: (args, constant, d) => {
      if (args.length === 2) {
        const rsd = constant(args[1]!, 'the relative SD');
        hllPrecision(typeof rsd === 'number' ? rsd : NaN, d);
      }
      return [...args];
    },
    stateTypes: () => [listOf('int32')],
    create: () => new HllAcc(),
  },
];

/**
 * grouping(col) / grouping_id(cols...): names only, so SQL and `F.*` can build the calls; the
 * grouping-sets planner (src/plan/analyzer/grouping-sets.ts) replaces them, and anywhere else
 * they fail to resolve.
 */
const GROUPING_PLACEHOLDERS: ScalarFunctionDef[] = (['grouping', 'grouping_id'] as const).map((name) => ({
  name, arity: name === 'grouping' ? [1, 1] : [0, Infinity],
  doc: name === 'grouping' ? '1 when the column is aggregated away in this grouping set (ROLLUP / CUBE / GROUPING SETS), else 0.' : 'The grouping set\'s bit vector over the given (default: all) grouping columns.',
  // Resolves (so SQL can type-check the select list before planning the grouping sets) but never runs.
  resolve: (argTypes: readonly DataType[]) => ({ type: name === 'grouping' ? 'int32' : 'int64', argTypes }),
  impl: (): never => {
    throw new AnalysisError(`${name}() can only be used with GROUP BY ROLLUP / CUBE / GROUPING SETS (or df.rollup() / df.cube())`);
  },
}));

/** Registers the aggregates of this module (and the grouping() / grouping_id() names). */
export function register(registry: FunctionRegistry): void {
  registry.registerAggregate(...DEFS);
  registry.registerScalar(...GROUPING_PLACEHOLDERS);
}
