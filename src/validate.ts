// Input rules, checked before anything touches the table.

export const MAX_TOPIC_LENGTH = 249
const TOPIC_CHARS = /^[a-zA-Z0-9._-]+$/

/** Kafka's rule for topic names: 1 to 249 characters of [a-zA-Z0-9._-], not "." or "..". */
export function checkTopic (topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') {
    throw new TypeError(`topic must be a string (Kafka topic name), got ${typeof topic}`)
  }
  if (topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) {
    throw new RangeError(`topic must be 1 to ${MAX_TOPIC_LENGTH} characters long, got ${topic.length}`)
  }
  if (!TOPIC_CHARS.test(topic)) {
    throw new RangeError(`topic ${JSON.stringify(topic)} may only contain [a-zA-Z0-9._-]`)
  }
  if (topic === '.' || topic === '..') {
    throw new RangeError(`topic may not be "." or ".."`)
  }
}

/** A count must be a non-negative safe integer (exact in a double). */
export function checkCount (count: unknown): asserts count is number {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative safe integer, got ${String(count)}`)
  }
}

export type Outcome = 'success' | 'error'

/** Byte offset of an outcome's cell from the slot's success cell. */
export function outcomeOffset (outcome: unknown): 0 | 8 {
  if (outcome === 'success') return 0
  if (outcome === 'error') return 8
  throw new TypeError(`outcome must be 'success' or 'error', got ${JSON.stringify(outcome)}`)
}

export function checkWholeInRange (name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`)
  }
  return value
}
