// A thread of the sum-carry stress run. "writer": observes values near 2^52
// units (multiples of 2^20, so every sum is exact in a double) into one topic,
// crossing a 2^55-unit carry boundary every eight or so, and reports its sum.
// "flusher": snapshots back to back until told to stop, adding up sums as BigInt.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const { shared, role, writer, steps, stop } = workerData
const tally = await Tally.attach(shared)
if (role === 'writer') {
  const h = tally.bind('t')
  let sum = 0n
  for (let k = 0; k < steps; k++) {
    const value = 2 ** 52 + ((k * 7919 + writer * 104729) % 4096) * 2 ** 20
    h.observe('size', value)
    sum += BigInt(value)
  }
  parentPort.postMessage({ sum: String(sum) })
} else {
  const flag = new Int32Array(stop)
  let sum = 0n
  let count = 0
  let snapshots = 0
  // At least one snapshot, however late this thread gets the CPU: the test checks that each flusher took part.
  while (Atomics.load(flag, 0) === 0 || snapshots === 0) {
    const h = tally.snapshot().topics.get('t')?.size
    snapshots++
    if (h === undefined) continue
    if (!Number.isInteger(h.sum / 2 ** 20)) throw new Error(`a batch sum not a multiple of 2^20: ${h.sum}`)
    sum += BigInt(h.sum)
    count += h.count
  }
  parentPort.postMessage({ sum: String(sum), count, snapshots })
}
