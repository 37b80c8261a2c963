// StatsD / DogStatsD counters through a hot-shots client, topic and outcome as tags.
import type { StatsD } from 'hot-shots'
import { PartialDeliveryError, type SinkObject } from '../flush/sink.js'
import { emptySnapshot, type Snapshot } from '../engine/snapshot.js'
import type { Outcome } from '../engine/validate.js'
import { forEachCount, OVERFLOW_TOPIC } from '../flush/rows.js'

export interface StatsdSinkOptions {
  /** Metric name (default kafka.producer.messages; the client's prefix applies). */
  name?: string
  /** The topic tag of the overflow row (default "__overflow"). */
  overflowTopic?: string
}

export const DEFAULT_STATSD_NAME = 'kafka.producer.messages'

/**
 * A buffered hot-shots client calls a metric back "once sent or buffered" and
 * sends the shared buffer later, so no callback says whether a given row went
 * out: a failure would have to keep (and send again) rows that were delivered.
 */
function unbufferedOnly (client: StatsD): void {
  const size = (client as { maxBufferSize?: unknown }).maxBufferSize
  if (typeof size === 'number' && size > 0) {
    throw new TypeError(`statsdSink needs an unbuffered hot-shots client (maxBufferSize: 0, got ${size}): ` +
      'a buffered client cannot tell which counts a failed datagram carried. ' +
      'Give the sink its own client with maxBufferSize: 0 (the uds protocol buffers unless told so)')
  }
}

function addTo (snap: Snapshot, topic: string, overflowTopic: string, outcome: Outcome, count: number): void {
  if (topic === overflowTopic) { snap.overflow[outcome] += count; return }
  const c = snap.topics.get(topic) ?? { success: 0, error: 0 }
  c[outcome] += count
  snap.topics.set(topic, c)
}

/**
 * Sends each flush as counter increments `kafka.producer.messages:N|c|#topic:T,outcome:O`,
 * one datagram each, never sampled (rate 1 whatever the client's sampleRate).
 * Resolves when the client reports every datagram sent; if some fail, rejects
 * with a PartialDeliveryError naming exactly the rows that did not go out.
 * Throws a TypeError for a buffered client (maxBufferSize > 0).
 * UDP itself may drop datagrams silently: use the client's tcp or uds protocol
 * where every count must arrive.
 */
export function statsdSink (client: StatsD, options: StatsdSinkOptions = {}): SinkObject {
  if (client === null || typeof client !== 'object' || typeof client.increment !== 'function') {
    throw new TypeError('statsdSink expects a hot-shots client (new StatsD({...}))')
  }
  unbufferedOnly(client)
  const name = options.name ?? DEFAULT_STATSD_NAME
  const overflowTopic = options.overflowTopic ?? OVERFLOW_TOPIC
  return {
    name: 'statsd',
    write (snap) {
      unbufferedOnly(client) // the option may have been changed since
      return new Promise<void>((resolve, reject) => {
        const undelivered = emptySnapshot(snap.epoch)
        let failure: unknown
        let failed = false
        let waiting = 1
        const fail = (error: unknown, topic: string, outcome: Outcome, count: number): void => {
          if (!failed) { failed = true; failure = error }
          addTo(undelivered, topic, overflowTopic, outcome, count)
        }
        const settle = (): void => {
          if (--waiting !== 0) return
          if (!failed) { resolve(); return }
          const message = failure instanceof Error ? failure.message : String(failure)
          reject(new PartialDeliveryError(`statsd: some increments were not sent: ${message}`, undelivered, { cause: failure }))
        }
        let threw = false
        forEachCount(snap, overflowTopic, (topic, outcome, count) => {
          if (threw) { addTo(undelivered, topic, overflowTopic, outcome, count); return } // never handed over
          let answered = false
          waiting++
          try {
            client.increment(name, count, 1, { topic, outcome }, error => {
              if (answered) return // a client that calls back twice counts once
              answered = true
              if (error) fail(error, topic, outcome, count)
              settle()
            })
          } catch (error) {
            // hot-shots throws before sending: this row and the rest stay, the rows before it are in flight.
            threw = true
            if (!answered) { answered = true; fail(error, topic, outcome, count); settle() }
          }
        })
        settle()
      })
    }
  }
}
