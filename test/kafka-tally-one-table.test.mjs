// A KafkaTally keeps outcomes and error kinds in one table under one lock: a
// snapshot that answers busy has taken nothing, and a flush delivers the error
// kinds with the outcomes.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { flushEvery } from '../dist/index.js'
import { KafkaTally } from '../dist/kafkajs/index.js'
import { once } from '../scripts/lib/worker-message.mjs'

const RACER = new URL('./workers/kafka-tally-racer.mjs', import.meta.url)

function add (into, from) {
  for (const [topic, c] of Object.entries(from)) {
    const row = into[topic] ??= { success: 0, error: 0, retriable: 0, nonRetriable: 0 }
    for (const key of Object.keys(row)) row[key] += c[key]
  }
  return into
}

function addSnapshot (into, snap) {
  const part = {}
  const row = topic => (part[topic] ??= { success: 0, error: 0, retriable: 0, nonRetriable: 0 })
  for (const [topic, c] of snap.topics) { row(topic).success += c.success; row(topic).error += c.error }
  for (const [topic, e] of snap.errors) { row(topic).retriable += e.retriable; row(topic).nonRetriable += e.nonRetriable }
  return add(into, part)
}

for (const waitMs of [0, 2]) {
  test(`two flusher threads on snapshot({ waitMs: ${waitMs} }): a busy answer takes nothing; outcomes and kinds exact`, async () => {
    const counts = await KafkaTally.create({ capacity: 16 })
    const shared = counts.share()
    const stop = new SharedArrayBuffer(4)
    const flushers = [0, 1].map(() => new Worker(RACER, { workerData: { shared, role: 'flusher', waitMs, stop } }))
    const writers = [0, 1].map(() => new Worker(RACER, { workerData: { shared, role: 'writer', steps: 300_000 } }))
    // Listen to every thread before awaiting any: a message nobody listens for is lost.
    const written = writers.map(w => once(w, m => m.totals))
    const flushed = flushers.map(f => once(f, m => m.totals))
    const recorded = {}
    for (const m of await Promise.all(written)) add(recorded, m.totals)
    Atomics.store(new Int32Array(stop), 0, 1)
    const taken = {}
    let busy = 0
    for (const m of await Promise.all(flushed)) {
      add(taken, m.totals)
      busy += m.busy
    }
    await Promise.all([...writers, ...flushers].map(w => w.terminate()))
    addSnapshot(taken, counts.snapshot())
    addSnapshot(taken, counts.snapshot())
    assert.equal(taken, recorded)
    console.log(`  waitMs ${waitMs}: ${busy} busy answers, nothing lost`)
  })
}

test('flushEvery(kafkaTally) delivers the error kinds with the outcomes', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  const fatal = Object.assign(new Error('y'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false })
  counts.success('orders', 5)
  counts.error('orders', 3, fatal)
  const delivered = []
  const flusher = flushEvery(counts, 60_000, snap => { delivered.push(snap) }, { timer: false })
  await flusher.flush()
  assert.is(delivered.length, 1)
  const [snap] = delivered
  const orders = snap.topics.get('orders')
  assert.equal({ success: orders.success, error: orders.error }, { success: 5, error: 3 })
  assert.equal([...snap.topics.keys()], ['orders'], 'the kinds rows are not shown as topics')
  assert.is(snap.errors.get('orders').nonRetriable, 3)
  assert.equal([...snap.errors.get('orders').kinds], [['KafkaJSProtocolError:MESSAGE_TOO_LARGE', 3]])
  assert.ok(/^[0-9a-f]{16}-\d+$/.test(snap.batch.id))
  assert.is(await flusher.stop(), undefined)
})

test('a KafkaTally batch that fails is retried with its kinds; a partial delivery keeps the kinds of the topics it names', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  const fatal = Object.assign(new Error('y'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false })
  counts.error('a', 2, fatal)
  counts.error('b', 3, fatal)
  let batch = counts.openBatch()
  counts.releaseBatch(batch)
  batch = counts.openBatch()
  assert.is(batch.snapshot.errors.get('b').nonRetriable, 3, 'the retried batch holds its kinds')
  // Everything of b was not delivered, all of a was.
  const undelivered = { epoch: batch.snapshot.epoch, topics: new Map([['b', batch.snapshot.topics.get('b')]]), overflow: batch.snapshot.overflow, errors: new Map([['b', batch.snapshot.errors.get('b')]]) }
  assert.ok(counts.ackBatch(batch, undelivered))
  const rest = counts.openBatch()
  assert.is.not(rest.id.id, batch.id.id, 'the rest is a batch of its own, under a new id')
  assert.equal([...rest.snapshot.topics.keys()], ['b'])
  assert.is(rest.snapshot.topics.get('b').error, 3)
  assert.equal([...rest.snapshot.errors.keys()], ['b'])
  assert.ok(counts.ackBatch(rest))
  assert.is(counts.snapshot().topics.size, 0)
})

test.run()
