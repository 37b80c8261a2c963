// The histogram stress harness: W writer threads observe a known multiset into
// one table with the Kafka schema while F flusher threads snapshot back to
// back; the main thread drains the rest. Returns what was observed and what
// the snapshots held.
import { Worker } from 'node:worker_threads'
import { Tally } from '../../dist/index.js'
import { addHistogramSnapshot, mergeHistogramTotals, SCHEMA } from './histogram-workload.mjs'
import { once } from '../../scripts/lib/worker-message.mjs'

const THREAD = new URL('../workers/histogram-thread.mjs', import.meta.url)

export async function runHistogramStress ({ writers, flushers, steps, stripes = 16, module }) {
  const tally = await Tally.create({ capacity: 64, stripes, module, ...SCHEMA })
  const shared = tally.share()
  const stop = new SharedArrayBuffer(4)
  const flusherThreads = Array.from({ length: flushers }, () => new Worker(THREAD, { workerData: { shared, role: 'flusher', stop } }))
  const flushed = flusherThreads.map(w => once(w, m => m.snapshots !== undefined))
  await Promise.all(flusherThreads.map(w => once(w, m => m.ready)))
  const writerThreads = Array.from({ length: writers }, (_, writer) => new Worker(THREAD, { workerData: { shared, role: 'writer', writer, steps } }))
  const written = await Promise.all(writerThreads.map(w => once(w, m => m.totals)))
  Atomics.store(new Int32Array(stop), 0, 1)
  const taken = await Promise.all(flushed)
  await Promise.all([...writerThreads, ...flusherThreads].map(w => w.terminate()))
  const recorded = new Map()
  for (const part of written) mergeHistogramTotals(recorded, part.totals)
  const counted = new Map()
  for (const part of taken) mergeHistogramTotals(counted, part.totals)
  addHistogramSnapshot(counted, tally.snapshot())
  addHistogramSnapshot(counted, tally.snapshot())
  return { recorded, counted, snapshots: taken.reduce((n, t) => n + t.snapshots, 0) }
}
