/**
 * Stage specs: a physical stage (the operators between exchanges) as plain, structured-cloneable
 * data, and the inverse that rebuilds the operators in a worker. Exchanges below a stage become
 * `input` leaves whose partitions travel with each task. Stages holding anything that cannot be
 * described (e.g. a computed source) are reported as not serialisable and run in the main thread.
 */
import { Batch } from '../data/batch.js';
import type { BoundAgg, BoundExpr, BoundSortKey } from '../expr/expr.js';
import { CsvSource, ParquetSource } from '../io/file-sources.js';
import type { CsvSplit, ResolvedCsvOptions } from '../io/csv.js';
import type { ParquetSplit } from '../io/parquet.js';
import { type DataSource, MemorySource, RangeSource } from '../io/source.js';
import type { JoinType } from '../plan/logical.js';
import { type Field, Schema } from '../types.js';
import { HashAggregateOp, type AggMode } from './aggregate.js';
import { CoalesceOp, EmptyOp, FilterOp, LimitOp, ProjectOp, SampleOp, ScanOp, UnionOp } from './basic.js';
import { ExchangeOp } from './exchange.js';
import { HashJoinOp } from './join.js';
import { type MorselPlan, MorselSource } from './morsels.js';
import { type ExecContext, PhysicalOp } from './operator.js';
import { type SharedBatch, shareBatch, unshareBatch } from './serde.js';
import { SortOp } from './sort.js';

/** A data source as plain data. */
export type SourceSpec =
  | { readonly kind: 'csv'; readonly fields: readonly Field[]; readonly splits: readonly CsvSplit[]; readonly options: ResolvedCsvOptions }
  | { readonly kind: 'parquet'; readonly fields: readonly Field[]; readonly splits: readonly ParquetSplit[] }
  | { readonly kind: 'range'; readonly start: number; readonly end: number; readonly step: number; readonly partitions: number }
  /** In-memory batches narrowed to the scanned columns: `id` indexes the task's `memory` data (only the partitions the task reads are sent). */
  | { readonly kind: 'memory'; readonly fields: readonly Field[]; readonly id: number; readonly partitions: number; readonly label: string };

/** An operator tree as plain data. */
export type OpSpec =
  /** `morsels`: the scan reads this task's morsels of its source (a morsel-driven stage, see morsels.ts). */
  | { readonly op: 'scan'; readonly source: SourceSpec; readonly columns: readonly number[]; readonly filters: readonly BoundExpr[]; readonly limit: number | null; readonly fields: readonly Field[]; readonly morsels?: MorselPlan }
  | { readonly op: 'filter'; readonly child: OpSpec; readonly condition: BoundExpr }
  | { readonly op: 'project'; readonly child: OpSpec; readonly exprs: readonly BoundExpr[]; readonly fields: readonly Field[] }
  | { readonly op: 'limit'; readonly child: OpSpec; readonly limit: number; readonly offset: number; readonly global: boolean }
  | { readonly op: 'union'; readonly children: readonly OpSpec[]; readonly fields: readonly Field[] }
  | { readonly op: 'sample'; readonly child: OpSpec; readonly fraction: number; readonly withReplacement: boolean; readonly seed: number }
  | { readonly op: 'empty'; readonly fields: readonly Field[] }
  | { readonly op: 'coalesce'; readonly child: OpSpec; readonly partitions: number }
  | { readonly op: 'sort'; readonly child: OpSpec; readonly keys: readonly BoundSortKey[]; readonly limit: number | null }
  | { readonly op: 'aggregate'; readonly child: OpSpec; readonly mode: AggMode; readonly groupBy: readonly BoundExpr[]; readonly aggs: readonly BoundAgg[]; readonly fields: readonly Field[] }
  | {
      readonly op: 'join'; readonly left: OpSpec; readonly right: OpSpec; readonly joinType: JoinType;
      readonly leftKeys: readonly BoundExpr[]; readonly rightKeys: readonly BoundExpr[]; readonly condition: BoundExpr | null;
      readonly broadcastRight: boolean; readonly fields: readonly Field[]; readonly outputCols: readonly number[] | null;
    }
  | { readonly op: 'input'; readonly id: number; readonly fields: readonly Field[]; readonly partitions: number }
  | { readonly op: 'custom'; readonly kind: string; readonly children: readonly OpSpec[]; readonly data: unknown };

/** Extension point for operators defined elsewhere (e.g. windows): describe and rebuild. */
export interface CustomOpCodec {
  /** Returns the spec data for `op` if this codec handles it. */
  describe(op: PhysicalOp): { kind: string; children: readonly PhysicalOp[]; data: unknown } | undefined;
  /** Rebuilds the operator from its data and rebuilt children. */
  build(kind: string, children: PhysicalOp[], data: unknown): PhysicalOp | undefined;
}
const customCodecs: CustomOpCodec[] = [];
/** Registers a codec for an operator type outside this module. */
export function registerOpCodec(codec: CustomOpCodec): void {
  customCodecs.push(codec);
}

/** Thrown while describing a stage that cannot leave the main thread. */
export class NotSerializable extends Error {}

