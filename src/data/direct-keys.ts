/**
 * Direct group ids for small key domains: integer keys (int32, int64, date32), booleans and
 * combinations of them whose values span a small range are turned into group ids with array
 * lookups instead of hashing. Each key column is a dimension of `range + 1` slots (value - lo,
 * then one slot for null); a row's slot is the mixed-radix number of its columns' slots, and a
 * slot → id array (-1 = unseen) hands out dense ids in first-appearance order, exactly as the
 * KeyTable does, so accumulators and output order are the same on both paths.
 *
 * The ranges come from a min/max scan of the first batch; after that the slot loops check each
 * value against its column's range, and the first value outside it stops the loop: a min/max scan
 * of that batch widens the range and the batch is done again (existing ids are kept: only the
 * slot → id array is rebuilt; rows already placed get the same ids again). The loops are compiled
 * per array type (specialize.ts). When the slots would exceed
 * `maxSlots` (default 2^20, a 4 MiB array), or a column is of a kind without a small domain, the
 * keys seen so far are moved into a KeyTable once, in id order (so ids stay the same), and later
 * batches are hashed.
 *
 * `insertFused` is the same walk without the ids: a generated loop per key layout and per
 * aggregate work (expr/slot-aggregates.ts) computes each row's slot, gives an unseen slot its id
 * (the check is left out once every slot the batch can reach has one) and runs the work's row
 * source on states indexed by slot, up to MAX_FUSED_SLOTS slots. A widening whose slack would
 * take the slots past MAX_FUSED_SLOTS while the exact ranges stay under it takes the exact ranges:
 * random keys of 1e5 values often miss an end in the first batch, and the slack (another range)
 * then left the fused path for the rest of the task.
 *
 * Keys of 1e5 values fused (2^17 slots, exact widening under it) against the ids path, measured
 * 2026-12-06 15:55-16:00 UTC on the shared 2-core machine under load average 8-10 from other jobs:
 *  - loops alone, ids path → fused, random keys 1..1e5 in batches of 65,536 rows, best CPU: a
 *    scratch copy of bench/slot-loops.ts (76 batches, best of 9, load 8-10): q5 shape (three sums
 *    by an int key) 16.4-20.7 → 15.2-15.9 ns/row, q3 shape (sum and avg by dictionary codes) 12.4
 *    → 10.9; `npx tsx bench/slot-loops.ts sum3 int 100000` / `sumavg dict 100000` (16:38, load
 *    7-9): 26.1 → 24.4 and 21.0 → 20.4 ns/row. Before the exact widening, 2 of 3 q5 runs left
 *    the fused path in the first batches (the slack doubled the range).
 *  - `flock /work/wt/notes/bench.lock npx tsx --max-old-space-size=12000 bench/dbbench.ts --rows
 *    1e7 --only groupby --q q3,q5[,q8] --reps 5 --baseline /work/wt/base/dist` (median paired
 *    speed-up, load 7-12): 16:01 q3 1.02× (pairs 0.83-2.47), q5 1.25× (0.76-2.21), q8 0.85×
 *    (0.75-1.10, not changed: noise); 16:37 q3 0.94× (0.52-1.16, best 0.44 → 0.43 s), q5 1.12×
 *    (0.89-2.16, best 0.39 → 0.33 s). A modest gain on q5, none shown on q3 under this load.
 *  - worker profile of 10 × q5 on the cached 1e7-row table (2 threads): the fused loop is ~73%
 *    of the partial aggregate, merging the slot states into the group accumulators (flush:
 *    state(), take, merge, each allocating) ~13%, the partial output ~7%.
 *
 * Slack and the part seen (2026-12-06 evening): a first range of at least 2^14 values gets slack up
 * to MAX_FUSED_SLOTS at once, half on each side (fillSlack), and a widening whose doubling would
 * pass that limit takes the exact range plus what slack fits. Each dimension also keeps the part
 * of its range seen so far (`seenLo`, `seen`): the fused loop checks values against that part, a
 * value in the slack outside it only grows it (no re-slotting), and the new-id check ends once
 * every slot of the part seen has an id, as before. Exact widening starts from the part seen;
 * the ids path (`insert`) checks against the whole layout, so it first makes the part seen all of
 * it. The fused loop's new-id check reads a bitmap (`slotSeen`, 16 KiB for 2^17 slots) instead of
 * the slot → id array, and each new loop variant is called over no rows WARM_CALLS times before
 * its first batch (`--trace-deopt` had shown both variants deoptimising on their second call:
 * "insufficient type feedback" for the reads before the loop). Why, measured 18:00-18:45 UTC on
 * the shared 2-core machine (load average 4-9 from other jobs, so take ratios):
 *  - worker profile of 10 × q5 on the cached 1e7-row table, 2 threads (`KINDLING_WORKER_FLAGS=
 *    "--cpu-prof ..."`, samples after the load only): busy worker CPU 5.9 s, of which the fused
 *    loops 2.6 s (43%) and merging slot states at each widening (`flush` from `work`: state, take,
 *    merge, allocating) 1.4 s (24%): random keys 1..1e5 re-slotted twice per task (the first
 *    batch misses an end about half the time, each end widened separately). Main thread: ~13 ms
 *    per run; the final stage ~16 ms of the ~270 ms job.
 *  - the loop itself is not cache-miss bound: timed per call, the loop without the new-id check
 *    ran 7.5-9 ns/row over three sums of 2^17 slots; the one with it (the first ~2.4M of a run's
 *    1e7 rows, until all 1e5 keys have ids) 17-22 ns/row steady, 50 ns/row in the first run. So no
 *    radix partitioning: the time went to re-slotting, merging and warm-up.
 *  - after (slack, states moved instead of merged, see slot-aggregates.ts): one layout per task,
 *    no widening for q5. Loops alone with a fresh task each run (scratch A/B of main's build and
 *    this one in one process, 76 batches of 65,536 random keys 1..1e5, CPU ms per task, runs 1-2,
 *    load 8): three sums by int 336 / 289 → 147 / 102, sum + avg by int 429 / 190 → 134 / 78; by
 *    dictionary codes (no widening) 213 / 154 → 128 / 90 after the warm calls.
 *  - `flock /work/wt/notes/bench.lock npx tsx --max-old-space-size=12000 bench/dbbench.ts --rows
 *    1e7 --only groupby --q q3,q5,q7 --reps 5 --baseline /work/wt/base/dist` (median paired
 *    speed-up): 18:17 (after the slack and moves, tests running alongside) q3 1.42×, q5 1.21×, q7
 *    1.23×; 18:35 (after the bitmap and warm calls) q3 1.33×, q5 1.38×; 18:42 (load 6) q3 1.09×
 *    (pairs 0.85-1.49), q5 1.12× (1.05-1.64), q7 1.22× (0.91-1.50).
 *  - bench:compare's measure (a fresh process, the best of a question's first two runs after the
 *    cache load; `scratch/k1e5-seq.mjs`, main's build then this one, 18:45): q3 146 → 112 ms, q5
 *    206 → 146, q7 130 → 96 (a second pair under heavier load was noise: 186 / 304 / 192 against
 *    217 / 332 / 247).
 *
 * Keys pass before the work's loop (2026-12-06 20:30-21:10 UTC, shared 2-core machine, load
 * average 4-8 from other jobs, so take ratios): while some reachable slot has no id, `insertFused`
 * first runs the fused loop with no work (`ID_PASS`: keys, range check, bitmap test, newGroup) up
 * to the row that completes the slots or the first key outside the part seen, then the work's loop
 * without the new-id check over the same rows. Ids stay in first-appearance order (a test compares
 * the row order with the hash path's). Why and what it gave:
 *  - worker profile of 8 × q3, q5, q7 on the cached 1e7-row table (2 threads, `KINDLING_WORKER_FLAGS=
 *    "--cpu-prof ..."`): the loop variants with the check took 633-799 ms against 463-625 ms for
 *    the ones without, though they ran over about a quarter of the rows (a task of 5e6 rows sees
 *    all 1e5 keys after ~1.15e6 rows); with the pass, the three work loops 866-1106 ms plus the two
 *    passes 457 ms, against 3899 ms for the six loops before (same protocol, load 4).
 *  - the pass alone over id3 codes dumped from the engine's batches, until every key was seen:
 *    2.8-4.8 ns/row (an inlined variant writing ids in the loop: the same).
 *  - one task's loops (76 batches of 65,536 rows, 1e5 keys uniformly drawn, fresh GroupKeys +
 *    SlotAggregation per run, CPU ms per task, min over 4 alternating process pairs, runs 1-6),
 *    main's build → this one (with fused min / max without has stores, slot-aggregates.ts): q7 shape
 *    154 84 79 83 80 63 → 110 64 63 67 63 57; q5 shape 178 93 91 95 157 83 → 172 101 96 101 92 102;
 *    q3 shape 130 70 71 69 51 63 → 121 75 69 74 70 86 (q3 / q5: the same within noise). With keys
 *    that never all appear (a generator that left some of the 1e5 values out: the check ran over
 *    every row of the task), runs 1-3: q7 155 107 104 → 115 61 56, q5 184 132 138 → 173 123
 *    124, q3 160 100 100 → 153 94 92.
 *  - `flock /work/wt/notes/bench.lock npx tsx --max-old-space-size=12000 bench/dbbench.ts --rows
 *    1e7 --only groupby --q q3,q5,q7 --reps 5 --baseline /work/wt/base/dist` (median of the paired
 *    ratios): 21:05 (load 5-6) q3 1.04× (pairs 0.67-1.06), q5 1.09× (0.66-1.43), q7 1.16×
 *    (0.86-1.61, best 0.10 → 0.09 s); `--q q3,q5 --reps 7` at 21:06: q3 0.97× (0.96-1.24), q5
 *    1.02× (0.93-1.36); 20:57 under load 7-8: q3 1.39×, q5 1.12×, q7 0.99× (pairs 0.5-1.9).
 *  - where the rest goes: per answer the two partial tasks (5e6 rows each) are nearly all of it;
 *    the four final tasks take 2-3 ms each once warm (stage events). Timed per call with the
 *    thread's CPU clock, the q7 work loop ran 10-15 ns/row inside the engine under load 6-7, and
 *    5.5 ns/row over the same dumped batches in isolation (random slots of 1e5 in 1.6-2.4 MiB of
 *    packed states: memory latency; padding three states to four per slot did not help).
 *
 * Measured 2026-12-06 between 06:10 and 06:35 UTC on the shared 2-vCPU machine (load average
 * 17-21 from other jobs, so take ratios, ±10-20%), 1e6-row db-benchmark groupby table:
 *  - ids alone (2^20 int keys in 64Ki-row batches, best CPU of 3, KeyTable / direct): 100 values
 *    9.9 / 4.0 ms (2.5×); 1e4 values 13.9 / 4.6 ms (3.0×); 1e5 values 38.2 / 7.3 ms (5.3×);
 *    two columns of 100 values 24.8 / 8.0 ms (3.1×); int64, 1e4 values 14.9 / 4.2 ms (3.6×).
 *  - `npx tsx bench/direct-agg.ts 1 11` / `... 2 9` (direct on vs off in one session, median of
 *    the pairs' CPU-time ratios, 1 / 2 threads): q4 (id4) 1.19× / 1.12×, q5 (id6) 1.26× / 1.52×,
 *    q6 (id4, id5; median dominates) 1.11× / 0.90×; q9 and q10 group on strings too and stay
 *    hashed (1.07× / 0.99×, 0.96× / 1.00×: the noise).
 *  - `npm run bench:db -- --rows 1e6 --only groupby --q q4,q5,q6,q8,q9,q10 --reps 9 --baseline
 *    <KeyTable build>` (wall, 2 threads, median of 9 pairs): q4 1.08×, q5 1.30×, q6 1.08×,
 *    q8 0.99× (window partitions by id6: the sort dominates), q9 1.04×, q10 1.18× (noise).
 */
