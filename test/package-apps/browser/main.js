// A browser page bundled with esbuild from the installed package: two module
// Web Workers count into one table while the page snapshots back to back.
// window.result resolves to the totals, which must be exact.
import { Tally } from 'wasm-tally'

const STEPS = 100_000

window.result = (async () => {
  const tally = await Tally.create({ capacity: 16 })
  const workers = [0, 1].map(() => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }))
  let running = workers.length
  const finished = Promise.all(workers.map(w => new Promise((resolve, reject) => {
    w.onmessage = () => { running--; resolve() }
    w.onerror = e => reject(new Error(e.message))
    w.postMessage({ shared: tally.share(), steps: STEPS })
  })))
  const totals = {}
  const add = snap => {
    for (const [topic, c] of snap.topics) {
      const row = (totals[topic] ??= { success: 0, error: 0 })
      row.success += c.success
      row.error += c.error
    }
  }
  let snapshots = 0
  while (running > 0) {
    add(tally.snapshot())
    snapshots++
    await new Promise(resolve => setTimeout(resolve, 1))
  }
  await finished
  add(tally.snapshot()) // after the writers stop, two snapshots drain everything
  add(tally.snapshot())
  return { crossOriginIsolated, steps: STEPS, workers: workers.length, snapshots, totals }
})()
