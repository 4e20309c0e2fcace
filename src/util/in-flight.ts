/**
 * The promise already in flight for `key`, or a new one from `make` that every caller with the
 * same key shares until it settles (a provider's create for one server id: a second create while
 * the first is out must not make a second machine).
 */
export function joinInFlight<K, V>(inFlight: Map<K, Promise<V>>, key: K, make: () => Promise<V>): Promise<V> {
  let pending = inFlight.get(key);
  if (!pending) {
    pending = make().finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}
