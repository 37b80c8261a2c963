// The object instrumentProducer and instrumentConsumer hand back for a
// @platformatic/kafka client: a Proxy of the client itself (its classes keep
// their state in private fields, which a copy could not reach), with a few
// methods replaced and every other one called on the client as it is.

/** `client` with `overrides` in place of its methods of those names; the client itself is left as it was. */
export function withMethods<T extends object> (client: T, overrides: Record<string, (...args: any[]) => unknown>): T {
  const bound = new Map<PropertyKey, { source: unknown, fn: unknown }>()
  return new Proxy(client, {
    get (target, key) {
      if (typeof key === 'string' && Object.hasOwn(overrides, key)) return overrides[key]
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
}
