// A writer thread for the scaling suites: attaches to the shared table (or,
// as a control, creates a table of its own that nothing else touches), warms
// up, waits for the start signal, then counts `n` increments on one topic
// through a bound handle (op 'success'), or makes `n` observations of the
// Kafka schema's duration histogram (op 'observe'), and reports when it
// started and finished.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'
import { SCHEMA, latencies } from '../latency.mjs'

const { shared, topic, n, warmup, signal, op = 'success' } = workerData
const go = new Int32Array(signal)
const own = shared === null
const observing = op === 'observe'
const tally = own ? await Tally.create({ capacity: 64, ...(observing ? SCHEMA : {}) }) : await Tally.attach(shared)
const h = tally.bind(topic)
const MASK = 4095
const values = latencies(MASK + 1)

// One loop per op, so each call site stays monomorphic.
function count (times) {
  for (let i = 0; i < times; i++) h.success()
}

function observe (times) {
  for (let i = 0; i < times; i++) h.observe('duration', values[i & MASK])
}

const run = observing ? observe : count
run(warmup)
parentPort.postMessage({ ready: true })
Atomics.wait(go, 0, 0)
const start = performance.timeOrigin + performance.now()
run(n)
const end = performance.timeOrigin + performance.now()
// A private table is drained here: two snapshots hold everything.
let counted
if (own) {
  counted = [tally.snapshot(), tally.snapshot()].reduce((sum, s) => {
    const row = s.topics.get(topic)
    return sum + (row === undefined ? 0 : observing ? row.duration.count : row.success)
  }, 0)
}
parentPort.postMessage({ start, end, recorded: warmup + n, counted })
