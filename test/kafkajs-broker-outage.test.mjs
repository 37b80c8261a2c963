// Against a real broker that is stopped and started again in the middle of a run:
// every attempted message is counted exactly once, as success or as error, and
// counting goes on after the restart.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import kafkajs from 'kafkajs'
import { ensureBroker, restartBroker } from '../scripts/lib/kafka-broker.mjs'
import { KafkaTally, createProducerPool } from '../dist/kafkajs/index.js'

const { Kafka, logLevel } = kafkajs
const IN_FLIGHT = 4
const BEFORE = 100 // successful sends before the outage
const AFTER = 100 // successful sends after the restart

test('broker restarted mid-run: success + error = attempted, exactly; counting goes on', async () => {
  const brokers = (await ensureBroker()).split(',')
  const run = `${process.pid}-${Date.now()}`
  const topics = [`kafkajs-outage.a.${run}`, `kafkajs-outage.b.${run}`]
  const retry = { retries: 2, initialRetryTime: 100, maxRetryTime: 500 }
  const config = { clientId: 'kafkajs-outage-test', brokers, connectionTimeout: 1000, requestTimeout: 5000, retry }
  const kafka = new Kafka({ ...config, logLevel: logLevel.NOTHING })
  let admin = kafka.admin()
  let pool
  let consumer
  let timer
  try {
    await admin.connect()
    await admin.createTopics({ topics: topics.map(topic => ({ topic, numPartitions: 3, replicationFactor: 1 })), waitForLeaders: true })
    await admin.disconnect()

    const counts = await KafkaTally.create({ capacity: 64 })
    pool = await createProducerPool({ tally: counts, workers: 2, kafka: config })
    const totals = new Map(topics.map(t => [t, { success: 0, error: 0, retriable: 0, nonRetriable: 0 }]))
    const flush = () => {
      const snap = counts.snapshot()
      for (const [topic, c] of snap.topics) { totals.get(topic).success += c.success; totals.get(topic).error += c.error }
      for (const [topic, e] of snap.errors) { totals.get(topic).retriable += e.retriable; totals.get(topic).nonRetriable += e.nonRetriable }
    }
    timer = setInterval(flush, 50)

    // What the callers saw, per topic.
    const attempted = new Map(topics.map(t => [t, 0]))
    const resolved = new Map(topics.map(t => [t, 0]))
    const rejected = new Map(topics.map(t => [t, 0]))
    const delivered = new Set()
    let phase = 'before'
    let okBefore = 0
    let okAfter = 0
    let failedSends = 0
    let seq = 0
    const worker = async () => {
      while (phase !== 'done') {
        const topic = topics[seq % topics.length]
        const batch = Array.from({ length: 1 + (seq % 5) }, () => ({ value: `${topic}#${seq++}` }))
        attempted.set(topic, attempted.get(topic) + batch.length)
        try {
          await pool.send({ topic, messages: batch })
          resolved.set(topic, resolved.get(topic) + batch.length)
          for (const m of batch) delivered.add(m.value)
          if (phase === 'before') okBefore++
          if (phase === 'after') okAfter++
        } catch {
          rejected.set(topic, rejected.get(topic) + batch.length)
          failedSends++
        }
        if (phase === 'after' && okAfter >= AFTER) phase = 'done'
      }
    }
    const senders = Array.from({ length: IN_FLIGHT }, worker)
    while (okBefore < BEFORE) await new Promise(resolve => setTimeout(resolve, 20))
    phase = 'outage'
    try {
      await restartBroker({ downMs: 1000 })
    } catch (error) {
      phase = 'done' // the senders stop, so the failure ends the test instead of leaving them looping
      await Promise.all(senders)
      throw error
    }
    phase = 'after'
    await Promise.all(senders)
    clearInterval(timer)
    flush()
    flush()

    assert.ok(failedSends > 0, `the outage made some sends fail (${failedSends})`)
    assert.ok(okAfter >= AFTER, 'sends succeed again after the restart')
    for (const topic of topics) {
      const t = totals.get(topic)
      assert.is(t.success + t.error, attempted.get(topic), `${topic}: success + error = attempted`)
      assert.is(t.success, resolved.get(topic), `${topic}: success = resolved sends' messages`)
      assert.is(t.error, rejected.get(topic), `${topic}: error = rejected sends' messages`)
      assert.is(t.retriable + t.nonRetriable, t.error, `${topic}: every error has a kind`)
    }

    // Every message whose send resolved is in the topic after the restart.
    admin = kafka.admin()
    consumer = kafka.consumer({ groupId: `kafkajs-outage-${run}` })
    await consumer.connect()
    await consumer.subscribe({ topics, fromBeginning: true })
    const read = new Set()
    await consumer.run({ eachMessage: async ({ message }) => { read.add(message.value.toString()) } })
    const missing = () => { let n = 0; for (const v of delivered) if (!read.has(v)) n++; return n }
    for (let i = 0; i < 600 && missing() > 0; i++) await new Promise(resolve => setTimeout(resolve, 100))
    assert.is(missing(), 0, `every delivered message was read back (${delivered.size} delivered, ${read.size} read)`)
  } finally {
    clearInterval(timer) // a failure before the end must not leave it keeping the process alive
    await pool?.close()
    await consumer?.disconnect().catch(() => {})
    await admin.connect().then(() => admin.deleteTopics({ topics })).catch(() => {})
    await admin.disconnect().catch(() => {})
  }
})

test.run()
