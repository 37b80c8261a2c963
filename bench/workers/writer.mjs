// A writer thread for the scaling suites: attaches to the shared table, warms
// up, waits for the start signal, then counts `n` increments on one topic
// through a bound handle and reports when it started and finished.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const { shared, topic, n, warmup, signal } = workerData
const go = new Int32Array(signal)
const tally = await Tally.attach(shared)
const h = tally.bind(topic)

function count (times) {
  for (let i = 0; i < times; i++) h.success()
}

count(warmup)
parentPort.postMessage({ ready: true })
Atomics.wait(go, 0, 0)
const start = performance.timeOrigin + performance.now()
count(n)
const end = performance.timeOrigin + performance.now()
parentPort.postMessage({ start, end, recorded: warmup + n })
