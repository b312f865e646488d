/**
 * Group-by over small key domains in one pass: while GroupKeys hands out ids from direct slots
 * (data/direct-keys.ts), the partial aggregate does not write a group id per row and then loop
 * over the ids once per aggregate; one generated loop (`GroupKeys.insertFused`) computes each
 * row's slot and runs every aggregate's row source (`rowSource`, expr/aggregates.ts) on states
 * indexed by that slot, e.g. `sums[code[i] - lo] += v[i]`. New keys still get ids in
 * first-appearance order (the loop checks for unseen slots until every slot the batch can reach
 * has an id), so output order is the same as on the other paths.
 *
 * The slot-indexed states are accumulators of the same kinds, one set per slot layout; they are
 * moved to their new slots when the slots move (a key outside the ranges seen) and copied or
 * merged (`merge`, as a final phase does) into the group-indexed accumulators before output
 * (`flush`). Kinds: count, sum, avg, min / max
 * of numbers, corr / covariance; any other aggregate in the list leaves the batch to the ids path.
 * Rows of values without nulls share work: count(*), count(x) and avg(x) share one count array
 * per layout (unshared when a batch brings nulls), and sum, min and max do not set their has flags per row
 * (every group seen has a value: the flags are set per group when merging).
 *
 * `HashAggregateOp` (exec/aggregate.ts) uses this in its partial and complete modes.
 *
 * Measured 2026-12-06 13:00-14:00 UTC on the shared 2-core machine, load average 4-10 from other
 * jobs (so absolute times are 2-4× their quiet values; take the ratios; the loop figures below
 * come from the same script before it moved to bench/):
 *  - Loops alone (`npx tsx bench/slot-loops.ts sum dict` / `avg` / `corr dict`: 40 batches of
 *    65,536 rows, best CPU time of 15; ids path = GroupKeys.insert then the accumulators' loops):
 *    sum by a 100-code dictionary key 5.4-5.7 → 2.7-2.9 ns/row; three avgs by an int key of 100 values 10.8 → 7.7-7.9; corr by dictionary
 *    × int key (10,201 slots) 15.9-16.5 → 13.4-13.5, and 12.6-12.9 with the means kept in locals.
 *    Hand-written variants of the three-avg loop (unsigned range check, no check at all) ran
 *    within 2% of the generated one (5.6-5.7 ns/row): it is bound by its loads and stores.
 *  - Cached 1e7-row db-benchmark table, 2 threads, 20 × (`cache()` + `count()` of the answer), min
 *    (load average 6): q1 32.6 → 18.8 ms, q4 56.3 → 43.4 ms (main's build first, then this).
 *  - `flock /work/wt/notes/bench.lock npx tsx --max-old-space-size=12000 bench/dbbench.ts --rows
 *    1e7 --only groupby --q q1,q2,q4,q9 --reps 5 --baseline /work/wt/base/dist` (median paired
 *    speed-up, three runs, load average 6-10): q1 1.38× / 2.45× / 1.82×, q2 1.76× / 1.65× /
 *    1.54×, q4 1.13× / 1.31× / 1.32×, q9 1.01× / 0.99× / 1.49× (the last run with the co-moment
 *    locals). Keys of 1e5 values (q3, q5, q7) with a limit of 2^17 slots: no clear change
 *    (0.77-1.34× over two runs), so the limit stays 2^16. (Later raised to 2^17 with exact
 *    widening near it: see data/direct-keys.ts.)
 *  - The final phase over the partial states of ≤ 1e4 groups takes 0.2-0.6 ms per partition
 *    (stage events), the main thread's dispatch ~1 ms per task (structured clone of the request).
 *
 * Packed states, int32 slot arithmetic, early end of the new-id check (2026-12-06 15:30-16:00 UTC,
 * same machine, load average 7-11 from other jobs, so wall times mean little):
 *  - Two or more float states per slot are packed side by side in one Float64Array (state j of slot
 *    s at `P[s * w + j]`, has flags stay apart), copied back before anything else reads the
 *    accumulators' arrays (`unpack`: flush, a count leaving the shared one); int32 keys within
 *    int32 get their slots in int32 arithmetic (direct-keys.ts, int32Geometry). Loops alone
 *    (scratch A/B against main's sources, alternating, best CPU of 15, 40 × 65,536 rows): three
 *    avgs by an int key 7.07 → 5.01 ns/row (1.41×), corr by dictionary × int 11.37 → 8.96 (1.27×),
 *    sum by a dictionary key 2.91 → 2.06 (1.14-1.41× over three runs).
 *  - bench:compare's second run was slower than the steady state because the first batch of every
 *    task ran whole (62,500 rows) through the loop variant that checks for new ids, a function
 *    called once per task and so still cold in a question's first runs: in worker profiles of q4
 *    it took 29 ms (run 1) and 20 ms (run 2) against 0.9 ms by run 7. The variant now stops once
 *    every reachable slot has an id and the batch goes on in the loop without the check.
 *  - Worker CPU per thread (ms, /proc/self/task/<tid>/schedstat around each answer, the compare
 *    harness's engine and sequence, 1e7 rows, 2 threads), run 1 / run 2 / later rounds, main's
 *    build → this: q1 22 / 17 / 15-17 → 18 / 13 / 12-14; q2 43 / 32 / 23-28 → 39 / 28 / 21-25; q4
 *    52 / 43 / 37-46 → 37 / 27 / 26-30; q9 81 / 69 / 60-67 → 66 / 57 / 47-60. The main thread's
 *    CPU in a question's runs 1-2 (8-36 ms, cold planning and final phase) against 3-9 ms later is
 *    not changed. `bench/dbbench.ts --rows 1e7 --q q1,q2,q4,q9,q7 --reps 7 --baseline <main>`
 *    (wall, load average 7-9): q4 1.69× (1.35× in a 5-pair run), q9 1.11×, q1 0.97×, q2 0.90×, q7
 *    0.92×: under that load only q4's gain shows above the noise.
 *  - Not done, measured: dictionary codes as Uint8Array in the sum loop run as fast as Int32Array
 *    (2.17 against 2.19 ns/row; Uint16Array 2.7-3.4), so the cache keeps Int32Array indices.
 *    Posting a q4 task's request (80 batches × 4 shared columns) costs 0.2-0.4 ms and receiving it
 *    0.25-1 ms outside GC pauses (MessageChannel, scratch), so dispatch stays as it is.
 *
 * Widening and flush (2026-12-06 evening, figures in data/direct-keys.ts): a new layout (the keys'
 * ranges widened) no longer merges the slot states into the group accumulators (state, take and
 * merge of every slot, allocating): `reslot` moves each group's states to its slot in the new
 * layout. `flush` copies states into accumulators that hold nothing else yet (`fresh`; a sum's
 * has flags not kept per row are set per group), else merges as before. A layout that no row
 * updated yet is packed without copying its start values (`untouched`).
 *
 * min / max without has stores (2026-12-06 21:00 UTC): like sums, min and max (row tags H, L)
 * leave their has flags to the flush while no value was null (`hasImplicit`); a batch with null
 * values switches every aggregate to flags per row. The q7 loop shape (max and min of int32 values
 * by 1e5 dictionary codes, two packed states per slot), hand-compiled in one process over the same
 * 76 batches, best of three: 7.8 ns/row with the two has stores per row, 4.7 without (load 6).
 * One task's loops and the paired dbbench figures (q7 1.16×) are in data/direct-keys.ts.
 */
