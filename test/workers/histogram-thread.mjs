// A thread of the histogram stress run. role "writer": observes its share of
// the known multiset (half through record/observe by name, half through a
// binding) and reports exactly what it observed. role "flusher": snapshots back
// to back until told to stop, adding up what its snapshots held.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'
import { addHistogramSnapshot, addObservation, histogramStep, histogramTopics } from '../helpers/histogram-workload.mjs'

const { shared, role, writer, steps, stop } = workerData
const tally = await Tally.attach(shared)
const totals = new Map()
if (role === 'writer') {
  const topics = histogramTopics(writer)
  const bound = new Map(topics.map(t => [t, tally.bind(t)]))
  for (let k = 0; k < steps; k++) {
    const [topic, value, bytes] = histogramStep(writer, k, topics)
    if (k & 1) { bound.get(topic).observe('duration', value); bound.get(topic).add('bytes', bytes) } else { tally.observe(topic, 'duration', value); tally.record(topic, 'bytes', bytes) }
    addObservation(totals, topic, value, bytes)
  }
  parentPort.postMessage({ totals })
} else {
  const flag = new Int32Array(stop)
  let snapshots = 0
  parentPort.postMessage({ ready: true })
  while (Atomics.load(flag, 0) === 0) { addHistogramSnapshot(totals, tally.snapshot()); snapshots++ }
  parentPort.postMessage({ totals, snapshots })
}
