/**
 * Operator codecs: how each kind of physical operator travels to a worker thread as plain,
 * structured-cloneable data and is rebuilt there. An operator class defines its codec next to
 * itself (its own parameters only: the stage describer in plan-spec.ts walks the children) and
 * src/exec/codecs.ts registers the built-in ones; an operator without a codec keeps its stage
 * in the main thread. `PhysicalOp.withChildren` also goes through the codec.
 */
import { type ClassCodec, KindRegistry } from '../kind-registry.js';
import type { DataSource } from '../io/source.js';
import type { SourceSpec } from '../io/source-codec.js';
import type { PhysicalOp } from './operator.js';

/** What an operator's `describe` may ask of the stage describer. */
export interface OpDescriber {
  /**
   * A scan's source as plain data, and the column indices the rebuilt scan reads (an in-memory
   * source is narrowed to the scanned columns, which then become 0..k-1).
   */
  source(source: DataSource, columns: readonly number[]): { readonly source: SourceSpec; readonly columns: readonly number[] };
}

/** What an operator's `build` may ask of the stage builder. */
export interface OpBuilder {
  /** Rebuilds a source described by {@link OpDescriber.source}. */
  source(spec: SourceSpec): DataSource;
}

/**
 * Describes and rebuilds one class of operator: `describe` gives its own parameters (not its
 * children) as plain data `D`; `build` gets them back with the rebuilt children, in order.
 */
export type OpCodec<T extends PhysicalOp = PhysicalOp, D = unknown> = ClassCodec<T, D, OpDescriber, [children: PhysicalOp[], ctx: OpBuilder]>;

/** The registered codecs, by kind and by class. */
export const opCodecs = new KindRegistry<OpCodec>('kindling.opCodecs', (c) => c.kind);

/** Registers a codec (again for the same kind: replaces it). */
export function registerOpCodec<T extends PhysicalOp, D>(codec: OpCodec<T, D>): void {
  opCodecs.register(codec as unknown as OpCodec);
}
