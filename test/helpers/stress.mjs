// The stress harness: W writer threads record a known mix into one table while
// F flusher threads snapshot continuously; at the end the main thread drains
// what is left. Returns what was recorded and what the snapshots counted.
import { Worker } from 'node:worker_threads'
import { readFile } from 'node:fs/promises'
import { Tally } from '../../dist/index.js'
import { addRows, addSnapshot } from '../../scripts/lib/counts.mjs'
import { once } from '../../scripts/lib/worker-message.mjs'

const here = new URL('.', import.meta.url)

/** The racy variant of the engine, built for tests only (build/tally-racy.wasm). */
export async function racyModule () {
  return WebAssembly.compile(await readFile(new URL('../../build/tally-racy.wasm', import.meta.url)))
}

export async function runStress ({ writers, steps, flushers = 1, stripes = 16, capacity = 64, module, columns } = {}) {
  // `columns`: a table of that schema (it must hold success and error, the columns the writers record).
  const tally = await Tally.create({ capacity, stripes, module, ...(columns === undefined ? {} : { columns }) })
  const shared = tally.share()
  const stop = new SharedArrayBuffer(4)
  // Snapshots taken so far, one word per flusher: each writer waits halfway for
  // every flusher to take 3 more, so snapshots interleave with the writing
  // however the threads are scheduled.
  const progress = new SharedArrayBuffer(4 * flushers)
  const flusherThreads = Array.from({ length: flushers }, (_, index) =>
    new Worker(new URL('../workers/stress-flusher.mjs', here), { workerData: { shared, stop, progress, index } }))
  await Promise.all(flusherThreads.map(w => once(w, m => m.ready)))
  const writerThreads = Array.from({ length: writers }, (_, writer) =>
    new Worker(new URL('../workers/stress-writer.mjs', here), { workerData: { shared, writer, steps, progress } }))
  const recordedParts = await Promise.all(writerThreads.map(w => once(w, m => m.recorded)))
  Atomics.store(new Int32Array(stop), 0, 1)
  const flushed = await Promise.all(flusherThreads.map(w => once(w, m => m.counted)))
  await Promise.all([...writerThreads, ...flusherThreads].map(w => w.terminate()))

  const recorded = {}
  for (const part of recordedParts) addRows(recorded, part.recorded)
  const counted = {}
  for (const part of flushed) addRows(counted, part.counted)
  // Writers have stopped: two snapshots take the rest (a pending batch comes out first, alone).
  addSnapshot(counted, tally.snapshot())
  addSnapshot(counted, tally.snapshot())
  const snapshots = flushed.reduce((n, f) => n + f.snapshots, 0) + 2
  return { recorded, counted, snapshots }
}
