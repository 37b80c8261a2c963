// The least any wrapper can add that counts what wasm-tally's adapters count
// for a 1-message send, exactly: written out for the benches' one record
// (one topic, one message whose key, value and header values are strings),
// with none of an adapter's checks. It copies the record and its one-element
// array (kafkajs reads the array again after an await), measures the UTF-8
// bytes of the key, the value and each header (an instrumentation may have
// added some) as cheaply as measured, reads the clock at the call and
// at the settling, and makes the adapters' one core call (success, bytes and
// the sendDuration observation). With `bytes` false it leaves the bytes out:
// the metrics OpenTelemetry's kafkajs instrumentation records. Not a design to
// ship; the bound a shipped adapter is compared with (bench/suites/kafka-clients.mjs).
import { stringBytes } from '../dist/messaging/message-bytes.js'

const now = performance.now.bind(performance)
const nativeThen = Promise.prototype.then
// The adapters' own string measure: a JS loop up to 24 characters (cheaper there than a call
// into Node), Buffer.byteLength past them (cheaper than any JS way measured).
const byteLength = stringBytes

/** `send` wrapped as the least counting wrapper, into `kafkaTally`'s row of `topic`. */
export function leastSend (send, kafkaTally, topic, bytes = true) {
  const table = kafkaTally.tally
  const delivered = table.outcome(topic, true, 'success', 'bytes', 'sendDuration')
  return request => {
    const message = request.messages[0]
    let size = 0
    if (bytes) {
      size = byteLength(message.key) + byteLength(message.value)
      const headers = message.headers
      if (headers !== undefined) for (const key in headers) size += byteLength(key) + byteLength(headers[key])
    }
    const copy = { ...request, messages: [message] }
    const began = now()
    return nativeThen.call(send(copy),
      value => { delivered(1, size, (now() - began) / 1000); return value },
      error => { table.record(topic, 'error', 1); table.observe(topic, 'sendDuration', (now() - began) / 1000); throw error })
  }
}
