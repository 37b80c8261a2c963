// Suite 8: the cost of one histogram observation on one thread, every
// implementation in the same process and the same rounds, on the same
// pre-generated latencies. Each row's function observes a batch of OPS values
// in its own loop (so every call site stays monomorphic); at the end every
// row's observation count is checked against the calls made, and where an
// implementation has the same buckets (prom-client, OpenTelemetry) every
// bucket is checked too. A last group times plain counters on a table with
// this schema beside a table with the default one.
import client from 'prom-client'
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import * as hdr from 'hdr-histogram-js'
import { DDSketch } from '@datadog/sketches-js'
import { Tally } from '../../dist/index.js'
import { emit, interleaved, mustEqual, progress, quick } from '../harness.mjs'
import { BOUNDS, SCHEMA, bucketCounts, latencies } from '../latency.mjs'
import { PACKED_UNIT_BITS, variants } from '../wasm/two-adds.mjs'

const OPS = 1024 // observations per call; a multiple of 8 so rotating topics get equal shares
const WINDOWS = 4 // call k observes window k % WINDOWS of the values
const VALUES = latencies(OPS * WINDOWS)
// The same values in whole microseconds, for hdr-histogram-js (integers only).
const MICROS = Float64Array.from(VALUES, v => Math.round(v * 1e6))
const T8 = Array.from({ length: 8 }, (_, i) => `bench.t${i}`)
const ONE = 'bench.one'
const BOUND = 'bench.bound'
const ALL = [BOUND, ONE, ...T8]

// wasm-tally, with the Kafka schema (3 columns and a 15-bucket histogram).
const tally = await Tally.create({ capacity: 64, ...SCHEMA })
const handle = tally.bind(BOUND)

// The floor for JS: a bucket array, a binary search and a sum, not thread-safe.
const floor = { counts: new Float64Array(BOUNDS.length + 1), sum: 0 }
const floorObserve = v => {
  let lo = 0
  let hi = BOUNDS.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (v <= BOUNDS[mid]) hi = mid
    else lo = mid + 1
  }
  floor.counts[lo]++
  floor.sum += v
}

// Where bind().observe()'s time goes. It is one call into the core, which finds
// the bucket (a lookup on the value's leading bits, one compare), converts to
// nano-units and makes the two atomic adds. The parts: that core call alone
// (no JS around it), the JS binary search over a plain copy of the bounds that
// observe() ran before the search moved into the core, and the two adds alone.
const plainBounds = [...tally.schema.histograms[0].bounds]
const seen = new Float64Array(BOUNDS.length + 1)
const searchPlain = v => {
  let lo = 0
  let hi = plainBounds.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (v <= plainBounds[mid]) hi = mid
    else lo = mid + 1
  }
  return lo
}

// The core call alone, and the two adds alone (bench/wasm/two-adds.mjs: not in
// the core), each on a table of its own so the checks below count them too.
// Reached through the tables' internals (TypeScript-private, plain properties at run time).
const FLOOR = 'bench.floor'
const coreTable = await Tally.create({ capacity: 4, ...SCHEMA })
coreTable.record(FLOOR, 'success', 0) // registers the topic
const coreObserve = coreTable.core.observe
const coreSumAddress = coreTable.cache.get(FLOOR) + coreTable.schema.histograms[0].sumCell * 8
const coreDescriptor = coreTable.histogramCells[0].descriptor
const atomicsTable = await Tally.create({ capacity: 4, ...SCHEMA })
atomicsTable.record(FLOOR, 'success', 0)
const { adds } = await variants(atomicsTable.memory)
const floorSumAddress = atomicsTable.cache.get(FLOOR) + atomicsTable.schema.histograms[0].sumCell * 8
// Other designs' floors, each on a table of its own: one atomic add, two plain adds, a call doing nothing.
const designTables = {}
const designCalls = {}
for (const name of ['oneAdd', 'plainAdds', 'nothing']) {
  const table = await Tally.create({ capacity: 4, ...SCHEMA })
  table.record(FLOOR, 'success', 0)
  designTables[name] = table
  designCalls[name] = { fn: (await variants(table.memory))[name], sum0: table.cache.get(FLOOR) + table.schema.histograms[0].sumCell * 8 }
}
// A whole observation with one packed add: the core's bucket and units, then one word a bucket (its words are read raw below).
const packedTable = await Tally.create({ capacity: 4, ...SCHEMA })
packedTable.record(FLOOR, 'success', 0)
const packed = { fn: (await variants(packedTable.memory)).onePacked, sum0: packedTable.cache.get(FLOOR) + packedTable.schema.histograms[0].sumCell * 8, descriptor: packedTable.histogramCells[0].descriptor }
const BUCKET_OF = Uint8Array.from(VALUES, v => searchPlain(v))
const NANOS_OF = Float64Array.from(VALUES, v => Math.round(v * 1e9))

