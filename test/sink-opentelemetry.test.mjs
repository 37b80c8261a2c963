// The OpenTelemetry sink with the real SDK: a MeterProvider's
// PeriodicExportingMetricReader collects the sink (a MetricProducer) beside
// the SDK's own instruments, and the exporter's data points equal the
// snapshots: sums per topic and error.type, explicit-bucket histograms with
// the table's bounds, the overflow row as otel.metric.overflow=true.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import {
  AggregationTemporality, ConsoleMetricExporter, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader
} from '@opentelemetry/sdk-metrics'
import { Tally, flushEvery } from '../dist/index.js'
import { KafkaTally, DURATION_BOUNDS } from '../dist/kafkajs/index.js'
import { openTelemetrySink } from '../dist/sinks/opentelemetry.js'
import { OVERFLOW, recordRound } from './helpers/kafka-metrics.mjs'

const SEND = { 'messaging.system': 'kafka', 'messaging.operation.name': 'send' }

function pipeline (sink, temporality = AggregationTemporality.CUMULATIVE) {
  const exporter = new InMemoryMetricExporter(temporality)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, metricProducers: [sink] })
  const provider = new MeterProvider({ readers: [reader] })
  return {
    provider,
    /** Collects and exports now; the metrics of the last export, by name. */
    async export () {
      await reader.forceFlush()
      const last = exporter.getMetrics().at(-1)
      const byName = {}
      for (const scope of last.scopeMetrics) for (const m of scope.metrics) byName[m.descriptor.name] = { ...m, scope: scope.scope.name }
      return byName
    }
  }
}

const pointsOf = (metric, match) => metric.dataPoints.filter(p => Object.entries(match).every(([k, v]) => p.attributes[k] === v))

test('a KafkaTally through a real reader and exporter: every data point equals what was recorded and flushed', async () => {
  const sink = openTelemetrySink()
  const otel = pipeline(sink)
  otel.provider.getMeter('app').createCounter('app.requests').add(3)
  const kafkaTally = await KafkaTally.create({ capacity: 4, errorCapacity: 4, onOverflow: () => {} })
  const snaps = []
  const flusher = flushEvery(kafkaTally, 60_000, snap => { snaps.push(structuredClone(snap)); return sink.write(snap) }, { timer: false })
  const expected = new Map()
  try {
    for (let round = 0; round < 3; round++) {
      recordRound(kafkaTally, expected, 10, round)
      await flusher.flush()
    }
    assert.is(await flusher.stop(), undefined)
    const metrics = await otel.export()
    assert.is(metrics['app.requests'].dataPoints[0].value, 3, 'the SDK\'s own counter is exported beside them')

    const sent = metrics['messaging.client.sent.messages']
    assert.is(sent.scope, 'wasm-tally')
    assert.is(sent.dataPointType, DataPointType.SUM)
    assert.ok(sent.isMonotonic)
    assert.is(sent.aggregationTemporality, AggregationTemporality.CUMULATIVE)
    assert.is(sent.descriptor.unit, '{message}')
    const duration = metrics['messaging.client.operation.duration']
    assert.is(duration.dataPointType, DataPointType.HISTOGRAM)
    assert.is(duration.descriptor.unit, 's')
    const bytes = metrics['wasm_tally.messaging.sent.bytes']
    assert.is(bytes.descriptor.unit, 'By')

    for (const [topic, e] of expected) {
      if (topic === OVERFLOW) continue
      const points = pointsOf(sent, { 'messaging.destination.name': topic })
      const ok = points.filter(p => p.attributes['error.type'] === undefined)
      assert.equal(ok.map(p => p.attributes), [{ ...SEND, 'messaging.destination.name': topic }], `${topic}: attributes as the instrumentation names them`)
      assert.is(ok[0].value, e.ok)
      assert.equal(Object.fromEntries(points.filter(p => p.attributes['error.type'] !== undefined).map(p => [p.attributes['error.type'], p.value])), e.failed)
      assert.is(pointsOf(bytes, { 'messaging.destination.name': topic })[0].value, e.bytes)
      const [h] = pointsOf(duration, { 'messaging.destination.name': topic })
      assert.equal(h.value.buckets.boundaries, DURATION_BOUNDS)
      assert.equal(h.value.buckets.counts, e.durations.counts)
      assert.is(h.value.count, e.durations.count)
      let nanos = 0n // the snapshots' sums added exactly, converted once
      for (const s of snaps) if (s.topics.get(topic)?.sendDuration.count > 0) nanos += BigInt(Math.round(s.topics.get(topic).sendDuration.sum * 1e9))
      assert.is(h.value.sum, Number(nanos / 1_000_000_000n) + Number(nanos % 1_000_000_000n) / 1e9, `${topic}: the sum of the snapshots' sums`)
    }
    const overflow = pointsOf(sent, { 'otel.metric.overflow': true })
    assert.equal(overflow.map(p => p.attributes), [{ 'otel.metric.overflow': true }])
    const o = expected.get(OVERFLOW)
    assert.is(overflow[0].value, o.ok + o.failed.overflow)
    assert.equal(pointsOf(duration, { 'otel.metric.overflow': true })[0].value.buckets.counts, o.durations.counts)

    // Every message of every snapshot, once.
    let flushed = 0
    for (const s of snaps) {
      flushed += s.overflow.success + s.overflow.error
      for (const row of s.topics.values()) flushed += row.success + row.error
    }
    assert.is(sent.dataPoints.reduce((n, p) => n + p.value, 0), flushed)

    // Cumulative: a later collection adds the new traffic; each series keeps its start time.
    const before = pointsOf(sent, { 'messaging.destination.name': 'metrics.topic-2' })[0]
    kafkaTally.success('metrics.topic-2', 5)
    await sink.write(kafkaTally.snapshot())
    const after = pointsOf((await otel.export())['messaging.client.sent.messages'], { 'messaging.destination.name': 'metrics.topic-2' })[0]
    assert.is(after.value, before.value + 5)
    assert.equal(after.startTime, before.startTime)
  } finally {
    await otel.provider.shutdown()
  }
})

