/**
 * Streaming physical operators that work batch by batch within a partition: scan (with pushed
 * filters and limit), filter, project, limit, union, sample, empty.
 */
import { Batch } from '../data/batch.js';
import { compileExpr, compilePredicate, type CompiledPredicate } from '../expr/backend.js';
import type { BoundExpr } from '../expr/expr.js';
import { boundToString } from '../expr/expr.js';
import type { DataSource } from '../io/source.js';
import type { SourceSpec } from '../io/source-codec.js';
import { type Field, Schema } from '../types.js';
import type { OpCodec } from './op-codec.js';
import { type ExecContext, PhysicalOp, toAsync } from './operator.js';

function andAll(preds: readonly CompiledPredicate[]): CompiledPredicate | null {
  if (preds.length === 0) return null;
  if (preds.length === 1) return preds[0]!;
  return (b) => {
    const first = preds[0]!(b);
    const mask = first.mask;
    let count = first.count;
    for (let k = 1; k < preds.length && count > 0; k++) {
      const m = preds[k]!(b).mask;
      count = 0;
      for (let i = 0; i < b.numRows; i++) {
        mask[i] = mask[i]! & m[i]!;
        count += mask[i]!;
      }
    }
    return { mask, count };
  };
}

/** Reads a source's partitions, applying pushed-down filters and limit. */
export class ScanOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[] = [];
  private readonly predicate: CompiledPredicate | null;
  constructor(
    readonly source: DataSource,
    readonly columns: readonly number[],
    readonly filters: readonly BoundExpr[],
    readonly limit: number | null,
    readonly schema: Schema,
  ) {
    super();
    this.predicate = andAll(filters.map(compilePredicate));
  }
  numPartitions(): number {
    return this.source.numPartitions();
  }
  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    let remaining = this.limit ?? Infinity;
    if (remaining <= 0) return;
    for await (const raw of toAsync(this.source.read(p, this.columns))) {
      ctx.checkCancelled();
      let b = new Batch(this.schema, raw.columns, raw.numRows);
      if (this.predicate) {
        const { mask, count } = this.predicate(b);
        b = b.filter(mask, count);
      }
      if (b.numRows > remaining) b = b.slice(0, remaining);
      remaining -= b.numRows;
      if (b.numRows > 0) yield b;
      if (remaining <= 0) return;
    }
  }
  describe(): string {
    const extra = [
      this.filters.length ? `PushedFilters: [${this.filters.map(boundToString).join(', ')}]` : '',
      this.limit !== null ? `Limit: ${this.limit}` : '',
    ].filter(Boolean).join(', ');
    return `Scan ${this.source.describe()} [${this.schema.names.join(', ')}]${extra ? ' ' + extra : ''}`;
  }
}

/** A scan as plain data: its source (an in-memory one narrowed to the scanned columns) and pushed filters and limit. */
export const scanCodec: OpCodec<ScanOp, { source: SourceSpec; columns: readonly number[]; filters: readonly BoundExpr[]; limit: number | null; fields: readonly Field[] }> = {
  kind: 'scan',
  type: ScanOp,
  describe: (o, ctx) => ({ ...ctx.source(o.source, o.columns), filters: o.filters, limit: o.limit, fields: o.schema.fields }),
  build: (d, _, ctx) => new ScanOp(ctx.source(d.source), d.columns, d.filters, d.limit, new Schema(d.fields)),
};

/** Keeps rows where the condition is true. */
export class FilterOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly predicate: CompiledPredicate;
  constructor(readonly child: PhysicalOp, readonly condition: BoundExpr) {
    super();
    this.children = [child];
    this.predicate = compilePredicate(condition);
  }
  get schema(): Schema {
    return this.child.schema;
  }
  numPartitions(): number {
    return this.child.numPartitions();
  }
  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    for await (const b of this.child.execute(p, ctx)) {
      const { mask, count } = this.predicate(b);
      if (count > 0) yield b.filter(mask, count);
    }
  }
  override morselInput(): PhysicalOp {
    return this.child;
  }
  describe(): string {
    return `Filter ${boundToString(this.condition)}`;
  }
}