/**
 * An in-memory source as one stage's scan reads it: only the listed columns travel to the worker
 * (a task on a cached 9-column table that reads 4 columns posts 4 columns' buffers, not 9: each
 * shared buffer costs several microseconds to post and to receive).
 */
export interface MemoryInput {
  readonly source: MemorySource;
  readonly columns: readonly number[];
}

const sharedMemory = new WeakMap<MemorySource, { all: SharedBatch[][]; byColumns: Map<string, SharedBatch[][]> }>();

/** The shared-memory form of the columns `m` reads of an in-memory source's partitions (made once per source and column list). */
export function sharedPartitions(m: MemoryInput): SharedBatch[][] {
  let entry = sharedMemory.get(m.source);
  if (!entry) {
    entry = { all: m.source.partitions.map((p) => p.map(shareBatch)), byColumns: new Map() };
    sharedMemory.set(m.source, entry);
  }
  const key = m.columns.join(',');
  let parts = entry.byColumns.get(key);
  if (!parts) {
    const fields = m.columns.map((j) => m.source.schema.fields[j]!);
    parts = entry.all.map((p) => p.map((b) => ({ fields, numRows: b.numRows, columns: m.columns.map((j) => b.columns[j]!) })));
    entry.byColumns.set(key, parts);
  }
  return parts;
}

/** A scan's source; a memory source is narrowed to the scanned columns (`columns` is then 0..k-1). */
function scanSpec(o: ScanOp, memories: MemoryInput[], morsels: MorselPlan | undefined): OpSpec {
  const s = o.source;
  const c = morsels ? { morsels } : {};
  if (!(s instanceof MemorySource)) return { op: 'scan', source: sourceSpec(s), columns: o.columns, filters: o.filters, limit: o.limit, fields: o.schema.fields, ...c };
  let id = memories.findIndex((m) => m.source === s && m.columns.length === o.columns.length && m.columns.every((c, k) => c === o.columns[k]));
  if (id < 0) {
    id = memories.length;
    memories.push({ source: s, columns: o.columns });
  }
  const source: SourceSpec = { kind: 'memory', fields: o.columns.map((j) => s.schema.fields[j]!), id, partitions: s.partitions.length, label: s.describe().split(' (')[0]! };
  return { op: 'scan', source, columns: o.columns.map((_, k) => k), filters: o.filters, limit: o.limit, fields: o.schema.fields, ...c };
}

function sourceSpec(s: DataSource): SourceSpec {
  if (s instanceof CsvSource) return { kind: 'csv', fields: s.scan.schema.fields, splits: s.scan.splits, options: s.scan.options };
  if (s instanceof ParquetSource) return { kind: 'parquet', fields: s.scan.schema.fields, splits: s.scan.splits };
  if (s instanceof RangeSource) return { kind: 'range', start: s.start, end: s.end, step: s.step, partitions: s.partitions };
  throw new NotSerializable(`source ${s.describe()} cannot be sent to a worker`);
}

function buildSource(s: SourceSpec, memory: readonly (readonly (readonly SharedBatch[])[])[]): DataSource {
  switch (s.kind) {
    case 'csv': return new CsvSource({ schema: new Schema(s.fields), splits: [...s.splits], options: s.options });
    case 'parquet': return new ParquetSource({ schema: new Schema(s.fields), splits: [...s.splits] });
    case 'range': return new RangeSource(s.start, s.end, s.step, s.partitions);
    case 'memory': {
      const schema = new Schema(s.fields);
      const parts = memory[s.id] ?? [];
      return new MemorySource(schema, Array.from({ length: s.partitions }, (_, i) => (parts[i] ?? []).map((b) => unshareBatch(b, schema))), s.label);
    }
  }
}

/**
 * Describes the stage rooted at `op`. Exchanges met below it become `input` leaves and are
 * listed in `inputs` (in id order) so the scheduler can attach their data. `morsel`: the scan
 * of a morsel-driven stage and how its tasks split it.
 */
