// A flusher thread that the kill test terminates at random points. It calls
// maybeFlush() in a loop, as a recording thread would, into a sink that posts
// each delivery (with its batch id) to the parent and then takes a moment to
// settle, so kills land between a delivery and its acknowledgement too.
//   mode "batches": the Flusher (batches stay in the table until acknowledged)
//   mode "take-then-deliver": the old way, counts leave the table before the
//   sink has them; the harness must catch what it loses.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally, flushEvery } from '../../dist/index.js'

const { shared, mode } = workerData
const tally = await Tally.attach(shared)
const settle = () => new Promise(resolve => setTimeout(resolve, Math.floor(Math.random() * 3)))
const yieldTurn = () => new Promise(resolve => setImmediate(resolve))
const post = snap => parentPort.postMessage({ kind: 'delivery', id: snap.batch.id, topics: snap.topics, overflow: snap.overflow })

parentPort.postMessage({ kind: 'ready' })
if (mode === 'batches') {
  const flusher = flushEvery(tally, 1, async snap => { post(snap); await settle() }, { timer: false, busyWaitMs: 0, onError: () => {} })
  for (;;) {
    flusher.maybeFlush()
    await yieldTurn()
  }
} else {
  for (;;) {
    const snap = tally.trySnapshot(0)
    if (snap !== undefined) { await settle(); post(snap) }
    await yieldTurn()
  }
}