export const filterCodec: OpCodec<FilterOp, { condition: BoundExpr }> = {
  kind: 'filter',
  type: FilterOp,
  describe: (o) => ({ condition: o.condition }),
  build: (d, [child]) => new FilterOp(child!, d.condition),
};

/** Computes output columns from expressions. */
export class ProjectOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  private readonly fns;
  constructor(readonly child: PhysicalOp, readonly exprs: readonly BoundExpr[], readonly schema: Schema) {
    super();
    this.children = [child];
    this.fns = exprs.map(compileExpr);
  }
  numPartitions(): number {
    return this.child.numPartitions();
  }
  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    for await (const b of this.child.execute(p, ctx)) {
      yield new Batch(this.schema, this.fns.map((f) => f(b)), b.numRows);
    }
  }
  override morselInput(): PhysicalOp {
    return this.child;
  }
  describe(): string {
    return `Project [${this.exprs.map((e, i) => `${boundToString(e)} AS ${this.schema.fields[i]!.name}`).join(', ')}]`;
  }
}

export const projectCodec: OpCodec<ProjectOp, { exprs: readonly BoundExpr[]; fields: readonly Field[] }> = {
  kind: 'project',
  type: ProjectOp,
  describe: (o) => ({ exprs: o.exprs, fields: o.schema.fields }),
  build: (d, [child]) => new ProjectOp(child!, d.exprs, new Schema(d.fields)),
};

/** Skips `offset` rows then passes at most `limit` rows of each partition. */
export class LimitOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  constructor(readonly child: PhysicalOp, readonly limit: number, readonly offset: number, readonly global: boolean) {
    super();
    this.children = [child];
  }
  get schema(): Schema {
    return this.child.schema;
  }
  numPartitions(): number {
    return this.child.numPartitions();
  }
  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    let skip = this.offset;
    let left = this.limit;
    if (left <= 0) return;
    for await (let b of this.child.execute(p, ctx)) {
      if (skip > 0) {
        if (b.numRows <= skip) {
          skip -= b.numRows;
          continue;
        }
        b = b.slice(skip, b.numRows);
        skip = 0;
      }
      if (b.numRows > left) b = b.slice(0, left);
      left -= b.numRows;
      yield b;
      if (left <= 0) return;
    }
  }
  describe(): string {
    return `${this.global ? 'GlobalLimit' : 'LocalLimit'} ${this.limit}${this.offset ? ` offset ${this.offset}` : ''}`;
  }
}

export const limitCodec: OpCodec<LimitOp, { limit: number; offset: number; global: boolean }> = {
  kind: 'limit',
  type: LimitOp,
  describe: (o) => ({ limit: o.limit, offset: o.offset, global: o.global }),
  build: (d, [child]) => new LimitOp(child!, d.limit, d.offset, d.global),
};

/** Concatenates the partitions of its inputs (same schema, by position). */
export class UnionOp extends PhysicalOp {
  constructor(readonly children: readonly PhysicalOp[], readonly schema: Schema) {
    super();
  }
  numPartitions(): number {
    return this.children.reduce((n, c) => n + c.numPartitions(), 0);
  }
  override childPartitions(p: number): [number, number][] {
    for (let i = 0; i < this.children.length; i++) {
      const n = this.children[i]!.numPartitions();
      if (p < n) return [[i, p]];
      p -= n;
    }
    return [];
  }
  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    for (const c of this.children) {
      const n = c.numPartitions();
      if (p < n) {
        for await (const b of c.execute(p, ctx)) yield new Batch(this.schema, b.columns, b.numRows);
        return;
      }
      p -= n;
    }
  }
  describe(): string {
    return 'Union';
  }
}

export const unionCodec: OpCodec<UnionOp, { fields: readonly Field[] }> = {
  kind: 'union',
  type: UnionOp,
  describe: (o) => ({ fields: o.schema.fields }),
  build: (d, children) => new UnionOp(children, new Schema(d.fields)),
};

