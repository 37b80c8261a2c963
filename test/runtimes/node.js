// Node (and Bun's node:worker_threads): one thread, then worker_threads
// (handoff both ways, and concurrent writers under continuous snapshots).
// Usage: node node.js <writers> <steps>
// Prints one line "RESULT {json}" for test/runtimes.test.mjs.
import { Worker } from 'node:worker_threads'
import { Tally } from 'wasm-tally'
import { HISTOGRAM_SCHEMA, inbox, runHistograms, runSingleThread, runThreads } from './workload.js'

const writers = Number(process.argv[2])
const steps = Number(process.argv[3])

function start () {
  const worker = new Worker(new URL('./node-writer.js', import.meta.url))
  const box = inbox()
  worker.on('message', msg => box.push(msg))
  worker.on('error', error => box.push({ error: String(error.stack ?? error) }))
  return { send: msg => worker.postMessage(msg), next: box.next, stop: () => worker.terminate() }
}

const single = runSingleThread(await Tally.create({ capacity: 64 }), { steps })
const histograms = runHistograms(await Tally.create({ capacity: 64, ...HISTOGRAM_SCHEMA }), { steps })
const threads = await runThreads(await Tally.create({ capacity: 64, stripes: 8 }), start, { writers, steps })
const bundle = import.meta.resolve('wasm-tally')
console.log('RESULT ' + JSON.stringify({ runtime: globalThis.Bun ? `bun ${Bun.version} (node:worker_threads)` : `node ${process.versions.node}`, bundle, single, histograms, threads }))
