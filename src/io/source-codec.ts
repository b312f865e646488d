/**
 * Source codecs: how each kind of `DataSource` travels to a worker thread as plain,
 * structured-cloneable data and is rebuilt there. A source class registers one codec (next to the
 * class, listed in src/exec/codecs.ts); a source without one keeps its stages in the main thread.
 * In-memory sources are not described here: the stage describer narrows them to the scanned
 * columns and sends only the partitions each task reads (src/exec/plan-spec.ts).
 */
import { type ClassCodec, KindRegistry } from '../kind-registry.js';
import type { DataSource } from './source.js';

/** A data source as plain data: its codec's kind and what that codec's `describe` returned. */
export interface SourceSpec {
  readonly kind: string;
  readonly data: unknown;
}

/** Describes sources nested in a source (e.g. the one a morsel source reads). */
export interface SourceDescriber {
  describe(source: DataSource): SourceSpec;
}

/** Rebuilds sources nested in a source. */
export interface SourceBuilder {
  build(spec: SourceSpec): DataSource;
}

/** Describes a class of source as plain data `D` and rebuilds it (nested sources through `inner`). */
export type SourceCodec<S extends DataSource = DataSource, D = unknown> = ClassCodec<S, D, SourceDescriber, [inner: SourceBuilder]>;

/** The registered codecs, by kind and by class. */
export const sourceCodecs = new KindRegistry<SourceCodec>('kindling.sourceCodecs', (c) => c.kind);

/** Registers a codec (again for the same kind: replaces it). */
export function registerSourceCodec<T extends DataSource, D>(codec: SourceCodec<T, D>): void {
  sourceCodecs.register(codec as unknown as SourceCodec);
}
