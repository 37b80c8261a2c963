// A flusher that opens the batch and acknowledges part of it (every topic but
// `keep` went out), saying so just before; the parent terminates it while the
// partial ack runs.
import { workerData, parentPort } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'

const { shared, leaseMs, keep } = workerData
const tally = await Tally.attach(shared, { leaseMs })
const batch = tally.openBatch(1000)
const undelivered = { epoch: batch.snapshot.epoch, topics: new Map([[keep, batch.snapshot.topics.get(keep)]]), overflow: batch.snapshot.overflow }
parentPort.postMessage({ acking: true, id: batch.id.id, topics: [...batch.snapshot.topics.keys()] })
const acked = tally.ackBatch(batch, undelivered)
parentPort.postMessage({ acked })
