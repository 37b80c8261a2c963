// Deno and Bun: one thread, then Web Workers (handoff both ways, and concurrent
// writers under continuous snapshots), with the bundle the package's "deno" and
// "bun" conditions pick. Usage: <runtime> web.js <writers> <steps>
// With writers 0 only the single-thread check runs.
// Prints one line "RESULT {json}" for test/runtimes.test.mjs.
import { HISTOGRAM_SCHEMA, runHistograms, runSingleThread, runThreads } from './workload.js'
import { webWorkers } from './web-threads.js'

const [writers, steps] = (globalThis.Deno?.args ?? process.argv.slice(2)).map(Number)
const bundle = new URL('../../dist/bundles/tally.js', import.meta.url).href
const { Tally } = await import(bundle)
const runtime = globalThis.Deno ? `deno ${Deno.version.deno}` : globalThis.Bun ? `bun ${Bun.version}` : 'unknown'

const single = runSingleThread(await Tally.create({ capacity: 64 }), { steps })
const histograms = runHistograms(await Tally.create({ capacity: 64, ...HISTOGRAM_SCHEMA }), { steps })
const threads = writers > 0 ? await runThreads(await Tally.create({ capacity: 64, stripes: 8 }), webWorkers(bundle), { writers, steps }) : undefined
console.log('RESULT ' + JSON.stringify({ runtime, bundle, single, histograms, threads }))
