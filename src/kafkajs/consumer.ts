// Wraps a kafkajs consumer so its run() handlers are counted per topic: the
// messages each is handed (and their bytes) before it runs, then, when it
// settles, the messages it processed or failed, and how long it took: once
// per message for eachMessage, once per batch for eachBatch. An eachBatch
// handler that throws after resolving some offsets (resolveOffset) has
// processed those messages: kafkajs commits them and hands only the rest over
// again, so only the rest count as processErrors.
import type { Consumer, ConsumerRunConfig, EachBatchHandler, EachMessageHandler } from 'kafkajs'
import { boundCopy } from '../messaging/bound-copy.js'
import { messageBytes, messagesBytes } from '../messaging/message-bytes.js'
import { PROCESS_NAMES, type ProcessCounter } from '../messaging/process-counter.js'
import { seconds } from '../messaging/row-writer.js'
import { settle } from '../messaging/settle.js'
import { processCounterOf, writerOf, type ConsumerCountTarget } from '../messaging/targets.js'
import { reportUnsupported, type InstrumentOptions } from '../messaging/unsupported.js'

/** Counts one eachMessage call; its caller gets what the handler gave. */
function countCall (counter: ProcessCounter, topic: unknown, bytes: number, call: () => unknown): unknown {
  counter.consumed(topic, 1, bytes)
  const began = seconds()
  return settle(call, (error, failed) => counter.settled(topic, failed ? 0 : 1, failed ? 1 : 0, seconds() - began, error))
}

/** The offsets an eachBatch handler resolved: the highest one, read only when its batch settles. */
class Resolved {
  private highest: bigint | undefined

  note (offset: unknown): void {
    try {
      const o = BigInt(offset as string)
      if (this.highest === undefined || o > this.highest) this.highest = o
    } catch { /* kafkajs refuses an offset that is no number; nothing resolved */ }
  }

  /** The messages of the batch at or below the highest offset resolved. */
  count (messages: readonly unknown[]): number {
    const highest = this.highest
    if (highest === undefined) return 0
    let n = 0
    for (const m of messages) {
      try { if (BigInt((m as { offset: string }).offset) <= highest) n++ } catch { /* no offset: not resolved */ }
    }
    return n
  }
}

/** The fields a handler's payload is counted by; a payload whose reads throw counts as nothing readable. */
function read<T> (get: () => T, fallback: T): T {
  try { return get() } catch { return fallback }
}

function countEachMessage (handler: EachMessageHandler, counter: ProcessCounter): EachMessageHandler {
  return function eachMessage (this: unknown, payload) {
    const topic = read(() => payload.topic, undefined as unknown)
    const bytes = counter.bytes ? read(() => messageBytes(payload.message), 0) : 0
    return countCall(counter, topic, bytes, () => handler.call(this, payload)) as Promise<void>
  }
}

type BatchPayload = Parameters<EachBatchHandler>[0]

/**
 * The handler's payload with resolveOffset noting what it resolves into
 * `resolved` (the payload as it was when there is no resolveOffset to follow).
 */
function following (payload: BatchPayload, resolved: Resolved): BatchPayload {
  const resolve = read(() => payload.resolveOffset, undefined)
  if (typeof resolve !== 'function') return payload
  return {
    ...payload,
    resolveOffset (offset) {
      resolved.note(offset)
      return resolve(offset)
    }
  }
}

/**
 * eachBatch counted: on success every message is processed (kafkajs resolves
 * the batch), or with eachBatchAutoResolve off only the ones the handler
 * resolved (kafkajs fetches the rest again); on failure the resolved ones are
 * processed and the rest are processErrors.
 */
function countEachBatch (handler: EachBatchHandler, counter: ProcessCounter, autoResolve: boolean): EachBatchHandler {
  return function eachBatch (this: unknown, payload) {
    const { topic, messages, bytes } = read(() => {
      const { topic, messages } = payload.batch
      if (!Array.isArray(messages)) return { topic: topic as unknown, messages: [] as unknown[], bytes: 0 }
      return { topic: topic as unknown, messages: messages as unknown[], bytes: counter.bytes ? messagesBytes(messages) : 0 }
    }, { topic: undefined as unknown, messages: [] as unknown[], bytes: 0 })
    const count = messages.length
    const resolved = new Resolved()
    const call = following(payload, resolved)
    counter.consumed(topic, count, bytes)
    const began = seconds()
    return settle(() => handler.call(this, call), (error, failed) => {
      const took = seconds() - began
      const done = failed || !autoResolve ? Math.min(resolved.count(messages), count) : count
      counter.settled(topic, done, failed ? count - done : 0, took, error)
    }) as Promise<void>
  }
}

/** A copy of run()'s config with its handlers counted; the caller's config is left as it was. */
function countedConfig (config: ConsumerRunConfig | undefined, counter: ProcessCounter): ConsumerRunConfig | undefined {
  if (config === null || typeof config !== 'object') return config
  const copy = { ...config }
  if (typeof config.eachMessage === 'function') copy.eachMessage = countEachMessage(config.eachMessage, counter)
  if (typeof config.eachBatch === 'function') copy.eachBatch = countEachBatch(config.eachBatch, counter, config.eachBatchAutoResolve !== false)
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
  const copy = countConsumer(consumer, processCounterOf(target, 'instrumentConsumer'), 'kafkajs')
  const writer = writerOf(target)
  if (writer !== undefined) reportUnsupported(writer, PROCESS_NAMES, 'instrumentConsumer', options)
  return copy
}

/** A KafkaJS-API consumer's copy with run()'s handlers counted into `counter` (`client` names it in errors). */
export function countConsumer<C extends { run: unknown }> (consumer: C, counter: ProcessCounter, client: string): C {
  if (consumer === null || typeof consumer !== 'object' || typeof consumer.run !== 'function') {
    throw new TypeError(`expected a ${client} consumer (an object with run), got ${consumer === null ? 'null' : typeof consumer}`)
  }
  const copy = boundCopy(consumer)
  const run = (consumer.run as (config?: ConsumerRunConfig) => unknown).bind(consumer)
  ;(copy as { run: unknown }).run = function run_ (config?: ConsumerRunConfig) { return run(countedConfig(config, counter)) }
  return copy
}
