// The known traffic of the broker metrics test: each producer thread's sends,
// built the same way in the thread and in the test, and the bytes each message
// carries, counted here on their own (Buffer.byteLength of what kafkajs writes).

/** The topics: `ok` ones that take every send, `small` (max.message.bytes 1024), `missing` (never created). */
export function topicsOf (run) {
  return {
    ok: ['a', 'b', 'c'].map(t => `kafkajs-metrics.${t}.${run}`),
    small: `kafkajs-metrics.small.${run}`,
    missing: `kafkajs-metrics.missing.${run}`
  }
}

function message (w, i, j) {
  const values = [`v€${i}😀${j}`, Buffer.from(`buf-${w}-${i}-${j}`), 'x'.repeat(i + j)]
  const m = { key: j % 2 === 1 ? `k${w}-${i}-${j}` : null, value: values[j % 3] }
  if (j % 2 === 0) m.headers = { src: `w${w}`, multi: ['1', Buffer.from('22')] }
  if (i === 5 && j === 0) m.headers.fail = '1' // a chosen message: the eachBatch handler throws on it once
  return m
}

const messages = (w, i, n) => Array.from({ length: n }, (_, j) => message(w, i, j))

/**
 * Producer thread `w`'s sends, in order: { op: 'send' | 'sendBatch', request, fails }.
 * `fails` names the kind the send must fail with, or is undefined for a send that must succeed.
 */
export function planOf (w, topics) {
  const plan = []
  for (let i = 0; i < 12; i++) {
    const topic = topics.ok[i % 3]
    const n = 1 + ((i + w) % 4)
    if (i % 4 === 3) {
      const other = topics.ok[(i + 1) % 3]
      plan.push({ op: 'sendBatch', request: { topicMessages: [{ topic, messages: messages(w, i, n) }, { topic: other, messages: messages(w, 100 + i, 2) }] } })
    } else plan.push({ op: 'send', request: { topic, messages: messages(w, i, n) } })
  }
  plan.push({ op: 'send', request: { topic: topics.small, messages: messages(w, 20, 3) } })
  // One partition: the broker refuses the whole record batch, so nothing of the send lands.
  plan.push({ op: 'send', request: { topic: topics.small, messages: [{ value: 'y'.repeat(4000), partition: 0 }, { value: 'z', partition: 0 }] }, fails: 'KafkaJSProtocolError:MESSAGE_TOO_LARGE' })
  plan.push({ op: 'sendBatch', request: { topicMessages: [{ topic: topics.missing, messages: messages(w, 21, 4) }] }, fails: 'KafkaJSNumberOfRetriesExceeded/KafkaJSProtocolError:UNKNOWN_TOPIC_OR_PARTITION' })
  plan.push({ op: 'send', request: { topic: topics.small, messages: messages(w, 22, 1) } })
  return plan
}

const bytesOf = v => v === null || v === undefined ? 0 : Buffer.isBuffer(v) ? v.length : Buffer.byteLength(String(v))

/** Key, value and header bytes of a message. */
export function expectedBytes (m) {
  let n = bytesOf(m.key) + bytesOf(m.value)
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) n += Buffer.byteLength(k) + bytesOf(one)
  }
  return n
}

/** The entries of a planned request: [topic, messages]. */
export function entriesOf ({ op, request }) {
  return op === 'send' ? [[request.topic, request.messages]] : request.topicMessages.map(t => [t.topic, t.messages])
}

/**
 * What sends must count, per topic: success, error, bytes delivered, sends, error kinds.
 * `sends` holds { fails, ... } (fails: the kind a failed send is counted under, undefined
 * when delivered); `entries(send)` gives its [topic, messages] pairs.
 */
export function expectedPerTopic (sends, entries = entriesOf) {
  const out = {}
  for (const send of sends) {
    for (const [topic, messages] of entries(send)) {
      const e = out[topic] ??= { success: 0, error: 0, bytes: 0, sends: 0, kinds: {} }
      e.sends++
      if (send.fails === undefined) {
        e.success += messages.length
        e.bytes += messages.reduce((n, m) => n + expectedBytes(m), 0)
      } else {
        e.error += messages.length
        e.kinds[send.fails] = (e.kinds[send.fails] ?? 0) + messages.length
      }
    }
  }
  return out
}
