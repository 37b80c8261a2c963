// A writer thread for the scaling suites: attaches to the shared table (or,
// as a control, creates a table of its own that nothing else touches), warms
// up, waits for the start signal, then counts `n` increments on one topic
// through a bound handle and reports when it started and finished.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const { shared, topic, n, warmup, signal } = workerData
const go = new Int32Array(signal)
const own = shared === null
const tally = own ? await Tally.create({ capacity: 64 }) : await Tally.attach(shared)
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
// A private table is drained here: two snapshots hold everything.
let counted
if (own) counted = [tally.snapshot(), tally.snapshot()].reduce((sum, s) => sum + (s.topics.get(topic)?.success ?? 0), 0)
parentPort.postMessage({ start, end, recorded: warmup + n, counted })
