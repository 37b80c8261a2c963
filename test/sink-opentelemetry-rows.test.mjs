// The OpenTelemetry sink reading a batch in place (writeRows, what a flusher
// calls) against the same sink written the batch's own Snapshot (write()),
// each collected by a real MeterProvider's reader into an in-memory
// exporter: flush after flush, both export the same data points (sums,
// explicit-bucket histograms with exact nano-unit sums past 2^53 units and at
// other resolutions, the overflow row, /invalid-topic, failures by cause,
// renamed metrics), cumulative and delta, and refuse a batch alike.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { Tally } from '../dist/index.js'
import { openTelemetrySink } from '../dist/sinks/opentelemetry.js'
import { described, twoWays } from './helpers/two-ways.mjs'
import { recordRich, richTable } from './helpers/rich-table.mjs'

/** A sink collected by its own reader and exporter; a clock that moves on at every reading (both sinks read it alike or differ). */
function collected (options, temporality) {
  let t = 1_700_000_000_000
  const sink = openTelemetrySink({ ...options, temporality: temporality === AggregationTemporality.DELTA ? 'delta' : 'cumulative', now: () => (t += 250) })
  const exporter = new InMemoryMetricExporter(temporality)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, metricProducers: [sink] })
  const provider = new MeterProvider({ readers: [reader] })
  return {
    sink,
    provider,
    async exported () {
      await reader.forceFlush()
      return exporter.getMetrics().at(-1).scopeMetrics
    }
  }
}

const pointsIn = scopes => scopes.flatMap(s => s.metrics.flatMap(m => m.dataPoints))

test('a KafkaTally with every kind of cell: the same data points in place as from the Snapshot, flush after flush', async () => {
  for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
    for (const options of [
      table => ({ schema: table.tally.schema }),
      table => ({ schema: table.tally.schema, overflowTopic: '/full', rename: { 'messaging.client.sent.messages': 'app.sent', size: 'app.size' }, units: { size: 'By', wait: 's' } })
    ]) {
      const kt = await richTable()
      const [a, b] = [collected(options(kt), temporality), collected(options(kt), temporality)]
      const { flusher, outcomes } = twoWays(kt, a.sink, b.sink)
      try {
        for (let round = 0; round < 4; round++) {
          recordRich(kt, round)
          assert.ok((await flusher.flush()).delivered, `round ${round}`)
          const [ea, eb] = [await a.exported(), await b.exported()]
          assert.equal(ea, eb, `round ${round}, temporality ${temporality}, ${JSON.stringify(options(kt))}`)
          const points = pointsIn(ea)
          assert.ok(points.length > 15, `precondition: points exported (${points.length})`)
          if (round === 3) {
            assert.ok(points.some(p => p.attributes['otel.metric.overflow'] === true || p.attributes['messaging.destination.name'] === '/full'), 'precondition: the overflow row')
            assert.ok(points.some(p => p.attributes['messaging.destination.name'] === '/invalid-topic'), 'precondition: /invalid-topic')
            assert.ok(points.some(p => typeof p.value === 'object' && p.value.sum > 2 ** 53), 'precondition: a sum past 2^53 units')
          }
        }
      } finally {
        await flusher.stop()
        await a.provider.shutdown()
        await b.provider.shutdown()
      }
      assert.ok(outcomes.length === 4 && outcomes.every(o => o.every(x => x.ok)), JSON.stringify(outcomes.map(o => o.map(described))))
    }
  }
})

test('refused alike: histograms whose bounds the sink cannot know, and rows whose buckets do not fit the declared bounds; nothing is added either way', async () => {
  // No schema given: the sink knows the Kafka durations' bounds only.
  const kt = await richTable()
  const [a, b] = [collected({}, AggregationTemporality.CUMULATIVE), collected({}, AggregationTemporality.CUMULATIVE)]
  const ways = twoWays(kt, a.sink, b.sink)
  recordRich(kt, 0)
  assert.is((await ways.flusher.flush()).delivered, false)
  const [ia, ib] = ways.outcomes[0].map(described)
  assert.match(ia.error, /histogram size: the snapshot does not carry its bucket bounds/)
  assert.equal(ia, ib)
  assert.equal(await a.exported(), await b.exported())
  assert.equal(pointsIn(await a.exported()), [], 'nothing was added')
  await ways.flusher.stop()
  await a.provider.shutdown(); await b.provider.shutdown()

  // Declared bounds of another length than the rows': refused at the histogram, after the counters were taken.
  const tally = await Tally.create({ capacity: 4, columns: ['requests'], histograms: { latency: [1, 5, 10] } })
  const declared = { schema: { columns: ['requests'], histograms: { latency: [2, 4] } } }
  const [c, d] = [collected(declared, AggregationTemporality.CUMULATIVE), collected(declared, AggregationTemporality.CUMULATIVE)]
  const other = twoWays(tally, c.sink, d.sink)
  tally.record('y', 'requests', 3); tally.observe('y', 'latency', 3)
  assert.is((await other.flusher.flush()).delivered, false)
  const [ic, id] = other.outcomes[0].map(described)
  assert.match(ic.error, /RangeError: histogram latency: 4 buckets do not fit 2 bounds/)
  assert.equal(ic, id)
  assert.equal(pointsIn(await c.exported()), [], 'the counter taken before the refusal was not added')
  assert.equal(await c.exported(), await d.exported())
  await other.flusher.stop()
  await c.provider.shutdown(); await d.provider.shutdown()
})

test('the default table and a generic schema: the same data points in place as from the Snapshot', async () => {
  for (const [label, make, options] of [
    ['default table', () => Tally.create({ capacity: 3, onOverflow: () => {} }), () => ({})],
    ['generic', () => Tally.create({ capacity: 3, columns: ['requests', 'retryCount'], histograms: { latency: { bounds: [1, 5, 10], resolution: 1e-6 } }, onOverflow: () => {} }), t => ({ schema: t.schema, topicAttribute: 'route', prefix: 'shop' })]
  ]) {
    const tally = await make()
    const [a, b] = [collected(options(tally), AggregationTemporality.CUMULATIVE), collected(options(tally), AggregationTemporality.CUMULATIVE)]
    const { flusher } = twoWays(tally, a.sink, b.sink)
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) {
        const topic = `g.${i}`
        if (label === 'default table') tally.record(topic, (i + round) % 3 === 0 ? 'error' : 'success', i + 1)
        else {
          if ((i + round) % 3 !== 0) tally.record(topic, 'requests', i + round + 1)
          if (i % 2 === 1) tally.record(topic, 'retryCount', round + 1)
          for (const v of [0.5, 3.000001, 11.25 * (round + 1)]) tally.observe(topic, 'latency', v)
        }
      }
      assert.ok((await flusher.flush()).delivered)
      const [ea, eb] = [await a.exported(), await b.exported()]
      assert.ok(pointsIn(ea).length > 0)
      assert.equal(ea, eb, `${label}, round ${round}`)
    }
    await flusher.stop()
    await a.provider.shutdown(); await b.provider.shutdown()
  }
})

test.run()
