// A worker thread: attaches to the shared table and counts its steps.
import { parentPort, workerData } from 'node:worker_threads'
import { Tally } from 'wasm-tally'

const tally = await Tally.attach(workerData.shared)
const orders = tally.bind('orders')
for (let i = 0; i < workerData.steps; i++) {
  if (i % 10 === 0) tally.record('payments', 'error', 2)
  else orders.success()
}
parentPort.postMessage('done')
