// Each flush as Kafka records keyed by topic: the way processes and machines aggregate.
import { hostname } from 'node:os'
import type { Message, Producer } from 'kafkajs'
import type { SinkObject } from '../flush/sink.js'
import type { Snapshot } from '../engine/snapshot.js'
import { OVERFLOW_TOPIC } from '../flush/rows.js'

export interface KafkaSinkOptions {
  /** The Kafka topic the counts go to. */
  topic: string
  /** Names the sender in every record (default "<hostname>:<pid>"). */
  source?: string
  /** Acknowledgements to wait for (default -1, all in-sync replicas). */
  acks?: number
  /** Broker-side time-out of one send (ms, default 30000). */
  timeout?: number
  /** The key of the overflow row (default "__overflow"). */
  overflowTopic?: string
  /** The clock for "time" (default Date.now). */
  now?: () => number
}

/** The value of one record, as JSON. */
export interface TallyRecord {
  topic: string
  success: number
  error: number
  epoch: number
  time: number
  source: string
  /** The batch id (`${table}-${sequence}`): a retried batch carries the same one. */
  batch?: string
  /** The table's id, unique across processes and restarts. */
  table?: string
  /** The batch's sequence in its table: increases from batch to batch. */
  sequence?: number
}

export function toRecords (snap: Snapshot, time: number, source: string, overflowTopic = OVERFLOW_TOPIC): Message[] {
  const messages: Message[] = []
  const add = (topic: string, success: number, error: number): void => {
    if (success === 0 && error === 0) return
    const value: TallyRecord = { topic, success, error, epoch: snap.epoch, time, source }
    if (snap.batch !== undefined) Object.assign(value, { batch: snap.batch.id, table: snap.batch.table, sequence: snap.batch.sequence })
    messages.push({ key: topic, value: JSON.stringify(value), timestamp: String(time) })
  }
  for (const [topic, c] of snap.topics) add(topic, c.success, c.error)
  add(overflowTopic, snap.overflow.success, snap.overflow.error)
  return messages
}

/**
 * Produces each flush to `options.topic` with the given (connected) kafkajs
 * producer: one record per counted topic, keyed by the topic name, valued
 * `{"topic","success","error","epoch","time","source"}`. Records are deltas:
 * whoever reads the topic sums them, across any number of senders. One flush
 * is one send(); a failed send rejects and the flusher keeps the counts.
 */
export function kafkaSink (producer: Producer, options: KafkaSinkOptions): SinkObject {
  if (producer === null || typeof producer !== 'object' || typeof producer.send !== 'function') {
    throw new TypeError('kafkaSink expects a kafkajs producer (kafka.producer(), connected)')
  }
  if (options === undefined || typeof options.topic !== 'string' || options.topic === '') {
    throw new TypeError('kafkaSink needs options.topic, the Kafka topic to write the counts to')
  }
  const source = options.source ?? `${hostname()}:${process.pid}`
  const now = options.now ?? Date.now
  return {
    name: 'kafka',
    async write (snap) {
      const messages = toRecords(snap, now(), source, options.overflowTopic)
      if (messages.length === 0) return
      await producer.send({ topic: options.topic, acks: options.acks ?? -1, timeout: options.timeout ?? 30000, messages })
    }
  }
}
