// A CommonJS worker thread: attaches to the shared table and counts its steps.
const { parentPort, workerData } = require('node:worker_threads')
const { Tally } = require('wasm-tally')

Tally.attach(workerData.shared).then(tally => {
  const orders = tally.bind('orders')
  for (let i = 0; i < workerData.steps; i++) {
    if (i % 10 === 0) tally.record('payments', 'error', 2)
    else orders.success()
  }
  parentPort.postMessage('done')
})
