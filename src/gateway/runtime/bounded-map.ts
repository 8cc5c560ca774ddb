/**
 * A Map that holds at most `capacity` entries: setting a new key past it drops the oldest one
 * (insertion order; a `set` of an existing key makes it the newest). What gateway caches keyed
 * by client input use, so no client can grow them without bound.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly capacity: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (super.has(key)) super.delete(key);
    else if (this.size >= this.capacity) super.delete(super.keys().next().value as K);
    return super.set(key, value);
  }
}
