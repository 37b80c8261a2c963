// Walking a snapshot as (topic, outcome, count) rows, the shape most sinks write.
import type { Snapshot } from '../engine/snapshot.js'
import { checkTopic, describe, type Outcome } from '../engine/validate.js'

/**
 * The topic label of the overflow row: "/overflow" unless a sink is told
 * otherwise. No topic can hold it ('/' is outside Kafka's [a-zA-Z0-9._-]), so
 * the overflow row never merges with a topic's row in any sink.
 */
export const OVERFLOW_TOPIC = '/overflow'

/**
 * Where the kafkajs instrumentation counts a topic the engine refuses (not a
 * string, or not a valid Kafka name): a row key no topic can have either.
 */
export const INVALID_TOPIC = '/invalid-topic'

/** True when `name` is a name a topic could hold (Kafka's rule, the one record() applies). */
export function isTopicName (name: string): boolean {
  try {
    checkTopic(name)
    return true
  } catch {
    return false
  }
}

/**
 * A sink's `overflowTopic` option, checked: a non-empty string that no topic
 * can hold (a character outside [a-zA-Z0-9._-]) other than INVALID_TOPIC, or the default.
 */
export function overflowLabel (value: unknown, option = 'overflowTopic'): string {
  if (value === undefined) return OVERFLOW_TOPIC
  if (typeof value !== 'string' || value === '') throw new TypeError(`${option} must be a non-empty string, got ${describe(value)}`)
  if (isTopicName(value)) {
    throw new RangeError(`${option} must be a name no topic can hold (one with a character outside [a-zA-Z0-9._-], like the default ${JSON.stringify(OVERFLOW_TOPIC)}), ` +
      `so the overflow row never merges with a topic's row; got ${JSON.stringify(value)}, which is a valid topic name`)
  }
  if (value === INVALID_TOPIC) throw new RangeError(`${option} must not be ${JSON.stringify(INVALID_TOPIC)} (the row of the topics Kafka refuses), or the overflow row would merge with it`)
  return value
}

/**
 * Calls `row` for every non-zero count, the overflow row last (labelled
 * `overflowTopic`, with `overflow` true: a sink that maps rows back tells the
 * overflow row by that flag, never by its label).
 */
export function forEachCount (snap: Snapshot, overflowTopic: string, row: (topic: string, outcome: Outcome, count: number, overflow: boolean) => void): void {
  for (const [topic, c] of snap.topics) {
    if (c.success !== 0) row(topic, 'success', c.success, false)
    if (c.error !== 0) row(topic, 'error', c.error, false)
  }
  if (snap.overflow.success !== 0) row(overflowTopic, 'success', snap.overflow.success, true)
  if (snap.overflow.error !== 0) row(overflowTopic, 'error', snap.overflow.error, true)
}