import { ColumnData, allocValues, dictColumn, take } from './column.js';
import { KeyTable } from './key-table.js';
import { loopFamily } from './specialize.js';
import type { DataType } from '../types.js';

/** Largest number of slots (product of the key columns' ranges + 1) aggregated directly. */
export const MAX_DIRECT_SLOTS = 1 << 20;

/**
 * Most slots {@link GroupKeys.insertFused} aggregates by: 2^17, so that keys of 1e5 values (db-benchmark
 * id3, id6: q3, q5, q7) are fused too (per-slot states of 2^17 entries, about 1 MiB per sum).
 */
export const MAX_FUSED_SLOTS = 1 << 17;

/** A first range of at least this many values gets slack up to MAX_FUSED_SLOTS (see fillSlack). */
const FIRST_SLACK_RANGE = 1 << 14;

/**
 * Per-row work fused into the slot loop of {@link GroupKeys.insertFused}: source over row `i`
 * and its slot `g` (names of the generated loop: `ctx` is passed through).
 */
export interface SlotWork {
  /** Names the variant: equal tags must mean equal sources (identifier characters only). */
  readonly tag: string;
  /**
   * The sources, asked for once per tag: `head` runs once before the loop (reads its arrays out
   * of `ctx`), `row` for each row `i`, with its slot in `g`.
   */
  source(): { head: string; row: string };
  readonly ctx: unknown;
}

