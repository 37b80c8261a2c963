// The Kafka sink against a real broker: two tallies (two "processes") flush
// into one topic; a kafkajs consumer reads every record back and the sums
// equal everything both recorded. A flush that fails is kept and resent.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { Tally, flushEvery } from '../dist/index.js'
import { kafkaSink } from '../dist/sinks/kafka.js'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { addCounts, recordNoted } from '../scripts/lib/counts.mjs'

function kafkaClient (brokers) {
  return new Kafka({
    clientId: 'wasm-tally-sink-test',
    brokers: brokers.split(',').map(b => b.trim()),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    retry: { retries: 5 }
  })
}

/**
 * Reads the topic from the beginning up to the end offsets it has now (every
 * flush has been produced by then): every record, in partition order.
 */
async function readBack (kafka, admin, topic) {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map(p => [p.partition, Number(p.high)]))
  const reached = new Map([...ends.keys()].map(p => [p, 0]))
  const consumer = kafka.consumer({ groupId: `${topic}-reader` })
  const records = []
  let done
  const atEnd = new Promise(resolve => { done = resolve })
  const check = () => { if ([...ends].every(([p, high]) => reached.get(p) >= high)) done() }
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        records.push({ key: message.key.toString(), value: JSON.parse(message.value.toString()) })
        reached.set(partition, Number(message.offset) + 1)
        check()
      }
    })
    check()
    let timer
    const late = new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`read ${records.length} records, not up to the end offsets ${JSON.stringify([...ends])}, within 60 s`)), 60_000) })
    await Promise.race([atEnd, late]).finally(() => clearTimeout(timer))
  } finally {
    await consumer.disconnect()
  }
  return records
}

test('two processes flush into one Kafka topic; a consumer sums the records exactly', async () => {
  const brokers = await ensureBroker()
  const kafka = kafkaClient(brokers)
  const topic = `wasm-tally-counts-${process.pid}-${Date.now()}`
  const admin = kafka.admin()
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  try {
    await admin.connect()
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })
    await producer.connect()

    const recorded = {}
    let want = 0
    const senders = []
    for (const source of ['host-a:1', 'host-b:2']) {
      const tally = await Tally.create({ capacity: 64 })
      let failOnce = source === 'host-b:2'
      const sink = kafkaSink(producer, { topic, source })
      const sender = { source, tally, failed: [], delivered: [] }
      const flaky = async snap => {
        if (failOnce) { failOnce = false; sender.failed.push(snap.batch); throw new Error('leader not available') }
        await sink.write(snap)
        sender.delivered.push({ ...snap.batch, topics: snap.topics.size })
      }
      sender.flusher = flushEvery(tally, 60_000, flaky, { timer: false, onError: () => {} })
      senders.push(sender)
    }
    for (let round = 1; round <= 3; round++) {
      for (const [s, { tally, flusher }] of senders.entries()) {
        for (let i = 0; i < 20; i++) {
          const name = `orders.${i}`
          const success = round * 10 + i + s
          const error = i % 5 === 0 ? round : 0
          recordNoted(tally, recorded, name, success, error)
          want += success + error
        }
        await flusher.flush()
      }
    }
    for (const { flusher } of senders) assert.is(await flusher.stop(), undefined)
    assert.is(senders[1].flusher.stats().failures, 1, 'one flush failed and was resent')

    const records = await readBack(kafka, admin, topic)
    const totals = {}
    let summed = 0
    for (const { key, value } of records) {
      assert.is(key, value.topic, 'records are keyed by topic')
      assert.type(value.epoch, 'number')
      assert.type(value.time, 'number')
      addCounts(totals, value.topic, value.success, value.error)
      summed += value.success + value.error
    }
    assert.is(summed, want)
    assert.equal([...new Set(records.map(r => r.value.source))].sort(), ['host-a:1', 'host-b:2'])
    assert.is(records.length, 20 * 3 * 2 - 20, 'one record per topic per delivered flush (the failed one merged into the next)')
    assert.equal(totals, recorded)

    // Each record names its batch: the table, the sequence, and the id made of both.
    for (const { source, delivered } of senders) {
      const mine = records.filter(r => r.value.source === source).map(r => r.value)
      const table = delivered[0].table
      assert.ok(/^[0-9a-f]{16}$/.test(table), `${source}: table id ${table}`)
      for (const r of mine) {
        assert.is(r.table, table, `${source}: every record names its sender's table`)
        assert.is(r.batch, `${r.table}-${r.sequence}`, `${source}: the batch id is table-sequence`)
      }
      const perBatch = {}
      for (const r of mine) perBatch[r.batch] = (perBatch[r.batch] ?? 0) + 1
      assert.equal(perBatch, Object.fromEntries(delivered.map(b => [b.id, b.topics])), `${source}: one record per topic of each delivered batch, under its id`)
      const sequences = delivered.map(b => b.sequence)
      assert.ok(sequences.every((n, i) => i === 0 || n > sequences[i - 1]), `${source}: sequences increase (${sequences})`)
    }
    assert.is.not(senders[0].delivered[0].table, senders[1].delivered[0].table, 'two tables, two ids')
    assert.equal(senders[1].failed.map(b => b.id), [senders[1].delivered[0].id], 'the failed batch went out again under its id')
  } finally {
    await producer.disconnect()
    await admin.deleteTopics({ topics: [topic] }).catch(() => {})
    await admin.disconnect()
  }
})

test.run()
