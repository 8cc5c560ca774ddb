/**
 * The one cache policy of Symbolon: a Map of at most `capacity` entries that forgets the least
 * recently used one when a new key would pass the bound. `get` of a held key and `set` of any key
 * make it the most recent; `has` does not. Every cache whose keys come from outside input (CSR
 * subjects, client chains, OCSP and CRL answers) uses it, so no input can grow memory without
 * bound, and a flood of new keys cannot pin a cache full of junk: the entries in use stay.
 * Shared by every part (asn1/ included), so it lives beside errors.ts.
 */
export class BoundedCache<K, V> extends Map<K, V> {
  readonly capacity: number;
  private readonly onEvict: ((key: K, value: V) => void) | undefined;

  /** `onEvict` hears of each entry the bound pushes out (not of `delete` or `clear`), for an index kept beside the cache. */
  constructor(capacity: number, onEvict?: (key: K, value: V) => void) {
    super();
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`a cache holds at least one entry, not ${capacity}`);
    this.capacity = capacity;
    this.onEvict = onEvict;
  }

  override get(key: K): V | undefined {
    if (!super.has(key)) return undefined;
    const value = super.get(key) as V;
    super.delete(key);
    super.set(key, value);
    return value;
  }

  override set(key: K, value: V): this {
    if (super.has(key)) super.delete(key);
    else if (this.size >= this.capacity) {
      const oldest = super.keys().next().value as K;
      const evicted = super.get(oldest) as V;
      super.delete(oldest);
      this.onEvict?.(oldest, evicted);
    }
    return super.set(key, value);
  }
}
