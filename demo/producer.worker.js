// A producer worker: plays a Kafka producer that "sends" to a few topics and
// counts every delivery outcome twice, once in the shared wasm-tally table
// (atomic add) and once in the naive shared counters (plain a[i] = a[i] + 1).
// Every send also has a latency, observed twice the same way: into the table's
// sendDuration histogram, and into a naive shared histogram. The worker keeps
// its own exact count of what it recorded and observed, and reports it.
import { Tally } from '../src/index.ts'
import { DURATION_BOUNDS } from '../src/schemas/kafka.ts'
import { CONTROL, TOPICS, topicIndicesOf } from './shared-layout.js'
import { latencySamples } from './latency-mix.js'
import { naiveObserve } from './naive-histograms.js'

const BATCH = 4096
const SAMPLES = 8192 // latencies drawn up front, read in turn (a power of two)

async function produce ({ index, shared, naiveBuffer, naiveHistogramBuffer, controlBuffer, progressBuffer }) {
  const tally = await Tally.attach(shared)
  const naive = new Float64Array(naiveBuffer)
  const naiveHistograms = new Float64Array(naiveHistogramBuffer)
  const control = new Int32Array(controlBuffer)
  const progress = new BigInt64Array(progressBuffer) // [deliveries recorded, latencies observed]
  const mine = topicIndicesOf(index)
  const bindings = mine.map(t => tally.bind(TOPICS[t]))
  const cells = mine.map(t => t * 2) // success cell; the error cell follows it
  const latencies = latencySamples(SAMPLES, DURATION_BOUNDS)

  let recorded = 0
  let observed = 0
  let allowance = 0
  let last = performance.now()
  let next = 0
  let sample = Math.floor(Math.random() * SAMPLES)

  while (Atomics.load(control, CONTROL.RUN) === 1) {
    const rate = Atomics.load(control, CONTROL.RATE)
    let batch = BATCH
    if (rate > 0) {
      const now = performance.now()
      allowance = Math.min(allowance + (now - last) * rate / 1000, Math.max(rate / 10, 1))
      last = now
      if (allowance < 1) {
        // Sleep until one delivery is due, or until the page says stop.
        Atomics.wait(control, CONTROL.RUN, 1, Math.max(1, (1 - allowance) * 1000 / rate))
        continue
      }
      batch = Math.min(BATCH, Math.floor(allowance))
      allowance -= batch
    } else {
      last = performance.now()
    }
    const failBelow = Atomics.load(control, CONTROL.ERROR_PER_MILLE) / 1000
    for (let i = 0; i < batch; i++) {
      const k = next
      next = next + 1 === mine.length ? 0 : next + 1
      if (Math.random() < failBelow) {
        bindings[k].error()
        const c = cells[k] + 1
        naive[c] = naive[c] + 1
      } else {
        bindings[k].success()
        const c = cells[k]
        naive[c] = naive[c] + 1
      }
      const latency = latencies[sample]
      sample = (sample + 1) & (SAMPLES - 1)
      bindings[k].observe('sendDuration', latency)
      naiveObserve(naiveHistograms, mine[k], DURATION_BOUNDS, latency)
    }
    recorded += batch
    observed += batch // one latency per delivery
    Atomics.store(progress, 0, BigInt(recorded))
    Atomics.store(progress, 1, BigInt(observed))
  }
  postMessage({ type: 'done', index, recorded, observed })
}

self.onmessage = ({ data }) => {
  if (data.type === 'start') {
    produce(data).catch(error => postMessage({ type: 'failed', index: data.index, message: String((error && error.stack) || error) }))
  }
}