import { type ColumnData, take } from '../data/column.js';
import { loopFamily } from '../data/specialize.js';
import type { GroupKeys, SlotWork } from '../data/direct-keys.js';
import { isDecimal } from '../types.js';
import type { Accumulator } from './function-defs.js';
import { AvgAcc, CoMomentsAcc, CountAcc, type FusedArrays, MinMaxAcc, STATES, SumAcc, partsHead, rowSource } from './aggregates.js';

const EMPTY = new Float64Array(0);

/** An aggregate's kind in the fused loop: count, sum, avg, min / max, co-moments. */
type Kind = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'corr';

/** Numeric value arrays the generated loops read (not bigints, not strings). */
function numbers(col: ColumnData | undefined): ArrayLike<number> | null {
  if (col === undefined || col.type === 'null' || col.values === null || !ArrayBuffer.isView(col.values)) return null;
  const v = col.values as ArrayLike<number> & ArrayBufferView;
  return v instanceof BigInt64Array || v instanceof BigUint64Array ? null : v;
}

/** The kind of each accumulator over these arguments, or null when one is of another kind. */
function kindsOf(accs: readonly Accumulator[], args: readonly (readonly ColumnData[])[]): Kind[] | null {
  const kinds: Kind[] = [];
  for (let k = 0; k < accs.length; k++) {
    const acc = accs[k]!;
    const a = args[k]!;
    if (acc instanceof CountAcc && (acc.star || a.length === 0)) kinds.push('count');
    else if (acc instanceof CountAcc && a.length === 1 && a[0]!.type !== 'null') kinds.push('count');
    else if ((acc instanceof SumAcc || acc instanceof AvgAcc) && numbers(a[0]) !== null) kinds.push(acc instanceof SumAcc ? 'sum' : 'avg');
    else if (acc instanceof MinMaxAcc && acc.type !== 'utf8' && !isDecimal(acc.type) && numbers(a[0]) !== null) kinds.push(acc.isMax ? 'max' : 'min');
    else if (acc instanceof CoMomentsAcc && numbers(a[0]) !== null && numbers(a[1]) !== null) kinds.push('corr');
    else return null;
  }
  return kinds;
}

