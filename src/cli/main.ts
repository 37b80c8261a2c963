#!/usr/bin/env node
// The main job, the package's `wasm-tally` command: producers (simulated by
// default, real kafkajs producers with --brokers) record delivery outcomes into
// one shared table from worker threads; a flusher snapshots on an interval into
// a sink. Ctrl-C (or --duration) stops the producers and flushes the rest:
// recorded must equal counted. `wasm-tally aggregate` reads a counts topic.
import { Tally } from '../index.js'
import { KAFKA_SCHEMA } from '../schemas/kafka.js'
import { flushEvery } from '../flush/flusher.js'
import { parseArgs } from './args.js'
import { startLoad, type Load } from './load.js'
import { countingSink, openSink } from './job-sink.js'

const n = (x: number): string => x.toLocaleString('en-US')

/** Prints sent against counted per topic; false if a topic was never sent to or counted differently. */
function checkTopics (sent: Map<string, number>, counted: Map<string, number>): boolean {
  let ok = true
  for (const [topic, s] of sent) {
    const c = counted.get(topic) ?? 0
    const fine = s > 0 && s === c
    ok &&= fine
    console.error(`  ${topic}: sent ${n(s)}, counted ${n(c)}${fine ? '' : s === 0 ? ': NOTHING SENT' : ': MISMATCH'}`)
  }
  return ok
}

async function main (): Promise<number> {
  const argv = process.argv.slice(2)
  if (argv[0] === 'aggregate') return await (await import('./aggregate.js')).aggregateCommand(argv.slice(1))
  const o = parseArgs(argv)
  // Real producers count bytes and durations too: the table holds what instrumentProducer keeps.
  const tally = await Tally.create<string, string>(o.brokers === undefined ? {} : { ...KAFKA_SCHEMA })
  const totals = { counted: 0, flushing: 0, byTopic: new Map<string, number>() }
  let load: Load | undefined
  const status = (): string => {
    const counted = totals.counted + totals.flushing
    const recorded = load?.recorded?.()
    return recorded === undefined ? `counted ${n(counted)}` : `recorded ${n(recorded)}, counted ${n(counted)} (${n(recorded - counted)} since this snapshot)`
  }
  const out = await openSink(o.sink, status, { brokers: o.brokers, topic: o.countsTopic })
  const flusher = flushEvery(tally, o.intervalMs, countingSink(out.sink, totals), {
    onError: e => console.error(`wasm-tally: ${e.message} (kept for the next flush)`)
  })
  load = await startLoad(tally, o)
  console.error(`wasm-tally: ${load.describe} -> 1 shared table -> ${out.describe}, every ${o.intervalMs} ms (Ctrl-C to stop)`)

  await new Promise<void>(resolve => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
    if (Number.isFinite(o.durationS)) setTimeout(resolve, o.durationS * 1000)
  })
  const { total: recorded, byTopic } = await load.stop()
  const undelivered = await flusher.stop()
  await out.close()
  const counted = totals.counted
  // Per topic where the load can tell: every topic asked for was sent to, and counted exactly.
  const topicsExact = byTopic === undefined || checkTopics(byTopic, totals.byTopic)
  const exact = recorded === counted && undelivered === undefined && topicsExact
  const why = !topicsExact ? 'per topic, above' : `${n(counted - recorded)}${undelivered ? ', some counts undelivered' : ''}`
  console.error(`final: recorded ${n(recorded)}, counted ${n(counted)}: ${exact ? 'exact' : `MISMATCH (${why})`}`)
  return exact ? 0 : 1
}

main().then(code => { process.exitCode = code }, (e: Error) => {
  console.error(`wasm-tally: ${e.message}`)
  process.exitCode = 2
})
