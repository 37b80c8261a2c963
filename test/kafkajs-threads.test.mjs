// Worker threads count sends into one shared KafkaTally while the main thread
// snapshots: totals and error kinds are exact once the workers are done (no broker).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { KafkaTally } from '../dist/kafkajs/index.js'

const WORKERS = 4
const SENDS = 3000
const TOPICS = ['orders', 'payments', 'audit.log']

test(`${WORKERS} workers x ${SENDS} sends, snapshots all along: every message counted once, with its kind`, async () => {
  const counts = await KafkaTally.create({ capacity: 64 })
  const totals = new Map()
  const add = (snap) => {
    for (const [topic, c] of snap.topics) {
      const t = totals.get(topic) ?? { success: 0, error: 0, retriable: 0, nonRetriable: 0, kinds: {} }
      t.success += c.success; t.error += c.error
      totals.set(topic, t)
    }
    for (const [topic, e] of snap.errors) {
      const t = totals.get(topic) ?? { success: 0, error: 0, retriable: 0, nonRetriable: 0, kinds: {} }
      t.retriable += e.retriable; t.nonRetriable += e.nonRetriable
      for (const [kind, n] of e.kinds) t.kinds[kind] = (t.kinds[kind] ?? 0) + n
      totals.set(topic, t)
    }
  }
  const workers = Array.from({ length: WORKERS }, (_, index) => new Worker(new URL('./workers/kafkajs-fake-sender.mjs', import.meta.url), {
    workerData: { counts: counts.share(), sends: SENDS, topics: TOPICS, index }
  }))
  const done = workers.map(w => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject) }))
  let running = true
  let snapshots = 0
  Promise.all(done).finally(() => { running = false })
  while (running) {
    add(counts.snapshot())
    snapshots++
    await new Promise(resolve => setTimeout(resolve, 2))
  }
  const expected = await Promise.all(done)
  add(counts.snapshot())
  add(counts.snapshot())
  await Promise.all(workers.map(w => w.terminate()))
  assert.ok(snapshots > 1, `snapshots were taken during the run (${snapshots})`)

  for (const topic of TOPICS) {
    const want = { success: 0, retriable: 0, nonRetriable: 0 }
    for (const e of expected) { want.success += e[topic].success; want.retriable += e[topic].retriable; want.nonRetriable += e[topic].nonRetriable }
    const got = totals.get(topic)
    assert.is(got.success, want.success, `${topic} success`)
    assert.is(got.error, want.retriable + want.nonRetriable, `${topic} error`)
    assert.is(got.retriable, want.retriable, `${topic} retriable`)
    assert.is(got.nonRetriable, want.nonRetriable, `${topic} non-retriable`)
    assert.equal(got.kinds, {
      'KafkaJSNonRetriableError/KafkaJSProtocolError:MESSAGE_TOO_LARGE': want.nonRetriable,
      'KafkaJSNumberOfRetriesExceeded/KafkaJSConnectionError': want.retriable
    }, `${topic} kinds`)
    assert.ok(want.success > 0 && want.retriable > 0 && want.nonRetriable > 0, 'every outcome occurred')
  }
  assert.equal([...totals.keys()].sort(), [...TOPICS].sort())
})

test.run()