// prom-client: a Histogram with a topic label and the same buckets. It freezes
// the array it is given, and element loads from a frozen array are several
// times slower in V8: each library gets a copy, so BOUNDS stays as it is.
const registry = new client.Registry()
const prom = new client.Histogram({ name: 'delivery_seconds', help: 'delivery latency', labelNames: ['topic'], buckets: [...BOUNDS], registers: [registry] })
const promChild = prom.labels(BOUND)

// OpenTelemetry: a Histogram with the same bounds (by advice), a reader attached.
class PullReader extends MetricReader {
  async onForceFlush () {}
  async onShutdown () {}
}
const reader = new PullReader()
const otel = new MeterProvider({ readers: [reader] }).getMeter('bench')
  .createHistogram('delivery', { unit: 's', advice: { explicitBucketBoundaries: [...BOUNDS] } })

// hdr-histogram-js: one histogram per topic, in microseconds, up to a minute
// (sized up front, so no resize happens while timed); WebAssembly and plain JS.
await hdr.initWebAssembly()
const hdrOptions = { lowestDiscernibleValue: 1, highestTrackableValue: 60e6, numberOfSignificantValueDigits: 3 }
const hdrWasm = new Map(ALL.map(t => [t, hdr.build({ ...hdrOptions, useWebAssembly: true })]))
const hdrJs = new Map(ALL.map(t => [t, hdr.build({ ...hdrOptions, useWebAssembly: false })]))
const hdrWasmBound = hdrWasm.get(BOUND)
const hdrJsBound = hdrJs.get(BOUND)

// DDSketch: one sketch per topic (relative accuracy 1 %, the default).
const sketches = new Map(ALL.map(t => [t, new DDSketch({ relativeAccuracy: 0.01 })]))
const sketchBound = sketches.get(BOUND)

// Plain counters: the same calls on a table with this schema and on one with the default schema.
const plain = await Tally.create({ capacity: 64 })
const plainHandle = plain.bind(BOUND)
const schemaHandle = tally.bind(ONE)

const calls = {}
/** A row; fn(off) observes VALUES[off .. off + OPS). Ratios are against bind().observe unless refersTo says. */
const row = (id, label, group, impl, body, extra = {}) => {
  calls[id] = 0
  const fn = () => body((calls[id]++ % WINDOWS) * OPS)
  return { id, label, group, impl, ops: OPS, fn, reference: false, refersTo: 'histogram/tally-bind', ...extra }
}
const G_BOUND = 'bound handle, 1 topic'
const G_8 = 'by name, 8 topics rotating'
const G_1 = 'by name, 1 topic'
const G_PARTS = 'parts of bind().observe(): the core call alone, a JS bucket search alone, the two atomic adds alone; other designs\' floors'
const G_COUNT = 'plain counters: Kafka-schema table against the default table'

