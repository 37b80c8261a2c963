// The sinks' `attributes` option: constant attributes on every point, e.g. the
// Kafka client a table counts. Two KafkaTallies (one per client) into one
// Prometheus registry, one OpenTelemetry MeterProvider and one StatsD wire:
// each client's series stay apart, with exact totals; without the option
// there is no client attribute. Names the sinks set themselves are refused.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { Registry } from 'prom-client'
import StatsD from 'hot-shots'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { Tally } from '../dist/index.js'
import { KafkaTally } from '../dist/kafkajs/index.js'
import { prometheusSink } from '../dist/sinks/prometheus.js'
import { openTelemetrySink } from '../dist/sinks/opentelemetry.js'
import { statsdSink } from '../dist/sinks/statsd.js'
import { flushEvery } from '../dist/index.js'
import { parseExposition, total } from './helpers/exposition.mjs'
import { listenUdp } from './helpers/udp-listener.mjs'

const CLIENTS = { kafkajs: 7, confluent: 11 } // messages each client's table counted to 'orders'

async function tables () {
  const out = {}
  for (const [client, n] of Object.entries(CLIENTS)) {
    out[client] = await KafkaTally.create({ capacity: 8, onOverflow: () => {} })
    out[client].tally.record('orders', 'success', n)
    out[client].tally.observe('orders', 'sendDuration', 0.004)
    for (let i = 0; i < 20; i++) out[client].tally.record(`more-${i}`, 'success', 1) // past the capacity: the overflow row
  }
  return out
}

function promtoolAccepts (text) {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (run.error) throw new Error(`promtool could not run (install Debian's prometheus package): ${run.error.message}`)
  assert.is(run.status, 0, `promtool check metrics: ${run.stdout}${run.stderr}`)
}

test('Prometheus: two tables into one registry, each sink with its client: the series stay apart (flush on scrape, read in place)', async () => {
  const registry = new Registry()
  const t = await tables()
  for (const client of Object.keys(CLIENTS)) prometheusSink({ registry, tally: t[client], attributes: { 'messaging.client': client } })
  const text = await registry.metrics()
  promtoolAccepts(text)
  const { samples } = parseExposition(text)
  for (const [client, n] of Object.entries(CLIENTS)) {
    assert.is(total(samples, 'messaging_client_sent_messages_total', { messaging_client: client, messaging_destination_name: 'orders' }), n, client)
    assert.is(total(samples, 'messaging_client_operation_duration_seconds_count', { messaging_client: client }), 1, `${client}: its one send observed`)
  }
  assert.is(total(samples, 'messaging_client_sent_messages_total', { messaging_destination_name: 'orders' }), 18, 'the two clients sum to all')
  for (const client of Object.keys(CLIENTS)) {
    const overflow = total(samples, 'messaging_client_sent_messages_total', { messaging_client: client, otel_metric_overflow: 'true' })
    const named = total(samples, 'messaging_client_sent_messages_total', { messaging_client: client }) - CLIENTS[client] - overflow
    assert.ok(overflow > 0, `${client}: the overflow row carries the client too`)
    assert.is(named + overflow, 20, `${client}: every other topic counted once`)
  }
})

