// A module Web Worker: attaches to the table it is sent and counts its steps.
import { Tally } from 'wasm-tally'

self.onmessage = async ({ data }) => {
  const tally = await Tally.attach(data.shared)
  const orders = tally.bind('orders')
  for (let i = 0; i < data.steps; i++) {
    if (i % 10 === 0) tally.record('payments', 'error', 2)
    else orders.success()
  }
  self.postMessage('done')
}