test('delta temporality: each collection holds what came since the previous one', async () => {
  const sink = openTelemetrySink({ temporality: 'delta' })
  const otel = pipeline(sink, AggregationTemporality.DELTA)
  const kafkaTally = await KafkaTally.create({ capacity: 16 })
  try {
    kafkaTally.success('orders', 4)
    kafkaTally.tally.observe('orders', 'sendDuration', 0.2)
    sink.write(kafkaTally.snapshot())
    const first = await otel.export()
    kafkaTally.success('orders', 6)
    sink.write(kafkaTally.snapshot())
    const second = await otel.export()
    const a = first['messaging.client.sent.messages']
    const b = second['messaging.client.sent.messages']
    assert.is(a.aggregationTemporality, AggregationTemporality.DELTA)
    assert.is(a.dataPoints[0].value, 4)
    assert.is(b.dataPoints[0].value, 6)
    assert.equal(b.dataPoints[0].startTime, a.dataPoints[0].endTime, 'the second interval starts where the first ended')
    assert.is(second['messaging.client.operation.duration'], undefined, 'no observations since: no histogram points')
  } finally {
    await otel.provider.shutdown()
  }
})

test('the default table: kafka.producer.messages{topic, outcome}; the overflow row as otel.metric.overflow=true', async () => {
  const sink = openTelemetrySink()
  const otel = pipeline(sink)
  const tally = await Tally.create({ capacity: 2, onOverflow: () => {} })
  try {
    tally.record('a', 'success', 3)
    tally.record('a', 'error', 1)
    tally.record('b', 'success', 2)
    tally.record('c', 'success', 9)
    const flusher = flushEvery(tally, 60_000, sink, { timer: false })
    assert.is(await flusher.stop(), undefined)
    const points = (await otel.export())['kafka.producer.messages'].dataPoints.map(p => [p.attributes, p.value])
    assert.equal(points, [
      [{ topic: 'a', outcome: 'success' }, 3],
      [{ topic: 'a', outcome: 'error' }, 1],
      [{ topic: 'b', outcome: 'success' }, 2],
      [{ 'otel.metric.overflow': true, outcome: 'success' }, 9]
    ])
  } finally {
    await otel.provider.shutdown()
  }
})