/**
 * A key column as codes into a small, fixed set of values: `codes[i]` in [0, domain) for every
 * valid row (rows the column's validity marks null are ignored), and `values` the column of the
 * domain's values, code → value. Batches of one key column are aggregated directly only while they
 * hand back the same `values` object (the same domain); a batch with another one moves the keys to
 * hashing.
 */
export interface DomainCodes {
  readonly codes: Int32Array | Uint8Array;
  readonly domain: number;
  readonly values: ColumnData;
}

/** The two booleans, false (code 0) then true (code 1). */
const BOOLEAN_DOMAIN = new ColumnData('boolean', 2, Uint8Array.of(0, 1), null);

/**
 * The codes of a column whose values come from a small known set, or null for columns it does not
 * handle. Booleans are their own codes (domain 2). This is the hook for other column kinds with a
 * fixed domain: a dictionary-encoded column returns its indices, its dictionary's length and the
 * dictionary's entries as a dictionary column (one object per dictionary, shared by every batch of
 * the column, so slots stay stable across batches, and keys taken from it keep the dictionary).
 */
export function smallDomainCodes(col: ColumnData): DomainCodes | null {
  if (col.type === 'boolean' && col.values instanceof Uint8Array) return { codes: col.values, domain: 2, values: BOOLEAN_DOMAIN };
  if (col.indices !== null && col.dictionary !== null) return { codes: col.indices, domain: col.dictionary.length, values: dictionaryDomain(col.dictionary) };
  return null;
}

/**
 * Per dictionary, its domain as a dictionary column over it (entry k at row k): one object per
 * dictionary, and the group keys taken from it (`take(values, codes)`) stay dictionary columns on
 * the same dictionary, so an aggregate's key output keeps its codes through exchanges.
 */
const dictionaryDomains = new WeakMap<ColumnData, ColumnData>();

function dictionaryDomain(dictionary: ColumnData): ColumnData {
  let d = dictionaryDomains.get(dictionary);
  if (!d) {
    const identity = new Int32Array(dictionary.length);
    for (let k = 0; k < identity.length; k++) identity[k] = k;
    dictionaryDomains.set(dictionary, (d = dictColumn(identity, dictionary, null)));
  }
  return d;
}

const isIntType = (t: DataType): boolean => t === 'int32' || t === 'int64' || t === 'date32';

/**
 * One key column's dimension: values lo .. lo + range - 1 (int) or codes 0 .. range - 1 (domain),
 * then the null slot `range`. The fused loop checks values against the part seen so far, `seenLo`
 * .. `seenLo + seen - 1` (the layout may hold slack around it), so that its new-id check can end
 * once every slot of that part has an id.
 */
interface Dim {
  lo: number;
  range: number;
  seenLo: number;
  seen: number;
  /** Domain columns: the values the codes index; null for integer columns. */
  domain: ColumnData | null;
}

/** Options of {@link GroupKeys}. */
export interface GroupKeysOptions {
  /** Try direct ids (default true); false always hashes. */
  direct?: boolean;
  /** Most slots to aggregate directly (default {@link MAX_DIRECT_SLOTS}). */
  maxSlots?: number;
}

