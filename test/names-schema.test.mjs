// Names and limits a schema meets: columns named like the metadata sinks
// write beside them, exported names two metrics would share (Prometheus,
// OpenTelemetry, StatsD), the core's limits on a row, and histogram sums
// added across flushes in exact units.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import StatsD from 'hot-shots'
import { Registry } from 'prom-client'
import { MeterProvider, PeriodicExportingMetricReader, InMemoryMetricExporter, AggregationTemporality } from '@opentelemetry/sdk-metrics'
import { Tally, flushEvery } from '../dist/index.js'
import { prometheusSink } from '../dist/sinks/prometheus.js'
import { statsdSink } from '../dist/sinks/statsd.js'
import { openTelemetrySink } from '../dist/sinks/opentelemetry.js'
import { toRecords } from '../dist/sinks/kafka.js'
import { TotalsReader } from '../dist/sinks/kafka-totals.js'

const refused = async (options, pattern, kind = RangeError) => {
  try {
    await Tally.create(options)
  } catch (e) {
    assert.instance(e, kind)
    assert.match(e.message, pattern)
    return
  }
  assert.unreachable(`accepted ${JSON.stringify(options).slice(0, 80)}`)
}

test('a column or histogram named like a record field is refused at create, naming the rule and the name', async () => {
  for (const name of ['topic', 'overflow', 'epoch', 'time', 'source', 'batch', 'table', 'sequence']) {
    await refused({ columns: ['success', name] }, new RegExp(`column name must not be one of topic, overflow, epoch, time, source, batch, table, sequence .*got "${name}"`))
    await refused({ histograms: { [name]: [1] } }, new RegExp(`histogram name must not be one of .*got "${name}"`))
  }
})

test('every column comes back through the Kafka records and the aggregate reader exactly', async () => {
  const tally = await Tally.create({ columns: ['success', 'error', 'retries'], histograms: { size: [10, 100] } })
  tally.record('orders', 'success', 10)
  tally.record('orders', 'retries', 3)
  tally.observe('orders', 'size', 50)
  const reader = new TotalsReader()
  for (const m of toRecords(tally.snapshot(), 1, 'h:1')) assert.is(reader.add(m.value), 'counted')
  assert.equal(reader.totals().topics.orders, { success: 10, error: 0, retries: 3, size: { count: 1, sum: 50, counts: [0, 1, 0] } })
})

test('a schema over the core\'s limits gets an error naming the limit and the value, before any memory is made', async () => {
  await refused({ columns: Array.from({ length: 1025 }, (_, i) => `c${i}`) }, /a row holds at most 1024 cells .*got 1025 \(1025 columns, 0 histograms\)/)
  await refused({ histograms: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`h${i}`, Array.from({ length: 63 }, (_, j) => j)])) }, /a row holds at most 1024 cells .*got 1058 \(2 columns, 16 histograms\)/)
  const long = Array.from({ length: 600 }, (_, i) => `column_${i}_${'x'.repeat(100)}`)
  await refused({ columns: long }, /a schema's JSON text is at most 65536 bytes \(64 KiB\), got \d+/)
  await refused({ capacity: 2 ** 20 + 1 }, /capacity must be an integer from 1 to 1048576, got 1048577/)
  await refused({ stripes: 257 }, /stripes must be an integer from 1 to 256, got 257/)
  await refused({ capacity: 2 ** 20, stripes: 256 }, /needs [\d.]+ GiB, over the 4 GiB a wasm32 memory holds/)
})

test('Prometheus: columns whose exported names clash are refused when the sink is made, naming both', async () => {
  const clashes = [
    [{ columns: ['requests', 'requests_total'] }, /"requests_total"\).*"requests"\).*wasm_tally_requests_total|"requests"\).*"requests_total"\).*wasm_tally_requests_total/],
    [{ columns: ['a__b', 'a_b'] }, /"a_b".*"a__b"|"a__b".*"a_b"/],
    [{ columns: ['x'], histograms: { x_total: [1] } }, /wasm_tally_x_total/],
    [{ columns: ['h_sum'], histograms: { h: [1] } }, /wasm_tally_h_sum/]
  ]
  for (const [schema, pattern] of clashes) {
    assert.throws(() => prometheusSink({ registry: new Registry(), schema }), e => e instanceof TypeError && /^prometheus: .* would both be exported as /.test(e.message) && pattern.test(e.message), JSON.stringify(schema))
  }
  assert.throws(() => prometheusSink({ registry: new Registry(), schema: { columns: ['a', 'b'] }, rename: { a: 'wasm_tally.c', b: 'wasm_tally.c' } }), /would both be exported as wasm_tally_c_total/)
  assert.not.throws(() => prometheusSink({ registry: new Registry(), schema: { columns: ['requests', 'requests_total'] }, rename: { requests_total: 'wasm_tally.requests_all' } }))
})

test('Prometheus without the schema: the first flush is refused whole, nothing summed into one series', async () => {
  const tally = await Tally.create({ columns: ['requests', 'requests_total'] })
  tally.record('orders', 'requests', 5)
  tally.record('orders', 'requests_total', 7)
  const registry = new Registry()
  const sink = prometheusSink({ registry })
  assert.throws(() => sink.write(tally.snapshot()), /would both be exported as wasm_tally_requests_total/)
  assert.equal(await registry.getMetricsAsJSON(), [], 'nothing added')
})

