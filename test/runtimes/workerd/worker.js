// The workerd worker: one table per isolate, counted into by requests.
//   GET /write?writer=W&from=K&steps=N  records that slice of the workload
//   GET /snapshot                       returns the totals of one snapshot
//   GET /histograms?steps=N             runs the histogram workload in a table of its own
//   GET /info                           says what the isolate runs on
import { Tally } from './wasm-tally.js'
import { HISTOGRAM_SCHEMA, runHistograms, snapshotTotals, write } from './workload.js'

let table

export default {
  async fetch (request) {
    table ??= Tally.create({ capacity: 64 })
    const tally = await table
    const url = new URL(request.url)
    const number = name => Number(url.searchParams.get(name))
    if (url.pathname === '/write') {
      write(tally, number('writer'), number('steps'), number('from'))
      return Response.json({ ok: true })
    }
    if (url.pathname === '/snapshot') return Response.json(snapshotTotals(tally))
    // A table of its own with the Kafka schema: observations in chunks, checked exactly (throws on a miss).
    if (url.pathname === '/histograms') return Response.json(runHistograms(await Tally.create({ capacity: 64, ...HISTOGRAM_SCHEMA }), { steps: number('steps') }))
    if (url.pathname === '/info') {
      return Response.json({
        userAgent: navigator.userAgent,
        sharedMemory: tally.share().memory.buffer instanceof SharedArrayBuffer,
        stats: tally.stats()
      })
    }
    return new Response('not found', { status: 404 })
  }
}
