// An ESM app: two worker threads count into one table while the main thread
// snapshots back to back. Prints the totals, which must be exact.
import { Worker } from 'node:worker_threads'
import { Tally } from 'wasm-tally'

const STEPS = 100_000
const tally = await Tally.create({ capacity: 16 })
const workers = [0, 1].map(() => new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { shared: tally.share(), steps: STEPS } }))
let running = workers.length
const finished = Promise.all(workers.map(w => new Promise((resolve, reject) => {
  w.once('message', () => { running--; resolve() })
  w.once('error', reject)
})))

const totals = {}
const add = snap => {
  for (const [topic, c] of snap.topics) {
    const row = (totals[topic] ??= { success: 0, error: 0 })
    row.success += c.success
    row.error += c.error
  }
}
let snapshots = 0
while (running > 0) {
  add(tally.snapshot())
  snapshots++
  await new Promise(resolve => setTimeout(resolve, 1))
}
await finished
add(tally.snapshot()) // after the writers stop, two snapshots drain everything
add(tally.snapshot())
console.log('RESULT ' + JSON.stringify({ resolved: import.meta.resolve('wasm-tally'), steps: STEPS, workers: workers.length, snapshots, totals }))
