// An app with neither @platformatic/kafka nor Confluent's client installed:
// wasm-tally/platformatic and wasm-tally/confluent must load (ESM and
// CommonJS) and count the producers the app has (stand-ins) into one table,
// their errors read in the one error.type form.
import { createRequire } from 'node:module'
import { KafkaTally, instrumentProducer as countPlatformatic } from 'wasm-tally/platformatic'
import { instrumentProducer as countConfluent } from 'wasm-tally/confluent'

const require = createRequire(import.meta.url)
const cjs = { platformatic: typeof require('wasm-tally/platformatic').instrumentConsumer, confluent: typeof require('wasm-tally/confluent').instrumentConsumer }
const counts = await KafkaTally.create()
class ProtocolError extends Error {} // as @platformatic/kafka's: a class name, no name of its own
const platformatic = countPlatformatic({
  send: async ({ messages }) => {
    if (messages.some(m => m.topic === 'refused')) throw Object.assign(new ProtocolError('too large'), { code: 'PLT_KFK_PROTOCOL', apiId: 'MESSAGE_TOO_LARGE', canRetry: false })
    return { offsets: [] }
  }
}, counts)
const confluent = countConfluent({
  send: async ({ topic }) => {
    if (topic === 'refused') throw Object.assign(new Error('Broker: Message size too large'), { name: 'KafkaJSProtocolError', code: 10, type: 'ERR_MSG_SIZE_TOO_LARGE' })
    return []
  }
}, counts)
await platformatic.send({ messages: [{ topic: 'orders', value: 'a' }, { topic: 'payments', value: 'b' }] })
await platformatic.send({ messages: [{ topic: 'refused', value: 'c' }] }).catch(() => {})
await confluent.send({ topic: 'orders', messages: [{ value: 'd' }] })
await confluent.send({ topic: 'refused', messages: [{ value: 'e' }, { value: 'f' }] }).catch(() => {})
const snap = counts.snapshot()
console.log('RESULT ' + JSON.stringify({
  cjs,
  topics: Object.fromEntries([...snap.topics].map(([t, c]) => [t, { success: c.success, error: c.error }])),
  kinds: Object.fromEntries([...snap.errors.get('refused').kinds])
}))
