/**
 * Sorting within a partition (full sort, and top-K for orderBy + limit) by compiled key
 * expressions, with Spark's null ordering (ascending: nulls first; descending: nulls last by default).
 * The rows a sort holds count against the memory budget (memory.ts). Dictionary-encoded string
 * keys sort their dictionary once and then compare ranks as numbers.
 */
import { BATCH_SIZE, Batch, concatBatches } from '../data/batch.js';
import { dictionaryRanks } from '../data/dictionary.js';
import { compileExpr } from '../expr/backend.js';
import type { BoundSortKey } from '../expr/expr.js';
import { boundToString } from '../expr/expr.js';
import { AnalysisError } from '../errors.js';
import { type Schema, isDecimal, isNested, nestedKeyHint, sparkSimpleName } from '../types.js';
import type { OpCodec } from './op-codec.js';
import { type MemoryConsumer, operatorName } from './memory.js';
import { batchBytes } from './serde.js';
import { type ExecContext, PhysicalOp } from './operator.js';

type Cmp = (a: number, b: number) => number;

/** Builds a row comparator for a batch from evaluated sort keys (ties broken by row index: stable). */
export function rowComparator(b: Batch, keys: readonly BoundSortKey[], fns: readonly ((b: Batch) => import('../data/column.js').ColumnData)[]): Cmp {
  const cols = fns.map((f) => f(b));
  for (const c of cols) if (isNested(c.type)) throw new AnalysisError(`cannot sort by a column of type ${sparkSimpleName(c.type)}; ${nestedKeyHint(c.type)}`);
  const specs = cols.map((c, k) => ({
    // Dictionary strings compare by the rank of their entry (the dictionary is sorted once).
    vals: (c.indices !== null ? dictionaryRankValues(c) : c.type === 'utf8' || c.type === 'binary' ? c.strings() : c.type === 'null' ? new Float64Array(c.length) : isDecimal(c.type) ? c.bigints() : c.values!) as ArrayLike<number | string | null>,
    valid: c.type === 'null' ? new Uint8Array(c.length) : c.validity,
    dir: keys[k]!.ascending ? 1 : -1,
    nullDir: keys[k]!.nullsFirst ? -1 : 1,
  }));
  if (specs.length === 1 && !specs[0]!.valid) {
    const { vals, dir } = specs[0]!;
    return (a, c) => {
      const x = vals[a]!;
      const y = vals[c]!;
      return x < y ? -dir : x > y ? dir : x === y ? a - c : nanOrder(x, y, dir) || a - c;
    };
  }
  return (a, c) => {
    for (const s of specs) {
      const na = s.valid !== null && s.valid[a] === 0;
      const nb = s.valid !== null && s.valid[c] === 0;
      if (na || nb) {
        if (na && nb) continue;
        return na ? s.nullDir : -s.nullDir;
      }
      const x = s.vals[a]!;
      const y = s.vals[c]!;
      if (x < y) return -s.dir;
      if (x > y) return s.dir;
      if (x !== y) {
        const r = nanOrder(x, y, s.dir);
        if (r) return r;
      }
    }
    return a - c;
  };
}

/** Per row of a dictionary column, the sort rank of its string (0 at nulls, which are compared apart). */
function dictionaryRankValues(c: import('../data/column.js').ColumnData): Int32Array {
  const ranks = dictionaryRanks(c.dictionary!);
  const idx = c.indices!;
  const out = new Int32Array(c.length);
  for (let i = 0; i < out.length; i++) out[i] = ranks[idx[i]!]!;
  return out;
}

/** Compares row i of key columns `a` with row j of key columns `b` (same types), in sort-key order. */
export function compareAcross(
  a: readonly import('../data/column.js').ColumnData[],
  b: readonly import('../data/column.js').ColumnData[],
  keys: readonly BoundSortKey[],
): (i: number, j: number) => number {
  const side = sortKeySide;
  const specs = a.map((c, k) => ({ x: side(c), y: side(b[k]!), dir: keys[k]!.ascending ? 1 : -1, nullDir: keys[k]!.nullsFirst ? -1 : 1 }));
  return (i, j) => {
    for (const s of specs) {
      const na = s.x.valid !== null && s.x.valid[i] === 0;
      const nb = s.y.valid !== null && s.y.valid[j] === 0;
      if (na || nb) {
        if (na && nb) continue;
        return na ? s.nullDir : -s.nullDir;
      }
      const x = s.x.vals[i]!;
      const y = s.y.vals[j]!;
      if (x < y) return -s.dir;
      if (x > y) return s.dir;
      if (x !== y) {
        const r = nanOrder(x, y, s.dir);
        if (r) return r;
      }
    }
    return 0;
  };
}

