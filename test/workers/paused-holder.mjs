// A holder thread for the pause-point tests (test/helpers/pause-core.mjs): it
// attaches to the table and runs the ops it is sent, one at a time. While the
// pause core stops it at an armed step it runs nothing else.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const tally = Tally.attachSync(workerData.shared)
let open
let fresh = 0

const ops = {
  record: (topic, column, n) => tally.record(topic, column, n),
  trySnapshot: () => tally.trySnapshot(0) ?? null,
  openBatch: () => { open = tally.openBatch(0); return open?.snapshot ?? null },
  renewBatch: () => tally.renewBatch(),
  claimFlush: intervalMs => tally.claimFlush(intervalMs),
  ackBatch: undelivered => tally.ackBatch(open, undelivered ?? undefined),
  // Every step of the pause core a lone thread reaches, in one go: a new key,
  // a snapshot, a delivery acknowledged in part (renew, reduce, rename), a flush claim.
  everyStep: () => {
    tally.record(`k${++fresh}`, 'success', 1)
    tally.record('a', 'success', 2)
    tally.trySnapshot(0)
    tally.record('a', 'success', 3)
    const batch = tally.openBatch(0)
    tally.renewBatch()
    const acked = tally.ackBatch(batch, { epoch: 0, topics: new Map([['a', { success: 1, error: 0 }]]), overflow: { success: 0, error: 0 } })
    tally.claimFlush(0)
    return acked
  }
}

parentPort.on('message', ({ id, op, args }) => {
  try {
    parentPort.postMessage({ id, result: ops[op](...args) })
  } catch (error) {
    parentPort.postMessage({ id, error: error.message })
  }
})
parentPort.postMessage({ ready: true })
