// The requests handed to kafkajs: shallow copies whose message arrays are
// copies of the ones counted. kafkajs reads a request's arrays again after an
// await (and on each retry), so a caller that reuses its arrays right after
// send() would otherwise change what is sent but not what was counted.
// Confluent's KafkaJS API reads a send()'s topic and messages during the call
// (it hands each message to librdkafka before its first await): its send()
// gets the caller's record as it is.
import { messagesBytes } from '../messaging/message-bytes.js'
import { sendCounted, sendUncounted, type TopicCount } from '../messaging/pending-send.js'
import type { SendCounter } from '../messaging/send-counter.js'

export type { TopicCount }

function isObject (value: unknown): value is Record<PropertyKey, unknown> {
  return value !== null && typeof value === 'object'
}

/** A { topic, messages } with its own copy of the array (message objects shared); its count into `into`. */
function copyEntry (entry: Record<PropertyKey, unknown>, bytes: boolean, into: TopicCount): unknown {
  const { topic, messages } = entry // read once: what is counted is what is copied
  const list = Array.isArray(messages)
  // One message (most sends): an array literal, cheaper than slice() at that length (a hole stays a hole: slice() then).
  const copy: unknown = !list ? messages : messages.length === 1 && 0 in messages ? [messages[0]] : messages.slice()
  const request = { ...entry, topic, messages: copy }
  into.topic = topic
  into.count = list ? (copy as unknown[]).length : 0
  into.bytes = list && bytes ? messagesBytes(copy as unknown[]) : 0
  return request
}

/**
 * Sends a send's record with `send`, its one topic counted into `counter`
 * when it settles (see sendCounted): a copy of it (`copied`: kafkajs, which
 * reads the messages after an await), or the record itself (a client that
 * reads them during the call). A record that is not an object, or whose reads
 * throw, goes as it is, counting nothing.
 */
export function sendRecord (send: (request: unknown) => unknown, record: unknown, counter: SendCounter, copied: boolean): unknown {
  if (!isObject(record)) return sendUncounted(send, record) // kafkajs refuses it; nothing to count
  let request: unknown = record
  let topic: unknown
  let count = 0
  let bytes = 0
  try {
    topic = record.topic // each read once, in this order: what is counted is what is copied
    let messages = record.messages
    const list = Array.isArray(messages)
    if (copied) {
      // One message (most sends): an array literal, cheaper than slice() at that length (a hole stays a hole: slice() then).
      if (list) { const all = messages as unknown[]; messages = all.length === 1 && 0 in all ? [all[0]] : all.slice() }
      request = { ...record, topic, messages }
    }
    if (list) {
      count = (messages as unknown[]).length
      if (counter.bytes) bytes = messagesBytes(messages as unknown[])
    }
  } catch {
    return sendUncounted(send, record)
  }
  return sendCounted(send, request, counter, topic, count, bytes)
}

/** A sendBatch's batch, copied with its topicMessages list and each entry's messages; their counts pushed to `counted`. */
export function copyBatch (batch: unknown, bytes: boolean, counted: TopicCount[]): unknown {
  if (!isObject(batch)) return batch
  try {
    const { topicMessages } = batch
    if (!Array.isArray(topicMessages)) return { ...batch, topicMessages }
    const list = topicMessages.map(entry => {
      if (!isObject(entry)) return entry // kafkajs refuses it; nothing to count
      const count: TopicCount = { topic: undefined, count: 0, bytes: 0 }
      const copy = copyEntry(entry, bytes, count)
      counted.push(count)
      return copy
    })
    return { ...batch, topicMessages: list }
  } catch {
    counted.length = 0
    return batch
  }
}
