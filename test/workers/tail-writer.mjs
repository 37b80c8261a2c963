// A writer that records into the given topics round robin until told to stop,
// then reports exactly what it recorded.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'
import { addOutcome } from '../../scripts/lib/counts.mjs'

const { shared, stop, topics } = workerData
const flag = new Int32Array(stop)
const tally = await Tally.attach(shared, { onOverflow: () => {} })
const bindings = topics.map(t => tally.bind(t))
const recorded = {}
parentPort.postMessage({ ready: true })
for (let k = 0; Atomics.load(flag, 0) === 0; k++) {
  const b = bindings[k % bindings.length]
  b.success()
  addOutcome(recorded, b.topic, 'success', 1)
}
parentPort.postMessage({ recorded })
