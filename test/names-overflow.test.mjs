// The overflow row and the invalid-topic row never share a name with a user's
// topic: a topic named "__overflow" (legal in Kafka) stays its own row in
// every sink, through a failed StatsD datagram, in the Kafka sink's records
// and the aggregate read of them; a topic named "__invalid_topic" stays apart
// from the topics Kafka would refuse. Counts are compared exactly.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Kafka, logLevel } from 'kafkajs'
import StatsD from 'hot-shots'
import { Registry } from 'prom-client'
import { MeterProvider, PeriodicExportingMetricReader, InMemoryMetricExporter, AggregationTemporality } from '@opentelemetry/sdk-metrics'
import { Tally, flushEvery } from '../dist/index.js'
import { KafkaTally, INVALID_TOPIC, instrumentProducer } from '../dist/kafkajs/index.js'
import { prometheusSink } from '../dist/sinks/prometheus.js'
import { statsdSink } from '../dist/sinks/statsd.js'
import { consoleTableSink } from '../dist/sinks/console-table.js'
import { openTelemetrySink } from '../dist/sinks/opentelemetry.js'
import { kafkaSink, aggregateCounts } from '../dist/sinks/kafka.js'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { listenUdp } from './helpers/udp-listener.mjs'

/** A table of capacity 2: orders 20, "__overflow" 10 (both have rows), then "late" 5 finds it full. */
async function collidingTable () {
  const tally = await Tally.create({ capacity: 2, onOverflow: () => {} })
  tally.record('orders', 'success', 20)
  tally.record('__overflow', 'success', 10)
  tally.record('late', 'success', 5)
  assert.equal(tally.topics(), ['orders', '__overflow'])
  return tally
}

test('Prometheus: a topic named __overflow and the overflow row are two series', async () => {
  const tally = await collidingTable()
  const registry = new Registry()
  const flusher = flushEvery(tally, 60_000, prometheusSink({ registry }), { timer: false })
  assert.is(await flusher.stop(), undefined)
  const [metric] = await registry.getMetricsAsJSON()
  const series = Object.fromEntries(metric.values.map(v => [v.labels.topic, v.value]))
  assert.equal(series, { orders: 20, __overflow: 10, '/overflow': 5 })
})

test('Prometheus, StatsD, the console table, the Kafka sink: an overflowTopic a topic could hold is refused, naming the rule', () => {
  const client = new StatsD({ mock: true, maxBufferSize: 0 })
  const producer = { send: async () => {} }
  for (const make of [
    () => prometheusSink({ registry: new Registry(), overflowTopic: 'full' }),
    () => statsdSink(client, { overflowTopic: 'full' }),
    () => consoleTableSink({ write () {} }, { overflowTopic: 'full' }),
    () => openTelemetrySink({ overflowTopic: 'full' }),
    () => kafkaSink(producer, { topic: 'counts', overflowTopic: 'full' })
  ]) {
    assert.throws(make, e => e instanceof RangeError && /overflowTopic must be a name no topic can hold .*got "full", which is a valid topic name/.test(e.message))
  }
  assert.not.throws(() => prometheusSink({ registry: new Registry(), overflowTopic: '(full)' }))
})

