// The known traffic of the three-client broker test: for each client
// (kafkajs, Confluent's KafkaJS API, @platformatic/kafka) its own topics and
// each producer thread's sends (the plan of metrics-traffic.mjs, in the
// client's form), the error kind each failing send must be counted under, and
// the bytes each message carries, counted here on their own.
import { entriesOf, expectedPerTopic, planOf, topicsOf } from './metrics-traffic.mjs'

export const ALL_CLIENTS = ['kafkajs', 'confluent', 'platformatic']

/** The kinds a failing send of each client is counted under (after the adapter reads its error). */
export const KINDS = {
  kafkajs: { tooLarge: 'KafkaJSProtocolError:MESSAGE_TOO_LARGE', missing: 'KafkaJSNumberOfRetriesExceeded/KafkaJSProtocolError:UNKNOWN_TOPIC_OR_PARTITION', missingRetriable: true },
  confluent: { tooLarge: 'KafkaJSProtocolError:MESSAGE_TOO_LARGE', missing: 'KafkaJSError:_MSG_TIMED_OUT', missingRetriable: true },
  platformatic: { tooLarge: 'MultipleErrors/ProtocolError:MESSAGE_TOO_LARGE', missing: 'UserError', missingRetriable: false }
}

export function clientTopics (client, run) {
  const t = topicsOf(`${client}.${run}`)
  const rename = name => name.replace('kafkajs-metrics.', 'clients.')
  return { ok: t.ok.map(rename), small: rename(t.small), missing: rename(t.missing) }
}

// @platformatic/kafka takes one value per header: an array of values becomes its first.
function platformaticMessage (m, topic) {
  const out = { topic, value: m.value }
  if (m.key !== null) out.key = m.key
  if (m.partition !== undefined) out.partition = m.partition
  if (m.headers !== undefined) out.headers = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]))
  return out
}

/**
 * Producer thread `w`'s sends for `client`: { op, request, fails, topics: [[topic, messages]] },
 * fails the kind the send must be counted under (undefined: delivered).
 */
export function clientPlan (client, w, topics) {
  return planOf(w, topics).map(send => {
    const entries = entriesOf(send)
    const fails = send.fails === undefined ? undefined : entries[0][0] === topics.missing ? KINDS[client].missing : KINDS[client].tooLarge
    if (client !== 'platformatic') return { op: send.op, request: send.request, fails, topics: entries }
    const converted = entries.map(([topic, messages]) => [topic, messages.map(m => platformaticMessage(m, topic))])
    return { op: 'send', request: { messages: converted.flatMap(([, messages]) => messages) }, fails, topics: converted }
  })
}

/** What `producers` threads of `client` must count, per topic: success, error, bytes, sends, kinds. */
export function expectedOf (client, producers, topics) {
  const sends = Array.from({ length: producers }, (_, w) => clientPlan(client, w, topics)).flat()
  return expectedPerTopic(sends, send => send.topics)
}
