// wasm-tally/confluent: Confluent's @confluentinc/kafka-javascript counted
// through its KafkaJS API (KafkaJS.Kafka's producer() and consumer()), with
// the kafkajs adapter (the same API) and errors read as kafkajs's.
import { countProducer } from '../kafkajs/instrument.js'
import { countConsumer } from '../kafkajs/consumer.js'
import { SEND_NAMES } from '../messaging/send-counter.js'
import { mappedProcessCounter, PROCESS_NAMES, type ProcessCounter } from '../messaging/process-counter.js'
import { processCounterOf, sendCounterOf, writerOf, type ConsumerCountTarget, type CountTarget } from '../messaging/targets.js'
import { reportUnsupported, type InstrumentOptions } from '../messaging/unsupported.js'
import { confluentError } from './error-kind.js'

export { confluentError }
export type { CountTarget, ConsumerCountTarget, InstrumentOptions }

/** What instrumentProducer needs of a producer: KafkaJS.Producer has it. */
export interface ConfluentProducerLike { send: (...args: any[]) => unknown }
/** What instrumentConsumer needs of a consumer: KafkaJS.Consumer has it. */
export interface ConfluentConsumerLike { run: (...args: any[]) => unknown }

const processCounters = new WeakMap<object, ProcessCounter>()

function report (target: object, names: readonly string[], who: string, options: InstrumentOptions | undefined): void {
  const writer = writerOf(target as CountTarget)
  if (writer !== undefined) reportUnsupported(writer, names, who, options)
}

/**
 * Returns the producer's API (Confluent's KafkaJS.Producer) with send,
 * sendBatch and the sends of its transactions counted per topic into
 * `target`, as wasm-tally/kafkajs counts kafkajs's; errors read as kafkajs's.
 */
export function instrumentProducer<P extends ConfluentProducerLike> (producer: P, target: CountTarget, options?: InstrumentOptions): P {
  const counter = sendCounterOf(target, 'instrumentProducer', confluentError) // errors read as kafkajs's
  // Its send() reads the record's topic and messages during the call: no copy needed to count exactly what it gets.
  const copy = countProducer(producer as unknown as Parameters<typeof countProducer>[0], counter, "Confluent's KafkaJS", false)
  report(target, SEND_NAMES, 'instrumentProducer', options)
  return copy as unknown as P
}

/**
 * Returns the consumer's API (Confluent's KafkaJS.Consumer) with run()'s
 * eachMessage and eachBatch counted per topic into `target`, as
 * wasm-tally/kafkajs counts kafkajs's; errors read as kafkajs's.
 */
export function instrumentConsumer<C extends ConfluentConsumerLike> (consumer: C, target: ConsumerCountTarget, options?: InstrumentOptions): C {
  const inner = processCounterOf(target, 'instrumentConsumer')
  let counter = processCounters.get(target)
  if (counter === undefined) processCounters.set(target, counter = mappedProcessCounter(inner, confluentError))
  const copy = countConsumer(consumer, counter, "Confluent's KafkaJS")
  report(target, PROCESS_NAMES, 'instrumentConsumer', options)
  return copy
}

export { KafkaTally, DEFAULT_ERROR_CAPACITY } from '../messaging/kafka-tally.js'
export type { KafkaTallyOptions, SharedKafkaTally, KafkaSnapshot, TopicErrors } from '../messaging/kafka-tally.js'
export { KAFKA_SCHEMA, KAFKA_COLUMNS, KAFKA_HISTOGRAMS, DURATION_BOUNDS } from '../schemas/kafka.js'
