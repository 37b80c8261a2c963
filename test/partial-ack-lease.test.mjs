// A batch whose lease runs out while its flusher still holds it: the flusher
// that took the lock over delivers it, the late acknowledgement (whole or
// partial) fails and removes nothing, and a partial delivery's rest survives
// the death of its flusher, under an id of its own. And the case that breaks: a partial
// acknowledgement whose base updates outlast the lease.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { Tally } from '../dist/index.js'
import { once } from '../scripts/lib/worker-message.mjs'

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const SNAPSHOT_IN_WORKER = `
  import { workerData, parentPort } from 'node:worker_threads'
  const { Tally } = await import(workerData.index)
  const tally = await Tally.attach(workerData.shared)
  const snap = tally.snapshot({ waitMs: 5000 })
  parentPort.postMessage({ id: snap.batch.id, topics: snap.topics })
`

/** Another thread's snapshot(): it waits out the lease and takes the lock over. */
async function snapshotElsewhere (shared) {
  const worker = new Worker(SNAPSHOT_IN_WORKER, { eval: true, workerData: { shared, index: new URL('../dist/index.js', import.meta.url).href } })
  try { return await once(worker, m => m.id) } finally { await worker.terminate() }
}

const part = (batch, topics) => ({ epoch: batch.snapshot.epoch, topics: new Map(topics), overflow: { success: 0, error: 0 } })

test('a batch opened, its lease run out, another thread snapshots: the late ackBatch is false and nothing is lost or doubled', async () => {
  const a = await Tally.create({ capacity: 16, leaseMs: 40 })
  a.record('orders', 'success', 7)
  const batch = a.openBatch()
  await sleep(80) // the lease runs out while "the sink" works
  const taken = await snapshotElsewhere(a.share())
  assert.is(taken.id, batch.id.id, 'the taker delivers the same batch, under its id')
  assert.equal(taken.topics.get('orders'), { success: 7, error: 0 })
  a.record('orders', 'success', 5)
  assert.is(a.ackBatch(batch), false, 'the late ack fails')
  const next = a.snapshot()
  assert.ok(next.batch.sequence > batch.id.sequence)
  assert.equal(next.topics.get('orders'), { success: 5, error: 0 }, 'the counts since, once')
  assert.is(a.snapshot().topics.size, 0)
})

test('the same with a late partial ackBatch: false, and nothing is removed from the next batch', async () => {
  const a = await Tally.create({ capacity: 16, leaseMs: 40 })
  a.record('orders', 'success', 7)
  a.record('payments', 'error', 3)
  const batch = a.openBatch()
  await sleep(80)
  const taken = await snapshotElsewhere(a.share())
  assert.is(taken.id, batch.id.id)
  a.record('orders', 'success', 5)
  a.record('payments', 'error', 1)
  assert.is(a.ackBatch(batch, part(batch, [['payments', { success: 0, error: 3 }]])), false)
  const next = a.snapshot()
  assert.equal(next.topics.get('orders'), { success: 5, error: 0 })
  assert.equal(next.topics.get('payments'), { success: 0, error: 1 })
})

test('a partial delivery, then its flusher dies holding the rest: the taker delivers exactly the rest, under the rest\'s own id', async () => {
  const a = await Tally.create({ capacity: 16, leaseMs: 60 })
  a.record('orders', 'success', 7)
  a.record('payments', 'error', 3)
  a.record('refunds', 'success', 2)
  const worker = new Worker(new URL('./workers/partial-then-die.mjs', import.meta.url), { workerData: { shared: a.share(), leaseMs: 60, keep: 'payments' } })
  const w = await once(worker, m => m.delivered)
  await worker.terminate()
  assert.ok(w.acked, 'the partial ack took')
  assert.is.not(w.againId, w.delivered.id, 'the rest is a batch of its own, under a new id')
  assert.equal([...w.again.keys()], ['payments'])
  a.record('orders', 'success', 1) // after the batch: comes in the next one
  const rest = a.snapshot({ waitMs: 1000 })
  assert.is(rest.batch.id, w.againId, 'the taker delivers the rest under the id it was opened with')
  assert.equal([...rest.topics], [['payments', { success: 0, error: 3 }]], 'exactly the undelivered part')
  const next = a.snapshot()
  assert.equal([...next.topics], [['orders', { success: 1, error: 0 }]])
})

test('a partial ackBatch whose base updates outlast the lease: the batch formed after the takeover holds exactly what was counted after it', async () => {
  // ackBatch(batch, undelivered) renews the lease once, then walks every
  // registered slot in JavaScript to find the delivered rows, calling reduce()
  // as it finds them. With many topics the walk takes far longer than a short
  // lease, another flusher takes the lock over and acknowledges the batch, and
  // the rest of the walk reduces the base of the *next* batch.
  const FILL = 100_000
  const LEASE = 12
  // One stripe: the table's lease floor (1 ms per 20,000 counter words) stays at 11 ms.
  const registrar = await Tally.create({ capacity: FILL + 2, stripes: 1, leaseMs: 60_000 })
  const shared = registrar.share()
  registrar.bind('head')
  for (let i = 0; i < FILL; i++) registrar.bind(`f${i}`)
  registrar.bind('tail') // the last slot: the walk reaches it last

  const a = await Tally.attach(shared, { leaseMs: LEASE }) // a flusher in another thread: it has not read the slots' names yet
  a.record('head', 'success', 5)
  a.record('tail', 'success', 7)
  const go = new SharedArrayBuffer(4)
  const spinner = new Worker(new URL('./workers/snapshot-spinner.mjs', import.meta.url), { workerData: { shared, go } })
  await once(spinner, m => m.ready)
  const taken = once(spinner, m => m.id)

  const batch = a.openBatch()
  assert.equal([...batch.snapshot.topics.keys()], ['head', 'tail'])
  Atomics.store(new Int32Array(go), 0, 1)
  Atomics.notify(new Int32Array(go), 0)
  const started = performance.now()
  const acked = a.ackBatch(batch, part(batch, [['head', { success: 5, error: 0 }]])) // 'tail' went out, 'head' did not
  const ackMs = performance.now() - started
  console.log(`  partial ack took ${ackMs.toFixed(0)} ms`)
  const other = await taken
  await spinner.terminate()
  assert.ok(ackMs > 2 * LEASE, `precondition: the partial ack took ${ackMs.toFixed(0)} ms, longer than the ${LEASE} ms lease`)

  a.record('tail', 'success', 2)
  const after = [registrar.snapshot({ waitMs: 1000 }), registrar.snapshot({ waitMs: 1000 })]
  const tailAfter = after.map(s => s.topics.get('tail')?.success ?? 0)
  assert.ok(tailAfter.every(n => n >= 0), `no negative count after the takeover: tail ${tailAfter.join(', ')} (the taker got ${other.id}; the partial ack said ${acked})`)
  assert.is(tailAfter[0] + tailAfter[1], 2, `the 2 counted after the takeover come out exactly (the partial ack said ${acked})`)
})

test.run()
