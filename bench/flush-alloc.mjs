// What one flush of the Kafka schema's 1,024 topics allocates, per sink, when
// the sink reads the batch in place (writeRows) and when it is handed the
// Snapshot (the same sink wrapped without writeRows: the flusher builds the
// Snapshot and gives the sink a copy); for Prometheus also the sink's write()
// handed the batch's own Snapshot from writeRows (rows.snapshot(): built once,
// not copied), which is what its writeRows did before it read in place; the
// same for OpenTelemetry, StatsD and the Kafka sink. StatsD's client is a real
// hot-shots client whose socket's send calls back at once (the datagrams are
// formatted, not sent); the Kafka sink's producer is a send() that resolves at
// once (the records are made, not encoded): what is measured is the sink's
// part, which the kernel and kafkajs would only add to alike (StatsD also
// with a client that answers each line at once: the sink's part alone). Each flush runs in a young generation
// large enough that no GC runs during it: heap used after the flush minus heap
// used after a forced GC before it is what the flush allocated. Then the heap
// after a forced GC, after many flushes, against the same after the warm-up:
// what flushes leave behind (bounded: running totals of series already seen).
// With --kafka-tally the table is a KafkaTally (its seven columns and two
// durations, named as OpenTelemetry's messaging metrics) counting sends, bytes
// and send durations, 1,024 topics likewise.
//   node bench/flush-alloc.mjs [flushes] [--only=<part of a sink's label>] [--kafka-tally] [--json]
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { getHeapStatistics } from 'node:v8'
import { PerformanceObserver } from 'node:perf_hooks'

if (typeof globalThis.gc !== 'function') {
  // Re-run with the flags the measurement needs.
  const child = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=64', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exit(child.status ?? 1)
}

const { Tally, flushEvery } = await import('../dist/index.js')
const { KafkaTally } = await import('../dist/kafkajs/index.js')
const { jsonLinesSink } = await import('../dist/sinks/json-lines.js')
const { prometheusSink } = await import('../dist/sinks/prometheus.js')
const { consoleTableSink } = await import('../dist/sinks/console-table.js')
const { openTelemetrySink } = await import('../dist/sinks/opentelemetry.js')
const { statsdSink } = await import('../dist/sinks/statsd.js')
const { kafkaSink } = await import('../dist/sinks/kafka.js')
const StatsD = (await import('hot-shots')).default
const { Registry } = (await import('prom-client')).default
const { SCHEMA, latencies } = await import('./latency.mjs')

const KAFKA_TALLY = process.argv.includes('--kafka-tally')
const FLUSHES = Number(process.argv.slice(2).find(a => !a.startsWith('--')) ?? 200)
const TOPICS = 1024
const names = Array.from({ length: TOPICS }, (_, i) => `bench.topic-${i}`)
const VALUES = latencies(3 * TOPICS)

let gcs = 0
new PerformanceObserver(list => { gcs += list.getEntries().length }).observe({ entryTypes: ['gc'] })
const used = () => getHeapStatistics().used_heap_size
const settle = () => new Promise(resolve => setImmediate(resolve))

