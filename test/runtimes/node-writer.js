// A worker_threads worker: loads the package by its own name (the "node"
// export condition), attaches to the shared table and serves the main thread.
import { parentPort } from 'node:worker_threads'
import { Tally } from 'wasm-tally'
import { inbox, serveWorker } from './workload.js'

const box = inbox()
parentPort.on('message', msg => box.push(msg))
serveWorker(async () => Tally, msg => parentPort.postMessage(msg), box.next)