/**
 * Dense group ids for multi-column keys, the KeyTable's interface (`insert`, `size`,
 * `keyColumns`, `byteSize`, `reset`): direct slots while the keys allow, else a KeyTable.
 */
export class GroupKeys {
  /** Number of distinct keys so far. */
  size = 0;
  private table: KeyTable | null = null;
  private dims: Dim[] = [];
  private strides: number[] = [];
  /** slot → group id, -1 = unseen. */
  private slotIds: Int32Array = new Int32Array(0);
  /**
   * Bit s set: slot s has an id (what the fused loop checks: 16 KiB for 2^17 slots stay in the L1
   * cache, where slotIds' 512 KiB do not).
   */
  private slotSeen: Int32Array = new Int32Array(0);
  /** group id → slot. */
  private groupSlots: Int32Array = new Int32Array(64);
  /** Per-row slots of the current batch. */
  private rowSlots: Int32Array = new Int32Array(0);
  private readonly maxSlots: number;
  private readonly tryDirect: boolean;
  /** Scratch for the min/max scan. */
  private readonly minMax = new Float64Array(2);
  /** Groups whose key has no null (so all reachable slots are seen when it is the product of the ranges). */
  private nonNullGroups = 0;
  /** The fused loop's goal while it gives new ids: non-null groups that mean every reachable slot has one (0: every slot). */
  private fusedReach = 0;
  /** Set when the fused loop stopped because every slot the batch can reach has an id now. */
  private fusedAllSeen = false;
  /** Scratch: lo, range, stride, seenLo - lo and seen of each key column for the fused loop. */
  private geo = new Float64Array(5 * 4);

  constructor(readonly types: readonly DataType[], options: GroupKeysOptions = {}) {
    this.maxSlots = options.maxSlots ?? MAX_DIRECT_SLOTS;
    // utf8 keys may arrive as domain codes (see smallDomainCodes); other types always hash.
    this.tryDirect = (options.direct ?? true) && types.every((t) => isIntType(t) || t === 'boolean' || t === 'utf8');
    this.initDirect();
  }

  /** True while ids come from direct slots (false once the keys moved to hashing). */
  get direct(): boolean {
    return this.table === null;
  }

  private initDirect(): void {
    this.size = 0;
    this.nonNullGroups = 0;
    if (!this.tryDirect) {
      this.table = new KeyTable(this.types);
      return;
    }
    this.table = null;
    this.dims = this.types.map(() => ({ lo: 0, range: 0, seenLo: 0, seen: 0, domain: null }));
    this.layout(this.dims);
  }

  /** Sets dims, strides and the slot count, and reallocates slot → id (callers refill it). */
  private layout(dims: Dim[]): void {
    this.dims = dims;
    this.strides = [];
    let total = 1;
    for (const d of dims) {
      this.strides.push(total);
      total *= d.range + 1;
    }
    this.slotIds = new Int32Array(total).fill(-1);
    this.slotSeen = new Int32Array((total + 31) >>> 5);
  }

  /** Assigns ids to the keys of rows [0, n), inserting new keys; writes ids into `out`. */
  insert(cols: readonly ColumnData[], n: number, out: Int32Array): void {
    // The ids loops check values against the whole layout: the part seen becomes all of it.
    for (const d of this.dims) {
      d.seenLo = d.lo;
      d.seen = d.range;
    }
    if (this.table === null && !(this.fitBatch(cols, n, false) && this.assign(cols, n, out))) this.toTable();
    if (this.table !== null) {
      // (Rows a failed direct pass already placed get the same ids again from the table.)
      this.table.insert(cols, n, out);
      this.size = this.table.size;
    }
  }