const rows = [
  row('tally-bind', 'wasm-tally bind(topic).observe("duration", v)', G_BOUND, 'wasm-tally', off => {
    for (let i = 0; i < OPS; i++) handle.observe('duration', VALUES[off + i])
  }, { reference: true, refersTo: undefined }),
  row('floor-bound', 'JS bucket array: binary search, counts[b]++, sum += v (not thread-safe)', G_BOUND, 'JS array', off => {
    for (let i = 0; i < OPS; i++) floorObserve(VALUES[off + i])
  }),
  row('prom-bound', 'prom-client histogram.labels(topic).observe(v), child resolved once', G_BOUND, 'prom-client', off => {
    for (let i = 0; i < OPS; i++) promChild.observe(VALUES[off + i])
  }),
  row('hdr-wasm-bound', 'hdr-histogram-js (WebAssembly) recordValue(us)', G_BOUND, 'hdr-histogram-js', off => {
    for (let i = 0; i < OPS; i++) hdrWasmBound.recordValue(MICROS[off + i])
  }),
  row('hdr-js-bound', 'hdr-histogram-js (plain JS) recordValue(us)', G_BOUND, 'hdr-histogram-js (JS)', off => {
    for (let i = 0; i < OPS; i++) hdrJsBound.recordValue(MICROS[off + i])
  }),
  row('dd-bound', 'DDSketch sketch.accept(v)', G_BOUND, 'DDSketch', off => {
    for (let i = 0; i < OPS; i++) sketchBound.accept(VALUES[off + i])
  }),

  row('tally-observe8', 'wasm-tally observe(topic, "duration", v)', G_8, 'wasm-tally', off => {
    for (let i = 0; i < OPS; i++) tally.observe(T8[i & 7], 'duration', VALUES[off + i])
  }),
  row('prom-labels8', 'prom-client histogram.labels(topic).observe(v)', G_8, 'prom-client', off => {
    for (let i = 0; i < OPS; i++) prom.labels(T8[i & 7]).observe(VALUES[off + i])
  }),
  row('prom-observe8', 'prom-client histogram.observe({ topic }, v)', G_8, 'prom-client', off => {
    for (let i = 0; i < OPS; i++) prom.observe({ topic: T8[i & 7] }, VALUES[off + i])
  }),
  row('otel-record8', 'OpenTelemetry histogram.record(v, { topic }), reader attached', G_8, 'OpenTelemetry', off => {
    for (let i = 0; i < OPS; i++) otel.record(VALUES[off + i], { topic: T8[i & 7] })
  }),
  row('hdr-wasm8', 'hdr-histogram-js (WebAssembly) Map get + recordValue(us)', G_8, 'hdr-histogram-js', off => {
    for (let i = 0; i < OPS; i++) hdrWasm.get(T8[i & 7]).recordValue(MICROS[off + i])
  }),
  row('dd-record8', 'DDSketch Map get + accept(v)', G_8, 'DDSketch', off => {
    for (let i = 0; i < OPS; i++) sketches.get(T8[i & 7]).accept(VALUES[off + i])
  }),

  row('tally-observe1', 'wasm-tally observe(topic, "duration", v)', G_1, 'wasm-tally', off => {
    for (let i = 0; i < OPS; i++) tally.observe(ONE, 'duration', VALUES[off + i])
  }),
  row('prom-labels1', 'prom-client histogram.labels(topic).observe(v)', G_1, 'prom-client', off => {
    for (let i = 0; i < OPS; i++) prom.labels(ONE).observe(VALUES[off + i])
  }),
  row('prom-observe1', 'prom-client histogram.observe({ topic }, v)', G_1, 'prom-client', off => {
    for (let i = 0; i < OPS; i++) prom.observe({ topic: ONE }, VALUES[off + i])
  }),
  row('otel-record1', 'OpenTelemetry histogram.record(v, { topic }), reader attached', G_1, 'OpenTelemetry', off => {
    for (let i = 0; i < OPS; i++) otel.record(VALUES[off + i], { topic: ONE })
  }),
  row('hdr-wasm1', 'hdr-histogram-js (WebAssembly) Map get + recordValue(us)', G_1, 'hdr-histogram-js', off => {
    for (let i = 0; i < OPS; i++) hdrWasm.get(ONE).recordValue(MICROS[off + i])
  }),
  row('dd-record1', 'DDSketch Map get + accept(v)', G_1, 'DDSketch', off => {
    for (let i = 0; i < OPS; i++) sketches.get(ONE).accept(VALUES[off + i])
  }),

  row('core-observe', 'the core\'s observe export alone: bucket, nano-units and two atomic adds in one wasm call', G_PARTS, 'wasm-tally', off => {
    for (let i = 0; i < OPS; i++) coreObserve(coreSumAddress, coreDescriptor, VALUES[off + i])
  }),
  row('search-plain', 'JS binary search over a plain copy of the bounds, counts[b]++ (what observe() ran in JS before)', G_PARTS, 'JS array', off => {
    for (let i = 0; i < OPS; i++) seen[searchPlain(VALUES[off + i])]++
  }),
  row('atomics-floor', 'two 64-bit atomic adds in one wasm call, bucket and nano-units given (the floor of a thread-safe observation)', G_PARTS, 'wasm-tally', off => {
    for (let i = 0; i < OPS; i++) adds(floorSumAddress, BUCKET_OF[off + i], NANOS_OF[off + i])
  }),
  row('design-one-add', 'one 64-bit atomic add in one wasm call (a design counting a bucket and its sum in one word)', G_PARTS, 'wasm-tally', off => {
    const { fn, sum0 } = designCalls.oneAdd
    for (let i = 0; i < OPS; i++) fn(sum0, BUCKET_OF[off + i], NANOS_OF[off + i])
  }),
  row('design-one-packed', 'a whole observation with one 64-bit atomic add: the core\'s bucket and units, then count and units packed in the bucket\'s word (not sound: exact only while a bucket gains under 2^20 observations and 2^44 units between snapshots)', G_PARTS, 'wasm-tally', off => {
    const { fn, sum0, descriptor } = packed
    for (let i = 0; i < OPS; i++) fn(sum0, descriptor, VALUES[off + i])
  }),
  row('design-plain-adds', 'two plain (non-atomic) 64-bit adds in one wasm call: a writer owning its stripe alone (not sound: torn reads, stores seen out of order)', G_PARTS, 'wasm-tally', off => {
    const { fn, sum0 } = designCalls.plainAdds
    for (let i = 0; i < OPS; i++) fn(sum0, BUCKET_OF[off + i], NANOS_OF[off + i])
  }),
  row('design-call', 'a wasm call doing nothing, same arguments (the call\'s own cost)', G_PARTS, 'wasm-tally', off => {
    const { fn, sum0 } = designCalls.nothing
    for (let i = 0; i < OPS; i++) fn(sum0, BUCKET_OF[off + i], NANOS_OF[off + i])
  }),

  // Counters, not observations: the value window only keeps the row shape.
  row('plain-bind-success', 'default table: bind(topic).success()', G_COUNT, 'wasm-tally', () => {
    for (let i = 0; i < OPS; i++) plainHandle.success()
  }, { reference: true, refersTo: undefined }),
  row('schema-bind-success', 'Kafka-schema table: bind(topic).success()', G_COUNT, 'wasm-tally', () => {
    for (let i = 0; i < OPS; i++) schemaHandle.success()
  }, { refersTo: 'histogram/plain-bind-success' }),
  row('plain-record8', 'default table: record(topic, "success"), 8 topics', G_COUNT, 'wasm-tally', () => {
    for (let i = 0; i < OPS; i++) plain.record(T8[i & 7], 'success')
  }, { refersTo: 'histogram/plain-record8' }),
  row('schema-record8', 'Kafka-schema table: record(topic, "success"), 8 topics', G_COUNT, 'wasm-tally', () => {
    for (let i = 0; i < OPS; i++) tally.record(T8[i & 7], 'success')
  }, { refersTo: 'histogram/plain-record8' }),
  row('schema-bytes8', 'Kafka-schema table: record(topic, "bytes", 1500), 8 topics', G_COUNT, 'wasm-tally', () => {
    for (let i = 0; i < OPS; i++) tally.record(T8[i & 7], 'bytes', 1500)
  }, { refersTo: 'histogram/plain-record8' })
]

