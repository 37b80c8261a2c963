// A @platformatic/kafka producer counted: each send() (promise or callback
// form, and the sends of a transaction) counts, per topic of its messages,
// success or error (why, on a KafkaTally), the bytes of the messages it
// delivered and one sendDuration observation, through the shared recorder.
import { BatchSend, sendWatched, type TopicCount } from '../messaging/pending-send.js'
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

/**
 * The options handed on: a shallow copy with its own copy of the messages
 * array (the client reads it again after an await), whose messages are
 * counted into `counted` per topic. Options that are not a send's go as they are.
 */
function copyOptions (options: unknown, bytes: boolean, counted: TopicCount[]): unknown {
  if (options === null || typeof options !== 'object') return options
  try {
    const { messages } = options as { messages?: unknown }
    if (!Array.isArray(messages)) return options
    const copy = messages.slice()
    for (const message of copy) {
      const topic = message !== null && typeof message === 'object' ? (message as { topic?: unknown }).topic : undefined
      const entry = entryOf(counted, topic)
      entry.count++
      if (bytes) entry.bytes += messageBytes(message)
    }
    return { ...options, messages: copy }
  } catch {
    counted.length = 0
    return options
  }
}

/** send() counted into `counter`; the caller gets what the client gave (promise, callback, throw). */
function countedSend (send: Send, counter: SendCounter): Send {
  return function send_ (options, callback) {
    const pending = new BatchSend(counter)
    const request = copyOptions(options, counter.bytes, pending.counted)
    if (typeof callback !== 'function') return sendWatched(send, request, pending, counter.timed)
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
