// The object instrumentProducer and instrumentConsumer hand back: every key
// of the client, methods bound to it, so the client itself is left as it was.

/** A copy of `source` with its methods bound to it (own and inherited, not Object's). */
export function boundCopy<T extends object> (source: T): T {
  const copy: Record<PropertyKey, unknown> = {}
  const chain: object[] = []
  for (let o: object | null = source; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) chain.unshift(o)
  for (const o of chain) {
    for (const key of Reflect.ownKeys(o)) {
      if (key === 'constructor' && o !== source) continue
      const descriptor = Object.getOwnPropertyDescriptor(o, key)
      if (descriptor !== undefined && (descriptor.get !== undefined || descriptor.set !== undefined)) {
        // A getter is read on the client when asked (Confluent's consumer has one that throws), never copied as a value.
        Object.defineProperty(copy, key, {
          get: () => (source as Record<PropertyKey, unknown>)[key],
          set: (value: unknown) => { (source as Record<PropertyKey, unknown>)[key] = value },
          enumerable: descriptor.enumerable,
          configurable: true
        })
        continue
      }
      const value = (source as Record<PropertyKey, unknown>)[key]
      copy[key] = typeof value === 'function' ? value.bind(source) : value
    }
  }
  return copy as T
}