test('Prometheus: without attributes there is no client label; the default table\'s counter carries them too (Snapshot route)', async () => {
  const plain = new Registry()
  const t = await tables()
  prometheusSink({ registry: plain, tally: t.kafkajs })
  assert.not.match(await plain.metrics(), /messaging_client=/)
  const registry = new Registry()
  const sink = prometheusSink({ registry, attributes: { client: 'kafkajs' } })
  const tally = await Tally.create({ capacity: 4 })
  tally.bind('orders').success(3)
  sink.write(tally.snapshot())
  const text = await registry.metrics()
  promtoolAccepts(text)
  assert.match(text, /kafka_producer_messages_total\{client="kafkajs",topic="orders",outcome="success"\} 3/)
  // A second sink on the same counter with other attribute names cannot label it: refused, naming both.
  assert.throws(() => prometheusSink({ registry, attributes: { runtime: 'bun' } }).counter, /has the labels topic, outcome, client; this sink's would be topic, outcome, runtime/)
})

test('OpenTelemetry: every data point of each client\'s sink carries its attribute, totals exact', async () => {
  const t = await tables()
  const sinks = Object.keys(CLIENTS).map(client => openTelemetrySink({ attributes: { 'messaging.client': client }, scope: { name: `wasm-tally-${client}` } }))
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, metricProducers: sinks })
  const provider = new MeterProvider({ readers: [reader] })
  Object.keys(CLIENTS).forEach((client, i) => { const batch = t[client].snapshot(); sinks[i].write(batch) })
  await reader.forceFlush()
  const last = exporter.getMetrics().at(-1)
  let points = 0
  for (const scope of last.scopeMetrics) {
    const client = scope.scope.name.replace('wasm-tally-', '')
    for (const m of scope.metrics) {
      for (const p of m.dataPoints) {
        points++
        assert.is(p.attributes['messaging.client'], client, `${m.descriptor.name} of ${client}`)
        if (m.descriptor.name === 'messaging.client.sent.messages' && p.attributes['messaging.destination.name'] === 'orders') assert.is(p.value, CLIENTS[client])
      }
    }
  }
  assert.ok(points >= 4, `${points} points`)
  await provider.shutdown()
})

test('StatsD: the tags carry the attribute, in place and for the default table', async () => {
  const { socket, lines, port } = await listenUdp()
  const client = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 0, errorHandler: () => {} })
  try {
    const t = await tables()
    const kafka = flushEvery(t.kafkajs, 60_000, statsdSink(client, { attributes: { 'messaging.client': 'kafkajs' } }))
    await kafka.stop()
    const plain = await Tally.create({ capacity: 4 })
    plain.bind('orders').success(2)
    const outcome = flushEvery(plain, 60_000, statsdSink(client, { attributes: { 'messaging.client': 'kafkajs' } }))
    await outcome.stop()
    const until = Date.now() + 2000
    while (lines.length < 3 && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 10))
    assert.ok(lines.some(l => l.startsWith('messaging.client.sent.messages:7|c|#') && l.includes('messaging.client:kafkajs')), lines.join('\n'))
    assert.ok(lines.some(l => l.startsWith('kafka.producer.messages:2|c|#') && l.includes('messaging.client:kafkajs')), lines.join('\n'))
    assert.ok(lines.every(l => l.includes('messaging.client:kafkajs')), lines.join('\n'))
  } finally {
    await new Promise(resolve => client.close(resolve))
    socket.close()
  }
})

test('attributes naming what the sinks set, or two names Prometheus spells alike, or a value not a string or boolean: refused by rule and value', () => {
  const refusals = [
    [{ topic: 'x' }, /must not name "topic": the sinks set "topic"/],
    [{ 'error.type': 'x' }, /must not name "error.type"/],
    [{ messaging_destination_name: 'x' }, /must not name "messaging_destination_name": the sinks set "messaging.destination.name" on points themselves \(messaging_destination_name in Prometheus\)/],
    [{ le: '1' }, /must not name "le"/],
    [{ bucket: '1' }, /must not name "bucket"/],
    [{ 'a.b': 'x', a_b: 'y' }, /"a.b" and "a_b" are both a_b in Prometheus/],
    [{ client: 3 }, /attributes.client must be a string or boolean, got/],
    [{ '9lives': 'x' }, /must start with a letter or _, got "9lives"/]
  ]
  for (const [attributes, message] of refusals) {
    assert.throws(() => prometheusSink({ registry: new Registry(), attributes }), message, JSON.stringify(attributes))
    assert.throws(() => openTelemetrySink({ attributes }), message, JSON.stringify(attributes))
  }
  assert.throws(() => prometheusSink({ registry: new Registry(), attributes: 'kafkajs' }), /attributes must be an object of name -> string or boolean, got/)
  assert.throws(() => prometheusSink({ registry: new Registry(), topicAttribute: 'dest', attributes: { dest: 'x' } }), /must not name "dest"/)
})

test.run()