/** A sort key column as comparable values (strings, numbers, decimal bigints) and validity (null: all valid). */
export function sortKeySide(c: import('../data/column.js').ColumnData): { vals: ArrayLike<number | string | null>; valid: Uint8Array | null } {
  return {
    vals: (c.type === 'utf8' || c.type === 'binary' ? c.strings() : c.type === 'null' ? new Float64Array(c.length) : isDecimal(c.type) ? c.bigints() : c.values!) as ArrayLike<number | string | null>,
    valid: c.type === 'null' ? new Uint8Array(c.length) : c.validity,
  };
}

/** NaN sorts above every number (Spark). */
export function nanOrder(x: unknown, y: unknown, dir: number): number {
  const xn = x !== x;
  const yn = y !== y;
  if (xn && !yn) return dir;
  if (yn && !xn) return -dir;
  return 0;
}

/** The sort permutation of a batch. */
export function sortIndices(b: Batch, keys: readonly BoundSortKey[], fns: readonly ((b: Batch) => import('../data/column.js').ColumnData)[]): Int32Array {
  // Array.prototype.sort with a comparator is several times faster than TypedArray.prototype.sort in V8.
  const idx = new Array<number>(b.numRows);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  idx.sort(rowComparator(b, keys, fns));
  return Int32Array.from(idx);
}

/** Sorts each partition fully (the planner puts a single-partition exchange in front for a global order). */
export class SortOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly fns;
  constructor(readonly child: PhysicalOp, readonly keys: readonly BoundSortKey[], readonly limit: number | null = null) {
    super();
    this.children = [child];
    this.fns = keys.map((k) => compileExpr(k.expr));
  }
  get schema(): Schema {
    return this.child.schema;
  }
  numPartitions(): number {
    return this.child.numPartitions();
  }
  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    // The rows wait here until the input ends: they count against memoryLimit.
    const memory = ctx.memory.consumer(`the rows of ${operatorName(this)}`);
    try {
      yield* this.sort(p, ctx, memory);
    } finally {
      memory.release();
    }
  }
  private async *sort(p: number, ctx: ExecContext, memory: MemoryConsumer): AsyncIterable<Batch> {
    const k = this.limit;
    let acc: Batch[] = [];
    let rows = 0;
    for await (const b of this.child.execute(p, ctx)) {
      memory.growBatch(b);
      acc.push(b);
      rows += b.numRows;
      if (k !== null && rows > Math.max(2 * k, 65_536)) {
        const top = this.sorted(concatBatches(this.schema, acc), k);
        acc = [top];
        rows = top.numRows;
        memory.resize(batchBytes(top));
      }
    }
    if (acc.length === 0) return;
    const out = this.sorted(concatBatches(this.schema, acc), k);
    // Hand the sorted partition on in standard-size slices (cache-friendly for what follows).
    for (let i = 0; i < out.numRows; i += BATCH_SIZE) yield out.slice(i, i + BATCH_SIZE);
  }
  private sorted(b: Batch, k: number | null): Batch {
    const idx = sortIndices(b, this.keys, this.fns);
    return b.take(idx, k === null ? idx.length : Math.min(k, idx.length));
  }
  describe(): string {
    const keys = this.keys.map((k) => `${boundToString(k.expr)} ${k.ascending ? 'ASC' : 'DESC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`);
    return `${this.limit !== null ? `TakeOrdered(limit=${this.limit}) ` : 'Sort '}[${keys.join(', ')}]`;
  }
}

export const sortCodec: OpCodec<SortOp, { keys: readonly BoundSortKey[]; limit: number | null }> = {
  kind: 'sort',
  type: SortOp,
  describe: (o) => ({ keys: o.keys, limit: o.limit }),
  build: (d, [child]) => new SortOp(child!, d.keys, d.limit),
};