/**
 * The arrays an accumulator of a fused kind keeps its states in, in the order its row source
 * (`rowSource`) names them: per group (or slot), the same entry of each.
 */
function stateArrays(acc: Accumulator): (Float64Array | Uint8Array)[] {
  if (acc instanceof CountAcc) return [acc.counts];
  if (acc instanceof SumAcc) return [acc.sums, acc.has];
  if (acc instanceof AvgAcc) return [acc.sums, acc.counts];
  if (acc instanceof MinMaxAcc) return [acc.vals, acc.has];
  const c = acc as CoMomentsAcc;
  return [c.n, c.mx, c.my, c.cxy, c.m2x, c.m2y];
}

/**
 * Accumulators whose has flags the fused loop leaves unset while no value was null (sum, min, max:
 * every group seen then has a value; the flags are set per group when the states leave the slots).
 */
const hasImplicit = (acc: Accumulator): boolean => acc instanceof SumAcc || acc instanceof MinMaxAcc;

type MoveLoop = (from: Float64Array | Uint8Array, sel: Int32Array, to: Float64Array | Uint8Array, at: Int32Array) => void;
/** to[at[j]] = from[sel[j]] for each j (a copy per array type: monomorphic). */
const moveLoop = loopFamily<MoveLoop>('moveStates', ['from', 'sel', 'to', 'at'], () => 'for (let j = 0; j < sel.length; j++) to[at[j]] = from[sel[j]];');
const move: MoveLoop = (from, sel, to, at) => moveLoop(from, to)(from, sel, to, at);

