// An app without kafkajs installed: wasm-tally/kafkajs must load, and
// instrumentProducer must count a producer the app already has (a stand-in).
import { KafkaTally, instrumentProducer } from 'wasm-tally/kafkajs'

let kafkajs = 'not installed'
try {
  await import('kafkajs')
  kafkajs = 'installed'
} catch (error) {
  if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error
}

const counts = await KafkaTally.create()
const producer = instrumentProducer({
  send: async record => record.messages.map(() => ({ topicName: record.topic, partition: 0, errorCode: 0 })),
  sendBatch: async () => { throw Object.assign(new Error('broker away'), { name: 'KafkaJSConnectionError', retriable: true }) }
}, counts)
await producer.send({ topic: 'orders', messages: [{ value: 'a' }, { value: 'b' }] })
await producer.sendBatch({ topicMessages: [{ topic: 'payments', messages: [{ value: 'c' }] }] }).catch(() => {})
const snap = counts.snapshot()
console.log('RESULT ' + JSON.stringify({
  kafkajs,
  resolved: import.meta.resolve('wasm-tally/kafkajs'),
  // The sent-message columns (a KafkaTally row holds bytes, the consumer's columns and durations too).
  topics: Object.fromEntries([...snap.topics].map(([t, c]) => [t, { success: c.success, error: c.error }])),
  errors: Object.fromEntries([...snap.errors].map(([topic, e]) => [topic, { retriable: e.retriable, nonRetriable: e.nonRetriable }]))
}))
