// The main job: producers (simulated by default) record delivery outcomes into
// one shared table from worker threads; the main thread snapshots on an
// interval, prints per-topic deltas, and on Ctrl-C (or --duration) stops the
// producers and takes the final snapshot: recorded must equal counted.
import { Tally } from '../index.js'
import { parseArgs } from './args.js'
import { countOf, renderSnapshot } from './render.js'
import { startSimulatedProducers } from './simulated-producers.js'

async function main (): Promise<number> {
  const o = parseArgs(process.argv.slice(2))
  const tally = await Tally.create()
  const producers = startSimulatedProducers(tally, o)
  console.log(`wasm-tally: ${o.workers} simulated producer threads -> 1 shared table; snapshot every ${o.intervalMs} ms (Ctrl-C to stop)`)

  let counted = 0
  let last = Date.now()
  const flush = (): void => {
    const snap = tally.snapshot()
    counted += countOf(snap)
    const now = Date.now()
    console.log(renderSnapshot(snap, { recorded: producers.recorded(), counted }, (now - last) / 1000))
    last = now
  }
  const timer = setInterval(flush, o.intervalMs)

  await new Promise<void>(resolve => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
    if (Number.isFinite(o.durationS)) setTimeout(resolve, o.durationS * 1000)
  })
  clearInterval(timer)
  const recorded = await producers.stop()
  // Producers have stopped: two snapshots drain both buffers.
  flush()
  counted += countOf(tally.snapshot())
  const exact = recorded === counted
  console.log(`final: recorded ${recorded.toLocaleString('en-US')}, counted ${counted.toLocaleString('en-US')}: ${exact ? 'exact' : `MISMATCH (${counted - recorded})`}`)
  return exact ? 0 : 1
}

main().then(code => { process.exitCode = code }, (e: Error) => {
  console.error(`wasm-tally: ${e.message}`)
  process.exitCode = 2
})
