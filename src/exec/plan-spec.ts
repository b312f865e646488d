/**
 * Stage specs: a physical stage (the operators between exchanges) as plain, structured-cloneable
 * data, and the inverse that rebuilds the operators in a worker. The walk is generic: each
 * operator and source is described and rebuilt by the codec registered for its class
 * (op-codec.ts, io/source-codec.ts; the built-in ones in codecs.ts). Exchanges below a stage
 * become `input` leaves whose partitions travel with each task, and in-memory sources are narrowed
 * to the scanned columns and sent per task. Stages holding anything without a codec (e.g. a
 * computed source) are reported as not serialisable and run in the main thread.
 */
import type { Batch } from '../data/batch.js';
import { type SourceSpec, sourceCodecs } from '../io/source-codec.js';
import { type DataSource, MemorySource } from '../io/source.js';
import { type Field, Schema } from '../types.js';
import { ScanOp } from './basic.js';
import { ExchangeOp } from './exchange.js';
import { type OpBuilder, type OpDescriber, opCodecs } from './op-codec.js';
import { type ExecContext, PhysicalOp } from './operator.js';
import { type SharedBatch, shareBatch, unshareBatch } from './serde.js';

/**
 * An operator tree as plain data: each node names its operator's codec (`op`) and holds what the
 * codec described; `input` leaves stand for the exchanges below the stage (`data` is an
 * {@link InputData}).
 */
export interface OpSpec {
  readonly op: string;
  readonly data: unknown;
  readonly children: readonly OpSpec[];
}

/** What an `input` leaf holds: `id` indexes the task's `inputs`. */
export interface InputData {
  readonly id: number;
  readonly fields: readonly Field[];
  readonly partitions: number;
}

/** What a `memory` source spec holds: `id` indexes the task's `memory` data (only the partitions the task reads are sent). */
interface MemoryData {
  readonly fields: readonly Field[];
  readonly id: number;
  readonly partitions: number;
  readonly label: string;
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

/**
 * Describes the sources of a stage's scans; an in-memory source (possibly inside another source,
 * e.g. a morsel source) becomes a `memory` spec of the scanned columns, listed in `memories`.
 */
function sourceDescriber(memories: MemoryInput[]): OpDescriber {
  return {
    source(top, columns) {
      let narrowed = false;
      const describe = (s: DataSource): SourceSpec => {
        if (s instanceof MemorySource) {
          narrowed = true;
          let id = memories.findIndex((m) => m.source === s && m.columns.length === columns.length && m.columns.every((c, k) => c === columns[k]));
          if (id < 0) {
            id = memories.length;
            memories.push({ source: s, columns });
          }
          const data: MemoryData = { fields: columns.map((j) => s.schema.fields[j]!), id, partitions: s.partitions.length, label: s.describe().split(' (')[0]! };
          return { kind: 'memory', data };
        }
        const codec = sourceCodecs.of(s);
        if (!codec) throw new NotSerializable(`source ${s.describe()} cannot be sent to a worker`);
        return { kind: codec.kind, data: codec.describe(s, { describe }) };
      };
      const source = describe(top);
      return { source, columns: narrowed ? columns.map((_, k) => k) : columns };
    },
  };
}

/** Rebuilds the sources of a stage's scans; `memory[id]` holds the partitions of in-memory source `id`. */
function sourceBuilder(memory: readonly (readonly (readonly SharedBatch[])[])[]): OpBuilder {
  const build = (spec: SourceSpec): DataSource => {
    if (spec.kind === 'memory') {
      const s = spec.data as MemoryData;
      const schema = new Schema(s.fields);
      const parts = memory[s.id] ?? [];
      return new MemorySource(schema, Array.from({ length: s.partitions }, (_, i) => (parts[i] ?? []).map((b) => unshareBatch(b, schema))), s.label);
    }
    const codec = sourceCodecs.get(spec.kind);
    if (!codec) throw new Error(`no codec for source kind '${spec.kind}' in this thread (known: ${sourceCodecs.names().join(', ')})`);
    return codec.build(spec.data, { build });
  };
  return { source: build };
}

/**
 * Describes the stage rooted at `op`. Exchanges met below it (and inputs already attached, as
 * `InputOp`s) become `input` leaves and are listed in `inputs` (in id order) so the scheduler can
 * attach their data; in-memory sources are listed in `memories`. Throws {@link NotSerializable}
 * for an operator or source without a codec.
 */
export function describeStage(op: PhysicalOp, inputs: PhysicalOp[] = [], memories: MemoryInput[] = []): OpSpec {
  const ctx = sourceDescriber(memories);
  const rec = (o: PhysicalOp): OpSpec => {
    if (o instanceof ExchangeOp || o instanceof InputOp) {
      let id = inputs.indexOf(o);
      if (id < 0) {
        id = inputs.length;
        inputs.push(o);
      }
      const data: InputData = { id, fields: o.schema.fields, partitions: o.numPartitions() };
      return { op: 'input', data, children: [] };
    }
    const codec = opCodecs.of(o);
    if (!codec) throw new NotSerializable(`operator ${o.describe()} cannot be sent to a worker`);
    return { op: codec.kind, data: codec.describe(o, ctx), children: o.children.map(rec) };
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
  const ctx = sourceBuilder(memory);
  const rec = (s: OpSpec): PhysicalOp => {
    if (s.op === 'input') {
      const d = s.data as InputData;
      const schema = new Schema(d.fields);
      return new InputOp(schema, (inputs[d.id] ?? []).map((p) => p.map((b) => unshareBatch(b, schema))));
    }
    const codec = opCodecs.get(s.op);
    if (!codec) throw new Error(`no codec for operator kind '${s.op}' in this thread (known: ${opCodecs.names().join(', ')})`);
    return codec.build(s.data, s.children.map(rec), ctx);
  };
  return rec(spec);
}
