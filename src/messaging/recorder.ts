// Counting a send's outcome without ever throwing into the send path.
import { checkTopic } from '../engine/validate.js'
import type { AnyTally } from '../engine/tally.js'
import { INVALID_TOPIC } from '../flush/rows.js'

// Any table: its columns and histograms are checked when counting, not typed here.
type Tally = AnyTally

// Where counts for a topic the engine refuses go: '/' is outside Kafka's
// [a-zA-Z0-9._-], so it never merges with a topic's row (nor, as sinks refuse
// it for overflowTopic, with the overflow row).
export { INVALID_TOPIC }

/** What instrumentProducer needs from a table: a plain Tally, or a KafkaTally that also counts error kinds. */
export interface Recorder {
  success (topic: unknown, count: number): void
  /** `cause` is what the send rejected with (or threw). */
  error (topic: unknown, count: number, cause: unknown): void
}

/** A Recorder written before error() had its name: instrumentProducer still takes it. */
export interface LegacyRecorder {
  success (topic: unknown, count: number): void
  /** @deprecated Name it error(). */
  failure (topic: unknown, count: number, cause: unknown): void
}

/** The topic as counted: itself when Kafka would accept the name, else INVALID_TOPIC. */
export function countedTopic (topic: unknown): string {
  try {
    checkTopic(topic)
    return topic
  } catch {
    return INVALID_TOPIC
  }
}

/** Adds `count` to a column of a row, never throwing: a refused topic counts under INVALID_TOPIC. */
export function safeRecord (tally: Tally, topic: unknown, column: string, count: number): void {
  if (count === 0) return
  try {
    tally.record(topic as string, column, count)
  } catch {
    try { tally.bindRow(INVALID_TOPIC).add(column, count) } catch { /* counting never breaks a send */ }
  }
}
