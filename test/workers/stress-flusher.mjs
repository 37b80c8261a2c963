// A flusher thread: snapshots back to back until told to stop, summing
// everything its snapshots returned.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'
import { addSnapshot } from '../../scripts/lib/counts.mjs'

const { shared, stop } = workerData
const flag = new Int32Array(stop)
const tally = await Tally.attach(shared)
const counted = {}
let snapshots = 0
parentPort.postMessage({ ready: true })
while (Atomics.load(flag, 0) === 0) {
  addSnapshot(counted, tally.snapshot())
  snapshots++
}
parentPort.postMessage({ counted, snapshots })