  /**
   * Widens the dimensions to cover the batch's keys (re-slotting the groups seen so far); false
   * when the batch cannot be aggregated directly (a column without a small domain, or too many
   * slots). Without `scanAll`, integer columns that already have a range are not scanned: the
   * slot loops check each value against it and call back with `scanAll` on the first miss.
   */
  private fitBatch(cols: readonly ColumnData[], n: number, scanAll: boolean): boolean {
    let next: Dim[] | null = null;
    let exact: Dim[] | null = null;
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c]!;
      const d = this.dims[c]!;
      if (isIntType(col.type) && d.domain === null) {
        if (!scanAll && d.range > 0) continue;
        const mm = this.minMax;
        minMaxLoop(col.values, col.validity)(col.values!, col.validity, n, mm);
        const min = mm[0]!;
        const max = mm[1]!;
        if (min > max) continue; // only nulls
        // Slots are differences of doubles: exact for safe integers only.
        if (min < Number.MIN_SAFE_INTEGER || max > Number.MAX_SAFE_INTEGER) return false;
        if (d.range > 0 && min >= d.lo && max < d.lo + d.range) {
          // Within the layout (its slack): only the part seen grows.
          const lo = Math.min(d.seenLo, min);
          d.seen = Math.max(d.seenLo + d.seen - 1, max) - lo + 1;
          d.seenLo = lo;
          if (next !== null) next[c] = { ...d };
          if (exact !== null) exact[c] = { ...d };
          continue;
        }
        next ??= this.dims.map((x) => ({ ...x }));
        exact ??= this.dims.map((x) => ({ ...x }));
        next[c] = widen(d, min, max, true);
        exact[c] = widen(d, min, max, false);
      } else {
        const codes = smallDomainCodes(col);
        if (codes === null || (d.domain !== null && d.domain !== codes.values) || (d.domain === null && d.range > 0)) return false;
        if (d.domain === null) {
          next ??= this.dims.map((x) => ({ ...x }));
          exact ??= this.dims.map((x) => ({ ...x }));
          next[c] = exact[c] = { lo: 0, range: codes.domain, seenLo: 0, seen: codes.domain, domain: codes.values };
        }
      }
    }
    if (next === null) return true;
    // A first range of many values: slack at once (a batch of random keys rarely holds both ends).
    if (this.size === 0 && slotCount(next) <= MAX_FUSED_SLOTS) next = fillSlack(this.dims, next, FIRST_SLACK_RANGE);
    const slots = slotCount(next);
    if (slots > this.maxSlots || (slots > MAX_FUSED_SLOTS && slotCount(exact!) <= MAX_FUSED_SLOTS)) {
      // The slack overshoots (the limit, or the fused loops' limit that the exact ranges keep): take
      // the needed ranges, with what slack fits under the fused limit.
      next = slotCount(exact!) <= MAX_FUSED_SLOTS ? fillSlack(this.dims, exact!) : exact!;
      if (slotCount(next) > this.maxSlots) return false;
    }
    this.reslot(next);
    return true;
  }

  /** Moves to a new layout, keeping every group's id. */
  private reslot(next: Dim[]): void {
    const old = this.dims;
    const oldStrides = this.strides;
    this.layout(next);
    const gs = this.groupSlots;
    const ids = this.slotIds;
    const seen = this.slotSeen;
    if (old.length === 1) {
      // One column: a shift (and the null slot).
      const [o, nd] = [old[0]!, next[0]!];
      const shift = o.lo - nd.lo;
      for (let g = 0; g < this.size; g++) {
        const code = gs[g]!;
        const s = code === o.range ? nd.range : code + shift;
        gs[g] = s;
        ids[s] = g;
        seen[s >>> 5] |= 1 << (s & 31);
      }
      return;
    }
    for (let g = 0; g < this.size; g++) {
      let rest = gs[g]!;
      let s = 0;
      for (let c = old.length - 1; c >= 0; c--) {
        const o = old[c]!;
        const code = Math.floor(rest / oldStrides[c]!);
        rest -= code * oldStrides[c]!;
        const nd = next[c]!;
        const moved = code === o.range ? nd.range : code + o.lo - nd.lo;
        s += moved * this.strides[c]!;
      }
      gs[g] = s;
      ids[s] = g;
      seen[s >>> 5] |= 1 << (s & 31);
    }
  }

  /** A key column's values as slot offsets: the integers themselves, or a domain column's codes. */
  private slotValues(col: ColumnData, d: Dim): ArrayLike<number> {
    return d.domain === null ? col.values! : smallDomainCodes(col)!.codes;
  }

  /**
   * Slots, then ids, of rows [0, n); an integer key outside its column's range widens the
   * dimensions (and the pass restarts), false when they cannot widen (the caller hashes).
   */
  private assign(cols: readonly ColumnData[], n: number, out: Int32Array): boolean {
    if (cols.length === 1) return this.assignOne(cols[0]!, n, out);
    if (this.rowSlots.length < n) this.rowSlots = new Int32Array(Math.max(n, 1024));
    const slots = this.rowSlots;
    if (cols.length === 0) {
      for (let i = 0; i < n; i++) out[i] = this.slotIds[0]! >= 0 ? this.slotIds[0]! : this.newGroup(0);
      return true;
    }
    let c = 0;
    while (c < cols.length) {
      const col = cols[c]!;
      const d = this.dims[c]!;
      const v = this.slotValues(col, d);
      // The last column's loop also turns the slots into ids.
      const last = c === cols.length - 1;
      const miss = slotLoop(v, col.validity, c === 0, d.domain === null, last)(v, col.validity, n, slots, d.lo, d.range, this.strides[c]!, out, this.slotIds, this);
      if (miss < 0) c++;
      else if (this.fitBatch(cols, n, true)) c = 0; // new strides: every column again (ids already given stay the same)
      else return false;
    }
    return true;
  }

  /** One key column: slots and ids in one pass. */
  private assignOne(col: ColumnData, n: number, out: Int32Array): boolean {
    let i = 0;
    for (;;) {
      const d = this.dims[0]!;
      const v = this.slotValues(col, d);
      i = assignOneLoop(v, col.validity, d.domain === null)(v, col.validity, i, n, out, d.lo, d.range, this.slotIds, this);
      if (i === n) return true;
      if (!this.fitBatch([col], n, true)) return false;
    }
  }

  /**
   * Fused ids and aggregation: runs `work(slotIds)`'s row source over rows [0, n) with each row's
   * slot, giving new keys ids in first-appearance order as {@link insert} does but writing no ids,
   * so the work can index its states by slot. `work` is called again whenever the slots move (a
   * key outside the ranges seen): each call's `slotIds` (slot → id) is a new array, and the
   * previous one still maps the slots of the previous layout. While a slot the batch can reach has
   * no id, a pass of the keys alone (the fused loop with no work, `ID_PASS`) gives new keys ids
   * first, up to the row that completes the slots or the first key outside the part seen, and the
   * work's loop (never checking for new keys) then runs over those rows. Returns the rows done: n, or fewer when the keys
   * hash or need more than {@link MAX_FUSED_SLOTS} slots; the caller inserts the rest.
   */
  insertFused(cols: readonly ColumnData[], n: number, work: (slotIds: Int32Array) => SlotWork): number {
    const k = cols.length;
    if (this.table !== null || k === 0 || k > 4 || !this.fitBatch(cols, n, false)) return 0;
    let i = 0;
    while (this.slotIds.length <= MAX_FUSED_SLOTS) {
      const w = work(this.slotIds);
      const key: (ArrayLike<number> | boolean | string | null)[] = [];
      const vals: ArrayLike<number>[] = [];
      const valids: (Uint8Array | null)[] = [];
      let reachable = 1;
      let anyNull = false;
      for (let c = 0; c < k; c++) {
        const col = cols[c]!;
        const d = this.dims[c]!;
        const v = this.slotValues(col, d);
        vals.push(v);
        valids.push(col.validity);
        key.push(v, col.validity, d.domain === null, int32Geometry(v, d));
        this.geo.set([d.lo, d.range, this.strides[c]!, d.seenLo - d.lo, d.seen], 5 * c);
        reachable *= d.seen;
        anyNull ||= col.validity !== null;
      }
      this.fusedReach = anyNull ? 0 : reachable;
      const seen = this.allSeen();
      this.fusedAllSeen = false;
      if (!workSources.has(w.tag)) workSources.set(w.tag, w.source());
      const loop = warm(fusedSlotLoop(...key, true, w.tag), vals, valids, this.geo, n, n, this.slotSeen, this, w.ctx);
      let end = n;
      if (!seen) {
        // New keys possible: a pass of the keys alone gives them ids (in first-appearance order) up
        // to the first key outside the part seen, or through the row whose id completed the slots;
        // the work's loop then runs over those rows without the check.
        end = warm(fusedSlotLoop(...key, false, ID_PASS), vals, valids, this.geo, n, n, this.slotSeen, this, null)(vals, valids, this.geo, i, n, this.slotSeen, this, null);
        if (this.fusedAllSeen) end++;
      }
      i = loop(vals, valids, this.geo, i, end, this.slotSeen, this, w.ctx);
      if (i === n) return n;
      // Every slot has an id: the rest of the batch goes to the loop without the pass.
      if (this.fusedAllSeen && i === end) continue;
      if (!this.fitBatch(cols, n, true)) return i;
    }
    return i;
  }

  /**
   * Whether every slot the fused loop's batch can reach has an id (every slot, or with no null
   * key, every non-null one); called by the fused loop after a new id, it then stops.
   */
  allSeen(): boolean {
    return (this.fusedAllSeen = this.size === this.slotIds.length || (this.fusedReach > 0 && this.nonNullGroups === this.fusedReach));
  }

  /** Gives slot `s` the next id (called by the slot loops). */
  newGroup(s: number): number {
    const g = this.size++;
    this.slotIds[s] = g;
    this.slotSeen[s >>> 5] |= 1 << (s & 31);
    let nonNull = 1;
    for (let c = 0; c < this.dims.length; c++) if (Math.floor(s / this.strides[c]!) % (this.dims[c]!.range + 1) === this.dims[c]!.range) nonNull = 0;
    this.nonNullGroups += nonNull;
    if (g >= this.groupSlots.length) {
      const grown = new Int32Array(this.groupSlots.length * 2);
      grown.set(this.groupSlots);
      this.groupSlots = grown;
    }
    this.groupSlots[g] = s;
    return g;
  }

  /** Hashes from now on: the keys seen so far go into a KeyTable in id order, so their ids stay. */
  private toTable(): void {
    const keys = this.size > 0 ? this.keyColumns() : [];
    const table = new KeyTable(this.types);
    if (this.size > 0) table.insert(keys, this.size, new Int32Array(this.size));
    this.table = table;
    this.slotIds = new Int32Array(0);
    this.slotSeen = new Int32Array(0);
    this.groupSlots = new Int32Array(0);
    this.rowSlots = new Int32Array(0);
  }

  /** The distinct keys as columns, in id order. */
  keyColumns(): ColumnData[] {
    if (this.table !== null) return this.table.keyColumns();
    const n = this.size;
    const gs = this.groupSlots;
    return this.dims.map((d, c) => {
      const stride = this.strides[c]!;
      const radix = d.range + 1;
      const type = this.types[c]!;
      let validity: Uint8Array | null = null;
      if (this.dims.length === 1 && d.domain === null && d.range > 0) {
        // One integer column: the slot is the value's offset (one pass).
        const values = allocValues(type, n);
        const [lo, nullSlot] = [d.lo, d.range];
        for (let g = 0; g < n; g++) {
          const s = gs[g]!;
          if (s !== nullSlot) values[g] = lo + s;
          else {
            validity ??= new Uint8Array(n).fill(1);
            validity[g] = 0;
            values[g] = 0;
          }
        }
        return new ColumnData(type, n, values, validity);
      }
      const codes = new Int32Array(n);
      for (let g = 0; g < n; g++) {
        const code = Math.floor(gs[g]! / stride) % radix;
        if (code === d.range) {
          validity ??= new Uint8Array(n).fill(1);
          validity[g] = 0;
          codes[g] = -1;
        } else codes[g] = code;
      }
      if (d.domain !== null) return take(d.domain, codes, n);
      if (d.range === 0) return new ColumnData(type, n, allocValues(type, n), validity);
      const values = allocValues(type, n);
      for (let g = 0; g < n; g++) values[g] = codes[g]! < 0 ? 0 : d.lo + codes[g]!;
      return new ColumnData(type, n, values, validity);
    });
  }

  /** Bytes of the buffers (slot and id arrays, or the KeyTable's), for the memory budget. */
  byteSize(): number {
    if (this.table !== null) return this.table.byteSize();
    return this.slotIds.byteLength + this.groupSlots.byteLength + this.rowSlots.byteLength;
  }

  /**
   * Forgets every key (and tries direct ids again). With `keepCodes`, a table that hashes keeps
   * hashing and keeps its strings' codes (KeyTable.reset).
   */
  reset(keepCodes = false): void {
    if (keepCodes && this.table !== null) {
      this.table.reset(true);
      this.size = 0;
      return;
    }
    this.initDirect();
  }
}

