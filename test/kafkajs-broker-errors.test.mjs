// Against a real broker: sends the broker refuses count as errors of their topic,
// with their kind; a send that succeeds after retries counts once, as success;
// transaction sends count when they resolve, committed or aborted.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import kafkajs from 'kafkajs'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { KafkaTally, instrumentProducer } from '../dist/kafkajs/index.js'

const { Kafka, logLevel, Partitioners } = kafkajs
const run = `${process.pid}-${Date.now()}`
const created = []
let kafka, admin, counts
const opened = []

// The sent-message columns of each row (a KafkaTally row holds the consumer's columns and durations too).
const plain = snap => Object.fromEntries([...snap.topics].map(([t, c]) => [t, { success: c.success, error: c.error }]))
const errorsOf = snap => Object.fromEntries([...snap.errors].map(([t, e]) => [t, { retriable: e.retriable, nonRetriable: e.nonRetriable, kinds: Object.fromEntries(e.kinds) }]))
const messages = (n, size = 10) => Array.from({ length: n }, (_, i) => ({ value: String(i).padEnd(size, '.') }))

async function producer (config = {}) {
  const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...config })
  opened.push(p)
  await p.connect()
  return instrumentProducer(p, counts)
}

// Set up in the first test (not a before hook) so a broker that cannot start fails it with its message.
let ready
const setup = () => (ready ??= (async () => {
  const brokers = (await ensureBroker()).split(',')
  kafka = new Kafka({ clientId: 'kafkajs-errors-test', brokers, logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 300 } })
  admin = kafka.admin()
  await admin.connect()
  counts = await KafkaTally.create({ capacity: 64 })
})())

test.after(async () => {
  for (const p of opened) await p.disconnect().catch(() => {})
  await admin?.deleteTopics({ topics: created }).catch(() => {})
  await admin?.disconnect().catch(() => {})
})

test('a message over max.message.bytes: error for its topic, non-retriable MESSAGE_TOO_LARGE; small ones still succeed', async () => {
  await setup()
  const topic = `kafkajs-errors.small.${run}`
  created.push(topic)
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: '1024' }] }], waitForLeaders: true })
  const p = await producer()
  counts.snapshot()
  let rejected
  await p.send({ topic, messages: messages(3, 4000) }).catch(e => { rejected = e })
  assert.ok(rejected, 'the broker refused the send')
  await p.send({ topic, messages: messages(4) })
  const snap = counts.snapshot()
  assert.equal(plain(snap), { [topic]: { success: 4, error: 3 } })
  assert.equal(errorsOf(snap), { [topic]: { retriable: 0, nonRetriable: 3, kinds: { 'KafkaJSProtocolError:MESSAGE_TOO_LARGE': 3 } } })
})

test('a topic that does not exist (no auto-creation, 2 retries): error, retriable UNKNOWN_TOPIC_OR_PARTITION', async () => {
  await setup()
  const topic = `kafkajs-errors.missing.${run}`
  const p = await producer({ allowAutoTopicCreation: false })
  counts.snapshot()
  let rejected
  await p.sendBatch({ topicMessages: [{ topic, messages: messages(5) }] }).catch(e => { rejected = e })
  assert.is(rejected?.name, 'KafkaJSNumberOfRetriesExceeded')
  const snap = counts.snapshot()
  assert.equal(plain(snap), { [topic]: { success: 0, error: 5 } })
  assert.equal(errorsOf(snap), { [topic]: { retriable: 5, nonRetriable: 0, kinds: { 'KafkaJSNumberOfRetriesExceeded/KafkaJSProtocolError:UNKNOWN_TOPIC_OR_PARTITION': 5 } } })
})

test('a send that succeeds after retries (its topic created meanwhile) counts once, as success', async () => {
  await setup()
  const topic = `kafkajs-errors.late.${run}`
  created.push(topic)
  const p = await producer({ allowAutoTopicCreation: false, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 200 } })
  let metadataRequests = 0
  const stop = p.on(p.events.REQUEST, ({ payload }) => { if (payload.apiName === 'Metadata') metadataRequests++ })
  counts.snapshot()
  const listed = await admin.listTopics()
  assert.not.ok(listed.includes(topic), 'the topic does not exist when the send starts')
  const sending = p.send({ topic, messages: messages(6) })
  setTimeout(() => admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true }).catch(() => {}), 700)
  const result = await sending
  stop()
  assert.ok(metadataRequests >= 2, `the send was retried (${metadataRequests} metadata requests)`)
  assert.is(result.reduce((n, r) => n + (r.errorCode === 0 ? 1 : 0), 0), result.length)
  const snap = counts.snapshot()
  assert.equal(plain(snap), { [topic]: { success: 6, error: 0 } })
  assert.is(snap.errors.size, 0)
})

test('transactions: sends count when they resolve; an aborted transaction keeps its success counts', async () => {
  await setup()
  const topic = `kafkajs-errors.tx.${run}`
  created.push(topic)
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })
  const p = await producer({ transactionalId: `kafkajs-errors-${run}`, idempotent: true, maxInFlightRequests: 1 })
  counts.snapshot()
  const committed = await p.transaction()
  await committed.send({ topic, messages: messages(5) })
  await committed.commit()
  const aborted = await p.transaction()
  await aborted.sendBatch({ topicMessages: [{ topic, messages: messages(7) }] })
  await aborted.abort()
  assert.equal(plain(counts.snapshot()), { [topic]: { success: 12, error: 0 } })

  // What a read_committed consumer sees: only the committed 5.
  const consumer = kafka.consumer({ groupId: `kafkajs-errors-tx-${run}`, readUncommitted: false })
  try {
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    let read = 0
    await consumer.run({ eachMessage: async () => { read++ } })
    for (let i = 0; i < 100 && read < 5; i++) await new Promise(resolve => setTimeout(resolve, 100))
    await new Promise(resolve => setTimeout(resolve, 1000))
    assert.is(read, 5, 'a read_committed consumer reads only the committed messages')
  } finally {
    await consumer.disconnect()
  }
})

test.run()
