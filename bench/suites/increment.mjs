// Suite 1: the cost of one increment on one thread, every implementation in
// the same process and the same rounds. Each row's function runs a batch of
// OPS increments in its own loop (so every call site stays monomorphic), and
// at the end every row's counts are checked against the calls made.
import client from 'prom-client'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { Tally } from '../../dist/index.js'
import { emit, interleaved, mustEqual, progress, quick } from '../harness.mjs'

const OPS = 1024 // increments per call; a multiple of 8 so rotating topics get equal shares
const T8 = Array.from({ length: 8 }, (_, i) => `bench.t${i}`)
const ONE = 'bench.one'
const BOUND = 'bench.bound'
const ALL = [BOUND, ONE, ...T8]

// wasm-tally
const tally = await Tally.create()
const handle = tally.bind(BOUND)

// A plain JS Map of { success, error } rows: not thread-safe; the floor for JS.
const map = new Map()
const mapRecord = (topic, outcome) => {
  let row = map.get(topic)
  if (row === undefined) map.set(topic, row = { success: 0, error: 0 })
  row[outcome]++
}
mapRecord(BOUND, 'error')
const mapBound = map.get(BOUND)

// Atomics.add on a SharedArrayBuffer: a Map from topic to index, two cells per topic.
const index = new Map(ALL.map((t, i) => [t, 2 * i]))
const i32 = new Int32Array(new SharedArrayBuffer(8 * ALL.length))
const i64 = new BigInt64Array(new SharedArrayBuffer(16 * ALL.length))
const atomicsRecord = (topic, outcome) => {
  Atomics.add(i32, index.get(topic) + (outcome === 'success' ? 0 : 1), 1)
}
const boundIndex = index.get(BOUND)

// prom-client: a Counter with topic and outcome labels.
const registry = new client.Registry()
const prom = new client.Counter({ name: 'deliveries_total', help: 'deliveries', labelNames: ['topic', 'outcome'], registers: [registry] })
const promChild = prom.labels(BOUND, 'success')

// OpenTelemetry: a Counter with attributes, with a reader attached and without.
class PullReader extends MetricReader {
  async onForceFlush () {}
  async onShutdown () {}
}
const reader = new PullReader()
const otel = new MeterProvider({ readers: [reader] }).getMeter('bench').createCounter('deliveries')
const otelBare = new MeterProvider().getMeter('bench').createCounter('deliveries')

const calls = {}
const row = (id, label, group, impl, fn, reference = false) => {
  calls[id] = 0
  return { id, label, group, impl, reference, ops: OPS, fn }
}
// Shorter labels for the chart.
const SHORT = {
  'otel-record8': 'OpenTelemetry add(1, attributes), reader attached',
  'otel-record1': 'OpenTelemetry add(1, attributes), reader attached',
  'otel-bare-record8': 'OpenTelemetry add(1, attributes), no reader',
  'otel-bare-record1': 'OpenTelemetry add(1, attributes), no reader'
}

const rows = [
  row('tally-bind', 'wasm-tally bind(topic).success()', 'bound handle, 1 topic', 'wasm-tally', () => {
    calls['tally-bind']++
    for (let i = 0; i < OPS; i++) handle.success()
  }, true),
  row('map-bound', 'JS object field (Map row resolved once)', 'bound handle, 1 topic', 'JS Map', () => {
    calls['map-bound']++
    for (let i = 0; i < OPS; i++) mapBound.success++
  }),
  row('atomics32-bound', 'Atomics.add(Int32Array) at a known index', 'bound handle, 1 topic', 'Atomics', () => {
    calls['atomics32-bound']++
    for (let i = 0; i < OPS; i++) Atomics.add(i32, boundIndex, 1)
  }),
  row('atomics64-bound', 'Atomics.add(BigInt64Array) at a known index', 'bound handle, 1 topic', 'Atomics', () => {
    calls['atomics64-bound']++
    for (let i = 0; i < OPS; i++) Atomics.add(i64, boundIndex, 1n)
  }),
  row('prom-bound', 'prom-client counter.labels(topic, outcome).inc()', 'bound handle, 1 topic', 'prom-client', () => {
    calls['prom-bound']++
    for (let i = 0; i < OPS; i++) promChild.inc()
  }),

  row('tally-record8', 'wasm-tally record(topic, "success")', 'by name, 8 topics rotating', 'wasm-tally', () => {
    calls['tally-record8']++
    for (let i = 0; i < OPS; i++) tally.record(T8[i & 7], 'success')
  }, true),
  row('map-record8', 'JS Map get + row[outcome]++', 'by name, 8 topics rotating', 'JS Map', () => {
    calls['map-record8']++
    for (let i = 0; i < OPS; i++) mapRecord(T8[i & 7], 'success')
  }),
  row('atomics-record8', 'JS Map get + Atomics.add(Int32Array)', 'by name, 8 topics rotating', 'Atomics', () => {
    calls['atomics-record8']++
    for (let i = 0; i < OPS; i++) atomicsRecord(T8[i & 7], 'success')
  }),
  row('prom-record8', 'prom-client counter.inc({ topic, outcome })', 'by name, 8 topics rotating', 'prom-client', () => {
    calls['prom-record8']++
    for (let i = 0; i < OPS; i++) prom.inc({ topic: T8[i & 7], outcome: 'success' })
  }),
  row('otel-record8', 'OpenTelemetry counter.add(1, { topic, outcome }), reader attached', 'by name, 8 topics rotating', 'OpenTelemetry', () => {
    calls['otel-record8']++
    for (let i = 0; i < OPS; i++) otel.add(1, { topic: T8[i & 7], outcome: 'success' })
  }),
  row('otel-bare-record8', 'OpenTelemetry counter.add(1, { topic, outcome }), no reader', 'by name, 8 topics rotating', 'OpenTelemetry (no reader)', () => {
    calls['otel-bare-record8']++
    for (let i = 0; i < OPS; i++) otelBare.add(1, { topic: T8[i & 7], outcome: 'success' })
  }),

  row('tally-record1', 'wasm-tally record(topic, "success")', 'by name, 1 topic', 'wasm-tally', () => {
    calls['tally-record1']++
    for (let i = 0; i < OPS; i++) tally.record(ONE, 'success')
  }, true),
  row('map-record1', 'JS Map get + row[outcome]++', 'by name, 1 topic', 'JS Map', () => {
    calls['map-record1']++
    for (let i = 0; i < OPS; i++) mapRecord(ONE, 'success')
  }),
  row('atomics-record1', 'JS Map get + Atomics.add(Int32Array)', 'by name, 1 topic', 'Atomics', () => {
    calls['atomics-record1']++
    for (let i = 0; i < OPS; i++) atomicsRecord(ONE, 'success')
  }),
  row('prom-record1', 'prom-client counter.inc({ topic, outcome })', 'by name, 1 topic', 'prom-client', () => {
    calls['prom-record1']++
    for (let i = 0; i < OPS; i++) prom.inc({ topic: ONE, outcome: 'success' })
  }),
  row('otel-record1', 'OpenTelemetry counter.add(1, { topic, outcome }), reader attached', 'by name, 1 topic', 'OpenTelemetry', () => {
    calls['otel-record1']++
    for (let i = 0; i < OPS; i++) otel.add(1, { topic: ONE, outcome: 'success' })
  }),
  row('otel-bare-record1', 'OpenTelemetry counter.add(1, { topic, outcome }), no reader', 'by name, 1 topic', 'OpenTelemetry (no reader)', () => {
    calls['otel-bare-record1']++
    for (let i = 0; i < OPS; i++) otelBare.add(1, { topic: ONE, outcome: 'success' })
  })
]

