// A consumer thread of the broker metrics test: one member of a consumer group
// whose handler is instrumented into the shared KafkaTally. Role 'each' counts
// eachMessage calls and never throws; role 'batch' counts eachBatch calls and
// throws once on each batch holding a message with a `fail` header.
import { parentPort, workerData } from 'node:worker_threads'
import kafkajs from 'kafkajs'
import { KafkaTally, instrumentConsumer } from '../../dist/kafkajs/index.js'

const { Kafka, logLevel } = kafkajs
const { shared, brokers, groupId, topics, role, index } = workerData

class ChosenFailure extends Error { name = 'ChosenFailure' }

const counts = await KafkaTally.attach(shared)
const kafka = new Kafka({ clientId: `kafkajs-metrics-${role}-${index}`, brokers, logLevel: logLevel.NOTHING })
const raw = kafka.consumer({ groupId, maxWaitTimeInMs: 200, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 300 } })
const consumer = instrumentConsumer(raw, counts)
// What this thread saw, per topic: handler calls, messages handed, messages of the batches it threw on.
const seen = {}
const seenOf = topic => (seen[topic] ??= { calls: 0, messages: 0, failedMessages: 0 })
const thrown = new Set()

consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => parentPort.postMessage({ joined: payload.memberAssignment }))
await consumer.connect()
await consumer.subscribe({ topics, fromBeginning: true })
if (role === 'each') {
  await consumer.run({
    eachMessage: async ({ topic }) => { const s = seenOf(topic); s.calls++; s.messages++ }
  })
} else {
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const s = seenOf(batch.topic)
      s.calls++
      s.messages += batch.messages.length
      const chosen = batch.messages.find(m => m.headers?.fail !== undefined && !thrown.has(`${batch.topic}:${batch.partition}:${m.offset}`))
      if (chosen !== undefined) {
        thrown.add(`${batch.topic}:${batch.partition}:${chosen.offset}`)
        s.failedMessages += batch.messages.length
        throw new ChosenFailure(`chosen message at offset ${chosen.offset}`)
      }
    }
  })
}

parentPort.on('message', async msg => {
  if (msg !== 'stop') return
  await consumer.disconnect()
  parentPort.postMessage({ seen })
})
