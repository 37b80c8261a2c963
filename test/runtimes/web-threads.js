// Workers as Web Workers (Deno, Bun, browsers): each one loads the runtime's
// bundle from `bundle` and serves the main thread (see workload.js).
import { inbox } from './workload.js'

export function webWorkers (bundle) {
  return () => {
    const worker = new Worker(new URL('./web-writer.js', import.meta.url), { type: 'module' })
    const box = inbox()
    worker.onmessage = event => box.push(event.data)
    worker.onerror = event => { event.preventDefault(); box.push({ error: event.message }) }
    return {
      send: msg => worker.postMessage(msg !== null && typeof msg === 'object' && 'shared' in msg ? { ...msg, bundle } : msg),
      next: box.next,
      stop: () => worker.terminate()
    }
  }
}
