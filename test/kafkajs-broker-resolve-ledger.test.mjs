// kafkajs's eachBatch with resolveOffset against the same ledger as
// Confluent's (test/confluent-broker-resolve.test.mjs,
// test/helpers/batch-ledger.mjs): the same handler rule over kafkajs's
// batches (a whole fetch per partition) must read the same way, so both
// clients count a partly resolved batch alike.
import { test } from 'uvu'
import kafkajs from 'kafkajs'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { addKafkaSnapshot, emptyTotals } from './helpers/kafka-totals.mjs'
import { PARTITIONS, checkLedger, ledgerHandler, sendAll, untilAllProcessed } from './helpers/batch-ledger.mjs'
import { KafkaTally, instrumentConsumer } from '../dist/kafkajs/index.js'

const { Kafka, logLevel } = kafkajs
const run = `${process.pid}-${Date.now()}`
const topics = [0, 1, 2].map(i => `kafkajs-resolve-ledger-${i}.${run}`)

let admin, consumer
test.after(async () => {
  await consumer?.disconnect().catch(() => {})
  await admin?.deleteTopics({ topics }).catch(() => {})
  await admin?.disconnect().catch(() => {})
})

test('eachBatch resolving part of a batch, then throwing: consumed, processed, processErrors, bytes and durations equal the ledger per topic', async () => {
  const kafka = new Kafka({ clientId: 'kafkajs-resolve-ledger-test', brokers: (await ensureBroker()).split(','), logLevel: logLevel.NOTHING })
  admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: topics.map(topic => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })), waitForLeaders: true })
  const producer = kafka.producer()
  await producer.connect()
  await sendAll(producer, topics)
  await producer.disconnect()

  const counts = await KafkaTally.create({ capacity: 8 })
  consumer = instrumentConsumer(kafka.consumer({ groupId: `kafkajs-resolve-ledger-${run}`, maxWaitTimeInMs: 100, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 300 } }), counts)
  await consumer.connect()
  await consumer.subscribe({ topics, fromBeginning: true })
  const ledger = []
  await consumer.run({ eachBatch: ledgerHandler(ledger) })
  await untilAllProcessed(ledger, topics)
  await consumer.disconnect()
  const totals = emptyTotals()
  addKafkaSnapshot(totals, counts.snapshot())
  addKafkaSnapshot(totals, counts.snapshot()) // a second takes what raced the first
  checkLedger(totals, ledger, topics)
  console.log(`  ${ledger.length} calls, batch sizes ${[...new Set(ledger.map(e => e.n))].sort((a, b) => a - b).join(' ')}; ${ledger.filter(e => e.throws).length} threw`)
})

test.run()