// How a sink is handed each batch: 'snapshot' (a copy, write()), 'rows' (writeRows), 'batch snapshot' (write(rows.snapshot())).
async function measure (label, makeSink, way) {
  const inPlace = way === 'rows'
  const table = KAFKA_TALLY ? await KafkaTally.create({ capacity: TOPICS }) : await Tally.create({ capacity: TOPICS, ...SCHEMA })
  const tally = KAFKA_TALLY ? table.tally : table
  const histogram = KAFKA_TALLY ? 'sendDuration' : 'duration'
  const handles = names.map(n => tally.bind(n))
  const dirty = () => handles.forEach((h, i) => { h.success(3); h.add('bytes', 4500); for (let j = 0; j < 3; j++) h.observe(histogram, VALUES[3 * i + j]) })
  const sink = makeSink(tally)
  const given = way === 'rows'
    ? sink
    : way === 'batch snapshot'
      ? { name: sink.name, write: snap => sink.write(snap), writeRows: rows => sink.write(rows.snapshot()) }
      : { name: sink.name, write: snap => sink.write(snap) }
  const flusher = flushEvery(table, 60_000, given, { timer: false })
  for (let k = 0; k < 50; k++) { dirty(); await flusher.flush() } // warm-up, and every series seen
  globalThis.gc(); await settle(); globalThis.gc()
  const heapAfterWarmup = used()
  const perFlush = []
  let spoiled = 0
  for (let k = 0; k < FLUSHES; k++) {
    dirty()
    globalThis.gc()
    await settle()
    const gcsBefore = gcs
    const before = used()
    const result = await flusher.flush()
    const after = used()
    await settle() // the observer reports GCs asynchronously
    if (!result.delivered) throw new Error(`${label}: a flush was not delivered`)
    if (gcs !== gcsBefore + 1) { spoiled++; continue } // the forced one only: a GC during the flush spoils the difference
    perFlush.push(after - before)
  }
  globalThis.gc(); await settle(); globalThis.gc()
  const heapAfter = used()
  await flusher.stop()
  perFlush.sort((a, b) => a - b)
  const kib = n => (n / 1024).toFixed(1)
  const med = perFlush[perFlush.length >> 1]
  const row = { label, way, inPlace, flushes: FLUSHES, measured: perFlush.length, spoiled, medianKiB: +kib(med), minKiB: +kib(perFlush[0]), maxKiB: +kib(perFlush.at(-1)), retainedKiB: +kib(heapAfter - heapAfterWarmup) }
  console.log(`${label.padEnd(40)} ${way.padEnd(15)} ${kib(med).padStart(8)} KiB a flush (min ${kib(perFlush[0])}, max ${kib(perFlush.at(-1))}; ${perFlush.length} measured); heap after ${FLUSHES} more flushes: ${kib(heapAfter - heapAfterWarmup)} KiB beside the warm-up's`)
  return row
}

const nullStream = { write (_chunk, callback) { callback(); return true } }
const clients = []
/** An unbuffered hot-shots client whose socket takes every datagram at once, sending nothing. */
function statsdClient () {
  const client = new StatsD({ host: '127.0.0.1', port: 9, maxBufferSize: 0, errorHandler: () => {} })
  client.socket.send = (_buf, callback) => { callback(null) }
  clients.push(client)
  return client
}
// The sink's part alone: a client that takes each line and answers at once (what hot-shots adds per datagram is the row above).
const bareClient = () => ({ maxBufferSize: 0, increment (_name, _value, _rate, _tags, callback) { callback(null) } })
const nullProducer = { async send () {} }
const sinks = [
  ['JSON lines', tally => jsonLinesSink(nullStream, { schema: tally.schema })],
  ['Prometheus (registry of its own)', tally => prometheusSink({ registry: new Registry(), schema: tally.schema })],
  ['console table', () => consoleTableSink({ columns: 100, write () { return true } })],
  ['OpenTelemetry (never collected)', tally => openTelemetrySink({ schema: tally.schema })],
  ['StatsD (hot-shots, socket sends nothing)', tally => statsdSink(statsdClient(), { schema: tally.schema })],
  ['StatsD (a client that answers at once)', tally => statsdSink(bareClient(), { schema: tally.schema })],
  ['Kafka (send() resolves at once)', () => kafkaSink(nullProducer, { topic: 'counts', source: 'bench:1' })]
]
const BATCH_SNAPSHOT = ['Prometheus', 'OpenTelemetry', 'StatsD', 'Kafka']
const rows = []
const only = process.argv.find(a => a.startsWith('--only='))?.slice(7)
for (const [label, make] of sinks) {
  if (only !== undefined && !label.includes(only)) continue
  for (const way of BATCH_SNAPSHOT.some(name => label.startsWith(name)) ? ['snapshot', 'batch snapshot', 'rows'] : ['snapshot', 'rows']) {
    const sink = make(await Tally.create({ capacity: 1, ...SCHEMA }))
    if (way === 'rows' && typeof sink.writeRows !== 'function') { console.log(`${label.padEnd(40)} rows            (not offered by this sink)`); continue }
    rows.push(await measure(label, make, way))
  }
}
if (process.argv.includes('--json')) console.log(JSON.stringify(rows))
for (const client of clients) await new Promise(resolve => client.close(resolve))
