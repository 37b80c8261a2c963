// A real Kafka broker round trip: create a topic, produce 100 messages, read back all 100.
// The broker is left running for the other suites (CI stops it).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'

const COUNT = 100

test('broker: create topic, produce 100, consume exactly 100', async () => {
  const brokers = await ensureBroker()
  const kafka = new Kafka({
    clientId: 'wasm-tally-broker-test',
    brokers: brokers.split(',').map((b) => b.trim()),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    retry: { retries: 5 },
  })
  const topic = `wasm-tally-broker-test-${process.pid}-${Date.now()}`
  const admin = kafka.admin()
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  const consumer = kafka.consumer({ groupId: `${topic}-group` })

  try {
    await admin.connect()
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    })
    assert.ok(created, 'topic was created')
    const meta = await admin.fetchTopicMetadata({ topics: [topic] })
    assert.is(meta.topics[0].partitions.length, 3, 'topic has 3 partitions')

    await producer.connect()
    const messages = Array.from({ length: COUNT }, (_, i) => ({ key: `k${i}`, value: String(i) }))
    await producer.send({ topic, acks: -1, messages })

    const seen = new Map()
    const partitions = new Set()
    let resolveAll
    const all = new Promise((resolve) => { resolveAll = resolve })
    await consumer.connect()
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const v = message.value.toString()
        seen.set(v, (seen.get(v) ?? 0) + 1)
        partitions.add(partition)
        if (seen.size === COUNT) resolveAll()
      },
    })

    let timer
    const timeout = new Promise((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`only ${seen.size} of ${COUNT} messages consumed within 30 s`)), 30_000)
    })
    try {
      await Promise.race([all, timeout])
    } finally {
      clearTimeout(timer)
    }
    // Give any duplicate a moment to show up before counting.
    await new Promise((resolve) => setTimeout(resolve, 500))

    const total = [...seen.values()].reduce((a, b) => a + b, 0)
    assert.is(seen.size, COUNT, 'every message was read')
    assert.is(total, COUNT, 'no message was read twice')
    for (let i = 0; i < COUNT; i++) assert.is(seen.get(String(i)), 1, `message ${i} read once`)
    assert.is(partitions.size, 3, 'messages were spread over all 3 partitions')

    await admin.deleteTopics({ topics: [topic] }).catch(() => {})
  } finally {
    await consumer.disconnect().catch(() => {})
    await producer.disconnect().catch(() => {})
    await admin.disconnect().catch(() => {})
  }
})

test.run()
