// Confluent's errors in the form kafkajs's take, so both read as the same
// error kind. Its KafkaJS API rejects with KafkaJSError classes (names as in
// kafkajs) carrying a librdkafka `code` and its name as `type`
// ("ERR_MSG_SIZE_TOO_LARGE"). A code of 1 and up is a broker's Kafka protocol
// error: it takes kafkajs's name and retriable flag ("MESSAGE_TOO_LARGE"). A
// code below 0 is librdkafka's own (a local error): its name without "ERR_"
// ("_MSG_TIMED_OUT"; the leading _ marks it local), retriable when it names a
// transient condition that outlasted librdkafka's retries.
import { PROTOCOL_ERRORS } from './protocol-errors.js'

const PROTOCOL = new Map(PROTOCOL_ERRORS.map(([code, type, retriable]) => [code, { type, retriable }]))

// librdkafka's local errors that name a transient condition (timeouts, the connection, brokers down).
const TRANSIENT = new Set(['_MSG_TIMED_OUT', '_TIMED_OUT', '_TIMED_OUT_QUEUE', '_TRANSPORT', '_ALL_BROKERS_DOWN', '_WAIT_COORD', '_LEADER_NOT_AVAILABLE'])

/** What error kinds are read from (see error-kind.ts of src/messaging). */
export interface KindFields { name: unknown, type: string, retriable: boolean, cause?: unknown }

function field (error: object, key: string): unknown {
  try { return (error as Record<string, unknown>)[key] } catch { return undefined }
}

/**
 * An error of Confluent's client as kafkajs would show it: name (and cause)
 * kept, `type` the Kafka protocol name or librdkafka's local one, `retriable`
 * as kafkajs marks it. Anything without a librdkafka code is left as it is.
 */
export function confluentError (error: unknown): unknown {
  if (error === null || typeof error !== 'object') return error
  const code = field(error, 'code')
  if (typeof code !== 'number' || !Number.isInteger(code) || code === 0) return error
  const given = field(error, 'type')
  const name = field(error, 'name')
  const cause = field(error, 'cause')
  const protocol = code > 0 ? PROTOCOL.get(code) : undefined
  let out: KindFields
  if (protocol !== undefined) out = { name, type: protocol.type, retriable: protocol.retriable }
  else {
    const type = typeof given === 'string' && given.startsWith('ERR_') ? given.slice(4) : `CODE_${code < 0 ? `M${-code}` : code}`
    out = { name, type, retriable: TRANSIENT.has(type) || field(error, 'retriable') === true }
  }
  if (cause !== undefined) out.cause = cause
  return out
}
