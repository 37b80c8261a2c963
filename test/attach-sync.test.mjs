// Attaching without await: Tally.attachSync, KafkaTally.attachSync and
// attachCountsSync give a worker the same table attach() does, and refuse the
// same handles by throwing; the names they replace keep working.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { Tally, TallyLayoutError } from '../dist/index.js'
import { KafkaTally, attachCounts, attachCountsSync, shareCounts, instrumentProducer } from '../dist/kafkajs/index.js'
import { once } from '../scripts/lib/worker-message.mjs'

// The sent-message columns of a KafkaTally row (it holds the consumer's columns and durations too).
const sent = row => ({ success: row.success, error: row.error })

test('a worker attached with attachSync counts into the same table', async () => {
  const tally = await Tally.create({ capacity: 8 })
  const source = `
    import { workerData, parentPort } from 'node:worker_threads'
    const { Tally } = await import(workerData.entry)
    const tally = Tally.attachSync(workerData.shared)
    tally.record('orders', 'success', 4)
    tally.bind('orders').error(1)
    parentPort.postMessage({ done: true })`
  const entry = new URL('../dist/index.js', import.meta.url).href
  const worker = new Worker(source, { eval: true, workerData: { shared: tally.share(), entry } })
  await once(worker, m => m.done)
  await worker.terminate()
  assert.equal(tally.snapshot().topics.get('orders'), { success: 4, error: 1 })
})

test('attachSync returns a Tally at once, and throws what attach rejects with', async () => {
  const tally = await Tally.create({ capacity: 8, leaseMs: 1234 })
  const other = Tally.attachSync(tally.share())
  assert.instance(other, Tally)
  assert.is(other.leaseMs, 1234, 'the lease travels in the handle')
  other.record('orders', 'success', 2)
  assert.equal(tally.snapshot().topics.get('orders'), { success: 2, error: 0 })
  assert.throws(() => Tally.attachSync(null), e => e instanceof TypeError && /Tally.attachSync expects/.test(e.message))
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true })
  const { module } = tally.share()
  assert.throws(() => Tally.attachSync({ kind: 'wasm-tally', memory, module, leaseMs: 100 }), e => e instanceof TallyLayoutError && /no wasm-tally table/.test(e.message))
  const rejected = await Tally.attach({ kind: 'wasm-tally', memory, module, leaseMs: 100 }).catch(e => e)
  assert.instance(rejected, TallyLayoutError)
})

test('KafkaTally.attachSync and attachCountsSync: one table for outcomes and kinds', async () => {
  const counts = await KafkaTally.create({ capacity: 8, errorCapacity: 8 })
  const fatal = Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false })
  const a = KafkaTally.attachSync(counts.share())
  const b = attachCountsSync(counts.share())
  assert.instance(b, KafkaTally)
  a.success('orders', 3)
  b.error('orders', 2, fatal)
  const snap = counts.snapshot()
  assert.equal(sent(snap.topics.get('orders')), { success: 3, error: 2 })
  assert.is(snap.errors.get('orders').nonRetriable, 2)
  assert.instance(attachCountsSync((await Tally.create()).share()), Tally)
  assert.throws(() => KafkaTally.attachSync({}), e => e instanceof TypeError && /KafkaTally.attachSync expects/.test(e.message))
})

test('the old names still work: KafkaTally.failure, a Recorder with failure(), shareCounts', async () => {
  const counts = await KafkaTally.create({ capacity: 8, errorCapacity: 8 })
  const fatal = Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false })
  counts.failure('orders', 2, fatal)
  const snap = counts.snapshot()
  assert.equal(sent(snap.topics.get('orders')), { success: 0, error: 2 })
  assert.is(snap.errors.get('orders').nonRetriable, 2)

  const calls = []
  const legacy = { success (topic, count) { calls.push(['success', topic, count]) }, failure (topic, count, cause) { calls.push(['failure', topic, count, cause]) } }
  const producer = instrumentProducer({ send: async ({ topic }) => { if (topic === 'bad') throw fatal; return [] } }, legacy)
  await producer.send({ topic: 'good', messages: [{ value: 'a' }] })
  try {
    await producer.send({ topic: 'bad', messages: [{ value: 'a' }, { value: 'b' }] })
    assert.unreachable('the send to "bad" should have rejected')
  } catch (error) {
    assert.is(error, fatal, 'the caller gets the producer\'s own rejection')
  }
  assert.equal(calls, [['success', 'good', 1], ['failure', 'bad', 2, fatal]])

  const shared = shareCounts(counts)
  assert.equal(Object.keys(shared).sort(), Object.keys(counts.share()).sort())
  assert.instance(await attachCounts(shared), KafkaTally)
})

test('a binding is not taken for a Recorder', async () => {
  const tally = await Tally.create({ capacity: 8 })
  assert.throws(() => instrumentProducer({ send: async () => [] }, tally.bind('orders')), TypeError)
})

test.run()
