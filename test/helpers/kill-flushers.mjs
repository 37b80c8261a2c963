// The flusher-kill harness: writer threads record without pause while flusher
// threads (test/workers/kill-flusher.mjs) are started and terminated at random
// points, `kills` times. Deliveries are deduplicated by batch id (a batch is
// kept from its first delivery, as a deduplicating reader keeps it); at the end
// the main thread delivers what is left. Returns recorded and delivered totals.
import { Worker } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'
import { addRows, addSnapshot } from '../../scripts/lib/counts.mjs'
import { once } from '../../scripts/lib/worker-message.mjs'

const WRITER = new URL('../workers/flush-writer.mjs', import.meta.url)
const FLUSHER = new URL('../workers/kill-flusher.mjs', import.meta.url)
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

export async function runFlusherKills ({ kills, mode = 'batches', writers = 2, flushers = 2, leaseMs = 50 }) {
  const tally = await Tally.create({ capacity: 64, stripes: 4, leaseMs })
  const shared = tally.share()
  const delivered = {}
  const firstSeen = new Set()
  let deliveries = 0
  let redeliveries = 0
  const onMessage = m => {
    if (m.kind !== 'delivery') return
    deliveries++
    if (firstSeen.has(m.id)) { redeliveries++; return }
    firstSeen.add(m.id)
    addSnapshot(delivered, m)
  }
  const startFlusher = async () => {
    const worker = new Worker(FLUSHER, { workerData: { shared, mode } })
    worker.on('message', onMessage)
    await once(worker, m => m.kind === 'ready')
    return worker
  }

  const control = new SharedArrayBuffer(8)
  const flags = new Int32Array(control)
  const writerThreads = Array.from({ length: writers }, (_, writer) =>
    new Worker(WRITER, { workerData: { shared, writer, steps: 0, topics: 12, control } }))
  const recordedParts = writerThreads.map(w => once(w, m => m.recorded))
  while (Atomics.load(flags, 1) < writers) await sleep(1)

  const live = await Promise.all(Array.from({ length: flushers }, startFlusher))
  for (let k = 0; k < kills; k++) {
    await sleep(Math.floor(Math.random() * 8))
    const victim = Math.floor(Math.random() * live.length)
    await live[victim].terminate()
    live[victim] = await startFlusher()
  }
  Atomics.store(flags, 0, 1)
  const recorded = {}
  for (const part of await Promise.all(recordedParts)) addRows(recorded, part.recorded)
  await Promise.all([...live, ...writerThreads].map(w => w.terminate()))

  // Writers and flushers are gone: deliver what is left, the pending batch first.
  const pendingAtEnd = tally.stats().pendingBatch !== 0
  for (let i = 0; i < 3; i++) {
    const batch = tally.openBatch(2 * leaseMs + 100)
    if (batch === undefined) throw new Error('the lock of a terminated flusher was never recovered')
    onMessage({ kind: 'delivery', id: batch.id.id, topics: batch.snapshot.topics, overflow: batch.snapshot.overflow })
    tally.ackBatch(batch)
  }
  return { recorded, delivered, deliveries, redeliveries, pendingAtEnd }
}
