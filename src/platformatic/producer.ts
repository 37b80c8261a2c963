// A @platformatic/kafka producer counted: each send() (promise or callback
// form, and the sends of a transaction) counts, per topic of its messages,
// success or error (why, on a KafkaTally), the bytes of the messages it
// delivered and one sendDuration observation, through the shared recorder.
import { BatchSend, RecordSend, sendCounted, sendUncounted, sendWatched, type TopicCount } from '../messaging/pending-send.js'
import { seconds } from '../messaging/row-writer.js'
import type { SendCounter } from '../messaging/send-counter.js'
import { messageBytes } from './message-bytes.js'
import { withMethods } from './proxy.js'

type Callback = (error: unknown, result?: unknown) => void
type Send = (options: unknown, callback?: Callback) => unknown

/** The entry of `topic` in `counted` (a send mostly names one or a few topics: a short list beats a Map). */
function entryOf (counted: TopicCount[], topic: unknown): TopicCount {
  for (let i = 0; i < counted.length; i++) if (counted[i].topic === topic) return counted[i]
  const entry: TopicCount = { topic, count: 0, bytes: 0 }
  counted.push(entry)
  return entry
}

const topicOf = (message: unknown): unknown => message !== null && typeof message === 'object' ? (message as { topic?: unknown }).topic : undefined

/**
 * The pending send of a messages array (already copied), counted per topic:
 * a RecordSend when every message names one topic (most sends: no list to
 * build or walk), else a BatchSend with an entry per topic.
 */
function countMessages (messages: unknown[], counter: SendCounter): RecordSend | BatchSend {
  const first = messages.length === 0 ? undefined : topicOf(messages[0])
  let i = 0
  let size = 0
  for (; i < messages.length; i++) {
    const message = messages[i]
    if (i !== 0 && topicOf(message) !== first) break
    if (counter.bytes) size += messageBytes(message)
  }
  if (i === messages.length) {
    const pending = new RecordSend(counter)
    pending.topic = first
    pending.count = i
    pending.bytes = size
    pending.counted = i !== 0 // no message, no topic: nothing to count (as before: no entry)
    return pending
  }
  const pending = new BatchSend(counter)
  pending.counted.push({ topic: first, count: i, bytes: size })
  for (; i < messages.length; i++) {
    const message = messages[i]
    const entry = entryOf(pending.counted, topicOf(message))
    entry.count++
    if (counter.bytes) entry.bytes += messageBytes(message)
  }
  return pending
}

/** What a send hands on and counts: the request and its pending send. */
interface Prepared { request: unknown, pending: RecordSend | BatchSend }

const NOTHING_COUNTED = (counter: SendCounter): RecordSend => new RecordSend(counter) // counted stays false

/**
 * The options handed on: a shallow copy with its own copy of the messages
 * array (the client reads it again after an await), whose messages are
 * counted per topic. Options that are not a send's go as they are, counting nothing.
 */
function prepare (options: unknown, counter: SendCounter): Prepared {
  if (options === null || typeof options !== 'object') return { request: options, pending: NOTHING_COUNTED(counter) }
  try {
    const { messages } = options as { messages?: unknown }
    if (!Array.isArray(messages)) return { request: options, pending: NOTHING_COUNTED(counter) }
    // One message (most sends): an array literal, cheaper than slice() at that length (a hole stays a hole: slice() then).
    const copy = messages.length === 1 && 0 in messages ? [messages[0]] : messages.slice()
    const pending = countMessages(copy, counter)
    return { request: { ...options, messages: copy }, pending }
  } catch {
    return { request: options, pending: NOTHING_COUNTED(counter) }
  }
}

/**
 * A promise-form send: its messages copied and, when they all name one topic
 * (most sends), counted through sendCounted, with nothing made per send but
 * the copy; else as prepare() counts them.
 */
function sendPromise (send: Send, options: unknown, counter: SendCounter): unknown {
  if (options === null || typeof options !== 'object') return sendUncounted(send, options)
  let request: unknown = options
  let batch: BatchSend | undefined
  let topic: unknown
  let count = 0
  let size = 0
  try {
    const { messages } = options as { messages?: unknown }
    if (Array.isArray(messages) && messages.length === 1 && 0 in messages) {
      // One message (most sends): an array literal, cheaper than slice() at that length, and no loop
      // (what the loop below does for one message, in its order: the topic, then the bytes).
      const message: unknown = messages[0]
      const copy = [message]
      topic = topicOf(message)
      if (counter.bytes) size = messageBytes(message)
      count = 1
      request = { ...options, messages: copy }
    } else if (Array.isArray(messages)) {
      const copy = messages.slice() // a hole stays a hole
      topic = copy.length === 0 ? undefined : topicOf(copy[0])
      for (; count < copy.length; count++) {
        const message = copy[count]
        if (count !== 0 && topicOf(message) !== topic) break
        if (counter.bytes) size += messageBytes(message)
      }
      if (count !== copy.length) batch = countMessages(copy, counter) as BatchSend // several topics
      request = { ...options, messages: copy }
    }
  } catch {
    request = options
    count = 0
    batch = undefined
  }
  if (batch !== undefined) return sendWatched(send, request, batch, counter.timed)
  if (count === 0) return sendUncounted(send, request) // no message, no topic: nothing to count
  return sendCounted(send, request, counter, topic, count, size)
}

/** send() counted into `counter`; the caller gets what the client gave (promise, callback, throw). */
function countedSend (send: Send, counter: SendCounter): Send {
  return function send_ (options, callback) {
    if (typeof callback !== 'function') return sendPromise(send, options, counter)
    const { request, pending } = prepare(options, counter)
    if (counter.timed) pending.began = seconds() // after the copy: a send's duration is the client's
    let told = false
    const tell = (error: unknown): void => {
      if (told) return
      told = true
      pending.settled(error, error !== null && error !== undefined)
    }
    try {
      return send(request, (error, result) => { tell(error); return callback(error, result) })
    } catch (error) {
      tell(error)
      throw error
    }
  }
}

/** A transaction (what beginTransaction gives) with its send() counted. */
function countedTransaction (transaction: unknown, counter: SendCounter): unknown {
  if (transaction === null || typeof transaction !== 'object') return transaction
  const send = (transaction as { send?: unknown }).send
  if (typeof send !== 'function') return transaction
  return withMethods(transaction, { send: countedSend(send.bind(transaction) as Send, counter) })
}

/** The producer with send() and its transactions' sends counted into `counter`. */
export function countProducer<P extends object> (producer: P, counter: SendCounter): P {
  if (producer === null || typeof producer !== 'object' || typeof (producer as { send?: unknown }).send !== 'function') {
    throw new TypeError(`expected a @platformatic/kafka Producer (an object with send), got ${producer === null ? 'null' : typeof producer}`)
  }
  const client = producer as unknown as { send: Send, beginTransaction?: (options?: unknown, callback?: Callback) => unknown }
  const overrides: Record<string, (...args: any[]) => unknown> = { send: countedSend(client.send.bind(producer), counter) }
  if (typeof client.beginTransaction === 'function') {
    const begin = client.beginTransaction.bind(producer)
    overrides.beginTransaction = (options?: unknown, callback?: Callback) => {
      if (typeof callback === 'function') return begin(options, (error, transaction) => callback(error, error == null ? countedTransaction(transaction, counter) : transaction))
      const begun = begin(options)
      return begun instanceof Promise ? begun.then(t => countedTransaction(t, counter)) : begun
    }
  }
  return withMethods(producer, overrides)
}
