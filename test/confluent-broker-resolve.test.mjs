// Confluent's eachBatch with resolveOffset, against a real broker, checked
// against a ledger (test/helpers/batch-ledger.mjs): its batches start at one
// message and grow, so the handler decides per batch (resolve the first half,
// then throw, on some; return normally on the rest) and writes down what it
// did. Confluent commits what was resolved and hands the rest over again, as
// kafkajs does (test/kafkajs-broker-resolve*.test.mjs): resolved messages of a
// throwing batch are processed, the rest processErrors, every delivery
// consumed. Counting a throwing batch as all failed (or all processed) breaks it.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import confluent from '@confluentinc/kafka-javascript'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { addKafkaSnapshot, emptyTotals } from './helpers/kafka-totals.mjs'
import { PARTITIONS, checkLedger, ledgerHandler, sendAll, untilAllProcessed } from './helpers/batch-ledger.mjs'
import { KafkaTally, instrumentConsumer } from '../dist/confluent/index.js'

const { KafkaJS } = confluent
const run = `${process.pid}-${Date.now()}`
const topics = [0, 1, 2].map(i => `confluent-resolve-${i}.${run}`)

let admin, consumer
test.after(async () => {
  await consumer?.disconnect().catch(() => {})
  await admin?.deleteTopics({ topics }).catch(() => {})
  await admin?.disconnect().catch(() => {})
})

test('eachBatch resolving part of growing batches, then throwing: consumed, processed, processErrors, bytes and durations equal the ledger per topic', async () => {
  const brokers = (await ensureBroker()).split(',')
  const kafka = new KafkaJS.Kafka({ kafkaJS: { clientId: 'confluent-resolve-test', brokers, logLevel: KafkaJS.logLevel.NOTHING } })
  admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: topics.map(topic => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })) })
  const producer = kafka.producer()
  await producer.connect()
  await sendAll(producer, topics)
  await producer.disconnect()

  const counts = await KafkaTally.create({ capacity: 8 })
  consumer = instrumentConsumer(kafka.consumer({ kafkaJS: { groupId: `confluent-resolve-${run}`, fromBeginning: true } }), counts)
  await consumer.connect()
  await consumer.subscribe({ topics })
  const ledger = []
  await consumer.run({ eachBatch: ledgerHandler(ledger) })
  await untilAllProcessed(ledger, topics)
  await consumer.disconnect()
  const totals = emptyTotals()
  addKafkaSnapshot(totals, counts.snapshot())
  addKafkaSnapshot(totals, counts.snapshot()) // a second takes what raced the first
  checkLedger(totals, ledger, topics)
  assert.ok(ledger.some(e => e.n === 1 && e.throws), 'a 1-message batch threw, resolving none (Confluent starts at one message)')
  console.log(`  ${ledger.length} calls, batch sizes ${[...new Set(ledger.map(e => e.n))].sort((a, b) => a - b).join(' ')}; ${ledger.filter(e => e.throws).length} threw`)
})

test.run()