/** The partial aggregation of one task by slot (see the module comment). */
export class SlotAggregation {
  /** Accumulators indexed by slot of the layout `ids`, or null (none yet, or merged). */
  private slotAccs: Accumulator[] | null = null;
  /** The slot → id array of the slot accumulators' layout. */
  private ids: Int32Array | null = null;
  /** The count shared by the counts and avgs not in `own`. */
  private shared = new Float64Array(0);
  /** The shared count of the layout before (read while its states move to the new one). */
  private oldShared = EMPTY;
  /** The accumulators hold no state yet (flush copies into them instead of merging). */
  private fresh = true;
  /** The slot accumulators hold their start values (a new layout that no row updated yet). */
  private untouched = false;
  /** Per aggregate: keeps its own count in this layout (it met a null). */
  private own: boolean[];
  /** Sums, mins and maxes set their has flags per row (once a value was null, or a batch went another way). */
  private explicitHas = false;
  /**
   * The float states the loop updates, packed side by side: state j of slot s at
   * `packed[s * packedArrays.length + j]`, standing for `packedArrays[j][s]` (copied back by
   * `unpack` before anything else reads or replaces those arrays). Null: the arrays hold the states.
   */
  private packed: Float64Array | null = null;
  private packedArrays: Float64Array[] = [];
  /** The previous batch's work, its layout, variant and packed states (reused while they stay). */
  private last: { ids: Int32Array; variant: string; packed: Float64Array | null; work: SlotWork & { ctx: FusedArrays } } | null = null;

  constructor(private readonly keys: GroupKeys, private readonly accs: readonly Accumulator[], private readonly make: () => Accumulator[]) {
    this.own = accs.map(() => false);
  }

  /**
   * Aggregates rows [0, n) (keys `cols`, each aggregate's arguments `args`); returns the rows
   * done: n, or fewer (from 0) when the keys or the aggregates do not allow slots: the caller
   * inserts and updates the rest the usual way.
   */
  consume(cols: readonly ColumnData[], n: number, args: readonly (readonly ColumnData[])[]): number {
    const kinds = kindsOf(this.accs, args);
    const done = kinds === null ? 0 : this.keys.insertFused(cols, n, (ids) => this.work(ids, kinds, args));
    if (done < n) {
      this.hasPerRow();
      this.fresh = false; // the caller updates the accumulators with the rest
    }
    return done;
  }

  /**
   * Moves the slot states into the accumulators (before their output). While the accumulators
   * hold nothing else (`fresh`), each group's states are copied from its slot; else merged.
   */
  flush(): void {
    this.unpack();
    const slotAccs = this.slotAccs;
    const ids = this.ids;
    this.slotAccs = null;
    this.ids = null;
    if (slotAccs === null || ids === null) return;
    let m = 0;
    for (let s = 0; s < ids.length; s++) if (ids[s]! >= 0) m++;
    if (m === 0) return;
    const sel = new Int32Array(m);
    const groups = new Int32Array(m);
    for (let s = 0, j = 0; s < ids.length; s++) if (ids[s]! >= 0) { sel[j] = s; groups[j++] = ids[s]!; }
    const fresh = this.fresh;
    this.fresh = false;
    if (!fresh) this.markHas(slotAccs, ids);
    this.accs.forEach((acc, k) => {
      acc.grow(this.keys.size);
      if (!fresh) return acc.merge(groups, m, slotAccs[k]!.state(ids.length).map((c) => take(c, sel)));
      const to = stateArrays(acc);
      stateArrays(slotAccs[k]!).forEach((from, j) => {
        // A sum's has flags not kept per row: every group has a value.
        if (hasImplicit(acc) && j === 1 && !this.explicitHas) for (let i = 0; i < m; i++) (acc as SumAcc | MinMaxAcc).has[groups[i]!] = 1;
        else move(from, sel, to[j]!, groups);
      });
    });
  }

  /**
   * Carries the slot states over to the layout `ids` (the keys' ranges widened: every group seen so
   * far has a slot in both layouts): new accumulators by slot, each group's states copied over.
   */
  private reslot(ids: Int32Array): void {
    this.unpack();
    const old = this.slotAccs!;
    const oldIds = this.ids!;
    const slotOf = new Int32Array(this.keys.size);
    for (let s = 0; s < ids.length; s++) if (ids[s]! >= 0) slotOf[ids[s]!] = s;
    let m = 0;
    for (let s = 0; s < oldIds.length; s++) if (oldIds[s]! >= 0) m++;
    const from = new Int32Array(m);
    const to = new Int32Array(m);
    for (let s = 0, j = 0; s < oldIds.length; s++) if (oldIds[s]! >= 0) { from[j] = s; to[j++] = slotOf[oldIds[s]!]!; }
    const accs = this.newSlotAccs(ids.length);
    move(this.oldShared, from, this.shared, to);
    accs.forEach((acc, k) => {
      const next = stateArrays(acc);
      stateArrays(old[k]!).forEach((a, j) => {
        if (a !== this.oldShared) move(a, from, next[j]!, to);
      });
    });
    this.untouched = false;
  }

