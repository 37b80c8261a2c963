// A flusher thread: flushes the shared table every `ms` into a sink that posts
// each delivery to the parent (failing every `failEvery`-th call, if set);
// on "stop" it stops and posts what it could not deliver.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally, flushEvery } from '../../dist/index.js'

const { shared, ms, failEvery } = workerData
const tally = await Tally.attach(shared)
let calls = 0
const sink = snap => {
  calls++
  if (failEvery && calls % failEvery === 0) throw new Error('planned failure')
  parentPort.postMessage({ kind: 'flush', snap })
}
const flusher = flushEvery(tally, ms, sink, { backoff: { initialMs: 1, maxMs: 2 }, onError: () => {} })
parentPort.on('message', async message => {
  if (message !== 'stop') return
  const rest = await flusher.stop()
  parentPort.postMessage({ kind: 'stopped', rest, stats: flusher.stats() })
  parentPort.close()
})
parentPort.postMessage({ kind: 'ready' })
