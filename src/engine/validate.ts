// Input rules, checked before anything touches the table. Every message names
// the rule and quotes the value it was given, with its type when the type is wrong.
import { CELL_BYTES, OUTCOME_ERROR, OUTCOME_SUCCESS } from './generated/constants.js'

export const MAX_TOPIC_LENGTH = 249
const TOPIC_CHARS = /^[a-zA-Z0-9._-]+$/

/** A value as an error message shows it: strings quoted, objects by their kind. */
export function describe (value: unknown): string {
  if (typeof value === 'string') return `${JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value)} (a string)`
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${String(value)}${typeof value === 'bigint' ? 'n' : ''} (a ${typeof value})`
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'symbol') return 'a symbol'
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' && name !== 'Object' ? `a ${name}` : 'an object'
}

/** Kafka's rule for topic names: 1 to 249 characters of [a-zA-Z0-9._-], not "." or "..". */
export function checkTopic (topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') {
    throw new TypeError(`topic must be a string (Kafka topic name), got ${describe(topic)}`)
  }
  if (topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) {
    throw new RangeError(`topic must be 1 to ${MAX_TOPIC_LENGTH} characters long, got ${topic.length}`)
  }
  if (!TOPIC_CHARS.test(topic)) {
    throw new RangeError(`topic ${JSON.stringify(topic)} may only contain [a-zA-Z0-9._-]`)
  }
  if (topic === '.' || topic === '..') {
    throw new RangeError('topic may not be "." or ".."')
  }
}

/** A count must be a non-negative safe integer (exact in a double). */
export function checkCount (count: unknown): asserts count is number {
  if (typeof count !== 'number') throw new TypeError(`count must be a number, got ${describe(count)}`)
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative safe integer, got ${String(count)}`)
  }
}

export type Outcome = 'success' | 'error'

// Byte offsets of the outcomes' cells from a slot's first cell.
const SUCCESS_OFFSET = OUTCOME_SUCCESS * CELL_BYTES
const ERROR_OFFSET = OUTCOME_ERROR * CELL_BYTES

/** Byte offset of an outcome's cell from the slot's success cell. */
export function outcomeOffset (outcome: unknown): number {
  if (outcome === 'success') return SUCCESS_OFFSET
  if (outcome === 'error') return ERROR_OFFSET
  throw new TypeError(`outcome must be 'success' or 'error', got ${describe(outcome)}`)
}

export function checkWholeInRange (name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${describe(value)}`)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`)
  }
  return value
}

/** A wait in milliseconds: a number from 0 up, Infinity allowed (wait for the holder's lease). */
export function checkWait (name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number of milliseconds from 0 up, got ${describe(value)}`)
  }
  return value
}

/** An options argument: undefined or a plain object. */
export function checkOptions<T extends object> (where: string, options: unknown): T {
  if (options === undefined) return {} as T
  if (options === null || typeof options !== 'object') throw new TypeError(`${where} takes an options object, got ${describe(options)}`)
  return options as T
}
