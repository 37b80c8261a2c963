// Wraps a kafkajs consumer so its run() handlers are counted per topic: the
// messages each is handed (and their bytes) before it runs, then, when it
// settles, the messages it processed or failed, and how long it took: once
// per message for eachMessage, once per batch for eachBatch.
import type { Consumer, ConsumerRunConfig, EachBatchHandler, EachMessageHandler } from 'kafkajs'
import { boundCopy } from './bound-copy.js'
import { messageBytes, messagesBytes } from './message-bytes.js'
import { PROCESS_NAMES, type ProcessCounter } from './process-counter.js'
import { seconds } from './row-writer.js'
import { settle } from './settle.js'
import { processCounterOf, writerOf, type ConsumerCountTarget } from './targets.js'
import { reportUnsupported, type InstrumentOptions } from './unsupported.js'

/** Counts one handler call over `count` messages of `topic`; its caller gets what the handler gave. */
function countCall (counter: ProcessCounter, topic: unknown, count: number, bytes: number, call: () => unknown): unknown {
  counter.consumed(topic, count, bytes)
  const began = seconds()
  return settle(call, (error, failed) => counter.settled(topic, count, seconds() - began, error, failed))
}

/** The fields a handler's payload is counted by; a payload whose reads throw counts as nothing readable. */
function read<T> (get: () => T, fallback: T): T {
  try { return get() } catch { return fallback }
}

function countEachMessage (handler: EachMessageHandler, counter: ProcessCounter): EachMessageHandler {
  return function eachMessage (this: unknown, payload) {
    const topic = read(() => payload.topic, undefined as unknown)
    const bytes = counter.bytes ? read(() => messageBytes(payload.message), 0) : 0
    return countCall(counter, topic, 1, bytes, () => handler.call(this, payload)) as Promise<void>
  }
}

function countEachBatch (handler: EachBatchHandler, counter: ProcessCounter): EachBatchHandler {
  return function eachBatch (this: unknown, payload) {
    const { topic, count, bytes } = read(() => {
      const { topic, messages } = payload.batch
      if (!Array.isArray(messages)) return { topic: topic as unknown, count: 0, bytes: 0 }
      return { topic: topic as unknown, count: messages.length, bytes: counter.bytes ? messagesBytes(messages) : 0 }
    }, { topic: undefined as unknown, count: 0, bytes: 0 })
    return countCall(counter, topic, count, bytes, () => handler.call(this, payload)) as Promise<void>
  }
}

/** A copy of run()'s config with its handlers counted; the caller's config is left as it was. */
function countedConfig (config: ConsumerRunConfig | undefined, counter: ProcessCounter): ConsumerRunConfig | undefined {
  if (config === null || typeof config !== 'object') return config
  const copy = { ...config }
  if (typeof config.eachMessage === 'function') copy.eachMessage = countEachMessage(config.eachMessage, counter)
  if (typeof config.eachBatch === 'function') copy.eachBatch = countEachBatch(config.eachBatch, counter)
  return copy
}

/**
 * Returns the consumer's API with run()'s eachMessage and eachBatch counted
 * per topic into `target`: messages consumed and their bytes, messages whose
 * handler succeeded (processed) or threw (processErrors, and why on a
 * KafkaTally), and the handler's duration. A handler's value or rejection
 * reaches kafkajs as it was, so its retries do not change. The consumer
 * itself is left as it was.
 */
export function instrumentConsumer<C extends Consumer> (consumer: C, target: ConsumerCountTarget, options?: InstrumentOptions): C {
  const counter = processCounterOf(target, 'instrumentConsumer')
  if (consumer === null || typeof consumer !== 'object' || typeof consumer.run !== 'function') {
    throw new TypeError(`expected a kafkajs consumer (an object with run), got ${consumer === null ? 'null' : typeof consumer}`)
  }
  const copy = boundCopy(consumer)
  const run = consumer.run.bind(consumer)
  copy.run = function run_ (config) { return run(countedConfig(config, counter)) }
  const writer = writerOf(target)
  if (writer !== undefined) reportUnsupported(writer, PROCESS_NAMES, 'instrumentConsumer', options)
  return copy
}
