// What a consumer's handler records, per topic: messages handed to it
// (consumed, consumedBytes) before it runs; when it settles, the messages it
// processed or failed (why, on a KafkaTally) and one processDuration observation.
import type { RowWriter } from './row-writer.js'
import { mapped, type ErrorMap } from './send-counter.js'

export interface ProcessCounter {
  /** Whether it counts bytes: a table without consumedBytes does not pay for measuring them. */
  readonly bytes: boolean
  /** Never throws. */
  consumed (topic: unknown, count: number, bytes: number): void
  /**
   * A handler call settled over `processed` + `failed` messages: `processed`
   * count as processed, `failed` as processErrors with `error` as their cause;
   * one processDuration observation. Never throws.
   */
  settled (topic: unknown, processed: number, failed: number, seconds: number, error: unknown): void
}

/** The columns and histograms a handler writes. */
export const PROCESS_NAMES = ['consumed', 'consumedBytes', 'processed', 'processErrors', 'processDuration'] as const

/** Into a table's rows; `failure` counts messages whose handler failed (a KafkaTally's also counts their kind). */
export function tableProcessCounter (writer: RowWriter, failure: (topic: unknown, count: number, error: unknown) => void): ProcessCounter {
  return {
    bytes: writer.has('consumedBytes'),
    consumed (topic, count, bytes) {
      writer.add(topic, 'consumed', count)
      writer.add(topic, 'consumedBytes', bytes)
    },
    settled (topic, processed, failed, seconds, error) {
      try {
        writer.add(topic, 'processed', processed)
        if (failed > 0) failure(topic, failed, error)
        writer.observe(topic, 'processDuration', seconds)
      } catch { /* counting never breaks a handler */ }
    }
  }
}

/** `counter` with each handler failure's error put through `map` first. */
export function mappedProcessCounter (counter: ProcessCounter, map: ErrorMap): ProcessCounter {
  return {
    bytes: counter.bytes,
    consumed (topic, count, bytes) { counter.consumed(topic, count, bytes) },
    settled (topic, processed, failed, seconds, error) {
      counter.settled(topic, processed, failed, seconds, failed > 0 ? mapped(map, error) : error)
    }
  }
}