// Shorter labels for the chart.
const SHORT = {
  'floor-bound': 'JS bucket array (not thread-safe)',
  'prom-bound': 'prom-client labels(topic) child .observe(v)',
  'otel-record8': 'OpenTelemetry record(v, { topic }), reader',
  'otel-record1': 'OpenTelemetry record(v, { topic }), reader'
}

// Nothing above may have frozen the shared bounds (the JS floor reads them).
if (Object.isFrozen(BOUNDS)) throw new Error('BOUNDS was frozen: pass each library a copy')

const rounds = quick ? 3 : 7
const minCpuMs = quick ? 30 : 250
progress(`${rows.length} rows x ${rounds} rounds, ${OPS} observations per call over ${VALUES.length} pre-generated latencies`)
const summaries = await interleaved(rows, { rounds, minCpuMs })

// ---- Every observation where it belongs, exactly ----

/** Expected bucket counts of a row's calls: call k observed window k % WINDOWS; every `step`-th value from `offset`. */
function expectedBuckets (id, step = 1, offset = 0) {
  const total = new Array(BOUNDS.length + 1).fill(0)
  for (let w = 0; w < WINDOWS; w++) {
    // Calls 0 .. n-1 hit window w this many times.
    const times = Math.floor(calls[id] / WINDOWS) + (w < calls[id] % WINDOWS ? 1 : 0)
    bucketCounts(VALUES, w * OPS, OPS, step, offset).forEach((n, b) => { total[b] += n * times })
  }
  return total
}
const sumOf = a => a.reduce((x, y) => x + y, 0)
const plus = (a, b) => a.map((n, i) => n + b[i])
// Per topic: the bucket counts that each labelled implementation should hold.
const want = { tally: new Map(), prom: new Map(), otel: new Map() }
const zero = () => new Array(BOUNDS.length + 1).fill(0)
for (const t of ALL) for (const m of Object.values(want)) m.set(t, zero())
want.tally.set(BOUND, expectedBuckets('tally-bind'))
want.tally.set(ONE, expectedBuckets('tally-observe1'))
want.prom.set(BOUND, expectedBuckets('prom-bound'))
want.prom.set(ONE, plus(expectedBuckets('prom-labels1'), expectedBuckets('prom-observe1')))
want.otel.set(ONE, expectedBuckets('otel-record1'))
T8.forEach((t, k) => {
  want.tally.set(t, expectedBuckets('tally-observe8', 8, k))
  want.prom.set(t, plus(expectedBuckets('prom-labels8', 8, k), expectedBuckets('prom-observe8', 8, k)))
  want.otel.set(t, expectedBuckets('otel-record8', 8, k))
})

