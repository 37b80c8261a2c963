// One OS process of the Kafka totals test (forked, told what to do over IPC):
// writer threads record a known mix into this process's own table, a flusher
// thread flushes it into the Kafka sink, and, given `kills`, that flusher
// thread is terminated while a send is under way and replaced, `kills` times.
// On 'stop' it stops the writers, has the flusher take the final flush, and
// answers with what was recorded: per topic, the topics past the table's
// capacity under "overflow".
import { Worker } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const WRITER = new URL('./totals-writer.mjs', import.meta.url)
const FLUSHER = new URL('./totals-flusher.mjs', import.meta.url)
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const send = m => process.send(m)

const o = await new Promise(resolve => process.once('message', resolve))
const tally = await Tally.create({ capacity: o.capacity, stripes: 4, leaseMs: o.leaseMs, onOverflow: () => {} })
// Fill the table in a known order: t0 .. t(capacity - 1) get slots, the rest overflow.
for (let i = 0; i < o.capacity; i++) tally.bind(`t${i}`)
const shared = tally.share()

let flushes = 0
let kills = 0
let sends = 0
let injected = 0
let stopping = false
let flusher
const ids = new Set()
const startFlusher = () => new Promise((resolve, reject) => {
  const worker = new Worker(FLUSHER, { workerData: { shared, brokers: o.brokers, topic: o.topic, source: o.source, failEvery: o.failEvery, intervalMs: o.intervalMs } })
  let flushedHere = 0
  // Kill this one once it has delivered a few batches, at a random moment after a send starts.
  const killAfter = 2 + Math.floor(Math.random() * 4)
  worker.on('message', async m => {
    if (m.kind === 'ready') resolve(worker)
    if (m.kind === 'flush') { flushes++; flushedHere++; ids.add(m.id); send({ kind: 'progress', flushes, kills }) }
    if (m.kind === 'injected') injected++
    if (m.kind !== 'sending') return
    sends++
    if (!stopping && kills < o.kills && flushedHere >= killAfter && worker === flusher) {
      flusher = undefined
      await sleep(Math.random() * 12) // a localhost send takes a few ms: some kills land before it, some after
      await worker.terminate()
      kills++
      flusher = await startFlusher()
      send({ kind: 'progress', flushes, kills })
    }
  })
  worker.once('error', reject)
})

const control = new SharedArrayBuffer(8)
const writers = Array.from({ length: o.writers }, (_, writer) =>
  new Worker(WRITER, { workerData: { shared, writer, topics: o.topics, control } }))
const reports = writers.map(w => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject) }))
flusher = await startFlusher()
send({ kind: 'started' })

await new Promise(resolve => process.once('message', resolve)) // 'stop'
stopping = true
while (flusher === undefined) await sleep(5) // a replacement may be starting
Atomics.store(new Int32Array(control), 0, 1)
Atomics.notify(new Int32Array(control), 0)
const recorded = { topics: {}, overflow: { success: 0, error: 0 } }
for (const { recorded: part } of await Promise.all(reports)) {
  for (const [topic, c] of Object.entries(part)) {
    const row = Number(topic.slice(1)) < o.capacity ? recorded.topics[topic] ??= { success: 0, error: 0 } : recorded.overflow
    row.success += c.success
    row.error += c.error
  }
}
const last = flusher
last.postMessage({ kind: 'stop' })
const stopped = await new Promise(resolve => last.on('message', m => { if (m.kind === 'stopped') resolve(m) }))
await last.terminate()
send({ kind: 'done', recorded, flushes, batches: ids.size, kills, sends, injected, delivered: stopped.delivered, pending: tally.stats().pendingBatch })
process.disconnect()
