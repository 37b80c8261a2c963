// A writer thread of one process in the Kafka totals test: records a known mix
// over `topics` topics (t0, t1, ...) until control[0] is set, pausing a moment
// now and then, and reports exactly what it recorded.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const { shared, writer, topics, control } = workerData
const flags = new Int32Array(control)
const tally = await Tally.attach(shared, { onOverflow: () => {} }) // overflow is part of the mix
const recorded = {}
for (let k = 0; Atomics.load(flags, 0) === 0; k++) {
  const topic = `t${(k * 7 + writer) % topics}`
  const outcome = k % 5 === 0 ? 'error' : 'success'
  const count = 1 + (k % 3)
  tally.record(topic, outcome, count)
  const row = recorded[topic] ??= { success: 0, error: 0 }
  row[outcome] += count
  if (k % 200 === 199) Atomics.wait(flags, 0, 0, 1) // pace: the machine also runs a broker and two more processes
}
parentPort.postMessage({ recorded })