test('OpenTelemetry and StatsD: names two metrics would share are refused, naming both', () => {
  assert.throws(() => openTelemetrySink({ schema: { columns: ['a', 'b'] }, rename: { a: 'Requests', b: 'requests' } }), /^opentelemetry: counter "requests" \(from "b"\) and counter "Requests" \(from "a"\) would both be exported as requests/)
  const client = new StatsD({ mock: true, maxBufferSize: 0 })
  assert.throws(() => statsdSink(client, { schema: { columns: ['a'], histograms: { h: [1] } }, rename: { a: 'wasm_tally.h.sum' } }), /statsd: .* would both be exported as wasm_tally\.h\.sum/)
  assert.not.throws(() => statsdSink(client, { schema: { columns: ['a__b', 'a_b'] } }), 'StatsD keeps both names as they are')
})

test('a topicAttribute the sinks set beside the topic is refused (the overflow flag, outcome, le)', () => {
  for (const topicAttribute of ['otel.metric.overflow', 'otel_metric_overflow', 'outcome', 'le']) {
    assert.throws(() => prometheusSink({ registry: new Registry(), topicAttribute }), new RegExp(`topicAttribute must not be otel.metric.overflow, outcome or le .*got "${topicAttribute}"`))
    assert.throws(() => openTelemetrySink({ topicAttribute }), /topicAttribute must not be/)
  }
  assert.not.throws(() => prometheusSink({ registry: new Registry(), topicAttribute: 'destination' }))
})

test('ten flushes of one 0.1 observation export a sum of exactly 1 (Prometheus and OpenTelemetry)', async () => {
  const tally = await Tally.create({ columns: ['success'], histograms: { latency: [0.5] } })
  const registry = new Registry()
  const otel = openTelemetrySink({ schema: tally.schema })
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, metricProducers: [otel] })
  const provider = new MeterProvider({ readers: [reader] })
  const prom = prometheusSink({ registry, schema: tally.schema })
  const flusher = flushEvery(tally, 60_000, async snap => { await prom.write(snap); await otel.write(snap) }, { timer: false })
  for (let i = 0; i < 10; i++) {
    tally.observe('orders', 'latency', 0.1)
    await flusher.flush()
  }
  assert.is(await flusher.stop(), undefined)
  const family = (await registry.getMetricsAsJSON()).find(m => m.name === 'wasm_tally_latency')
  assert.is(family.values.find(v => v.metricName === 'wasm_tally_latency_sum').value, 1)
  assert.is(family.values.find(v => v.metricName === 'wasm_tally_latency_count').value, 10)
  await reader.forceFlush()
  const [h] = exporter.getMetrics().at(-1).scopeMetrics.flatMap(s => s.metrics).filter(m => m.descriptor.name === 'wasm_tally.latency').flatMap(m => m.dataPoints)
  assert.is(h.value.sum, 1)
  assert.is(h.value.count, 10)
  await provider.shutdown()
})

// Each batch's sum is a double, units / 10^k: at a resolution other than 1e-9
// its nano-units, taken from the double's binary fraction, were off by up to
// half its ulp (123456789012.345 gave ...345001221 nano-units), and the error
// grew with every flush until the exported sum moved.
test('sums at resolutions 1e-3 and 0.1 over many flushes export the exact decimal total (Prometheus and OpenTelemetry)', async () => {
  for (const [resolution, value, flushes, total] of [[1e-3, 159872631406.341, 10, 1598726314063.41], [0.1, 5108878166370.6, 100, 510887816637060]]) {
    const tally = await Tally.create({ columns: ['success'], histograms: { size: { bounds: [1], resolution } } })
    const registry = new Registry()
    const otel = openTelemetrySink({ schema: tally.schema })
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, metricProducers: [otel] })
    const provider = new MeterProvider({ readers: [reader] })
    const prom = prometheusSink({ registry, schema: tally.schema })
    const flusher = flushEvery(tally, 60_000, async snap => { await prom.write(snap); await otel.write(snap) }, { timer: false })
    for (let i = 0; i < flushes; i++) {
      tally.observe('orders', 'size', value)
      await flusher.flush()
    }
    assert.is(await flusher.stop(), undefined)
    const family = (await registry.getMetricsAsJSON()).find(m => m.name === 'wasm_tally_size')
    assert.is(family.values.find(v => v.metricName === 'wasm_tally_size_sum').value, total, `Prometheus, resolution ${resolution}`)
    await reader.forceFlush()
    const [h] = exporter.getMetrics().at(-1).scopeMetrics.flatMap(s => s.metrics).filter(m => m.descriptor.name === 'wasm_tally.size').flatMap(m => m.dataPoints)
    assert.is(h.value.sum, total, `OpenTelemetry, resolution ${resolution}`)
    assert.is(h.value.count, flushes)
    await provider.shutdown()
  }
})

test('the Kafka aggregate reader adds sums exactly: ten batches of one 0.1 make 1; at resolutions 1e-3 and 1 the exact decimal total', async () => {
  // sum * 1e9 past 2^53 is rounded, and the total's nano-units / 1e9 rounded again: 2055097248742589.8 for whole bytes.
  for (const [resolution, value, batches, total] of [[1e-9, 0.1, 10, 1], [1e-3, 429271251987.795, 10, 4292712519877.95], [1, 205509724874259, 10, 2055097248742590]]) {
    const tally = await Tally.create({ columns: ['success'], histograms: { size: { bounds: [1], resolution } } })
    const reader = new TotalsReader()
    for (let i = 0; i < batches; i++) {
      tally.observe('orders', 'size', value)
      for (const m of toRecords(tally.snapshot(), i + 1, 'h:1')) assert.is(reader.add(m.value), 'counted')
    }
    const size = reader.totals().topics.orders.size
    assert.is(size.count, batches)
    assert.is(size.sum, total, `resolution ${resolution}`)
  }
})

test.run()
