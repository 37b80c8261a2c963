// Asks for the table-wide flush turn in a tight loop for `durationMs` from
// its own start (a loaded machine may start the threads far apart), recording
// when each won claim happened.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const { shared, intervalMs, durationMs } = workerData
const tally = await Tally.attach(shared)
const untilMs = Date.now() + durationMs
const won = []
while (Date.now() < untilMs) {
  tally.record('orders', 'success')
  if (tally.claimFlush(intervalMs)) won.push(Date.now())
}
parentPort.postMessage({ won })
