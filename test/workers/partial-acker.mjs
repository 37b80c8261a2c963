// A flusher that opens the batch and acknowledges part of it (every topic but
// `keep` went out), saying so just before; the parent terminates it while the
// partial ack runs. With `stallAfterReduces: n`, the thread stops for good
// (until terminated) right after its n-th reduce() call: a white-box way to
// make a kill land between two of them.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const { shared, leaseMs, keep, stallAfterReduces } = workerData
const tally = await Tally.attach(shared, { leaseMs })
if (stallAfterReduces !== undefined) {
  const real = tally.core
  const core = {}
  for (const key of Object.keys(real)) core[key] = real[key]
  let reduces = 0
  core.reduce = (...args) => {
    const result = real.reduce(...args)
    if (++reduces === stallAfterReduces) {
      parentPort.postMessage({ stalled: reduces })
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
    }
    return result
  }
  tally.core = core
}
const batch = tally.openBatch(1000)
const undelivered = { epoch: batch.snapshot.epoch, topics: new Map([[keep, batch.snapshot.topics.get(keep)]]), overflow: batch.snapshot.overflow }
parentPort.postMessage({ acking: true, id: batch.id.id, topics: [...batch.snapshot.topics.keys()] })
const acked = tally.ackBatch(batch, undelivered)
parentPort.postMessage({ acked })
