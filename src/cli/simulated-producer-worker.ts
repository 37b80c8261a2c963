// The worker thread of one simulated producer (simulated-producers.ts starts
// them): "sends" to its topics at a steady rate and records each delivery
// outcome into the shared table, keeping its own exact account of what it
// recorded (published in its row of `recorded`).
import { parentPort, workerData } from 'node:worker_threads'
import { Tally, type SharedTally } from '../index.js'

interface ProducerData {
  shared: SharedTally
  index: number
  topics: string[]
  rate: number
  errorRate: number
  stop: SharedArrayBuffer
  recorded: SharedArrayBuffer
}

const data = workerData as ProducerData
const tally = Tally.attachSync(data.shared)
const stop = new Int32Array(data.stop)
const recorded = new Float64Array(data.recorded)
const handles = data.topics.map(t => tally.bind(t))
const errorEvery = data.errorRate > 0 ? Math.max(1, Math.round(1 / data.errorRate)) : 0
const perTick = Math.max(1, Math.round(data.rate / 100))

let sent = 0
let next = Date.now()
while (Atomics.load(stop, 0) === 0) {
  for (let i = 0; i < perTick; i++) {
    const h = handles[(sent + data.index) % handles.length]!
    if (errorEvery !== 0 && sent % errorEvery === 0) h.error()
    else h.success()
    sent++
  }
  recorded[data.index] = sent
  next += 10
  const wait = next - Date.now()
  if (wait > 0) Atomics.wait(stop, 0, 0, wait)
}
recorded[data.index] = sent
parentPort!.postMessage({ done: sent })
