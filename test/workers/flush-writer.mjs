// A writer thread for the flush tests: attaches, records at least `steps`
// deliveries over `topics` topics (and, given a `control` array, keeps going
// until control[0] is set, having raised control[1] once under way), then
// reports exactly what it recorded.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'
import { addOutcome } from '../../scripts/lib/counts.mjs'

const { shared, writer, steps, topics, control } = workerData
const flags = control ? new Int32Array(control) : undefined
const tally = await Tally.attach(shared)
const recorded = {}
for (let k = 0; k < steps || (flags && Atomics.load(flags, 0) === 0); k++) {
  const topic = `topic-${(k * 7 + writer) % topics}`
  const outcome = k % 5 === 0 ? 'error' : 'success'
  const count = k % 11 === 0 ? 3 : 1
  tally.record(topic, outcome, count)
  addOutcome(recorded, topic, outcome, count)
  if (flags && k === 1000) Atomics.add(flags, 1, 1)
}
parentPort.postMessage({ recorded })
