// StatsD / DogStatsD counters through a hot-shots client, topic and outcome as tags.
import type { StatsD } from 'hot-shots'
import { PartialDeliveryError, type SinkObject } from '../flush/sink.js'
import { emptySnapshot, type Snapshot } from '../snapshot.js'
import type { Outcome } from '../validate.js'
import { forEachCount, OVERFLOW_TOPIC } from './rows.js'

export interface StatsdSinkOptions {
  /** Metric name (default kafka.producer.messages; the client's prefix applies). */
  name?: string
  /** The topic tag of the overflow row (default "__overflow"). */
  overflowTopic?: string
}

export const DEFAULT_STATSD_NAME = 'kafka.producer.messages'

interface Buffered { maxBufferSize?: number, flushQueue?: (callback: (error?: Error | null) => void) => void }

function addTo (snap: Snapshot, topic: string, overflowTopic: string, outcome: Outcome, count: number): void {
  if (topic === overflowTopic) { snap.overflow[outcome] += count; return }
  const c = snap.topics.get(topic) ?? { success: 0, error: 0 }
  c[outcome] += count
  snap.topics.set(topic, c)
}

/**
 * Sends each flush as counter increments `kafka.producer.messages:N|c|#topic:T,outcome:O`.
 * Resolves when the client reports every datagram sent. With an unbuffered
 * client (maxBufferSize 0) a failed send rejects with a PartialDeliveryError
 * naming exactly the rows that did not go out; with a buffered client the
 * sink flushes the buffer and a failure keeps the whole flush.
 * UDP itself may drop datagrams silently: use the client's tcp or uds protocol
 * where every count must arrive.
 */
export function statsdSink (client: StatsD, options: StatsdSinkOptions = {}): SinkObject {
  if (client === null || typeof client !== 'object' || typeof client.increment !== 'function') {
    throw new TypeError('statsdSink expects a hot-shots client (new StatsD({...}))')
  }
  const name = options.name ?? DEFAULT_STATSD_NAME
  const overflowTopic = options.overflowTopic ?? OVERFLOW_TOPIC
  const buffered = client as unknown as Buffered
  return {
    name: 'statsd',
    write (snap) {
      return new Promise<void>((resolve, reject) => {
        const undelivered = emptySnapshot(snap.epoch)
        let failure: Error | undefined
        let waiting = 1
        const settle = (): void => {
          if (--waiting !== 0) return
          if (failure === undefined) resolve()
          else if ((buffered.maxBufferSize ?? 0) > 0) reject(failure)
          else reject(new PartialDeliveryError(`statsd: some increments were not sent: ${failure.message}`, undelivered, { cause: failure }))
        }
        try {
          forEachCount(snap, overflowTopic, (topic, outcome, count) => {
            waiting++
            client.increment(name, count, { topic, outcome }, error => {
              if (error) { failure ??= error; addTo(undelivered, topic, overflowTopic, outcome, count) }
              settle()
            })
          })
        } catch (error) {
          // Which rows went out is unknown: keep the whole flush.
          reject(error)
          return
        }
        if ((buffered.maxBufferSize ?? 0) > 0 && typeof buffered.flushQueue === 'function') {
          waiting++
          buffered.flushQueue(error => { if (error) failure ??= error; settle() })
        }
        settle()
      })
    }
  }
}
