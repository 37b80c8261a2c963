// The requests handed to kafkajs: shallow copies whose message arrays are
// copies of the ones counted. kafkajs reads a request's arrays again after an
// await (and on each retry), so a caller that reuses its arrays right after
// send() would otherwise change what is sent but not what was counted.
import { messagesBytes } from '../messaging/message-bytes.js'
import type { RecordCount, TopicCount } from '../messaging/pending-send.js'

export type { RecordCount, TopicCount }

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

/** A send's record, copied, its count into `into` (a record whose reads throw goes as it is, counting nothing). */
export function copyRecord (record: unknown, bytes: boolean, into: RecordCount): unknown {
  if (!isObject(record)) return record // kafkajs refuses it; nothing to count
  try {
    const request = copyEntry(record, bytes, into)
    into.counted = true
    return request
  } catch {
    return record
  }
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
