// The browser page: one thread, then Web Workers (handoff both ways, and
// concurrent writers under continuous snapshots). ?writers=W&steps=N
// window.result resolves to what the page measured; it rejects on any miss.
import { Tally } from '/dist/bundles/tally.js'
import { HISTOGRAM_SCHEMA, runHistograms, runSingleThread, runThreads } from '../workload.js'
import { webWorkers } from '../web-threads.js'

const params = new URLSearchParams(location.search)
const writers = Number(params.get('writers'))
const steps = Number(params.get('steps'))
const bundle = new URL('/dist/bundles/tally.js', location.href).href

window.result = (async () => {
  if (!crossOriginIsolated) throw new Error('the page is not cross-origin isolated: SharedArrayBuffer is unavailable')
  const single = runSingleThread(await Tally.create({ capacity: 64 }), { steps })
  const histograms = runHistograms(await Tally.create({ capacity: 64, ...HISTOGRAM_SCHEMA }), { steps })
  const threads = await runThreads(await Tally.create({ capacity: 64, stripes: 8 }), webWorkers(bundle), { writers, steps })
  return { runtime: navigator.userAgent, crossOriginIsolated, bundle, single, histograms, threads }
})()