export function describeStage(op: PhysicalOp, inputs: ExchangeOp[] = [], memories: MemoryInput[] = [], morsel?: { scan: ScanOp; plan: MorselPlan }): OpSpec {
  const rec = (o: PhysicalOp): OpSpec => {
    if (o instanceof ExchangeOp) {
      let id = inputs.indexOf(o);
      if (id < 0) {
        id = inputs.length;
        inputs.push(o);
      }
      return { op: 'input', id, fields: o.schema.fields, partitions: o.numPartitions() };
    }
    if (o instanceof ScanOp) return scanSpec(o, memories, o === morsel?.scan ? morsel.plan : undefined);
    if (o instanceof FilterOp) return { op: 'filter', child: rec(o.child), condition: o.condition };
    if (o instanceof ProjectOp) return { op: 'project', child: rec(o.child), exprs: o.exprs, fields: o.schema.fields };
    if (o instanceof LimitOp) return { op: 'limit', child: rec(o.child), limit: o.limit, offset: o.offset, global: o.global };
    if (o instanceof UnionOp) return { op: 'union', children: o.children.map(rec), fields: o.schema.fields };
    if (o instanceof SampleOp) return { op: 'sample', child: rec(o.child), fraction: o.fraction, withReplacement: o.withReplacement, seed: o.seed };
    if (o instanceof EmptyOp) return { op: 'empty', fields: o.schema.fields };
    if (o instanceof CoalesceOp) return { op: 'coalesce', child: rec(o.child), partitions: o.partitions };
    if (o instanceof SortOp) return { op: 'sort', child: rec(o.child), keys: o.keys, limit: o.limit };
    if (o instanceof HashAggregateOp) return { op: 'aggregate', child: rec(o.child), mode: o.mode, groupBy: o.groupBy, aggs: o.aggs, fields: o.schema.fields };
    if (o instanceof HashJoinOp) {
      return {
        op: 'join', left: rec(o.left), right: rec(o.right), joinType: o.joinType, leftKeys: o.leftKeys, rightKeys: o.rightKeys,
        condition: o.condition, broadcastRight: o.broadcastRight, fields: o.schema.fields, outputCols: o.outputCols,
      };
    }
    for (const c of customCodecs) {
      const d = c.describe(o);
      if (d) return { op: 'custom', kind: d.kind, children: d.children.map(rec), data: d.data };
    }
    throw new NotSerializable(`operator ${o.describe()} cannot be sent to a worker`);
  };
  return rec(op);
}

/** Reads an exchange's output partitions that were attached to a task. */
export class InputOp extends PhysicalOp {
  readonly children: readonly PhysicalOp[] = [];
  constructor(readonly schema: Schema, private readonly partitions: readonly (readonly Batch[])[]) {
    super();
  }
  numPartitions(): number {
    return this.partitions.length;
  }
  protected async *run(p: number, _ctx: ExecContext): AsyncIterable<Batch> {
    for (const b of this.partitions[p] ?? []) yield b;
  }
  describe(): string {
    return 'Input';
  }
}

/**
 * For task `p` of a stage: which partitions of each input exchange and each in-memory source it
 * reads (following every operator's partition mapping), so only those are sent.
 */
export function partitionsRead(root: PhysicalOp, p: number): Map<PhysicalOp | DataSource, Set<number>> {
  const out = new Map<PhysicalOp | DataSource, Set<number>>();
  const mark = (k: PhysicalOp | DataSource, q: number) => {
    let set = out.get(k);
    if (!set) out.set(k, (set = new Set()));
    set.add(q);
  };
  const walk = (o: PhysicalOp, q: number): void => {
    if (o instanceof ExchangeOp || o instanceof InputOp) return mark(o, q);
    if (o instanceof ScanOp) return mark(o.source, q);
    for (const [i, cq] of o.childPartitions(q)) walk(o.children[i]!, cq);
  };
  walk(root, p);
  return out;
}

/** Keeps only the listed partitions (others become empty), preserving indices. */
export function onlyPartitions<T>(parts: readonly (readonly T[])[], keep: Set<number> | undefined): T[][] {
  return parts.map((bs, i) => (keep?.has(i) ? [...bs] : []));
}

/** Rebuilds a stage's operators; `inputs[id]` holds the partitions of input `id`, `memory[id]` those of in-memory source `id`. */
export function buildStage(
  spec: OpSpec,
  inputs: readonly (readonly (readonly SharedBatch[])[])[],
  memory: readonly (readonly (readonly SharedBatch[])[])[] = [],
): PhysicalOp {
  const rec = (s: OpSpec): PhysicalOp => {
    switch (s.op) {
      case 'input': {
        const schema = new Schema(s.fields);
        return new InputOp(schema, (inputs[s.id] ?? []).map((p) => p.map((b) => unshareBatch(b, schema))));
      }
      case 'scan': {
        const source = buildSource(s.source, memory);
        return new ScanOp(s.morsels ? new MorselSource(source, s.morsels) : source, s.columns, s.filters, s.limit, new Schema(s.fields));
      }
      case 'filter': return new FilterOp(rec(s.child), s.condition);
      case 'project': return new ProjectOp(rec(s.child), s.exprs, new Schema(s.fields));
      case 'limit': return new LimitOp(rec(s.child), s.limit, s.offset, s.global);
      case 'union': return new UnionOp(s.children.map(rec), new Schema(s.fields));
      case 'sample': return new SampleOp(rec(s.child), s.fraction, s.withReplacement, s.seed);
      case 'empty': return new EmptyOp(new Schema(s.fields));
      case 'coalesce': return new CoalesceOp(rec(s.child), s.partitions);
      case 'sort': return new SortOp(rec(s.child), s.keys, s.limit);
      case 'aggregate': return new HashAggregateOp(rec(s.child), s.mode, s.groupBy, s.aggs, new Schema(s.fields));
      case 'join': return new HashJoinOp(rec(s.left), rec(s.right), s.joinType, s.leftKeys, s.rightKeys, s.condition, s.broadcastRight, new Schema(s.fields), s.outputCols);
      case 'custom': {
        const children = s.children.map(rec);
        for (const c of customCodecs) {
          const op = c.build(s.kind, children, s.data);
          if (op) return op;
        }
        throw new Error(`no codec for operator kind '${s.kind}' in this worker`);
      }
    }
  };
  return rec(spec);
}
