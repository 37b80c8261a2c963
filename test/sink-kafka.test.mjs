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

/** Reads the topic from the beginning until `want` deliveries are summed (or the wait runs out). */
async function readBack (kafka, topic, want) {
  const consumer = kafka.consumer({ groupId: `${topic}-reader` })
  const totals = {}
  const sources = new Set()
  let summed = 0
  let records = 0
  let done
  const enough = new Promise(resolve => { done = resolve })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = JSON.parse(message.value.toString())
        assert.is(message.key.toString(), value.topic, 'records are keyed by topic')
        assert.type(value.epoch, 'number')
        assert.type(value.time, 'number')
        sources.add(value.source)
        addCounts(totals, value.topic, value.success, value.error)
        summed += value.success + value.error
        records++
        if (summed >= want) done()
      }
    })
    let timer
    await Promise.race([enough, new Promise(resolve => { timer = setTimeout(resolve, 60_000) })])
    clearTimeout(timer)
    // Anything past `want` would be a double: give it a moment to show up.
    await new Promise(resolve => setTimeout(resolve, 500))
  } finally {
    await consumer.disconnect()
  }
  return { totals, sources, records }
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
      const flaky = async snap => {
        if (failOnce) { failOnce = false; throw new Error('leader not available') }
        await sink.write(snap)
      }
      senders.push({ tally, flusher: flushEvery(tally, 60_000, flaky, { timer: false, onError: () => {} }) })
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

    const { totals, sources, records } = await readBack(kafka, topic, want)
    assert.equal([...sources].sort(), ['host-a:1', 'host-b:2'])
    assert.is(records, 20 * 3 * 2 - 20, 'one record per topic per delivered flush (the failed one merged into the next)')
    assert.equal(totals, recorded)
  } finally {
    await producer.disconnect()
    await admin.deleteTopics({ topics: [topic] }).catch(() => {})
    await admin.disconnect()
  }
})

test.run()
