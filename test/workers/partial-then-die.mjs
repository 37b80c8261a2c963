// A flusher that delivers part of a batch, acknowledges that part, opens the
// batch again (the rest, under a new id) and then hangs holding the lock until it is
// terminated: the next flusher must take over and deliver exactly the rest.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const { shared, leaseMs, keep } = workerData
const tally = await Tally.attach(shared, { leaseMs })
const batch = tally.openBatch(1000)
const undelivered = { epoch: batch.snapshot.epoch, topics: new Map(), overflow: batch.snapshot.overflow }
const delivered = { id: batch.id.id, topics: new Map(), overflow: { success: 0, error: 0 } }
for (const [topic, row] of batch.snapshot.topics) {
  if (topic === keep) undelivered.topics.set(topic, row); else delivered.topics.set(topic, row)
}
const acked = tally.ackBatch(batch, undelivered)
const again = tally.openBatch(1000)
parentPort.postMessage({ delivered, acked, againId: again.id.id, again: again.snapshot.topics })
for (;;) { /* holds the lock until terminated */ }
