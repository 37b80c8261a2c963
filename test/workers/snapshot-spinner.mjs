// A flusher that, once the parent raises go[0], calls trySnapshot(0) back to
// back until one returns a snapshot, and posts it (with its batch id).
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const { shared, go } = workerData
const flag = new Int32Array(go)
const tally = await Tally.attach(shared)
parentPort.postMessage({ ready: true })
Atomics.wait(flag, 0, 0)
for (;;) {
  const snap = tally.trySnapshot(0)
  if (snap !== undefined && snap.topics.size > 0) {
    parentPort.postMessage({ id: snap.batch.id, topics: snap.topics, overflow: snap.overflow })
    break
  }
}
