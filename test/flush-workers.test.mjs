// Flushers racing writers across threads: two flushers in two workers at once,
// and stop() while workers record. Whatever the interleaving, the deliveries
// and a final drain add up to exactly what was recorded: what a flusher could
// not deliver stays pending in the table, and the drain takes it.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { Tally, flushEvery } from '../dist/index.js'
import { addRows } from '../scripts/lib/counts.mjs'
import { once } from '../scripts/lib/worker-message.mjs'

const WRITER = new URL('./workers/flush-writer.mjs', import.meta.url)
const FLUSHER = new URL('./workers/flush-flusher.mjs', import.meta.url)
const TOPICS = 40
const STEPS = 150_000

function addUp (into, snap) {
  if (!snap) return into
  addRows(into, snap.topics)
  assert.is(snap.overflow.success + snap.overflow.error, 0, 'nothing overflowed')
  return into
}

const nextMessage = (worker, kind) => once(worker, m => kind === undefined || m.kind === kind)

function startWriters (tally, count, control) {
  return Array.from({ length: count }, (_, writer) => {
    const worker = new Worker(WRITER, { workerData: { shared: tally.share(), writer, steps: STEPS, topics: TOPICS, control } })
    return { worker, done: nextMessage(worker).then(m => m.recorded) }
  })
}

/** Writers that keep recording until released: stop() surely runs under load. */
async function startWritersUnderControl (tally, count) {
  const control = new SharedArrayBuffer(8)
  const flags = new Int32Array(control)
  const writers = startWriters(tally, count, control)
  while (Atomics.load(flags, 1) < count) await new Promise(resolve => setTimeout(resolve, 1))
  return { writers, release: () => Atomics.store(flags, 0, 1) }
}

/** Three snapshots after every writer stopped take whatever is still in the table: a pending batch, then the rest. */
function drain (tally, into) {
  for (let i = 0; i < 3; i++) addUp(into, tally.snapshot())
  return into
}

test('two flushers in two worker threads at once: no doubles, no loss', async () => {
  const tally = await Tally.create({ capacity: 256 })
  const delivered = {}
  let deliveries = 0
  const flushers = [2, 3].map(ms => {
    const worker = new Worker(FLUSHER, { workerData: { shared: tally.share(), ms, failEvery: ms === 3 ? 4 : 0 } })
    worker.on('message', m => { if (m.kind === 'flush') { deliveries++; addUp(delivered, m.snap) } })
    return { worker, ready: nextMessage(worker, 'ready') }
  })
  await Promise.all(flushers.map(f => f.ready))
  const writers = startWriters(tally, 2)
  const recorded = {}
  for (const w of writers) addRows(recorded, await w.done)
  const stopped = await Promise.all(flushers.map(f => {
    const answer = nextMessage(f.worker, 'stopped')
    f.worker.postMessage('stop')
    return answer
  }))
  await Promise.all([...flushers, ...writers].map(w => w.worker.terminate()))
  drain(tally, delivered) // takes a batch a flusher left pending, too
  assert.ok(deliveries >= 2, `the flushers delivered ${deliveries} times`)
  assert.ok(stopped[1].stats.failures > 0, 'the flaky flusher failed along the way')
  assert.equal(delivered, recorded)
})

test('stop() while workers record: deliveries + remainder + a drain equal everything recorded', async () => {
  const tally = await Tally.create({ capacity: 256 })
  const delivered = {}
  let deliveries = 0
  const flusher = flushEvery(tally, 1, snap => { deliveries++; addUp(delivered, snap) })
  const firstFlush = new Promise(resolve => flusher.on('flush', resolve))
  const { writers, release } = await startWritersUnderControl(tally, 2)
  await firstFlush
  const rest = await flusher.stop()
  release()
  const recorded = {}
  for (const w of writers) addRows(recorded, await w.done)
  await Promise.all(writers.map(w => w.worker.terminate()))
  assert.is(rest, undefined, 'a healthy sink took everything')
  const afterStop = drain(tally, {})
  assert.equal(drain(tally, {}), {}, 'the drain emptied the table')
  assert.ok(deliveries >= 2, 'flushed before and at stop')
  addRows(delivered, afterStop)
  assert.equal(delivered, recorded)
})

test('stop() under load with a sink that went down: the returned remainder holds exactly the undelivered counts', async () => {
  const tally = await Tally.create({ capacity: 256 })
  const delivered = {}
  let calls = 0
  const errors = []
  const flusher = flushEvery(tally, 1, snap => {
    if (++calls > 3) throw new Error('sink down')
    addUp(delivered, snap)
  }, { backoff: { initialMs: 1, maxMs: 1 }, onError: e => errors.push(e) })
  const broken = new Promise(resolve => flusher.on('error', resolve))
  const { writers, release } = await startWritersUnderControl(tally, 2)
  await broken
  const rest = await flusher.stop()
  release()
  const recorded = {}
  for (const w of writers) addRows(recorded, await w.done)
  await Promise.all(writers.map(w => w.worker.terminate()))
  assert.ok(rest, 'stop() reported the undelivered batch')
  assert.ok(errors.length >= 2, 'the failures were surfaced, the final attempt included')
  assert.is(tally.stats().pendingBatch, rest.batch.sequence, 'the undelivered batch stays pending in the table')
  const drained = drain(tally, {})
  for (const [topic, c] of rest.topics) {
    assert.ok(drained[topic].success >= c.success && drained[topic].error >= c.error, `the drain holds ${topic}'s pending counts`)
  }
  addRows(delivered, drained)
  assert.equal(delivered, recorded)
})

test.run()