const rounds = quick ? 3 : 7
const minCpuMs = quick ? 40 : 300
progress(`${rows.length} rows x ${rounds} rounds, ${OPS} increments per call`)
const summaries = await interleaved(rows, { rounds, minCpuMs })

// Every count must be where it belongs, exactly.
const expected = {
  [BOUND]: { tally: calls['tally-bind'], map: calls['map-bound'], a32: calls['atomics32-bound'], a64: calls['atomics64-bound'], prom: calls['prom-bound'], otel: 0 },
  [ONE]: { tally: calls['tally-record1'], map: calls['map-record1'], a32: calls['atomics-record1'], a64: 0, prom: calls['prom-record1'], otel: calls['otel-record1'] },
  ...Object.fromEntries(T8.map(t => [t, {
    tally: calls['tally-record8'] / 8, map: calls['map-record8'] / 8, a32: calls['atomics-record8'] / 8, a64: 0, prom: calls['prom-record8'] / 8, otel: calls['otel-record8'] / 8
  }]))
}
const counted = new Map()
for (const snap of [tally.snapshot(), tally.snapshot()]) {
  for (const [t, c] of snap.topics) counted.set(t, (counted.get(t) ?? 0) + c.success)
}
const promValues = (await prom.get()).values
const { resourceMetrics } = await reader.collect()
const otelPoints = resourceMetrics.scopeMetrics[0].metrics[0].dataPoints
for (const t of ALL) {
  const want = expected[t]
  mustEqual(`wasm-tally ${t}`, counted.get(t) ?? 0, want.tally * OPS)
  mustEqual(`JS Map ${t}`, map.get(t)?.success ?? 0, want.map * OPS)
  // Int32 cells wrap at 2^32; compare modulo that.
  mustEqual(`Atomics Int32 ${t}`, i32[index.get(t)] >>> 0, (want.a32 * OPS) % 2 ** 32)
  mustEqual(`Atomics BigInt64 ${t}`, Number(i64[index.get(t)]), want.a64 * OPS)
  mustEqual(`prom-client ${t}`, promValues.find(v => v.labels.topic === t && v.labels.outcome === 'success')?.value ?? 0, want.prom * OPS)
  mustEqual(`OpenTelemetry ${t}`, otelPoints.find(p => p.attributes.topic === t)?.value ?? 0, want.otel * OPS)
}
const total = Object.values(calls).reduce((a, b) => a + b, 0) * OPS
progress(`counts verified: ${total.toLocaleString('en')} increments, none lost or doubled (OpenTelemetry without a reader keeps nothing to check)`)

emit({
  id: 'increment',
  title: 'Suite 1: cost per increment, one thread',
  unit: 'ns/op',
  ratio: 'cost relative to the wasm-tally row of the same kind (lower is faster)',
  params: { rounds, minCpuMs, opsPerCall: OPS },
  rows: rows.map((r, i) => ({ id: r.id, label: r.label, short: SHORT[r.id], group: r.group, impl: r.impl, reference: r.reference, ...summaries[i] }))
})
