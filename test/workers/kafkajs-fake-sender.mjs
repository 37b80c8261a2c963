// A worker that counts sends of a stand-in producer into the shared table:
// every fifth send rejects (alternating a non-retriable and a retriable kafkajs error).
import { parentPort, workerData } from 'node:worker_threads'
import kafkajs from 'kafkajs'
import { attachCounts, instrumentProducer } from '../../dist/kafkajs/index.js'

const { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, KafkaJSConnectionError } = kafkajs
const { counts: shared, sends, topics, index } = workerData
const counts = await attachCounts(shared)

let n = 0
const fail = () => {
  n++
  if (n % 5 !== 0) return undefined
  return n % 2 === 0
    ? new KafkaJSNonRetriableError('too large', { cause: new KafkaJSProtocolError({ message: 'too large', type: 'MESSAGE_TOO_LARGE', retriable: false }) })
    : new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('refused'), { retryCount: 1, retryTime: 1 })
}
const producer = instrumentProducer({
  send: async () => { const e = fail(); if (e) throw e; return [] },
  sendBatch: async () => { const e = fail(); if (e) throw e; return [] }
}, counts)

// What this worker expects to be counted: per topic, success / retriable / non-retriable.
const expected = {}
for (const t of topics) expected[t] = { success: 0, retriable: 0, nonRetriable: 0 }
for (let i = 0; i < sends; i++) {
  const size = 1 + ((i + index) % 5)
  const topic = topics[i % topics.length]
  const other = topics[(i + 1) % topics.length]
  const batch = i % 4 === 0
  const k = n + 1
  const outcome = k % 5 !== 0 ? 'success' : (k % 2 === 0 ? 'nonRetriable' : 'retriable')
  const request = batch
    ? producer.sendBatch({ topicMessages: [{ topic, messages: new Array(size).fill({ value: 'x' }) }, { topic: other, messages: [{ value: 'y' }] }] })
    : producer.send({ topic, messages: new Array(size).fill({ value: 'x' }) })
  await request.catch(() => {})
  expected[topic][outcome] += size
  if (batch) expected[other][outcome] += 1
}
parentPort.postMessage(expected)