test('StatsD: a failed datagram of topic __overflow is kept as that topic and resent alone (nothing doubled)', async () => {
  const { socket, lines, port } = await listenUdp()
  const client = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 0, errorHandler: () => {} })
  // The first datagram for topic __overflow fails once, unsent.
  const send = client.socket.send
  let failed = 0
  client.socket.send = (buf, callback) => {
    if (failed === 0 && buf.toString().includes('topic:__overflow')) { failed++; setImmediate(() => callback(new Error('send ENOBUFS'))); return }
    send(buf, callback)
  }
  const tally = await Tally.create({ capacity: 3, onOverflow: () => {} })
  tally.record('orders', 'success', 20)
  tally.record('payments', 'error', 3)
  tally.record('__overflow', 'success', 7)
  tally.record('late', 'success', 4) // the table is full: the overflow row
  const flusher = flushEvery(tally, 60_000, statsdSink(client), { timer: false, retryBaseMs: 1 })
  try {
    await flusher.flush().catch(() => {})
    assert.is(failed, 1, 'one datagram failed')
    assert.is(await flusher.stop(), undefined)
    for (let i = 0; i < 100 && lines.length < 5; i++) await new Promise(resolve => setTimeout(resolve, 5))
    await new Promise(resolve => setTimeout(resolve, 30)) // room for a late extra datagram
    const received = {}
    for (const line of lines) {
      const m = /^kafka\.producer\.messages:(\d+)\|c\|#topic:([^,]+),outcome:(\w+)$/.exec(line)
      assert.ok(m, line)
      received[`${m[2]} ${m[3]}`] = (received[`${m[2]} ${m[3]}`] ?? 0) + Number(m[1])
    }
    assert.equal(received, { 'orders success': 20, 'payments error': 3, '__overflow success': 7, '/overflow success': 4 })
  } finally {
    client.close()
    socket.close()
  }
})

test('the console table and OpenTelemetry keep the topic __overflow apart from the overflow row', async () => {
  const tally = await collidingTable()
  const table = consoleTableSink({ write () {} })
  const otel = openTelemetrySink()
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, metricProducers: [otel] })
  const provider = new MeterProvider({ readers: [reader] })
  const snap = tally.snapshot()
  table.write(snap)
  otel.write(snap)
  assert.equal(Object.fromEntries(table.state.totals), { orders: { success: 20, error: 0 }, __overflow: { success: 10, error: 0 }, '/overflow': { success: 5, error: 0 } })
  await reader.forceFlush()
  const points = exporter.getMetrics().at(-1).scopeMetrics.flatMap(s => s.metrics).flatMap(m => m.dataPoints)
  const byTopic = Object.fromEntries(points.map(p => [p.attributes.topic ?? (p.attributes['otel.metric.overflow'] ? 'overflow row' : '?'), p.value]))
  assert.equal(byTopic, { orders: 20, __overflow: 10, 'overflow row': 5 })
  await provider.shutdown()
})

