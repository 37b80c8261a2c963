// Registers the same topics as the other racers, in its own order, counting
// one success for each.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const { shared, topics, start } = workerData
const tally = await Tally.attach(shared)
const go = new Int32Array(start)
Atomics.wait(go, 0, 0)
for (const topic of topics) tally.record(topic, 'success')
parentPort.postMessage({ done: true })