test('the console exporter prints the histogram with its bounds and counts', async () => {
  const sink = openTelemetrySink()
  const reader = new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 3_600_000, metricProducers: [sink] })
  const provider = new MeterProvider({ readers: [reader] })
  const printed = []
  const dir = console.dir
  console.dir = (value) => { printed.push(value) }
  try {
    const kafkaTally = await KafkaTally.create({ capacity: 16 })
    for (const v of [0.003, 0.04, 0.04, 3]) kafkaTally.tally.observe('orders', 'sendDuration', v)
    sink.write(kafkaTally.snapshot())
    await reader.forceFlush()
    await provider.shutdown() // exports once more, into `printed`
  } finally {
    console.dir = dir
  }
  const histogram = printed.find(m => m.descriptor?.name === 'messaging.client.operation.duration')
  assert.ok(histogram, 'the histogram was printed')
  const { value } = histogram.dataPoints[0]
  assert.equal(value.buckets.boundaries, DURATION_BOUNDS)
  assert.equal(value.buckets.counts, [1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0])
  assert.is(value.count, 4)
  assert.ok(Math.abs(value.sum - 3.083) < 1e-12)
})

test('the consumer\'s columns: consumed and processed messages (failures by error.type), consumed bytes, process durations', async () => {
  const sink = openTelemetrySink()
  const otel = pipeline(sink)
  const kafkaTally = await KafkaTally.create({ capacity: 16 })
  try {
    const t = kafkaTally.tally
    t.record('orders', 'consumed', 10)
    t.record('orders', 'processed', 7)
    t.record('orders', 'processErrors', 3)
    t.record('orders', 'consumedBytes', 640)
    for (const v of [0.002, 0.08, 0.08]) t.observe('orders', 'processDuration', v)
    const snap = kafkaTally.snapshot()
    // Handler failures by cause, in the shape of `errors` (the consumer's instrumentation adds them; set here by hand).
    snap.processErrors = new Map([['orders', { retriable: 0, nonRetriable: 2, kinds: new Map([['TypeError', 2]]) }]])
    sink.write(snap)
    const metrics = await otel.export()
    const receive = { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders', 'messaging.operation.name': 'receive' }
    const process = { ...receive, 'messaging.operation.name': 'process' }
    const points = name => metrics[name].dataPoints.map(p => [p.attributes, p.value])
    assert.equal(points('messaging.client.consumed.messages'), [[receive, 10]])
    assert.equal(points('wasm_tally.messaging.consumed.bytes'), [[receive, 640]])
    assert.equal(points('wasm_tally.messaging.processed.messages').sort((a, b) => a[1] - b[1]), [
      [{ ...process, 'error.type': '_OTHER' }, 1],
      [{ ...process, 'error.type': 'TypeError' }, 2],
      [process, 7]
    ], 'three failures: two of a known kind, one not')
    const [[attributes, h]] = points('messaging.process.duration')
    assert.equal(attributes, process)
    assert.equal(h.buckets.counts, [1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    assert.is(metrics['messaging.client.sent.messages'], undefined, 'nothing sent: no sent-messages points')
  } finally {
    await otel.provider.shutdown()
  }
})

test('options are checked where the sink is made', () => {
  assert.throws(() => openTelemetrySink({ temporality: 'sometimes' }), /temporality must be "cumulative" or "delta"/)
  assert.throws(() => openTelemetrySink({ naming: 'otel' }), /naming must be "auto", "kafka", "generic" or "outcome"/)
})

test.run()
