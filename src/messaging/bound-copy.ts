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
      const value = (source as Record<PropertyKey, unknown>)[key]
      copy[key] = typeof value === 'function' ? value.bind(source) : value
    }
  }
  return copy as T
}