  /** Accumulators for `slots` slots, counts and avgs not in `own` sharing a new `shared` (the old one kept as `oldShared`). */
  private newSlotAccs(slots: number): Accumulator[] {
    const accs = this.make();
    this.oldShared = this.shared;
    this.shared = new Float64Array(slots);
    accs.forEach((a, k) => {
      a.grow(slots);
      if ((a instanceof CountAcc || a instanceof AvgAcc) && !this.own[k]) a.counts = this.shared;
    });
    this.slotAccs = accs;
    this.untouched = true;
    return accs;
  }

  /** Packs `arrays` (the first `slots` entries of each) unless they are packed already. */
  private pack(arrays: readonly Float64Array[], slots: number): Float64Array {
    const old = this.packedArrays;
    if (this.packed !== null && old.length === arrays.length && old.every((a, j) => a === arrays[j])) return this.packed;
    this.unpack();
    const w = arrays.length;
    const p = new Float64Array(slots * w);
    arrays.forEach((a, j) => {
      // States not updated yet hold their start value (0, or min / max's sentinel) everywhere.
      const start = a[0]!;
      if (!this.untouched) for (let s = 0; s < slots; s++) p[s * w + j] = a[s]!;
      else if (start !== 0) for (let s = 0; s < slots; s++) p[s * w + j] = start;
    });
    this.packedArrays = arrays.slice();
    return (this.packed = p);
  }

  /** Copies the packed states back into their arrays. */
  private unpack(): void {
    const p = this.packed;
    if (p === null) return;
    const arrays = this.packedArrays;
    const w = arrays.length;
    const slots = p.length / w;
    arrays.forEach((a, j) => {
      for (let s = 0; s < slots; s++) a[s] = p[s * w + j]!;
    });
    this.packed = null;
    this.packedArrays = [];
  }

  /** Sums in has-implicit mode: every slot with a group has a value (no value was null). */
  private markHas(slotAccs: readonly Accumulator[], ids: Int32Array): void {
    if (this.explicitHas) return;
    for (const a of slotAccs) if (hasImplicit(a)) for (let s = 0; s < ids.length; s++) if (ids[s]! >= 0) (a as SumAcc | MinMaxAcc).has[s] = 1;
  }

  /** From now on sums keep has flags per row (their slot states so far get them per group). */
  private hasPerRow(): void {
    if (this.explicitHas) return;
    if (this.slotAccs !== null) this.markHas(this.slotAccs, this.ids!);
    this.explicitHas = true;
  }

