// The Kafka sink reading a batch in place (writeRows, what a flusher calls)
// against the same sink written the batch's own Snapshot (write()), both
// producing through one real producer to the broker, each to its own topic:
// flush after flush, the same records (keys, values byte for byte, batch ids,
// timestamps) are handed to send() and read back from the broker, for a
// table with every kind of cell (sums past 2^53 units and at other
// resolutions, the overflow row, /invalid-topic) and the default table; a
// failed send keeps the whole batch either way, and it goes out again under
// its id.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Kafka, logLevel } from 'kafkajs'
import { Tally } from '../dist/index.js'
import { kafkaSink } from '../dist/sinks/kafka.js'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { described, twoWays } from './helpers/two-ways.mjs'
import { recordRich, richTable } from './helpers/rich-table.mjs'

/** The producer's send as it is, keeping each request handed to it; `failNext` makes the next send reject before it reaches the producer. */
function keeping (producer) {
  const sent = []
  const p = {
    failNext: false,
    sent,
    async send (request) {
      if (p.failNext) { p.failNext = false; throw new Error('leader not available') }
      const result = await producer.send(request)
      sent.push(request)
      return result
    }
  }
  return p
}

/** Every record of a one-partition topic, in order: key, value and timestamp as the broker keeps them. */
async function readBack (kafka, admin, topic) {
  const [{ high }] = await admin.fetchTopicOffsets(topic)
  const consumer = kafka.consumer({ groupId: `${topic}-reader` })
  const records = []
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    let done
    const atEnd = new Promise(resolve => { done = resolve })
    await consumer.run({
      eachMessage: async ({ message }) => {
        records.push({ key: message.key.toString(), value: message.value.toString(), timestamp: message.timestamp })
        if (records.length >= Number(high)) done()
      }
    })
    if (Number(high) > 0) {
      let timer
      await Promise.race([atEnd, new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`read ${records.length} of ${high} records within 60 s`)), 60_000) })]).finally(() => clearTimeout(timer))
    }
  } finally {
    await consumer.disconnect()
  }
  return records
}

test('the same records in place as from the Snapshot, flush after flush, through the broker; a failed send keeps the batch either way', async () => {
  const brokers = await ensureBroker()
  const kafka = new Kafka({ clientId: 'wasm-tally-sink-rows-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 5 } })
  const admin = kafka.admin()
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  const base = `wasm-tally-rows-${process.pid}-${Date.now()}`
  const topics = []
  try {
    await admin.connect()
    await producer.connect()
    for (const [label, make, record] of [
      ['rich', () => richTable(), (t, round) => recordRich(t, round)],
      ['default', () => Tally.create({ capacity: 3, onOverflow: () => {} }), (t, round) => { for (let i = 0; i < 5; i++) t.record(`d.${i}`, (i + round) % 3 === 0 ? 'error' : 'success', i + round + 1) }]
    ]) {
      const [ta, tb] = [`${base}-${label}-rows`, `${base}-${label}-snapshot`]
      topics.push(ta, tb)
      await admin.createTopics({ topics: [ta, tb].map(topic => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true })
      const table = await make()
      let t = 1_700_000_000_000
      const [pa, pb] = [keeping(producer), keeping(producer)]
      const options = topic => ({ topic, source: 'host-1:42', now: () => (t += 1000) })
      // Both sinks read one clock: each flush's records of the two ways carry times one second apart, made equal below.
      const { flusher, outcomes } = twoWays(table, kafkaSink(pa, options(ta)), kafkaSink(pb, options(tb)))
      for (let round = 0; round < 4; round++) {
        record(table, round)
        if (round === 1) { pa.failNext = true; pb.failNext = true }
        const r = await flusher.flush()
        const [oa, ob] = outcomes.at(-1).map(described)
        assert.equal(oa, ob, `${label}, round ${round}: the same outcome`)
        assert.is(r.delivered, round !== 1, `${label}, round ${round}`)
      }
      assert.is(await flusher.stop(), undefined)
      const retimed = request => request.messages.map(m => ({ ...m, value: m.value.replace(/"time":\d+/, '"time":T'), timestamp: 'T' }))
      assert.is(pa.sent.length, 3, `${label}: one send per delivered flush`)
      assert.equal(pa.sent.map(retimed), pb.sent.map(retimed), `${label}: the same records handed to send()`)
      for (const [i, request] of pa.sent.entries()) {
        assert.equal(request.messages.map(m => m.timestamp), pb.sent[i].messages.map(m => String(Number(m.timestamp) - 1000)), 'each way\'s time, read once a flush')
      }
      const ids = pa.sent.map(request => [...new Set(request.messages.map(m => JSON.parse(m.value).batch))])
      assert.ok(ids.every(list => list.length === 1), 'one batch id a send')
      const failed = outcomes[1][0].ok === false
      assert.ok(failed)
      assert.ok(pa.sent[0].messages.length > 0 && ids[1][0] !== ids[0][0], `${label}: the failed batch went out again, under its own id`)
      const last = pa.sent.at(-1).messages.map(m => JSON.parse(m.value))
      if (label === 'rich') {
        assert.ok(last.some(v => v.topic === '/invalid-topic'), 'precondition: /invalid-topic')
        assert.ok(last.some(v => v.overflow === true && v.topic === '/overflow'), 'precondition: the overflow row')
        assert.ok(last.some(v => v.size?.sum > 2 ** 53), 'precondition: a sum past 2^53 units')
      }
      // What the broker keeps: the records of the two ways, in order, the same.
      const [ra, rb] = [await readBack(kafka, admin, ta), await readBack(kafka, admin, tb)]
      assert.is(ra.length, pa.sent.reduce((n, request) => n + request.messages.length, 0))
      assert.equal(ra.map(r => r.value), pa.sent.flatMap(request => request.messages.map(m => m.value)), `${label}: the broker holds what was sent`)
      const untimed = r => ({ key: r.key, value: r.value.replace(/"time":\d+/, '"time":T') })
      assert.equal(ra.map(untimed), rb.map(untimed), `${label}: the same records on the broker`)
    }
  } finally {
    await producer.disconnect()
    await admin.deleteTopics({ topics }).catch(() => {})
    await admin.disconnect()
  }
})

test.run()
