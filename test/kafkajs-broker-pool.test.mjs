// Against a real broker: two worker producers send thousands of messages over
// three topics while the main thread snapshots. The success counts equal what
// was sent, per topic, and what a consumer reads back.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import kafkajs from 'kafkajs'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { KafkaTally, createProducerPool } from '../dist/kafkajs/index.js'

const { Kafka, logLevel } = kafkajs
const WORKERS = 2
const ROUNDS = 300 // each round: one send and one sendBatch over all topics
const IN_FLIGHT = 8

/**
 * Creates the topics and waits for their leaders. Right after a broker start
 * the metadata of a topic just created can still answer "does not host this
 * topic-partition" (retriable): ask again, a few times, before failing.
 */
async function createTopicsSettled (admin, topics) {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.createTopics({ topics: topics.map(topic => ({ topic, numPartitions: 3, replicationFactor: 1 })), waitForLeaders: true })
      await admin.fetchTopicMetadata({ topics })
      return
    } catch (error) {
      if (attempt >= 10 || error.retriable !== true) throw error
      await new Promise(resolve => setTimeout(resolve, 300 * attempt))
    }
  }
}

test(`${WORKERS} worker producers, 3 topics x 3 partitions: counts equal sent and consumed, exactly`, async () => {
  const brokers = (await ensureBroker()).split(',')
  const run = `${process.pid}-${Date.now()}`
  const topics = ['orders', 'payments', 'audit.log'].map(t => `kafkajs-pool.${t}.${run}`)
  const kafka = new Kafka({ clientId: 'kafkajs-pool-test', brokers, logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 } })
  const admin = kafka.admin()
  const consumer = kafka.consumer({ groupId: `kafkajs-pool-${run}` })
  let pool
  let timer
  try {
    await admin.connect()
    await createTopicsSettled(admin, topics)

    const counts = await KafkaTally.create({ capacity: 64 })
    pool = await createProducerPool({ tally: counts, workers: WORKERS, kafka: { clientId: 'kafkajs-pool-test', brokers, retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 } } })

    const totals = new Map(topics.map(t => [t, { success: 0, error: 0 }]))
    let snapshots = 0
    let snapshotsWithCounts = 0
    const flush = () => {
      const snap = counts.snapshot()
      snapshots++
      if (snap.topics.size > 0) snapshotsWithCounts++
      for (const [topic, c] of snap.topics) {
        const t = totals.get(topic)
        assert.ok(t, `unexpected topic ${topic}`)
        t.success += c.success
        t.error += c.error
      }
      assert.is(snap.overflow.success + snap.overflow.error, 0, 'nothing in overflow')
    }
    timer = setInterval(flush, 25)

    const sent = new Map(topics.map(t => [t, 0]))
    let seq = 0
    const messages = (topic, n) => {
      sent.set(topic, sent.get(topic) + n)
      return Array.from({ length: n }, () => ({ key: String(seq % 97), value: `${topic}#${seq++}` }))
    }
    const jobs = []
    for (let r = 0; r < ROUNDS; r++) {
      const topic = topics[r % topics.length]
      jobs.push(() => pool.send({ topic, messages: messages(topic, 1 + (r % 7)) }))
      jobs.push(() => pool.sendBatch({ topicMessages: topics.map((t, i) => ({ topic: t, messages: messages(t, 1 + ((r + i) % 4)) })) }))
    }
    let next = 0
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (next < jobs.length) await jobs[next++]()
    }))
    clearInterval(timer)
    flush()
    flush()

    const totalSent = [...sent.values()].reduce((a, b) => a + b, 0)
    assert.ok(totalSent >= 3000, `several thousand messages (${totalSent})`)
    assert.ok(snapshotsWithCounts >= 3, `snapshots during the run saw counts (${snapshotsWithCounts} of ${snapshots})`)
    for (const topic of topics) assert.equal(totals.get(topic), { success: sent.get(topic), error: 0 }, topic)

    // Read everything back, up to the end offsets the topics have now (every
    // send has settled): a message written twice would be read too.
    const ends = new Map()
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${p.partition}`, Number(p.high))
    const reached = new Map([...ends.keys()].map(k => [k, 0]))
    const atEnd = () => [...ends].every(([k, high]) => reached.get(k) >= high)
    const read = new Map(topics.map(t => [t, new Set()]))
    let readTotal = 0
    let duplicates = 0
    let allRead
    const done = new Promise(resolve => { allRead = resolve })
    await consumer.connect()
    await consumer.subscribe({ topics, fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const seen = read.get(topic)
        const value = message.value.toString()
        if (seen.has(value)) duplicates++
        seen.add(value)
        readTotal++
        reached.set(`${topic}:${partition}`, Number(message.offset) + 1)
        if (atEnd()) allRead()
      }
    })
    if (atEnd()) allRead()
    const waited = await Promise.race([done.then(() => true), new Promise(resolve => setTimeout(resolve, 60_000, false))])
    assert.ok(waited, `read back ${readTotal} of ${totalSent} messages, up to the end offsets, within 60 s`)
    assert.is(duplicates, 0, 'no message read twice')
    assert.is(readTotal, totalSent, 'read back exactly what was sent')
    for (const topic of topics) assert.is(read.get(topic).size, totals.get(topic).success, `${topic}: consumed = counted success`)
  } finally {
    clearInterval(timer)
    await pool?.close()
    await consumer.disconnect().catch(() => {})
    await admin.deleteTopics({ topics }).catch(() => {})
    await admin.disconnect().catch(() => {})
  }
})

test.run()