  /** The row work for a batch in layout `ids` (merging the previous layout's states first). */
  private work(ids: Int32Array, kinds: readonly Kind[], args: readonly (readonly ColumnData[])[]): SlotWork {
    if (ids !== this.ids) {
      if (this.slotAccs !== null) this.reslot(ids);
      else {
        this.own.fill(false);
        this.newSlotAccs(ids.length);
      }
      this.ids = ids;
      this.last = null;
    }
    const accs = this.slotAccs!;
    // A count leaving the shared one copies it: the packed states go back first.
    if (kinds.some((kind, k) => (kind === 'count' || kind === 'avg') && (args[k]![0]?.validity ?? null) !== null && !this.own[k])) this.unpack();
    if (!this.explicitHas && kinds.some((kind, k) => (kind === 'sum' || kind === 'min' || kind === 'max') && args[k]![0]!.validity !== null)) this.hasPerRow();
    const tags: string[] = [];
    const x: (ArrayLike<number> | null)[] = [];
    const y: (ArrayLike<number> | null)[] = [];
    const vx: (Uint8Array | null)[] = [];
    const vy: (Uint8Array | null)[] = [];
    const st: (Float64Array | Uint8Array)[][] = [];
    let sharedUsed = false;
    let variant = '';
    kinds.forEach((kind, k) => {
      const acc = accs[k]!;
      const a = args[k]!;
      const valid = a[0]?.validity ?? null;
      if ((kind === 'count' || kind === 'avg') && valid !== null && !this.own[k]) {
        // Nulls: this aggregate's count leaves the shared one.
        const own = acc as CountAcc | AvgAcc;
        own.counts = own.counts.slice();
        this.own[k] = true;
      }
      const tag = kind === 'count' ? (this.own[k] ? 'n' : 'C') : kind === 'sum' ? (this.explicitHas ? 's' : 'S')
        : kind === 'avg' ? (this.own[k] ? 'a' : 'A') : kind === 'corr' ? 'r' : kind === 'max' ? (this.explicitHas ? 'M' : 'H') : this.explicitHas ? 'm' : 'L';
      st.push(stateArrays(acc));
      if (tag === 'C' || tag === 'A') sharedUsed = true;
      const xs = kind === 'count' ? null : numbers(a[0]);
      const ys = kind === 'corr' ? numbers(a[1]) : null;
      const vys = kind === 'corr' ? a[1]!.validity : null;
      tags.push(tag);
      x.push(xs);
      y.push(ys);
      vx.push(valid);
      vy.push(vys);
      variant += `_${tag}${xs === null ? '' : xs.constructor.name}${ys === null ? '' : ys.constructor.name}${valid === null ? '' : 'v'}${vys === null ? '' : 'w'}`;
    });
    // The same work as the previous batch's (same layout, tags and array types): its ctx takes this batch's arrays.
    const last = this.last;
    if (last !== null && last.ids === ids && last.variant === variant && last.packed === this.packed) {
      Object.assign(last.work.ctx, { x, y, vx, vy });
      return last.work;
    }
    // Two or more float states per slot are packed side by side (one cache line per row, one base):
    // each state's offset, or -1 for the has flags (Uint8Array), updated where they are.
    const floats: Float64Array[] = [];
    const offset = (a: Float64Array | Uint8Array): number => {
      if (!(a instanceof Float64Array)) return -1;
      const o = floats.indexOf(a);
      return o >= 0 ? o : floats.push(a) - 1;
    };
    const offsets = tags.map((tag, k) => Array.from({ length: STATES[tag]! }, (_, j) => offset(st[k]![j]!)));
    const scAt = sharedUsed ? offset(this.shared) : -1;
    const w = floats.length;
    if (w < 2) this.unpack();
    const packed = w < 2 ? EMPTY : this.pack(floats, ids.length);
    this.untouched = false; // (the loop runs next)
    const ctx: FusedArrays & { sc: Float64Array; P: Float64Array } = { x, y, vx, vy, st, sc: this.shared, P: packed };
    const source = () => {
      const at = (k: number) => (j: number) => (w >= 2 && offsets[k]![j]! >= 0 ? `P[gw + ${offsets[k]![j]!}]` : `k${k}_${j}[g]`);
      const rows = tags.map((tag, k) => rowSource(tag, `k${k}_`, vx[k] !== null, vy[k] !== null, at(k)));
      if (sharedUsed) rows.push(w >= 2 ? `P[gw + ${scAt}]++;` : 'sc[g]++;');
      if (w >= 2) rows.unshift(`const gw = g * ${w};`);
      return { head: `${partsHead(tags, 'ctx')}\nconst sc = ctx.sc, P = ctx.P;`, row: rows.join(' ') };
    };
    const layout = w >= 2 ? `_P${offsets.map((o) => o.join('.')).join('_')}_${scAt}` : '';
    const work = { tag: `w${variant}${sharedUsed ? '_sc' : ''}${layout}`.replaceAll('-', 'u').replaceAll('.', 'd'), source, ctx };
    this.last = { ids, variant, packed: this.packed, work };
    return work;
  }
}
