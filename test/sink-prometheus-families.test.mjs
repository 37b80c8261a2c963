// The Prometheus sink with a schema: a KafkaTally's rows become OpenTelemetry's
// messaging metrics in Prometheus form (counters by topic and error.type, real
// histogram families), scraped over HTTP beside prom-client's own metrics and
// compared with the traffic recorded; promtool accepts the exposition.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { Counter, Gauge, Registry } from 'prom-client'
import { Tally, flushEvery } from '../dist/index.js'
import { KafkaTally, DURATION_BOUNDS } from '../dist/kafkajs/index.js'
import { prometheusSink, serveMetrics } from '../dist/sinks/prometheus.js'
import { parseExposition, select, total } from './helpers/exposition.mjs'
import { FAILURES, OVERFLOW, recordRound } from './helpers/kafka-metrics.mjs'

const SENT = 'messaging_client_sent_messages_total'
const BYTES = 'wasm_tally_messaging_sent_bytes_total'
const DURATION = 'messaging_client_operation_duration_seconds'

async function scrape (url) {
  const res = await fetch(url)
  assert.is(res.status, 200)
  return res.text()
}

/** promtool (from the prometheus package) lints the exposition; a missing promtool fails the test. */
function promtoolAccepts (text) {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (run.error) throw new Error(`promtool could not run (install Debian's prometheus package): ${run.error.message}`)
  assert.is(run.status, 0, `promtool check metrics: ${run.stdout}${run.stderr}`)
}

// The sum of the histogram's sums as the snapshots carried them, added in flush order (as the sink adds them).
// The snapshots' sums added exactly, in nano-units, and converted once (as the sink does).
function snapshotSums (snaps, topic) {
  let nanos = 0n
  for (const s of snaps) {
    const row = topic === OVERFLOW ? s.overflow : s.topics.get(topic)
    if (row !== undefined && row.sendDuration.count > 0) nanos += BigInt(Math.round(row.sendDuration.sum * 1e9))
  }
  return Number(nanos / 1_000_000_000n) + Number(nanos % 1_000_000_000n) / 1e9
}

test('a KafkaTally: sent messages by topic and error.type, bytes and send durations equal what was recorded', async () => {
  const registry = new Registry()
  const own = new Counter({ name: 'app_requests_total', help: 'the application\'s own counter', registers: [registry] })
  own.inc(7)
  const server = await serveMetrics({ registry, port: 0 })
  try {
    // 4 topic rows + 4 error-kind rows apart: topics 4 to 9 find the table full and go to the overflow row.
    const kafkaTally = await KafkaTally.create({ capacity: 4, errorCapacity: 4, onOverflow: () => {} })
    const sink = prometheusSink({ registry })
    const snaps = []
    const flusher = flushEvery(kafkaTally, 60_000, snap => { snaps.push(structuredClone(snap)); return sink.write(snap) }, { timer: false })
    const expected = new Map()
    for (let round = 0; round < 3; round++) {
      recordRound(kafkaTally, expected, 10, round)
      await flusher.flush()
    }
    assert.is(await flusher.stop(), undefined)
    assert.ok(expected.has(OVERFLOW) && expected.size === 5, 'four topics in the table (its capacity), the rest in the overflow row')

    const text = await scrape(server.url)
    promtoolAccepts(text)
    const { samples, types } = parseExposition(text)
    assert.is(types[SENT], 'counter')
    assert.is(types[BYTES], 'counter')
    assert.is(types[DURATION], 'histogram')
    assert.is(total(samples, 'app_requests_total'), 7, 'prom-client\'s own metric is served beside them')

    for (const [topic, e] of expected) {
      if (topic === OVERFLOW) continue
      const labels = { messaging_system: 'kafka', messaging_destination_name: topic, messaging_operation_name: 'send' }
      const sent = select(samples, SENT, labels)
      assert.is(sent.find(s => s.labels.error_type === undefined)?.value, e.ok, `${topic} delivered`)
      const byKind = Object.fromEntries(sent.filter(s => s.labels.error_type !== undefined).map(s => [s.labels.error_type, s.value]))
      assert.equal(byKind, e.failed, `${topic} failed, by error.type`)
      assert.is(total(samples, BYTES, labels), e.bytes, `${topic} bytes`)
      const buckets = select(samples, `${DURATION}_bucket`, labels)
      assert.equal(buckets.map(s => s.labels.le), [...DURATION_BOUNDS.map(String), '+Inf'])
      let cumulative = 0
      assert.equal(buckets.map(s => s.value), e.durations.counts.map(n => (cumulative += n)), `${topic} buckets`)
      assert.is(total(samples, `${DURATION}_count`, labels), e.durations.count)
      assert.is(total(samples, `${DURATION}_sum`, labels), snapshotSums(snaps, topic), `${topic} sum, as the snapshots carried it`)
      assert.ok(Math.abs(total(samples, `${DURATION}_sum`, labels) - e.durations.values.reduce((a, b) => a + b, 0)) < 1e-9, `${topic} sum, as recorded`)
    }
    const o = expected.get(OVERFLOW)
    const overflow = select(samples, SENT, { otel_metric_overflow: 'true' })
    assert.ok(overflow.length > 0 && overflow.every(s => Object.keys(s.labels).length === 1), 'the overflow row carries otel_metric_overflow="true" alone')
    assert.is(total(samples, SENT, { otel_metric_overflow: 'true' }), o.ok + o.failed.overflow)
    assert.is(total(samples, BYTES, { otel_metric_overflow: 'true' }), o.bytes)
    assert.is(total(samples, `${DURATION}_count`, { otel_metric_overflow: 'true' }), o.durations.count)
    const everything = [...expected.values()].reduce((n, e) => n + e.ok + Object.values(e.failed).reduce((a, b) => a + b, 0), 0)
    assert.is(total(samples, SENT), everything, 'every message once')
    assert.is(select(samples, SENT, { error_type: '_OTHER' }).length, 0, 'every failure kept its kind')
  } finally {
    await server.close()
  }
})

