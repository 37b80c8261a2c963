// The requests handed to kafkajs: shallow copies whose message arrays are
// copies of the ones counted. kafkajs reads a request's arrays again after an
// await (and on each retry), so a caller that reuses its arrays right after
// send() would otherwise change what is sent but not what was counted.
import { messagesBytes } from './message-bytes.js'

/** What a send counts: [topic, messages, key + value + header bytes] per topic entry. */
export type Counted = Array<[unknown, number, number]>

export interface Copied { request: unknown, counted: Counted }

function isObject (value: unknown): value is Record<PropertyKey, unknown> {
  return value !== null && typeof value === 'object'
}

/** A { topic, messages } with its own copy of the array (message objects shared), its count and (when wanted) its bytes. */
function copyEntry (entry: unknown, counted: Counted, bytes: boolean): unknown {
  if (!isObject(entry)) return entry // kafkajs refuses it; nothing to count
  const { topic, messages } = entry // read once: what is counted is what is copied
  const copy = Array.isArray(messages) ? messages.slice() : messages
  counted.push(Array.isArray(copy) ? [topic, copy.length, bytes ? messagesBytes(copy) : 0] : [topic, 0, 0])
  return { ...entry, topic, messages: copy }
}

/** A send's record, copied (a record whose reads throw goes as it is, counting nothing). */
export function copyRecord (record: unknown, bytes: boolean): Copied {
  const counted: Counted = []
  try {
    return { request: copyEntry(record, counted, bytes), counted }
  } catch {
    return { request: record, counted: [] }
  }
}

/** A sendBatch's batch, copied with its topicMessages list and each entry's messages. */
export function copyBatch (batch: unknown, bytes: boolean): Copied {
  const counted: Counted = []
  try {
    if (!isObject(batch)) return { request: batch, counted }
    const { topicMessages } = batch
    const list = Array.isArray(topicMessages) ? topicMessages.map(entry => copyEntry(entry, counted, bytes)) : topicMessages
    return { request: { ...batch, topicMessages: list }, counted }
  } catch {
    return { request: batch, counted: [] }
  }
}
