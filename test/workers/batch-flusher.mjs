// A flusher thread for the formation tests. Until stop[0] is set it loops:
//   mode "snapshot": trySnapshot(waitMs)
//   mode "open":     openBatch(waitMs), then ackBatch
//   mode "partial":  openBatch(waitMs), then a partial ackBatch that leaves
//                    half of its first topic's counts undelivered
// With report "each", each batch it takes is posted (id and what it holds)
// before it is acknowledged, so a thread terminated at any point has posted
// everything it may have handed on. With report "end", it adds up what it
// delivered (a batch, or a partial batch's delivered part, counts once its
// ack wins) and posts the sums when stopped. inside[index] is 1 while a batch
// is being opened, so the parent can tell where a kill landed.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'
import { addRows, addSnapshot } from '../../scripts/lib/counts.mjs'

const { shared, stop, mode, leaseMs, waitMs = 0, inside, index = 0, report = 'each' } = workerData
const flag = new Int32Array(stop)
const at = inside ? new Int32Array(inside) : undefined
const tally = await Tally.attach(shared, { leaseMs, onOverflow: () => {} })
parentPort.postMessage({ kind: 'ready' })
const totals = { delivered: {}, snapshots: 0, acks: 0, partials: 0, lostAcks: 0 }
/** A batch handed on: posted now, or added up if its ack (`acked()`) wins. */
function deliver (id, counted, acked, partial = false) {
  if (report === 'each') {
    parentPort.postMessage({ kind: 'batch', id, counted })
    return acked()
  }
  const won = acked()
  if (won) {
    addRows(totals.delivered, counted)
    if (partial) totals.partials++
  } else totals.lostAcks++
  return won
}
while (Atomics.load(flag, 0) === 0) {
  if (mode === 'snapshot') {
    const snap = tally.trySnapshot(waitMs)
    if (snap !== undefined) { totals.snapshots++; deliver(snap.batch.id, addSnapshot({}, snap), () => true) }
    continue
  }
  if (at) Atomics.store(at, index, 1)
  const batch = tally.openBatch(waitMs)
  if (at) Atomics.store(at, index, 0)
  if (batch === undefined) continue
  const topics = [...batch.snapshot.topics.keys()]
  if (mode === 'partial' && topics.length > 0) {
    const keep = topics[0]
    const whole = batch.snapshot.topics.get(keep)
    const half = { success: Math.floor(whole.success / 2), error: Math.floor(whole.error / 2) }
    const undelivered = { epoch: batch.snapshot.epoch, topics: new Map([[keep, half]]), overflow: { success: 0, error: 0 } }
    const delivered = new Map(batch.snapshot.topics)
    delivered.set(keep, { success: whole.success - half.success, error: whole.error - half.error })
    const counted = addSnapshot({}, { topics: delivered, overflow: batch.snapshot.overflow })
    deliver(batch.id.id, counted, () => tally.ackBatch(batch, undelivered), true)
    continue
  }
  if (deliver(batch.id.id, addSnapshot({}, batch.snapshot), () => tally.ackBatch(batch))) totals.acks++
}
parentPort.postMessage({ kind: 'stopped', ...totals })