/** min and max of the valid values of v[0, n) into out[0], out[1] (Infinity, -Infinity when none). */
const minMaxLoop = loopFamily<(v: ArrayLike<number>, valid: Uint8Array | null, n: number, out: Float64Array) => void>(
  'minMax', ['v', 'valid', 'n', 'out'], ([, valid]) => `
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < n; i++) {
    ${valid ? 'if (valid[i] === 0) continue;' : ''}
    const x = v[i];
    if (x < min) min = x;
    if (x > max) max = x;
  }
  out[0] = min; out[1] = max;`);

/**
 * The source that puts row i's slot offset in \`s\`: null rows take \`nullSlot\`, values \`v[i] - lo\`;
 * with \`check\`, a value outside [lo, lo + range) returns \`miss\` (the index of its row).
 */
function slotOf(valid: boolean, check: boolean, nullSlot: string, scale: string, miss: string): string {
  const value = `const x = v[i] - lo;${check ? ` if (!(x >= 0 && x < range)) return ${miss};` : ''} s = (x${scale}) | 0;`;
  return valid ? `let s; if (valid[i] === 0) s = ${nullSlot}; else { ${value} }` : `let s; { ${value} }`;
}

/**
 * Adds (or with \`first\`, writes) each row's column slot times \`stride\` into \`slots\`; with
 * \`last\`, gives each row the id of its complete slot instead. Returns -1, or the row of the first
 * value outside the range.
 */