/** A small seeded PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bernoulli (or Poisson, with replacement) sampling, seeded per partition. */
export class SampleOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  constructor(readonly child: PhysicalOp, readonly fraction: number, readonly withReplacement: boolean, readonly seed: number) {
    super();
    this.children = [child];
  }
  get schema(): Schema {
    return this.child.schema;
  }
  numPartitions(): number {
    return this.child.numPartitions();
  }
  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    const rnd = mulberry32(this.seed * 7919 + p * 104729 + 1);
    for await (const b of this.child.execute(p, ctx)) {
      if (!this.withReplacement) {
        const mask = new Uint8Array(b.numRows);
        let count = 0;
        for (let i = 0; i < b.numRows; i++) if (rnd() < this.fraction) { mask[i] = 1; count++; }
        if (count) yield b.filter(mask, count);
      } else {
        const idx: number[] = [];
        const l = Math.exp(-this.fraction);
        for (let i = 0; i < b.numRows; i++) {
          // Poisson(fraction) copies of each row (Knuth).
          let k = 0;
          let prod = rnd();
          while (prod > l) { k++; prod *= rnd(); }
          for (let j = 0; j < k; j++) idx.push(i);
        }
        if (idx.length) yield b.take(Int32Array.from(idx));
      }
    }
  }
  describe(): string {
    return `Sample ${this.fraction}${this.withReplacement ? ' with replacement' : ''} seed=${this.seed}`;
  }
}

export const sampleCodec: OpCodec<SampleOp, { fraction: number; withReplacement: boolean; seed: number }> = {
  kind: 'sample',
  type: SampleOp,
  describe: (o) => ({ fraction: o.fraction, withReplacement: o.withReplacement, seed: o.seed }),
  build: (d, [child]) => new SampleOp(child!, d.fraction, d.withReplacement, d.seed),
};

/** Merges contiguous groups of input partitions into fewer partitions, without a shuffle. */
export class CoalesceOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[];
  constructor(readonly child: PhysicalOp, readonly partitions: number) {
    super();
    this.children = [child];
  }
  get schema(): Schema {
    return this.child.schema;
  }
  numPartitions(): number {
    return Math.min(this.partitions, this.child.numPartitions());
  }
  override childPartitions(p: number): [number, number][] {
    const n = this.child.numPartitions();
    const out = this.numPartitions();
    const res: [number, number][] = [];
    for (let q = Math.floor((p * n) / out); q < Math.floor(((p + 1) * n) / out); q++) res.push([0, q]);
    return res;
  }
  protected async *run(p: number, ctx: ExecContext): AsyncIterable<Batch> {
    const n = this.child.numPartitions();
    const out = this.numPartitions();
    const lo = Math.floor((p * n) / out);
    const hi = Math.floor(((p + 1) * n) / out);
    for (let q = lo; q < hi; q++) yield* this.child.execute(q, ctx);
  }
  describe(): string {
    return `Coalesce ${this.partitions}`;
  }
}

export const coalesceCodec: OpCodec<CoalesceOp, { partitions: number }> = {
  kind: 'coalesce',
  type: CoalesceOp,
  describe: (o) => ({ partitions: o.partitions }),
  build: (d, [child]) => new CoalesceOp(child!, d.partitions),
};

/** No rows. */
export class EmptyOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[] = [];
  constructor(readonly schema: Schema) {
    super();
  }
  numPartitions(): number {
    return 1;
  }
  protected async *run(): AsyncIterable<Batch> {
    /* nothing */
  }
  describe(): string {
    return 'Empty';
  }
}

export const emptyCodec: OpCodec<EmptyOp, { fields: readonly Field[] }> = {
  kind: 'empty',
  type: EmptyOp,
  describe: (o) => ({ fields: o.schema.fields }),
  build: (d) => new EmptyOp(new Schema(d.fields)),
};
