// A producer worker: plays a Kafka producer that "sends" to a few topics and
// counts every delivery outcome twice, once in the shared wasm-tally table
// (atomic add) and once in the naive shared counters (plain a[i] = a[i] + 1).
// It also keeps its own exact count of what it recorded, and reports it.
import { Tally } from '../src/index.ts'
import { CONTROL, TOPICS, topicIndicesOf } from './shared-layout.js'

const BATCH = 4096

async function produce ({ index, shared, naiveBuffer, controlBuffer, progressBuffer }) {
  const tally = await Tally.attach(shared)
  const naive = new Float64Array(naiveBuffer)
  const control = new Int32Array(controlBuffer)
  const progress = new BigInt64Array(progressBuffer)
  const mine = topicIndicesOf(index)
  const bindings = mine.map(t => tally.bind(TOPICS[t]))
  const cells = mine.map(t => t * 2) // success cell; the error cell follows it

  let recorded = 0
  let allowance = 0
  let last = performance.now()
  let next = 0

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
    }
    recorded += batch
    Atomics.store(progress, 0, BigInt(recorded))
  }
  postMessage({ type: 'done', index, recorded })
}

self.onmessage = ({ data }) => {
  if (data.type === 'start') {
    produce(data).catch(error => postMessage({ type: 'failed', index: data.index, message: String((error && error.stack) || error) }))
  }
}