const slotLoop = loopFamily<(v: ArrayLike<number>, valid: Uint8Array | null, n: number, slots: Int32Array, lo: number, range: number, stride: number, out: Int32Array, ids: Int32Array, keys: GroupKeys) => number>(
  'slots', ['v', 'valid', 'n', 'slots', 'lo', 'range', 'stride', 'out', 'ids', 'keys'], ([, valid, first, check, last]) => `
  const nullSlot = range * stride;
  for (let i = 0; i < n; i++) {
    ${slotOf(valid!, check!, 'nullSlot', ' * stride', 'i')}
    ${last ? 'const t = slots[i] + s; const g = ids[t]; out[i] = g >= 0 ? g : keys.newGroup(t);' : `slots[i] ${first ? '=' : '+='} s;`}
  }
  return -1;`);

/** Ids of rows [start, n) of a single key column (slot = value - lo); returns n, or the row of the first value outside the range. */
const assignOneLoop = loopFamily<(v: ArrayLike<number>, valid: Uint8Array | null, start: number, n: number, out: Int32Array, lo: number, range: number, ids: Int32Array, keys: GroupKeys) => number>(
  'assignOne', ['v', 'valid', 'start', 'n', 'out', 'lo', 'range', 'ids', 'keys'], ([, valid, check]) => `
  for (let i = start; i < n; i++) {
    ${slotOf(valid!, check!, 'range', '', 'i')}
    const g = ids[s];
    out[i] = g >= 0 ? g : keys.newGroup(s);
  }
  return n;`);

/**
 * The fused loop of {@link GroupKeys.insertFused}: each row's slot (the key columns' offsets times
 * their strides; per column its values, validity, whether to check the range and whether its
 * geometry fits int32 arithmetic, see int32Geometry), a new id for an
 * unseen slot unless the key's \`seen\` flag says every reachable slot has one, then the work's
 * row source with \`g\` the slot. Returns n, or the row of the first value outside its range, or
 * (without \`seen\`) the row whose new id completed the reachable slots (done: the caller goes on after it).
 */
type FusedLoop = (vals: readonly ArrayLike<number>[], valids: readonly (Uint8Array | null)[], geo: Float64Array, start: number, n: number, seenBits: Int32Array, keys: GroupKeys, ctx: unknown) => number;
const fusedSlotLoop = loopFamily<FusedLoop>(
  'fusedSlots', ['vals', 'valids', 'geo', 'start', 'n', 'seenBits', 'keys', 'ctx'], (flags, names) => {
    const k = (names.length - 2) / 4;
    const seen = flags[4 * k]!;
    const work = workSources.get(names[4 * k + 1]!)!;
    const head: string[] = [];
    const slot: string[] = [];
    for (let c = 0; c < k; c++) {
      const valid = flags[4 * c + 1]!;
      const check = flags[4 * c + 2]!;
      // int32 geometry: the slot arithmetic stays in int32 (about 1.2× on q4's loop), else doubles.
      const int = flags[4 * c + 3]!;
      const [lo, range, stride, off, seen] = [0, 1, 2, 3, 4].map((j) => `geo[${5 * c + j}]${int ? ' | 0' : ''}`);
      head.push(`const v${c} = vals[${c}], valid${c} = valids[${c}], lo${c} = ${lo}, range${c} = ${range}, stride${c} = ${stride}, off${c} = ${off}, seen${c} = ${seen};`);
      // Checked against the part seen (offset off from lo): x - off in [0, seen).
      const value = int ? `x = (v${c}[i] - lo${c}) | 0;${check ? ` if (((x - off${c}) >>> 0) >= seen${c}) return i;` : ''}`
        : `x = v${c}[i] - lo${c};${check ? ` if (!(x >= off${c} && x - off${c} < seen${c})) return i;` : ''}`;
      slot.push(`${valid ? `if (valid${c}[i] === 0) x = range${c}; else { ${value} }` : value} s ${c === 0 ? '=' : '+='} ${c === 0 ? 'x' : `x * stride${c}`};`);
    }
    return `${head.join('\n')}\n${work.head}
  for (let i = start; i < n; i++) {
    let x, s;
    ${slot.join('\n    ')}
    const g = s | 0;
    ${seen ? '' : 'let all = false; if ((seenBits[g >>> 5] & (1 << (g & 31))) === 0) { keys.newGroup(g); all = keys.allSeen(); }'}
    ${work.row}
    ${seen ? '' : 'if (all) return i;'}
  }
  return n;`;
  });