// wasm-tally: two snapshots hold everything (the counters too).
const got = new Map()
const counters = new Map()
for (const snap of [tally.snapshot(), tally.snapshot()]) {
  for (const [t, r] of snap.topics) {
    got.set(t, plus(got.get(t) ?? zero(), r.duration.counts))
    mustEqual(`wasm-tally ${t} count = sum of its buckets`, r.duration.count, sumOf(r.duration.counts))
    const c = counters.get(t) ?? { success: 0, bytes: 0 }
    c.success += r.success
    c.bytes += r.bytes
    counters.set(t, c)
  }
}
// prom-client buckets are cumulative, labelled le.
const promValues = (await prom.get()).values
const promBuckets = t => {
  const cumulative = [...BOUNDS.map(String), '+Inf'].map(le => promValues.find(v => v.metricName === 'delivery_seconds_bucket' && v.labels.topic === t && String(v.labels.le) === le)?.value ?? 0)
  return cumulative.map((n, i) => n - (i > 0 ? cumulative[i - 1] : 0))
}
const { resourceMetrics } = await reader.collect()
const otelPoints = resourceMetrics.scopeMetrics[0].metrics[0].dataPoints
mustEqual('OpenTelemetry bucket bounds', JSON.stringify(otelPoints[0].value.buckets.boundaries), JSON.stringify(BOUNDS))
for (const t of ALL) {
  for (const [impl, have] of [['wasm-tally', got.get(t) ?? zero()], ['prom-client', promBuckets(t)], ['OpenTelemetry', otelPoints.find(p => p.attributes.topic === t)?.value.buckets.counts ?? zero()]]) {
    const key = impl === 'wasm-tally' ? 'tally' : impl === 'prom-client' ? 'prom' : 'otel'
    mustEqual(`${impl} ${t} buckets`, JSON.stringify(have), JSON.stringify(want[key].get(t)))
  }
}
// hdr-histogram-js and DDSketch: counts (their buckets are their own).
const observed = id => calls[id] * OPS
const hdrWant = { [BOUND]: [observed('hdr-wasm-bound'), observed('hdr-js-bound')], [ONE]: [observed('hdr-wasm1'), 0] }
for (const t of T8) hdrWant[t] = [observed('hdr-wasm8') / 8, 0]
const ddWant = { [BOUND]: observed('dd-bound'), [ONE]: observed('dd-record1') }
for (const t of T8) ddWant[t] = observed('dd-record8') / 8
for (const t of ALL) {
  mustEqual(`hdr-histogram-js (WebAssembly) ${t}`, hdrWasm.get(t).totalCount, hdrWant[t][0])
  mustEqual(`hdr-histogram-js (JS) ${t}`, hdrJs.get(t).totalCount, hdrWant[t][1])
  mustEqual(`DDSketch ${t}`, sketches.get(t).count, ddWant[t])
}
mustEqual('JS bucket array', sumOf(floor.counts), observed('floor-bound'))
const floorCounts = [atomicsTable.snapshot(), atomicsTable.snapshot()].reduce((a, snap) => plus(a, snap.topics.get(FLOOR)?.duration.counts ?? zero()), zero())
mustEqual('the atomic-adds floor row\'s buckets', JSON.stringify(floorCounts), JSON.stringify(expectedBuckets('atomics-floor')))
const coreCounts = [coreTable.snapshot(), coreTable.snapshot()].reduce((a, snap) => plus(a, snap.topics.get(FLOOR)?.duration.counts ?? zero()), zero())
mustEqual('the core-call row\'s buckets', JSON.stringify(coreCounts), JSON.stringify(expectedBuckets('core-observe')))
mustEqual('bucket searches', sumOf(seen), observed('search-plain'))
const designCounts = name => [designTables[name].snapshot(), designTables[name].snapshot()].reduce((a, snap) => plus(a, snap.topics.get(FLOOR)?.duration.counts ?? zero()), zero())
mustEqual('the one-add row\'s buckets', JSON.stringify(designCounts('oneAdd')), JSON.stringify(expectedBuckets('design-one-add')))
mustEqual('the plain-adds row\'s buckets (one thread: nothing races)', JSON.stringify(designCounts('plainAdds')), JSON.stringify(expectedBuckets('design-plain-adds')))
mustEqual('the empty call counted nothing', sumOf(designCounts('nothing')), 0)
// The packed row's words, read raw: per bucket, (2^44 + units) summed over its observations, modulo 2^64.
const packedWords = new BigUint64Array(packedTable.memory.buffer, packed.sum0 + 16, BOUNDS.length + 1)
const packedWant = new Array(BOUNDS.length + 1).fill(0n)
for (let w = 0; w < WINDOWS; w++) {
  const times = BigInt(Math.floor(calls['design-one-packed'] / WINDOWS) + (w < calls['design-one-packed'] % WINDOWS ? 1 : 0))
  for (let i = w * OPS; i < (w + 1) * OPS; i++) packedWant[BUCKET_OF[i]] += times * ((1n << BigInt(PACKED_UNIT_BITS)) + BigInt(NANOS_OF[i]))
}
mustEqual('the one-packed-add row\'s bucket words', [...packedWords].join(), packedWant.map(n => BigInt.asUintN(64, n)).join())
// The counter rows.
const plainCounted = new Map()
for (const snap of [plain.snapshot(), plain.snapshot()]) for (const [t, r] of snap.topics) plainCounted.set(t, (plainCounted.get(t) ?? 0) + r.success)
mustEqual('default table bound success', plainCounted.get(BOUND) ?? 0, observed('plain-bind-success'))
mustEqual('Kafka-schema table bound success', counters.get(ONE)?.success ?? 0, observed('schema-bind-success'))
for (const t of T8) {
  mustEqual(`default table ${t} success`, plainCounted.get(t) ?? 0, observed('plain-record8') / 8)
  mustEqual(`Kafka-schema table ${t} success`, counters.get(t)?.success ?? 0, observed('schema-record8') / 8)
  mustEqual(`Kafka-schema table ${t} bytes`, counters.get(t)?.bytes ?? 0, observed('schema-bytes8') / 8 * 1500)
}
const total = Object.values(calls).reduce((a, b) => a + b, 0) * OPS
progress(`counts verified: ${total.toLocaleString('en')} operations; wasm-tally, prom-client and OpenTelemetry agree bucket by bucket (values on a bound included)`)
for (const h of hdrWasm.values()) h.destroy()

