// Guarantee 3: snapshots are serialised by a lock, and a flusher terminated
// while it holds the lock does not wedge the table: its lease expires and the
// next flusher takes over, delivering the batch the dead one had formed.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { Tally, TallyBusyError } from '../dist/index.js'
import { instantiateCore } from '../dist/engine/core.js'
import { LOCK_TAKEN } from '../dist/engine/generated/constants.js'

const LEASE_MS = 300

function start (shared, mode, ready) {
  const worker = new Worker(new URL('./workers/lock-holder.mjs', import.meta.url), { workerData: { shared, mode } })
  return new Promise((resolve, reject) => {
    worker.on('message', m => { if (m[ready]) resolve(worker) })
    worker.once('error', reject)
  })
}

test('a flusher terminated mid-snapshot: the lease is recovered and nothing it formed is lost', async () => {
  const tally = await Tally.create({ leaseMs: LEASE_MS })
  tally.record('orders', 'success', 40)
  tally.bind('payments').error(2)
  const holder = await start(tally.share(), 'hold', 'holding')

  // While the lease runs, a second flusher gets a clear "busy" answer.
  assert.is(tally.trySnapshot(), undefined)
  assert.throws(() => tally.snapshot({ waitMs: 0 }), e => e instanceof TallyBusyError && /holds the snapshot lock/.test(e.message))

  // Counting goes on meanwhile: writers never take the lock.
  tally.record('orders', 'success', 1)

  await holder.terminate()
  const snap = tally.snapshot() // waits for the lease to expire, then takes over
  const late = tally.snapshot()
  const orders = snap.topics.get('orders').success + (late.topics.get('orders')?.success ?? 0)
  assert.is(orders, 41)
  assert.equal(snap.topics.get('payments'), { success: 0, error: 2 })
  tally.record('orders', 'success', 5)
  assert.is(tally.snapshot().topics.get('orders').success, 5, 'the table works normally afterwards')
})

test('a flusher terminated at a random point of its loop does not wedge the table', async () => {
  const tally = await Tally.create({ leaseMs: LEASE_MS, capacity: 4096 })
  for (let i = 0; i < 4096; i++) tally.record(`t${i}`, 'success')
  tally.snapshot()
  for (let round = 0; round < 5; round++) {
    const looper = await start(tally.share(), 'loop', 'looping')
    await new Promise(resolve => setTimeout(resolve, 20 + round * 7))
    await looper.terminate()
    tally.record('t1', 'error', 3)
    const a = tally.snapshot()
    const b = tally.snapshot()
    assert.is((a.topics.get('t1')?.error ?? 0) + (b.topics.get('t1')?.error ?? 0), 3, `round ${round}: a count recorded after the kill arrives`)
  }
})

test('two flushers in one process never hold the lock at once', async () => {
  const a = await Tally.create({ leaseMs: LEASE_MS })
  const b = await Tally.attach(a.share())
  const holder = await start(a.share(), 'hold', 'holding')
  assert.is(a.trySnapshot(), undefined)
  assert.is(b.trySnapshot(), undefined)
  await holder.terminate()
  assert.ok(b.snapshot({ waitMs: 2 * LEASE_MS }))
})

test('a flusher stalled past its lease: the one that took over delivers its batch under the same id, and the late ack fails', async () => {
  const tally = await Tally.create({ leaseMs: LEASE_MS })
  const { memory, module } = tally.share()
  const stalled = await instantiateCore(module, memory)
  stalled.attach(memory.buffer.byteLength)
  tally.record('orders', 'success', 2)
  assert.is(stalled.lockTry(99, Date.now(), 1), LOCK_TAKEN)
  const first = stalled.batchOpen(Date.now()) // batch 1 is pending; then it stalls past its 1 ms lease
  await new Promise(resolve => setTimeout(resolve, 5))
  const taker = tally.snapshot() // takes the lock over: the pending batch comes out, acknowledged
  assert.is(first, 1)
  assert.is(taker.batch.sequence, 1)
  assert.equal(taker.topics.get('orders'), { success: 2, error: 0 })
  assert.is(stalled.batchAck(first), 0, 'a batch acknowledged by the taker cannot be acknowledged again')
  assert.is(stalled.lockRelease(), 0, 'the stalled flusher lost its lease')
  tally.record('orders', 'success', 3)
  const next = tally.snapshot()
  assert.is(next.batch.sequence, 2)
  assert.equal(next.topics.get('orders'), { success: 3, error: 0 }, 'nothing lost, nothing twice')
})

test('a flusher that delivered a batch and died before its acknowledgement: snapshot() returns that batch alone, under its id, and the counts since in the next', async () => {
  const tally = await Tally.create({ leaseMs: LEASE_MS })
  const { memory, module } = tally.share()
  const dead = await instantiateCore(module, memory)
  dead.attach(memory.buffer.byteLength)
  tally.record('orders', 'success', 7)
  assert.is(dead.lockTry(98, Date.now(), LEASE_MS), 1)
  const delivered = dead.batchOpen(Date.now()) // formed and (say) delivered; the thread dies here
  tally.record('orders', 'success', 5) // counted after the batch was formed
  const first = tally.snapshot({ waitMs: 3 * LEASE_MS }) // waits out the dead lease
  assert.is(first.batch.sequence, delivered, 'the pending batch, under the id it was delivered with')
  assert.equal(first.topics.get('orders'), { success: 7, error: 0 }, 'nothing counted since is added to it')
  const next = tally.snapshot()
  assert.equal(next.topics.get('orders'), { success: 5, error: 0 })
  assert.ok(next.batch.sequence > delivered)
})

test.run()