test('every KafkaTally metric under its Prometheus name, with promtool\'s approval', async () => {
  const kafkaTally = await KafkaTally.create({ capacity: 16 })
  const t = kafkaTally.tally
  kafkaTally.success('orders', 2)
  kafkaTally.failure('orders', 1, FAILURES.tooLarge.error)
  for (const [column, n] of [['bytes', 90], ['consumed', 5], ['processed', 4], ['processErrors', 1], ['consumedBytes', 300]]) t.record('orders', column, n)
  t.observe('orders', 'sendDuration', 0.01)
  t.observe('orders', 'processDuration', 0.3)
  const registry = new Registry()
  prometheusSink({ registry }).write(kafkaTally.snapshot())
  const text = await registry.metrics()
  promtoolAccepts(text)
  const { samples, types } = parseExposition(text)
  assert.equal(types, {
    messaging_client_sent_messages_total: 'counter',
    wasm_tally_messaging_sent_bytes_total: 'counter',
    messaging_client_consumed_messages_total: 'counter',
    wasm_tally_messaging_processed_messages_total: 'counter',
    wasm_tally_messaging_consumed_bytes_total: 'counter',
    messaging_client_operation_duration_seconds: 'histogram',
    messaging_process_duration_seconds: 'histogram'
  })
  const orders = { messaging_destination_name: 'orders' }
  assert.is(total(samples, 'messaging_client_consumed_messages_total', { ...orders, messaging_operation_name: 'receive' }), 5)
  assert.is(total(samples, 'wasm_tally_messaging_processed_messages_total', { ...orders, messaging_operation_name: 'process' }), 5)
  assert.is(total(samples, 'wasm_tally_messaging_processed_messages_total', { error_type: '_OTHER' }), 1)
  assert.is(total(samples, 'wasm_tally_messaging_consumed_bytes_total', orders), 300)
  assert.is(total(samples, 'messaging_process_duration_seconds_count', { ...orders, messaging_operation_name: 'process' }), 1)
})

test('failures whose kinds are not known go out as error.type _OTHER; a kind without its failure is dropped', async () => {
  const registry = new Registry()
  const sink = prometheusSink({ registry })
  const row = (success, error) => ({ success, error, bytes: 0, consumed: 0, processed: 0, processErrors: 0, consumedBytes: 0, sendDuration: { count: 0, sum: 0, counts: new Array(15).fill(0) }, processDuration: { count: 0, sum: 0, counts: new Array(15).fill(0) } })
  const kinds = (entries) => new Map([['t', { retriable: 0, nonRetriable: 0, kinds: new Map(entries) }]])
  // The first snapshot holds 5 failures of which 2 kinds were counted; the second 1 failure and 3 kinds (2 late).
  sink.write({ epoch: 1, topics: new Map([['t', row(1, 5)]]), overflow: row(0, 0), errors: kinds([[FAILURES.tooLarge.label, 2]]) })
  sink.write({ epoch: 2, topics: new Map([['t', row(0, 1)]]), overflow: row(0, 0), errors: kinds([[FAILURES.tooLarge.label, 3]]) })
  const { samples } = parseExposition(await registry.metrics())
  const byKind = Object.fromEntries(select(samples, SENT).map(s => [s.labels.error_type ?? 'ok', s.value]))
  assert.equal(byKind, { ok: 1, [FAILURES.tooLarge.label]: 3, _OTHER: 3 }, 'six failures, each once')
})

