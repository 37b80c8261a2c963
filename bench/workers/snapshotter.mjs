// A snapshotting thread: takes snapshots until told to stop, either back to
// back or one every `everyMs`, and reports what it counted per topic. With
// everyMs < 0 it only spins (a busy core that never touches the table). With
// op 'observe' it counts observations (duration.count) instead of successes.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const { shared, signal, everyMs, op } = workerData
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
  for (const [topic, c] of snap.topics) counted[topic] = (counted[topic] ?? 0) + (op === 'observe' ? c.duration.count : c.success)
}

parentPort.postMessage({ ready: true })
// Snapshots taken between the writers' start signal and the stop signal,
// and how long that window was, give the rate writers ran beside.
let during = 0
let windowStart = 0
while (Atomics.load(stop, 1) === 0) {
  if (everyMs < 0) continue
  take()
  if (Atomics.load(stop, 0) === 1) {
    if (windowStart === 0) windowStart = performance.now()
    else during++
  }
  if (everyMs > 0) Atomics.wait(stop, 1, 0, everyMs)
}
const windowMs = windowStart === 0 ? 0 : performance.now() - windowStart
parentPort.postMessage({ counted, snapshots, busyMs, during, windowMs })
