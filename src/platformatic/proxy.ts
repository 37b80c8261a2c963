// The object instrumentProducer and instrumentConsumer hand back for a
// @platformatic/kafka client: the replaced methods as its own properties, in
// front of a Proxy of the client itself (its classes keep their state in
// private fields, which a copy could not reach) through which every other
// key is read from, and written to, the client as it is. Own properties: a
// call of a replaced method (send, on every send) does not go through the Proxy.
// Assigning one of those keys replaces it on this object, not on the client.

/** `client` with `overrides` in place of its methods of those names; the client itself is left as it was. */
export function withMethods<T extends object> (client: T, overrides: Record<string, (...args: any[]) => unknown>): T {
  const bound = new Map<PropertyKey, { source: unknown, fn: unknown }>()
  const forward = new Proxy(client, {
    get (target, key) {
      const value: unknown = Reflect.get(target, key, target) // getters read the client's private fields
      if (typeof value !== 'function') return value
      let entry = bound.get(key)
      if (entry?.source !== value) bound.set(key, entry = { source: value, fn: value.bind(target) })
      return entry.fn
    },
    set (target, key, value) {
      return Reflect.set(target, key, value, target)
    }
  })
  const counted = Object.create(forward) as Record<string, unknown>
  for (const key of Object.keys(overrides)) Object.defineProperty(counted, key, { value: overrides[key], writable: true, enumerable: false, configurable: true })
  return counted as T
}
