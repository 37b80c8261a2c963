// A writer thread: attaches to the shared table and records its workload,
// keeping its own exact account of what it recorded.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'
import { step, topicsFor } from '../helpers/workload.mjs'
import { addOutcome } from '../../scripts/lib/counts.mjs'

const { shared, writer, steps } = workerData
const tally = await Tally.attach(shared)
const topics = topicsFor(writer)
const bindings = new Map(topics.map(t => [t, tally.bind(t)]))
const recorded = {}
for (let k = 0; k < steps; k++) {
  const [topic, outcome, count, viaBind] = step(writer, k, topics)
  if (viaBind) bindings.get(topic)[outcome](count)
  else tally.record(topic, outcome, count)
  addOutcome(recorded, topic, outcome, count)
}
parentPort.postMessage({ recorded })
