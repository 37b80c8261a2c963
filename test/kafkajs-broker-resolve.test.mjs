// eachBatch with resolveOffset, against a real broker: a handler resolves 4 of
// a batch's 10 messages and throws. kafkajs commits the 4 and hands only the 6
// unresolved ones over again, so the 4 are processed and only the 6 are
// processErrors: consumed 16, processed 10, processErrors 6 for 10 messages
// each processed once (counting the whole batch as failed gives processed 6,
// processErrors 10).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import kafkajs from 'kafkajs'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { addKafkaSnapshot, emptyTotals } from './helpers/kafka-totals.mjs'
import { KafkaTally, instrumentConsumer } from '../dist/kafkajs/index.js'

const { Kafka, logLevel } = kafkajs
const run = `${process.pid}-${Date.now()}`
const topic = `kafkajs-resolve.${run}`
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
class ChosenFailure extends Error { name = 'ChosenFailure' }

let kafka, admin, consumer
test.after(async () => {
  await consumer?.disconnect().catch(() => {})
  await admin?.deleteTopics({ topics: [topic] }).catch(() => {})
  await admin?.disconnect().catch(() => {})
})

test('a batch handler that resolves 4 of 10 messages then throws: 4 processed, 6 processErrors, and the 6 come again', async () => {
  kafka = new Kafka({ clientId: 'kafkajs-resolve-test', brokers: (await ensureBroker()).split(','), logLevel: logLevel.NOTHING })
  admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) }) // one record batch
  await producer.disconnect()

  const counts = await KafkaTally.create({ capacity: 8 })
  consumer = instrumentConsumer(kafka.consumer({ groupId: `kafkajs-resolve-${run}`, maxWaitTimeInMs: 100, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 300 } }), counts)
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  const handed = [] // the offsets of each call, as the handler saw them
  let thrown = false
  await consumer.run({
    eachBatch: async ({ batch, resolveOffset }) => {
      handed.push(batch.messages.map(m => Number(m.offset)))
      if (thrown) return
      for (const m of batch.messages.slice(0, 4)) resolveOffset(m.offset)
      thrown = true
      throw new ChosenFailure('after resolving 4')
    }
  })
  const totals = emptyTotals()
  const row = () => totals.topics[topic] ?? {}
  const deadline = Date.now() + 60_000
  while ((row().consumed ?? 0) < 16) { // the 10, then the 6 again
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(row())}, handed ${JSON.stringify(handed)}`)
    await sleep(200)
    addKafkaSnapshot(totals, counts.snapshot())
  }
  await sleep(1000) // anything more would show now
  await consumer.disconnect()
  addKafkaSnapshot(totals, counts.snapshot())
  assert.equal(handed[0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'the first call held all 10 messages')
  assert.equal(handed.slice(1).flat(), [4, 5, 6, 7, 8, 9], 'kafkajs handed over again only the 6 unresolved ones')
  const { consumed, processed, processErrors } = row()
  assert.equal({ consumed, processed, processErrors }, { consumed: 16, processed: 10, processErrors: 6 })
  assert.is(row().processDuration.count, handed.length, 'one duration per call')
  assert.equal(totals.processErrors, { [topic]: { retriable: 0, nonRetriable: 6, kinds: { ChosenFailure: 6 } } })
})

test.run()
