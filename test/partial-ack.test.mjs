// A partial acknowledgement (ackBatch(batch, undelivered)) is many steps: the
// delivered part is worked out from what the table holds of the batch, then the base of each
// delivered cell advances, slot by slot. What must hold whatever happens in
// between: the rest left pending is exactly the undelivered part.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { Tally } from '../dist/index.js'
import { once } from '../scripts/lib/worker-message.mjs'

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

test('a flusher terminated in the middle of a partial ack: the batch is left whole or with exactly the undelivered part, never half acknowledged', async () => {
  const FILL = 100_000
  const LEASE = 300
  const tally = await Tally.create({ capacity: FILL + 3, stripes: 2, leaseMs: LEASE })
  tally.bind('head')
  tally.bind('early') // the second slot: the ack's walk reaches it at once
  for (let i = 0; i < FILL; i++) tally.bind(`f${i}`)
  tally.bind('tail') // the last slot: the walk reaches it after 100k others
  tally.record('head', 'success', 5)
  tally.record('early', 'success', 6)
  tally.record('tail', 'success', 7)
  const worker = new Worker(new URL('./workers/partial-acker.mjs', import.meta.url), { workerData: { shared: tally.share(), leaseMs: LEASE, keep: 'head' } })
  const acking = await once(worker, m => m.acking)
  assert.equal(acking.topics, ['head', 'early', 'tail'])
  let finished = false
  worker.on('message', m => { if ('acked' in m) finished = true })
  await sleep(15)
  await worker.terminate()
  assert.not.ok(finished, 'precondition: the partial ack had not finished when the thread was terminated')
  const rest = tally.snapshot({ waitMs: 3 * LEASE })
  assert.is(rest.batch.id, acking.id)
  const got = JSON.stringify(Object.fromEntries(rest.topics))
  const whole = JSON.stringify({ head: { success: 5, error: 0 }, early: { success: 6, error: 0 }, tail: { success: 7, error: 0 } })
  const undelivered = JSON.stringify({ head: { success: 5, error: 0 } })
  // Whole: the ack never happened, and the batch is delivered again under its id (as after any kill before an ack).
  // The undelivered part: the ack happened. Anything else sends some delivered rows again and not others.
  assert.ok(got === whole || got === undelivered, `the rest delivered again under ${rest.batch.id}: ${got}`)
})

test('a sink that changes batch.snapshot (which the Batch type says it may): a partial ack still removes exactly what went out', async () => {
  const tally = await Tally.create({ capacity: 16 })
  tally.record('orders', 'success', 5)
  tally.record('payments', 'success', 3)
  const batch = tally.openBatch()
  // The sink sends orders and marks it sent in the snapshot it was handed; payments fails.
  const sent = { ...batch.snapshot.topics.get('orders') }
  batch.snapshot.topics.set('orders', { success: 0, error: 0 })
  const undelivered = { epoch: batch.snapshot.epoch, topics: new Map([['payments', { success: 3, error: 0 }]]), overflow: { success: 0, error: 0 } }
  assert.ok(tally.ackBatch(batch, undelivered))
  const rest = tally.openBatch()
  assert.equal(sent, { success: 5, error: 0 })
  assert.equal(Object.fromEntries(rest.snapshot.topics), { payments: { success: 3, error: 0 } }, 'orders went out once; it must not come again')
})

test('a sink that adds to batch.snapshot\'s overflow row: a partial ack never removes more than the table held', async () => {
  const tally = await Tally.create({ capacity: 1, onOverflow: () => {} })
  tally.record('a', 'success', 4) // the one slot
  tally.record('b', 'success', 2) // the overflow row
  const batch = tally.openBatch()
  assert.equal(batch.snapshot.overflow, { success: 2, error: 0 })
  batch.snapshot.overflow.success += 10 // merged with another source's overflow before sending
  const undelivered = { epoch: batch.snapshot.epoch, topics: new Map([['a', { success: 4, error: 0 }]]), overflow: { success: 0, error: 0 } }
  let acked
  try { acked = tally.ackBatch(batch, undelivered) } catch { acked = 'refused' }
  const rest = tally.openBatch(1000)
  assert.ok(rest.snapshot.overflow.success >= 0, `the rest's overflow is ${rest.snapshot.overflow.success} (the partial ack said ${acked})`)
  tally.ackBatch(rest)
  tally.record('b', 'success', 1)
  assert.equal(tally.snapshot().overflow, { success: 1, error: 0 })
})

/**
 * Two handles on one table with 5 orders and 3 payments counted. The first,
 * `a`, leases for LEASE ms; while it reads its batch (at its first slot name,
 * a white-box hook), it stalls past its lease, and `b` takes the lock over,
 * opens the same batch and acknowledges part of it (orders went out).
 * Returns { a, taken: () => what b did, restore() }.
 */
async function overtakenWhileReading (LEASE) {
  const a = await Tally.create({ capacity: 16, leaseMs: LEASE })
  const b = await Tally.attach(a.share(), { leaseMs: 60_000 })
  a.record('orders', 'success', 5)
  a.record('payments', 'success', 3)
  let taken
  const names = a.names
  const name = names.name.bind(names)
  names.name = slot => {
    if (taken === undefined) {
      const until = Date.now() + 2 * LEASE
      while (Date.now() < until) { /* a stalls past its lease */ }
      const batchB = b.openBatch(0) // b takes the lock over: the same batch
      const undelivered = { epoch: batchB.snapshot.epoch, topics: new Map([['payments', batchB.snapshot.topics.get('payments')]]), overflow: { success: 0, error: 0 } }
      taken = { id: batchB.id.id, acked: b.ackBatch(batchB, undelivered) } // orders went out
    }
    return name(slot)
  }
  return { a, taken: () => taken, restore: () => { names.name = name } }
}

test('a holder overtaken while it reads its batch, and the taker acks part of it: the gate does not hand on what was already delivered', async () => {
  // The read phase is the one the design says a takeover cannot hurt ("a
  // holder overtaken while it reads or delivers writes nothing but its ack").
  // The gate compares only the seq, which the rest of a partial ack must not keep.
  const { a, taken, restore } = await overtakenWhileReading(20)
  const batchA = a.openBatch()
  restore()
  assert.ok(taken()?.acked, 'precondition: the taker delivered orders and acknowledged that part')
  if (batchA !== undefined) {
    assert.is(batchA.id.id, taken().id)
    assert.equal(Object.fromEntries(batchA.snapshot.topics), { payments: { success: 3, error: 0 } },
      `handed on under ${batchA.id.id}, after orders went out under the same id`)
  }
})

test('snapshot() overtaken while it reads, and the taker acks part of the batch: its ack does not win with what was already delivered', async () => {
  // The same stall in snapshot(): its ack is a CAS on (seq, base), which the rest of a partial ack must not keep.
  const { a, taken, restore } = await overtakenWhileReading(20)
  const snap = a.trySnapshot(0)
  restore()
  assert.ok(taken()?.acked, 'precondition: the taker delivered orders and acknowledged that part')
  const delivered = { orders: 5 } // by the taker
  if (snap !== undefined) for (const [topic, row] of snap.topics) delivered[topic] = (delivered[topic] ?? 0) + row.success
  // Nothing is counted after: whatever comes out now is the rest of that batch (under any id).
  for (let i = 0; i < 2; i++) for (const [topic, row] of a.snapshot().topics) delivered[topic] = (delivered[topic] ?? 0) + row.success
  assert.equal(delivered, { orders: 5, payments: 3 }, `snapshot() returned ${JSON.stringify(snap && Object.fromEntries(snap.topics))} under ${snap?.batch.id}`)
})

test.run()
