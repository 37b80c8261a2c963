// Starts the simulated producer threads and stops them.
import { Worker } from 'node:worker_threads'
import type { AnyTally as Tally } from '../engine/tally.js'

export interface Producers {
  /** Deliveries recorded so far by all producers. */
  recorded (): number
  /** Stops every producer; resolves with the exact number each recorded. */
  stop (): Promise<number>
}

export function startSimulatedProducers (tally: Tally, o: { workers: number, topics: string[], rate: number, errorRate: number }): Producers {
  const stop = new SharedArrayBuffer(4)
  const recorded = new SharedArrayBuffer(8 * o.workers)
  const view = new Float64Array(recorded)
  const threads = Array.from({ length: o.workers }, (_, index) => new Worker(new URL('./simulated-producer-worker.js', import.meta.url), {
    workerData: { shared: tally.share(), index, topics: o.topics, rate: o.rate, errorRate: o.errorRate, stop, recorded }
  }))
  const finished = threads.map(w => new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve())
    w.once('error', reject)
  }))
  return {
    recorded: () => view.reduce((a, b) => a + b, 0),
    async stop () {
      Atomics.store(new Int32Array(stop), 0, 1)
      Atomics.notify(new Int32Array(stop), 0)
      await Promise.all(finished)
      await Promise.all(threads.map(w => w.terminate()))
      return view.reduce((a, b) => a + b, 0)
    }
  }
}