/** Typed arrays whose elements are int32 values. */
const INT32_ARRAYS = [Int32Array, Uint8Array, Uint16Array, Int16Array, Int8Array];

/**
 * Whether a fused loop may compute key column slots in int32 arithmetic, `x = (v - lo) | 0` and
 * one unsigned check `x >>> 0 < range`: its values are int32s and lo .. lo + range - 1 lies within
 * int32. Then the check is exact although the difference wraps: a value below lo wraps into
 * [0, range) only if v < lo + range - 2^32 <= -2^31, and one above lo + range - 1 wraps to a
 * negative x (over 2^31 unsigned). Loops alone (scratch, 40 × 65,536 rows, best CPU of 15,
 * against doubles): three avgs by an int key 1.36×, corr 1.25×, sum 1.14×.
 */
function int32Geometry(v: ArrayLike<number>, d: Dim): boolean {
  return INT32_ARRAYS.some((C) => v instanceof C) && d.lo >= -(2 ** 31) && d.lo + d.range - 1 <= 2 ** 31 - 1;
}

/** The work of the fused loop that only gives new keys ids (insertFused's pass before the work's loop). */
const ID_PASS = 'ids';

/**
 * `loop`, called over no rows WARM_CALLS times the first time it is seen: V8 allocates a function's
 * feedback vector only after some of its bytecode ran, so the one long first call read the arrays
 * before the loop without feedback, and the code optimised inside that call's loop was thrown away
 * on entry to the next call ("insufficient type feedback", a batch back in the interpreter).
 */
function warm(loop: FusedLoop, ...args: Parameters<FusedLoop>): FusedLoop {
  if (!warmLoops.has(loop)) {
    for (let r = 0; r < WARM_CALLS; r++) loop(...args);
    warmLoops.add(loop);
  }
  return loop;
}

/** Fused loops called over no rows already (see insertFused), and how many times. */
const warmLoops = new WeakSet<object>();
const WARM_CALLS = 16;

/** The sources of each SlotWork tag seen (fusedSlotLoop compiles them by tag). */
const workSources = new Map<string, { head: string; row: string }>([[ID_PASS, { head: '', row: '' }]]);

function slotCount(dims: readonly Dim[]): number {
  let t = 1;
  for (const d of dims) t *= d.range + 1;
  return t;
}

/**
 * `d` widened to cover [min, max]; with `slack`, also by the old range again on the side(s) it
 * grows, so that keys that keep rising or falling (sorted input) re-slot only O(log range) times.
 */
function widen(d: Dim, min: number, max: number, slack: boolean): Dim {
  if (d.range === 0) return { lo: min, range: max - min + 1, seenLo: min, seen: max - min + 1, domain: null };
  const hi = d.lo + d.range - 1;
  const seenLo = Math.min(d.seenLo, min);
  const seen = Math.max(d.seenLo + d.seen - 1, max) - seenLo + 1;
  // Exact: the part seen and [min, max] (the layout's slack may go: no group has a slot there).
  if (!slack) return { lo: seenLo, range: seen, seenLo, seen, domain: null };
  let lo = Math.min(d.lo, min);
  let top = Math.max(hi, max);
  if (lo < d.lo) lo = Math.max(Number.MIN_SAFE_INTEGER, lo - d.range);
  if (top > hi) top = Math.min(Number.MAX_SAFE_INTEGER, top + d.range);
  // (min and max are safe integers, so the clamps never cut into [min, max].)
  return { lo, range: top - lo + 1, seenLo, seen, domain: null };
}

/**
 * `exact` (which fits MAX_FUSED_SLOTS) with slack where one integer column of at least `minRange` values widened from `old`:
 * that column's range grows to what the limit leaves, half below and half above (kept within
 * int32 when its values are, see int32Geometry), so random keys that missed both ends of their
 * range in the first batches re-slot once, not once per end (the part seen stays exact).
 */
function fillSlack(old: readonly Dim[], exact: Dim[], minRange = 0): Dim[] {
  const widened = exact.map((d, c) => (d.domain === null && (d.lo !== old[c]!.lo || d.range !== old[c]!.range) ? c : -1)).filter((c) => c >= 0);
  if (widened.length !== 1) return exact;
  const c = widened[0]!;
  const d = exact[c]!;
  const room = Math.floor(MAX_FUSED_SLOTS / (slotCount(exact) / (d.range + 1))) - 1;
  if (room <= d.range || d.range < minRange) return exact;
  const int32 = d.lo >= -(2 ** 31) && d.lo + d.range - 1 <= 2 ** 31 - 1;
  const lo = Math.max(d.lo - Math.floor((room - d.range) / 2), int32 ? -(2 ** 31) : Number.MIN_SAFE_INTEGER);
  const hi = Math.min(lo + room - 1, int32 ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER);
  const next = exact.slice();
  next[c] = { ...d, lo, range: hi - lo + 1 };
  return next;
}
