// A flusher thread: snapshots back to back until told to stop, summing
// everything its snapshots returned.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'
import { addSnapshot } from '../../scripts/lib/counts.mjs'

const { shared, stop, progress, index } = workerData
const flag = new Int32Array(stop)
const taken = new Int32Array(progress)
const tally = await Tally.attach(shared)
const counted = {}
let snapshots = 0
parentPort.postMessage({ ready: true })
while (Atomics.load(flag, 0) === 0) {
  addSnapshot(counted, tally.snapshot())
  snapshots++
  Atomics.add(taken, index, 1)
  Atomics.notify(taken, index)
}
parentPort.postMessage({ counted, snapshots })
