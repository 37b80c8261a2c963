// A real Prometheus server scrapes serveMetrics while a KafkaTally counts
// known traffic through the real broker; Prometheus's HTTP API then answers
// the sent-message totals per topic (and per error.type) exactly, and
// histogram_quantile(0.99, ...) over the send durations with the value the
// flushed buckets give, inside the range the observations fell in.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import kafkajs from 'kafkajs'
import { Registry } from 'prom-client'
import { flushEvery } from '../dist/index.js'
import { KafkaTally, DURATION_BOUNDS, instrumentProducer } from '../dist/kafkajs/index.js'
import { prometheusSink, serveMetrics } from '../dist/sinks/prometheus.js'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { bucketOf } from './helpers/kafka-metrics.mjs'
import { histogramQuantile, JOB, prometheusVersion, startPrometheus } from './helpers/prometheus-server.mjs'

const { Kafka, logLevel, Partitioners } = kafkajs
const run = `${process.pid}-${Date.now()}`
const TOPICS = { orders: `prom-e2e.orders.${run}`, payments: `prom-e2e.payments.${run}`, small: `prom-e2e.small.${run}` }
const TOO_LARGE = 'KafkaJSProtocolError:MESSAGE_TOO_LARGE'

const cleanup = []
test.after(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {})
})

test('Prometheus scrapes the sink: sent messages per topic and error.type, and the p99 send duration', async () => {
  console.log(`  ${prometheusVersion()}`) // a missing binary fails here, never skips
  const brokers = (await ensureBroker()).split(',')
  const kafka = new Kafka({ clientId: 'prometheus-server-test', brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  cleanup.push(() => admin.disconnect())
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: TOPICS.orders, numPartitions: 3, replicationFactor: 1 },
      { topic: TOPICS.payments, numPartitions: 1, replicationFactor: 1 },
      { topic: TOPICS.small, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: '1024' }] }
    ]
  })
  cleanup.push(() => admin.deleteTopics({ topics: Object.values(TOPICS) }))

  const registry = new Registry()
  const server = await serveMetrics({ registry, port: 0 })
  cleanup.push(() => server.close())
  const prom = await startPrometheus(`127.0.0.1:${server.port}`)
  cleanup.push(() => prom.stop())

  const kafkaTally = await KafkaTally.create({ capacity: 64 })
  const raw = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await raw.connect()
  cleanup.push(() => raw.disconnect())
  const producer = instrumentProducer(raw, kafkaTally)

  // The send durations are being added to instrumentProducer. Until a send
  // observes its own, the test records each send's duration in sendDuration
  // itself (one observation per send() and topic, as the instrumentation will).
  await producer.send({ topic: TOPICS.orders, messages: [{ value: 'probe' }] })
  const probe = kafkaTally.snapshot().topics.get(TOPICS.orders) // taken before the flusher starts: not part of the traffic
  const instrumented = probe.sendDuration.count > 0

  const sinkWrite = prometheusSink({ registry })
  const flushed = []
  const flusher = flushEvery(kafkaTally, 500, snap => { flushed.push(structuredClone(snap)); return sinkWrite.write(snap) })
  const sent = {}
  const sends = {}
  const observed = []
  const send = async (topic, n, size = 20) => {
    const started = performance.now()
    let failed = false
    await producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ value: String(i).padEnd(size, '.') })) }).catch(() => { failed = true })
    const seconds = (performance.now() - started) / 1000
    if (!instrumented) kafkaTally.tally.observe(topic, 'sendDuration', seconds)
    observed.push(seconds)
    sent[topic] ??= { ok: 0, failed: 0 }
    sent[topic][failed ? 'failed' : 'ok'] += n
    sends[topic] = (sends[topic] ?? 0) + 1
  }
  for (let i = 0; i < 12; i++) await send(TOPICS.orders, 3)
  for (let i = 0; i < 8; i++) await send(TOPICS.payments, 500 * (i + 1), 100) // larger sends take longer: durations over several buckets
  for (let i = 0; i < 3; i++) await send(TOPICS.small, 1)
  for (let i = 0; i < 2; i++) await send(TOPICS.small, 2, 4000) // refused by the broker: MESSAGE_TOO_LARGE
  assert.equal(sent[TOPICS.small], { ok: 3, failed: 4 })
  assert.is(await flusher.stop(), undefined)
  const flushedAt = Date.now()

  await prom.scrapesAfter(flushedAt, 2)
  assert.equal((await prom.query(`up{job="${JOB}"}`)).map(r => r.value), [1])

  const totals = await prom.query(`sum by (messaging_destination_name) (messaging_client_sent_messages_total{job="${JOB}",messaging_destination_name=~"prom-e2e\\\\..*\\\\.${run}"})`)
  const byTopic = Object.fromEntries(totals.map(r => [r.metric.messaging_destination_name, r.value]))
  assert.equal(byTopic, Object.fromEntries(Object.entries(sent).map(([t, s]) => [t, s.ok + s.failed])), 'sent messages per topic')
  const failures = await prom.query(`messaging_client_sent_messages_total{job="${JOB}",error_type!="",messaging_destination_name=~"prom-e2e\\\\..*\\\\.${run}"}`)
  assert.equal(failures.map(r => [r.metric.messaging_destination_name, r.metric.error_type, r.value]), [[TOPICS.small, TOO_LARGE, 4]])

  const counts = await prom.query(`messaging_client_operation_duration_seconds_count{job="${JOB}",messaging_destination_name=~"prom-e2e\\\\..*\\\\.${run}"}`)
  assert.equal(Object.fromEntries(counts.map(r => [r.metric.messaging_destination_name, r.value])), sends, 'one duration per send and topic')

  // The buckets the sink was given, summed over topics: what histogram_quantile must interpolate.
  const buckets = new Array(DURATION_BOUNDS.length + 1).fill(0)
  for (const snap of flushed) for (const row of snap.topics.values()) row.sendDuration.counts.forEach((n, i) => { buckets[i] += n })
  const [p99] = await prom.query(`histogram_quantile(0.99, sum by (le) (messaging_client_operation_duration_seconds_bucket{job="${JOB}",messaging_destination_name=~"prom-e2e\\\\..*\\\\.${run}"}))`)
  const expected = histogramQuantile(0.99, DURATION_BOUNDS, buckets)
  console.log(`  p99 send duration: Prometheus ${p99.value} s, from the flushed buckets ${expected} s; observed ${Math.min(...observed).toFixed(4)} to ${Math.max(...observed).toFixed(4)} s over ${observed.length} sends`)
  assert.ok(Number.isFinite(p99.value), `a number, got ${p99.value}`)
  assert.ok(Math.abs(p99.value - expected) < 1e-9, `histogram_quantile ${p99.value}, the buckets give ${expected}`)
  // Inside the buckets the observations fell in: above the lower bound of the
  // shortest one's bucket (when the observations are the test's own; the
  // instrumentation's, timed inside each send, may be shorter) and at most the
  // upper bound of the longest one's.
  const low = bucketOf(Math.min(...observed))
  const high = bucketOf(Math.max(...observed))
  const from = instrumented || low === 0 ? 0 : DURATION_BOUNDS[low - 1]
  const to = DURATION_BOUNDS[Math.min(high, DURATION_BOUNDS.length - 1)]
  assert.ok(p99.value > from && p99.value <= to, `p99 ${p99.value} within (${from}, ${to}]`)
})

test.run()