emit({
  id: 'histogram',
  title: 'Suite 8: cost per histogram observation, one thread',
  unit: 'ns/op',
  ratio: 'cost relative to wasm-tally bind(topic).observe() (lower is faster); the counter rows relative to the default table\'s row of the same kind',
  params: { rounds, minCpuMs, opsPerCall: OPS, values: VALUES.length, bounds: BOUNDS },
  notes: [
    `Values: ${VALUES.length} pre-generated delivery latencies (5 % exactly on a bound, 70 % around 8 ms, 22 % around 60 ms, 3 % around 1.5 s), the same for every row; hdr-histogram-js records them as whole microseconds, converted before timing.`,
    'wasm-tally, prom-client and OpenTelemetry share the 14 bounds (15 buckets) and are checked bucket by bucket after the rounds; hdr-histogram-js and DDSketch keep their own buckets and are checked by count.',
    'bind().observe() is one call into the core, which finds the bucket (a table lookup on the value\'s leading bits and one compare), converts the value to nano-units and makes two atomic adds (assembly/histogram.ts). The parts rows: that core call alone, with no JS around it; the JS binary search over a plain copy of the bounds (what observe() ran in JS before the search moved into the core); and the two atomic adds alone in one wasm call with bucket and nano-units given (bench/wasm/two-adds.mjs, compiled from source: not in the shipped core), what any thread-safe observation pays before it has searched a bucket. Their buckets are checked too.',
    'Other designs\' floors, for the targets the two atomic adds miss (bench/wasm/two-adds.mjs): one atomic add (a bucket count and its sum packed in one word, which would need a carry scheme per bucket); two plain adds (a writer that owns its stripe alone: wasm and JS do not promise that another thread reads a plain 64-bit store whole, nor that it sees two plain stores in order, and the sum\'s carry cell must be seen before its units); and a wasm call doing nothing.'
  ],
  rows: rows.map((r, i) => ({ id: r.id, label: r.label, short: SHORT[r.id], group: r.group, impl: r.impl, reference: r.reference, refersTo: r.refersTo, ...summaries[i] }))
})
