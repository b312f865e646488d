/**
 * A small registry of plugins (operator and source codecs, write formats) keyed by name and,
 * for codecs, by the class they handle. Registering a name again replaces the earlier entry.
 */

/** Entries keyed by name (`keyOf`) and by the exact class they handle (a `type` property, when present). */
export class KindRegistry<C extends object> {
  private readonly byName = new Map<string, C>();
  private readonly byType = new Map<unknown, C>();

  constructor(private readonly keyOf: (entry: C) => string) {}

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
