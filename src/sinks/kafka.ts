// Each flush as Kafka records keyed by topic: the way processes and machines aggregate.
import { hostname } from 'node:os'
import type { Message, Producer } from 'kafkajs'
import type { SinkObject } from '../flush/sink.js'
import type { Row, Snapshot } from '../engine/snapshot.js'
import { isEmptyRow } from '../flush/snapshot-ops.js'
import { overflowLabel } from '../flush/rows.js'
import { idempotentProducer, isKafkaClient, type KafkaClient } from './kafka-producer.js'
import { rowsToRecords } from './kafka-records.js'

export interface KafkaSinkOptions {
  /** The Kafka topic the counts go to. */
  topic: string
  /** Names the sender in every record (default "<hostname>:<pid>"). */
  source?: string
  /** Acknowledgements to wait for (default -1, all in-sync replicas). */
  acks?: number
  /** Broker-side time-out of one send (ms, default 30000). */
  timeout?: number
  /** The key and `topic` of the overflow row's record (default "/overflow"; a name no topic can hold). Readers tell it by `overflow: true`. */
  overflowTopic?: string
  /** The clock for "time" (default Date.now). */
  now?: () => number
}

/** kafkaSink({ kafka, topic }): the sink makes, connects and closes its own idempotent producer. */
export interface KafkaClientSinkOptions extends KafkaSinkOptions {
  /** A kafkajs Kafka client (new Kafka({ brokers })). */
  kafka: KafkaClient
}

/** A sink with a producer of its own: close() disconnects it. */
export interface KafkaSink extends SinkObject {
  close (): Promise<void>
}

/** The value of one record, as JSON. */
export interface TallyRecord {
  /** The row's topic; for the overflow row, its label ("/overflow", which no topic can hold). */
  topic: string
  /** True on the overflow row's record only: readers tell that row by this flag, never by its topic. */
  overflow?: true
  /** With the default schema; a table with a schema writes its own columns and histograms. */
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

/**
 * One record per row that holds anything: every column of the row (success
 * and error with the default schema) and every histogram as `{ count, sum,
 * counts }`, beside the metadata, so a reader sums whatever the table keeps.
 */
export function toRecords (snap: Snapshot, time: number, source: string, overflowTopic?: string): Message[] {
  const messages: Message[] = []
  const overflowKey = overflowLabel(overflowTopic)
  const add = (topic: string, row: Row, overflow: boolean): void => {
    if (isEmptyRow(row)) return
    // Columns never collide with these fields: Tally.create refuses a column named like one (RESERVED_NAMES).
    const value = (overflow ? { topic, overflow: true, ...row, epoch: snap.epoch, time, source } : { topic, ...row, epoch: snap.epoch, time, source }) as TallyRecord
    if (snap.batch !== undefined) Object.assign(value, { batch: snap.batch.id, table: snap.batch.table, sequence: snap.batch.sequence })
    messages.push({ key: topic, value: JSON.stringify(value), timestamp: String(time) })
  }
  for (const [topic, row] of snap.topics) add(topic, row, false)
  add(overflowKey, snap.overflow, true)
  return messages
}

/**
 * Produces each flush to `options.topic`: one record per counted topic, keyed
 * by the topic name, valued `{"topic","success","error","epoch","time",
 * "source","batch","table","sequence"}`. Records are deltas: whoever reads the
 * topic sums them, across any number of senders, and drops repeats by batch
 * (see aggregateCounts). One flush is one send(); a failed send rejects and the
 * flusher delivers the same batch again.
 *
 * `kafkaSink({ kafka, topic })` makes its own idempotent producer (connected on
 * the first flush; close() disconnects it). `kafkaSink(producer, { topic })`
 * uses a connected producer of the application's, which should be idempotent
 * (`kafka.producer({ idempotent: true, maxInFlightRequests: 1 })`).
 */
export function kafkaSink (options: KafkaClientSinkOptions): KafkaSink
export function kafkaSink (producer: Producer, options: KafkaSinkOptions): SinkObject
export function kafkaSink (first: Producer | KafkaClientSinkOptions, second?: KafkaSinkOptions): SinkObject {
  if (second === undefined && first !== null && typeof first === 'object' && 'kafka' in first) {
    if (!isKafkaClient(first.kafka)) throw new TypeError('kafkaSink({ kafka }) expects a kafkajs Kafka client (new Kafka({ brokers }))')
    // kafkajs refuses every send of an idempotent producer without acks from all replicas.
    if (first.acks !== undefined && first.acks !== -1) throw new RangeError(`kafkaSink({ kafka }) uses an idempotent producer, which needs acks -1, got ${String(first.acks)}`)
    const own = idempotentProducer(first.kafka)
    const sink: KafkaSink = { ...sinkOn(own, first), close: () => own.close() }
    return sink
  }
  return sinkOn(first as Producer, second as KafkaSinkOptions)
}

function sinkOn (producer: Pick<Producer, 'send'>, options: KafkaSinkOptions): SinkObject {
  if (producer === null || typeof producer !== 'object' || typeof producer.send !== 'function') {
    throw new TypeError('kafkaSink expects a kafkajs producer (kafka.producer(), connected) or { kafka, topic }')
  }
  if (options === undefined || typeof options.topic !== 'string' || options.topic === '') {
    throw new TypeError('kafkaSink needs options.topic, the Kafka topic to write the counts to')
  }
  overflowLabel(options.overflowTopic) // refused when the sink is made, not at the first flush
  const source = options.source ?? `${hostname()}:${process.pid}`
  const now = options.now ?? Date.now
  // One flush is one send(): all of it delivered, or none (the flusher keeps the batch and sends it again).
  const send = async (messages: Message[]): Promise<void> => {
    if (messages.length === 0) return
    await producer.send({ topic: options.topic, acks: options.acks ?? -1, timeout: options.timeout ?? 30000, messages })
  }
  return {
    name: 'kafka',
    // The batch read in place: the records write() makes of its Snapshot, written straight from the rows (read before the send awaits).
    async writeRows (rows) {
      await send(rowsToRecords(rows, now(), source, options.overflowTopic))
    },
    async write (snap) {
      await send(toRecords(snap, now(), source, options.overflowTopic))
    }
  }
}

export { aggregateCounts, followCounts } from './kafka-aggregate.js'
export { startMember } from './kafka-member.js'
export type { Member, MemberOptions, FleetTotals } from './kafka-member.js'
export type { AggregateOptions, AggregateResult, CountsFollower, FollowOptions, CountsTotals, RowTotals, HistogramTotal } from './kafka-aggregate.js'
