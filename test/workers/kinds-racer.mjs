// Registers topics and error kinds on a shared KafkaTally at once with the
// other racers: a success for each of its topics, and failures of many kinds.
import { workerData, parentPort } from 'node:worker_threads'
import { KafkaTally } from '../../dist/kafkajs/index.js'

const { shared, topics, kinds, start } = workerData
const tally = await KafkaTally.attach(shared, { onOverflow: () => {} })
const go = new Int32Array(start)
Atomics.wait(go, 0, 0)
for (let i = 0; i < Math.max(topics.length, kinds); i++) {
  if (i < kinds) tally.error(topics[i % topics.length], 1, Object.assign(new Error('x'), { name: `Kind${i}Error` }))
  if (i < topics.length) tally.success(topics[i], 1)
}
parentPort.postMessage({ done: true })
