// Asks for the table-wide flush turn in a tight loop for `durationMs` from
// its own start (a loaded machine may start the threads far apart), recording
// for each won claim the clock just before and just after it.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const { shared, intervalMs, durationMs } = workerData
const tally = await Tally.attach(shared)
const untilMs = Date.now() + durationMs
const won = []
while (Date.now() < untilMs) {
  tally.record('orders', 'success')
  // The claim's own time lies between these two readings (the thread may be descheduled around it).
  const before = Date.now()
  if (tally.claimFlush(intervalMs)) won.push([before, Date.now()])
}
parentPort.postMessage({ won })
