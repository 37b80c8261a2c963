// The row a KafkaTally keeps per topic: what instrumentProducer and
// instrumentConsumer count, in the units OpenTelemetry's kafkajs
// instrumentation reports (durations in seconds, with its bucket bounds).

/** OpenTelemetry's bounds for messaging durations, in seconds. */
export const DURATION_BOUNDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

export const KAFKA_COLUMNS = [
  'success', // messages a send delivered
  'error', // messages a send failed to deliver
  'bytes', // key + value + header bytes of the messages sent, as kafkajs sends them
  'consumed', // messages handed to a consumer's handler
  'processed', // consumed messages whose handler succeeded
  'processErrors', // consumed messages whose handler threw or rejected
  'consumedBytes' // key + value + header bytes of the messages consumed
] as const

export type KafkaColumn = typeof KAFKA_COLUMNS[number]

export const KAFKA_HISTOGRAMS = {
  /** Seconds from a send()/sendBatch() call to its settling, one observation per call and topic. */
  sendDuration: DURATION_BOUNDS,
  /** Seconds a handler took: per message (eachMessage) or per batch (eachBatch). */
  processDuration: DURATION_BOUNDS
} as const

export type KafkaHistogram = keyof typeof KAFKA_HISTOGRAMS

export const KAFKA_SCHEMA = { columns: [...KAFKA_COLUMNS], histograms: { ...KAFKA_HISTOGRAMS } }
