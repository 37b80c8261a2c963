// wasm-tally/platformatic: @platformatic/kafka's producers and consumers
// counted per topic into a KafkaTally (or a Tally), into the same rows and
// series as kafkajs's and Confluent's, through the shared recorder.
import { mappedProcessCounter, type ProcessCounter } from '../messaging/process-counter.js'
import { SEND_NAMES } from '../messaging/send-counter.js'
import { processCounterOf, sendCounterOf, writerOf, type ConsumerCountTarget, type CountTarget } from '../messaging/targets.js'
import { reportUnsupported, type InstrumentOptions } from '../messaging/unsupported.js'
import { countConsumer } from './consumer.js'
import { platformaticError } from './error-kind.js'
import { countProducer } from './producer.js'

export { platformaticError }
export { KafkaTally, DEFAULT_ERROR_CAPACITY } from '../messaging/kafka-tally.js'
export type { KafkaTallyOptions, SharedKafkaTally, KafkaSnapshot, TopicErrors } from '../messaging/kafka-tally.js'
export { KAFKA_SCHEMA, KAFKA_COLUMNS, KAFKA_HISTOGRAMS, DURATION_BOUNDS } from '../schemas/kafka.js'
export type { CountTarget, ConsumerCountTarget, InstrumentOptions }

const processCounters = new WeakMap<object, ProcessCounter>()

/**
 * Returns the producer (its send in front of a Proxy of it; the producer itself is left as it was)
 * with send(), promise or callback form, and its transactions' sends counted
 * per topic into `target`: messages delivered (success) or not (error, and
 * why on a KafkaTally), bytes delivered, the duration of each send.
 */
export function instrumentProducer<P extends object> (producer: P, target: CountTarget, options?: InstrumentOptions): P {
  const counter = sendCounterOf(target, 'instrumentProducer', platformaticError) // errors read as kafkajs's
  const counted = countProducer(producer, counter)
  const writer = writerOf(target)
  if (writer !== undefined) reportUnsupported(writer, SEND_NAMES, 'instrumentProducer', options)
  return counted
}

/**
 * Returns the consumer (a Proxy of it) whose consume() streams count, per
 * topic into `target`, each message they hand to the application as
 * consumed, with its bytes. A stream has no handler: processed, processErrors
 * and processDuration are not counted (docs/KAFKA-CLIENTS.md).
 */
export function instrumentConsumer<C extends object> (consumer: C, target: ConsumerCountTarget, options?: InstrumentOptions): C {
  const inner = processCounterOf(target, 'instrumentConsumer')
  let counter = processCounters.get(target)
  if (counter === undefined) processCounters.set(target, counter = mappedProcessCounter(inner, platformaticError))
  const counted = countConsumer(consumer, counter)
  const writer = writerOf(target)
  if (writer !== undefined) reportUnsupported(writer, ['consumed', 'consumedBytes'], 'instrumentConsumer', options)
  return counted
}
