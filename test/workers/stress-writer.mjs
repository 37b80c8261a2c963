// A writer thread: attaches to the shared table and records its workload,
// keeping its own exact account of what it recorded.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'
import { step, topicsFor } from '../helpers/workload.mjs'
import { addOutcome } from '../../scripts/lib/counts.mjs'

const { shared, writer, steps, progress } = workerData
const taken = new Int32Array(progress)
const atStart = Array.from(taken)

/** Halfway: waits until every flusher took 3 snapshots since this writer started. */
function awaitSnapshots () {
  const end = Date.now() + 120_000
  for (let f = 0; f < taken.length; f++) {
    for (let now; (now = Atomics.load(taken, f)) < atStart[f] + 3;) {
      if (Date.now() > end) throw new Error(`writer ${writer}: flusher ${f} took ${now - atStart[f]} snapshots in 120 s`)
      Atomics.wait(taken, f, now, 100)
    }
  }
}

const tally = await Tally.attach(shared)
const topics = topicsFor(writer)
const bindings = new Map(topics.map(t => [t, tally.bind(t)]))
const recorded = {}
for (let k = 0; k < steps; k++) {
  if (k === steps >> 1) awaitSnapshots()
  const [topic, outcome, count, viaBind] = step(writer, k, topics)
  if (viaBind) bindings.get(topic)[outcome](count)
  else tally.record(topic, outcome, count)
  addOutcome(recorded, topic, outcome, count)
}
parentPort.postMessage({ recorded })