test('Kafka sink and aggregateCounts: topic __overflow 10, orders 20 and the overflow row 5 all come back', async () => {
  const brokers = await ensureBroker()
  const kafka = new Kafka({ clientId: 'names-overflow', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
  const topic = `names-overflow-${Date.now()}-${process.pid}`
  const tally = await collidingTable()
  const sink = kafkaSink({ kafka, topic })
  const flusher = flushEvery(tally, 60_000, sink, { timer: false })
  try {
    assert.is(await flusher.stop(), undefined)
  } finally {
    await sink.close()
  }
  const totals = await aggregateCounts({ kafka, topic })
  assert.equal(totals.topics, { orders: { success: 20, error: 0 }, __overflow: { success: 10, error: 0 } })
  assert.equal(totals.overflow, { success: 5, error: 0 })
  assert.equal(totals.records, { counted: 3, duplicate: 0, invalid: 0 })
  const admin = kafka.admin()
  await admin.connect()
  await admin.deleteTopics({ topics: [topic] }).catch(() => {})
  await admin.disconnect()
})

test('KafkaTally: a topic named __invalid_topic stays apart from the topics Kafka would refuse', async () => {
  const tally = await KafkaTally.create({ capacity: 8, errorCapacity: 4 })
  tally.success('__invalid_topic', 4)
  tally.success('not a topic!', 3)
  tally.error('__invalid_topic', 2, new Error('x'))
  tally.error(42, 1, new Error('y'))
  const snap = tally.snapshot()
  assert.ok(!INVALID_TOPIC.match(/^[a-zA-Z0-9._-]+$/), `${INVALID_TOPIC} is no Kafka topic name`)
  assert.equal({ ...snap.topics.get('__invalid_topic') }, { ...snap.topics.get('__invalid_topic'), success: 4, error: 2 })
  assert.equal({ ...snap.topics.get(INVALID_TOPIC) }, { ...snap.topics.get(INVALID_TOPIC), success: 3, error: 1 })
  assert.is(snap.errors.get('__invalid_topic').nonRetriable, 2)
  assert.is(snap.errors.get(INVALID_TOPIC).nonRetriable, 1)
})

// "/invalid-topic" is no topic name either, so overflowTopic took it, and the
// overflow row then merged with the row of the topics Kafka refuses.
test('an overflowTopic of /invalid-topic is refused by every sink; the two rows stay apart under the default', async () => {
  const client = new StatsD({ mock: true, maxBufferSize: 0 })
  const producer = { send: async () => {} }
  for (const make of [
    () => prometheusSink({ registry: new Registry(), overflowTopic: INVALID_TOPIC }),
    () => statsdSink(client, { overflowTopic: INVALID_TOPIC }),
    () => consoleTableSink({ write () {} }, { overflowTopic: INVALID_TOPIC }),
    () => openTelemetrySink({ overflowTopic: INVALID_TOPIC }),
    () => kafkaSink(producer, { topic: 'counts', overflowTopic: INVALID_TOPIC })
  ]) {
    assert.throws(make, e => e instanceof RangeError && /overflowTopic must not be "\/invalid-topic" \(the row of the topics Kafka refuses\)/.test(e.message))
  }
  // A plain table counting sends (a stand-in producer): the refused topic takes a row of its own.
  const tally = await Tally.create({ capacity: 2, onOverflow: () => {} })
  const counted = instrumentProducer({ send: async () => [] }, tally)
  const messages = n => Array.from({ length: n }, () => ({ value: 'x' }))
  await counted.send({ topic: 'orders', messages: messages(20) })
  await counted.send({ topic: 'not a topic!', messages: messages(3) })
  await counted.send({ topic: 'late', messages: messages(5) }) // the table is full: the overflow row
  const registry = new Registry()
  const flusher = flushEvery(tally, 60_000, prometheusSink({ registry, overflowTopic: '(full)' }), { timer: false })
  assert.is(await flusher.stop(), undefined)
  const [metric] = await registry.getMetricsAsJSON()
  const series = Object.fromEntries(metric.values.filter(v => v.value !== 0).map(v => [v.labels.topic, v.value]))
  assert.equal(series, { orders: 20, [INVALID_TOPIC]: 3, '(full)': 5 })
})

// hot-shots turns ':', '|', '@' and ',' in a tag into '_': an overflowTopic of
// "orders:x" went out as topic:orders_x, merged with that topic; a newline in
// a name or tag split the datagram into lines of other metrics.
test('StatsD: names and tags the client would change or split are refused when the sink is made, naming the character', async () => {
  const client = new StatsD({ mock: true, maxBufferSize: 0 })
  const schema = { columns: ['success', 'error', 'sent'] }
  for (const [options, shown] of [
    [{ overflowTopic: 'orders:x' }, 'overflowTopic "orders:x"'],
    [{ overflowTopic: '(full)\nsent:9|c' }, 'overflowTopic'],
    [{ name: 'sent|c' }, 'name "sent|c"'],
    [{ schema, rename: { sent: 'sent:ok' } }, 'metric "sent:ok"'],
    [{ schema, prefix: 'a b' }, 'metric "a b.success"'],
    [{ schema, topicAttribute: 'topic@x' }, 'topicAttribute "topic@x"']
  ]) {
    assert.throws(() => statsdSink(client, options), e => e instanceof RangeError && e.message.startsWith(`statsd: ${shown}`) && /StatsD's separators/.test(e.message), JSON.stringify(options))
  }
  const tally = await Tally.create({ capacity: 1, onOverflow: () => {} })
  tally.record('orders_x', 'success', 20)
  tally.record('late', 'success', 5)
  const sent = new StatsD({ mock: true, maxBufferSize: 0 })
  const flusher = flushEvery(tally, 60_000, statsdSink(sent, { overflowTopic: '(full)' }), { timer: false })
  assert.is(await flusher.stop(), undefined)
  assert.equal(sent.mockBuffer.sort(), ['kafka.producer.messages:20|c|#topic:orders_x,outcome:success', 'kafka.producer.messages:5|c|#topic:(full),outcome:success'])
})

test.run()
