// A KafkaSnapshot's failures by cause (errors: send failures, processErrors:
// handler failures) as plain JSON values: Maps become objects.
import type { Snapshot } from '../engine/snapshot.js'

export interface JsonTopicErrors {
  retriable: number
  nonRetriable: number
  kinds: Record<string, number>
}

export interface JsonErrors {
  errors?: Record<string, JsonTopicErrors>
  /** Send failures whose (topic, kind) found the table full. */
  errorsOverflow?: { retriable: number, nonRetriable: number }
  processErrors?: Record<string, JsonTopicErrors>
  processErrorsOverflow?: { retriable: number, nonRetriable: number }
}

/** The failures-by-cause fields a snapshot carries. */
const FIELDS = ['errors', 'processErrors'] as const

/** Each such field the snapshot holds, when it holds anything: topics as { topic: { retriable, nonRetriable, kinds } }. */
export function errorsAsJson (snap: Snapshot): JsonErrors {
  const out: JsonErrors = {}
  const fields = snap as unknown as Record<string, unknown>
  for (const field of FIELDS) {
    const byTopic = fields[field]
    if (byTopic instanceof Map && byTopic.size > 0) {
      const topics: Record<string, JsonTopicErrors> = {}
      for (const [topic, e] of byTopic as Map<string, { retriable: number, nonRetriable: number, kinds: Map<string, number> }>) {
        topics[topic] = { retriable: e.retriable, nonRetriable: e.nonRetriable, kinds: Object.fromEntries(e.kinds) }
      }
      out[field] = topics
    }
    const overflow = fields[`${field}Overflow`] as { retriable?: unknown, nonRetriable?: unknown } | undefined
    if (typeof overflow?.retriable === 'number' && typeof overflow.nonRetriable === 'number' && overflow.retriable + overflow.nonRetriable > 0) {
      out[`${field}Overflow`] = { retriable: overflow.retriable, nonRetriable: overflow.nonRetriable }
    }
  }
  return out
}
