/**
 * A small registry of plugins (operator and source codecs, write formats) keyed by name and,
 * for codecs, by the class they handle. Registering a name again replaces the earlier entry.
 * The entries live on `globalThis` under a `Symbol.for` key, so a module that registers a plugin
 * reaches the same registry even when it was loaded with its own copy of Kindling's modules (as
 * worker modules are under tsx).
 */

/**
 * Describes one class of objects (an operator, a source) as plain, structured-cloneable data
 * `D` and rebuilds them from it. `Ctx` is what `describe` may ask of its caller, `Build` the
 * arguments `build` gets after the data.
 */
export interface ClassCodec<T, D, Ctx, Build extends unknown[]> {
  /** Unique name on the wire (e.g. 'filter', 'csv'). */
  readonly kind: string;
  /** The class; an object is described by the codec registered for its exact class. */
  readonly type: abstract new (...args: never[]) => T;
  /** The object's parameters as structured-cloneable data. */
  describe(x: T, ctx: Ctx): D;
  /** Rebuilds the object from its data. */
  build(data: D, ...args: Build): T;
}

/** Entries keyed by name (`keyOf`) and by the exact class they handle (a `type` property, when present). */
export class KindRegistry<C extends object> {
  private readonly byName: Map<string, C>;
  private readonly byType: Map<unknown, C>;

  /** `id` names the registry process-wide (e.g. 'kindling.opCodecs'). */
  constructor(id: string, private readonly keyOf: (entry: C) => string) {
    const g = globalThis as Record<symbol, { byName: Map<string, C>; byType: Map<unknown, C> } | undefined>;
    const key = Symbol.for(id);
    const state = (g[key] ??= { byName: new Map(), byType: new Map() });
    this.byName = state.byName;
    this.byType = state.byType;
  }

  /** Adds an entry, replacing one registered under the same name. */
  register(entry: C): void {
    const name = this.keyOf(entry);
    const old = this.byName.get(name);
    if (old && 'type' in old) this.byType.delete(old.type);
    this.byName.set(name, entry);
    if ('type' in entry) this.byType.set(entry.type, entry);
  }

  /** The entry registered for the exact class of `x`, if any. */
  of(x: object): C | undefined {
    return this.byType.get(x.constructor);
  }

  /** The entry registered under `name`, if any. */
  get(name: string): C | undefined {
    return this.byName.get(name);
  }

  /** Names of every entry, in registration order. */
  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** Wraps a registration step so that it runs once per thread; later calls do nothing. */
export function once(step: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    step();
  };
}
