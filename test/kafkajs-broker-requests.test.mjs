// Against a real broker: what instrumentProducer counts is what kafkajs sends,
// even when the caller changes its arrays right after send() returns (kafkajs
// reads them again after an await). The broker's offsets say what was stored.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import kafkajs from 'kafkajs'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { Tally } from '../dist/index.js'
import { instrumentProducer } from '../dist/kafkajs/index.js'

const { Kafka, logLevel, Partitioners } = kafkajs
const run = `${process.pid}-${Date.now()}`
const created = []
let admin, producer, tally

// The sent-message columns of each row (a KafkaTally row holds the consumer's columns and durations too).
const plain = snap => Object.fromEntries([...snap.topics].map(([t, c]) => [t, { success: c.success, error: c.error }]))
const messages = (n, from = 0) => Array.from({ length: n }, (_, i) => ({ value: `m${from + i}` }))

// Set up in the first test (not a before hook) so a broker that cannot start fails it with its message.
let ready
const setup = () => (ready ??= (async () => {
  const brokers = (await ensureBroker()).split(',')
  const kafka = new Kafka({ clientId: 'kafkajs-requests-test', brokers, logLevel: logLevel.NOTHING })
  admin = kafka.admin()
  await admin.connect()
  const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await p.connect()
  tally = await Tally.create({ capacity: 16 })
  producer = instrumentProducer(p, tally)
  producer.raw = p
})())

test.after(async () => {
  await producer?.raw.disconnect().catch(() => {})
  await admin?.deleteTopics({ topics: created }).catch(() => {})
  await admin?.disconnect().catch(() => {})
})

async function freshTopic (name) {
  const topic = `kafkajs-requests.${name}.${run}`
  created.push(topic)
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true })
  return topic
}

/** Messages the broker holds for `topic`: the sum of its partitions' high watermarks. */
async function stored (topic) {
  const offsets = await admin.fetchTopicOffsets(topic)
  return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0)
}

test('send: a 10-message array cleared right after send() still sends and counts 10', async () => {
  await setup()
  const topic = await freshTopic('cleared')
  tally.snapshot()
  const batch = messages(10)
  const sending = producer.send({ topic, messages: batch })
  batch.length = 0 // the caller reuses its array
  const metadata = await sending
  assert.is(await stored(topic), 10)
  assert.is(metadata.length > 0, true, 'the broker answered for some partition')
  assert.equal(plain(tally.snapshot()), { [topic]: { success: 10, error: 0 } })
})

test('send: a 5-message array grown to 10 right after send() sends and counts 5', async () => {
  await setup()
  const topic = await freshTopic('grown')
  tally.snapshot()
  const batch = messages(5)
  const sending = producer.send({ topic, messages: batch })
  batch.push(...messages(5, 5))
  await sending
  assert.is(await stored(topic), 5)
  assert.equal(plain(tally.snapshot()), { [topic]: { success: 5, error: 0 } })
})

test('sendBatch: entries and their arrays changed right after sendBatch() change nothing', async () => {
  await setup()
  const a = await freshTopic('batch-a')
  const b = await freshTopic('batch-b')
  tally.snapshot()
  const forA = messages(4)
  const forB = messages(6)
  const topicMessages = [{ topic: a, messages: forA }, { topic: b, messages: forB }]
  const sending = producer.sendBatch({ topicMessages })
  forA.length = 1
  forB.push(...messages(3, 6))
  topicMessages[1].messages = messages(20) // a new array on the caller's entry
  topicMessages.push({ topic: a, messages: messages(7) })
  await sending
  assert.equal({ [a]: await stored(a), [b]: await stored(b) }, { [a]: 4, [b]: 6 })
  assert.equal(plain(tally.snapshot()), { [a]: { success: 4, error: 0 }, [b]: { success: 6, error: 0 } })
})

test.run()
