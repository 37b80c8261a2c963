// A Web Worker (Deno, Bun, browsers): loads the bundle it is told to, attaches
// to the shared table and serves the main thread's requests.
import { inbox, serveWorker } from './workload.js'

const box = inbox()
self.onmessage = event => box.push(event.data)
serveWorker(async first => (await import(first.bundle)).Tally, msg => self.postMessage(msg), box.next)