test('another schema: wasm_tally_<column>_total{topic} and wasm_tally_<histogram> families, renamed and with units on request', async () => {
  const tally = await Tally.create({ capacity: 8, columns: ['requests', 'retryCount'], histograms: { latency: [1, 5, 10] } })
  tally.record('a', 'requests', 4)
  tally.record('a', 'retryCount', 1)
  for (const v of [0.5, 3, 3, 50]) tally.observe('a', 'latency', v)
  const snap = tally.snapshot()

  const plain = new Registry()
  prometheusSink({ registry: plain, schema: tally.schema }).write(snap)
  const text = await plain.metrics()
  promtoolAccepts(text)
  const { samples, types } = parseExposition(text)
  assert.is(types.wasm_tally_requests_total, 'counter')
  assert.is(total(samples, 'wasm_tally_requests_total', { topic: 'a' }), 4)
  assert.is(total(samples, 'wasm_tally_retry_count_total', { topic: 'a' }), 1)
  assert.is(types.wasm_tally_latency, 'histogram')
  assert.equal(select(samples, 'wasm_tally_latency_bucket', { topic: 'a' }).map(s => [s.labels.le, s.value]), [['1', 1], ['5', 3], ['10', 3], ['+Inf', 4]])
  assert.is(total(samples, 'wasm_tally_latency_sum'), 56.5)

  const named = new Registry()
  prometheusSink({ registry: named, schema: tally.schema, prefix: 'shop', units: { latency: 'ms' }, rename: { requests: 'shop.http.requests' }, topicAttribute: 'route' }).write(snap)
  const renamed = parseExposition(await named.metrics()).samples
  assert.is(total(renamed, 'shop_http_requests_total', { route: 'a' }), 4)
  assert.is(total(renamed, 'shop_retry_count_total', { route: 'a' }), 1)
  assert.is(total(renamed, 'shop_latency_milliseconds_count', { route: 'a' }), 4)

  // Without the schema the bounds are unknown: the write fails (the flusher keeps the counts) and names the fix.
  assert.throws(() => prometheusSink({ registry: new Registry() }).write(snap), /latency: .*schema: tally\.schema/)
})

test('two sinks on one registry add to the same families; a name held by another metric refuses the whole snapshot', async () => {
  const kafkaTally = await KafkaTally.create({ capacity: 16 })
  const expected = new Map()
  recordRound(kafkaTally, expected, 2, 0)
  const snap = kafkaTally.snapshot()
  const registry = new Registry()
  prometheusSink({ registry }).write(snap)
  prometheusSink({ registry }).write(snap)
  const { samples } = parseExposition(await registry.metrics())
  const e = expected.get('metrics.topic-1')
  assert.is(total(samples, BYTES, { messaging_destination_name: 'metrics.topic-1' }), 2 * e.bytes)
  assert.is(total(samples, `${DURATION}_count`, { messaging_destination_name: 'metrics.topic-1' }), 2 * e.durations.count)

  const taken = new Registry()
  const notOurs = new Gauge({ name: BYTES, help: 'not ours', registers: [taken] })
  assert.ok(taken.getSingleMetric(BYTES) === notOurs)
  const sink = prometheusSink({ registry: taken })
  assert.throws(() => sink.write(snap), /already holds a metric named wasm_tally_messaging_sent_bytes_total/)
  assert.is(total(parseExposition(await taken.metrics()).samples, SENT), 0, 'nothing of the refused snapshot was added')
})

test('an OpenMetrics registry: counters end in _total once, histograms render, getMetricsAsJSON has every label, registry.resetMetrics() empties the families', async () => {
  const kafkaTally = await KafkaTally.create({ capacity: 16 })
  const expected = new Map()
  recordRound(kafkaTally, expected, 3, 1)
  const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE)
  prometheusSink({ registry }).write(kafkaTally.snapshot())
  const text = await registry.metrics()
  assert.ok(text.endsWith('# EOF\n'))
  assert.not.match(text, /_total_total/)
  const { samples, types } = parseExposition(text)
  assert.is(types.messaging_client_sent_messages, 'counter')
  const sent = [...expected.values()].reduce((n, e) => n + e.ok + Object.values(e.failed).reduce((a, b) => a + b, 0), 0)
  assert.is(total(samples, SENT), sent)
  assert.is(total(samples, `${DURATION}_count`), 12)
  // getMetricsAsJSON (and prom-client's cluster aggregation) see every label on every sample.
  const json = (await registry.getMetricsAsJSON()).find(m => m.name === DURATION)
  const buckets = json.values.filter(v => v.metricName === `${DURATION}_bucket`)
  assert.is(buckets.length, 3 * 15)
  assert.ok(buckets.every(v => v.labels.le !== undefined && v.labels.messaging_destination_name !== undefined))
  registry.resetMetrics()
  assert.is(parseExposition(await registry.metrics()).samples.length, 0)
})

test.run()
