/**
 * Operator codecs: how each kind of physical operator travels to a worker thread as plain,
 * structured-cloneable data and is rebuilt there. An operator class defines its codec next to
 * itself (its own parameters only: the stage describer in plan-spec.ts walks the children) and
 * src/exec/codecs.ts registers the built-in ones; an operator without a codec keeps its stage
 * in the main thread. `PhysicalOp.withChildren` also goes through the codec.
 */
import { KindRegistry } from '../kind-registry.js';
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

/** Describes and rebuilds one class of operator. `D` is its parameters as plain data. */
export interface OpCodec<T extends PhysicalOp = PhysicalOp, D = unknown> {
  /** Unique name on the wire (e.g. 'filter'). */
  readonly kind: string;
  /** The operator class; an operator is described by the codec registered for its exact class. */
  readonly type: abstract new (...args: never[]) => T;
  /** The operator's own parameters (not its children) as structured-cloneable data. */
  describe(op: T, ctx: OpDescriber): D;
  /** Rebuilds the operator from its parameters and its rebuilt children (in `children` order). */
  build(data: D, children: PhysicalOp[], ctx: OpBuilder): T;
}

/** The registered codecs, by kind and by class. */
export const opCodecs = new KindRegistry<OpCodec>('kindling.opCodecs', (c) => c.kind);

/** Registers a codec (again for the same kind: replaces it). */
export function registerOpCodec<T extends PhysicalOp, D>(codec: OpCodec<T, D>): void {
  opCodecs.register(codec as unknown as OpCodec);
}
