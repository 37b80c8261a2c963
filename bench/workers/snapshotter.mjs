// A snapshotting thread: takes snapshots until told to stop, either back to
// back or one every `everyMs`, and reports what it counted per topic.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const { shared, signal, everyMs } = workerData
const stop = new Int32Array(signal)
const tally = await Tally.attach(shared)
const counted = {}
let snapshots = 0
let busyMs = 0

function take () {
  const t0 = performance.now()
  const snap = tally.snapshot()
  busyMs += performance.now() - t0
  snapshots++
  for (const [topic, c] of snap.topics) counted[topic] = (counted[topic] ?? 0) + c.success
}

parentPort.postMessage({ ready: true })
while (Atomics.load(stop, 1) === 0) {
  take()
  if (everyMs > 0) Atomics.wait(stop, 1, 0, everyMs)
}
parentPort.postMessage({ counted, snapshots, busyMs })
