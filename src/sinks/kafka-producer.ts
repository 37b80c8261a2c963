// The Kafka sink's own producer, made from a kafkajs client: idempotent, one
// request in flight, connected on the first send and closed by the sink.
import type { Kafka, ProducerRecord, RecordMetadata } from 'kafkajs'

/** What the sink needs of a producer, and the close() of one it owns. */
export interface OwnedProducer {
  send (record: ProducerRecord): Promise<RecordMetadata[]>
  close (): Promise<void>
}

/** The part of a kafkajs Kafka client the sink uses. */
export type KafkaClient = Pick<Kafka, 'producer'>

export function isKafkaClient (value: unknown): value is KafkaClient {
  return value !== null && typeof value === 'object' && typeof (value as { producer?: unknown }).producer === 'function'
}

/**
 * An idempotent producer (`maxInFlightRequests: 1`, so a partition gets the
 * sends in order even when kafkajs retries). A failed connect is tried again
 * on the next send; sends after close() reject.
 */
export function idempotentProducer (kafka: KafkaClient): OwnedProducer {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  let connecting: Promise<void> | undefined
  let closed = false
  const connect = (): Promise<void> => {
    connecting ??= producer.connect().catch((error: unknown) => {
      connecting = undefined // the next send tries again
      throw error
    })
    return connecting
  }
  return {
    async send (record) {
      if (closed) throw new Error('the Kafka sink is closed')
      await connect()
      return await producer.send(record)
    },
    async close () {
      if (closed) return
      closed = true
      if (connecting === undefined) return
      await connecting.catch(() => {})
      await producer.disconnect()
    }
  }
}
