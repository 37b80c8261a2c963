// Suite 10: the CPU time per 1-message send that each Kafka client's adapter
// adds (wasm-tally/kafkajs, wasm-tally/confluent, wasm-tally/platformatic,
// into a KafkaTally: success/error, bytes, sendDuration), beside the floor (one
// promise step and two clock reads around the client's send, counting
// nothing) and, where one installs, the client's own OpenTelemetry
// instrumentation. Measured the way suite 7 measures kafkajs's (bench/send-cost.mjs):
// - each adapter alone, over a stand-in send that resolves at once (no client's work);
// - @platformatic/kafka's real producer against KAFKA_BROKERS, beside
//   @platformatic/kafka-opentelemetry with a MeterProvider and a reader (Node
//   >= 22.22: its 2.x line; switched on for its own chunks only);
// - Confluent's real producer against KAFKA_BROKERS (where its addon loads:
//   the Node it was built for). No OpenTelemetry metrics instrumentation of
//   Confluent's client installs here (the ones published record spans), so
//   its comparison is the floor.
// kafkajs against @opentelemetry/instrumentation-kafkajs is suite 7.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { KafkaTally } from '../../dist/kafkajs/index.js'
import * as kafkajsAdapter from '../../dist/kafkajs/index.js'
import * as confluentAdapter from '../../dist/confluent/index.js'
import * as platformaticAdapter from '../../dist/platformatic/index.js'
import { emit, mustEqual, progress, quick, summarize } from '../harness.mjs'
import { cpuOfSends, gcInChunks, interleavedSends } from '../send-cost.mjs'

const title = 'Suite 10: CPU added per 1-message send, per Kafka client: wasm-tally\'s adapter, the floor, the client\'s OpenTelemetry'
const require = createRequire(import.meta.url)
const rounds = quick ? 3 : 7
/** An installed package's version (its package.json, which its exports may not name). */
const versionOf = name => JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version
const rows = []
const notes = []
const counts = await KafkaTally.create({ capacity: 64 })
const expected = new Map() // topic -> messages the adapters must have counted
const note = (topic, n) => expected.set(topic, (expected.get(topic) ?? 0) + n)

const now = performance.now.bind(performance)
const nativeThen = Promise.prototype.then
let floorMs = 0
/** One promise step and a clock read at the call and at the settling: what any wrapper that times a send pays first. */
function floorSend (send) {
  return request => {
    const began = now()
    return nativeThen.call(send(request), value => { floorMs += now() - began; return value }, error => { floorMs += now() - began; throw error })
  }
}

const message = { key: 'key-1', value: 'v'.repeat(100) } // no headers: Confluent's send rewrites a message's headers in place, so a reused one fails

/**
 * Measures `ways` ({ id, label, impl, send, counted }) on `request`, the
 * first the client's own send; adds rows of CPU added per send.
 */
async function measure ({ id, group, request, ways, n, chunk }) {
  const sent = ways.map(() => 0)
  const variants = ways.map((way, i) => ({
    id: way.id,
    run: async (req, k) => {
      sent[i] += k
      if (way.around) way.around(true)
      try { return await cpuOfSends(way.send, req, k) } finally { if (way.around) way.around(false) }
    }
  }))
  const { perSend, added, addedOverall } = await interleavedSends(variants, request, {
    n,
    chunk,
    rounds,
    onRound: (r, [bare], adds) => progress(`${id} round ${r + 1}/${rounds}: bare ${bare.toFixed(0)} ns per send; added: ${ways.slice(1).map((w, i) => `${w.id} ${adds[i + 1].toFixed(0)}`).join(', ')}`)
  })
  ways.forEach((way, i) => { if (way.topic !== undefined) note(way.topic, sent[i]) })
  rows.push({ id: `${id}-bare`, label: `${ways[0].label}, no instrumentation`, group, impl: ways[0].impl, reference: true, ...summarize(perSend[0]) })
  ways.forEach((way, i) => {
    if (i === 0) return
    rows.push({ id: `${id}-${way.id}-added`, label: way.label, group: `${group}: CPU added per send`, impl: way.impl, reference: way.reference === true, ...summarize(added[i]), median: addedOverall[i] })
  })
  return ways
}

// 1. Each adapter alone over a stand-in send resolving at once.
const resolved = Promise.resolve([])
const instantKafkajs = () => ({ send: () => resolved, sendBatch: () => resolved })
const instantPlatformatic = { send: () => resolved }
const n = quick ? 20_000 : 100_000
for (const [client, adapter, request, standIn] of [
  ['kafkajs', kafkajsAdapter, { topic: 'bench.kafkajs', messages: [message] }, instantKafkajs()],
  ['confluent', confluentAdapter, { topic: 'bench.confluent', messages: [message] }, instantKafkajs()],
  ['platformatic', platformaticAdapter, { messages: [{ ...message, topic: 'bench.platformatic' }] }, instantPlatformatic]
]) {
  const counted = adapter.instrumentProducer(standIn, counts)
  await measure({
    id: `alone-${client}`,
    group: `wasm-tally/${client} alone, a send resolving at once, 1 message`,
    request,
    n,
    chunk: 2000,
    ways: [
      { id: 'bare', label: 'the stand-in send', impl: client, send: standIn.send },
      { id: 'control', label: 'the stand-in send again, read as if instrumented (control)', impl: client, send: standIn.send },
      { id: 'wasm-tally', label: `instrumentProducer (wasm-tally/${client}) into a KafkaTally adds`, impl: 'wasm-tally', reference: true, send: counted.send, topic: request.topic ?? request.messages[0].topic },
      { id: 'floor', label: 'floor: one promise step and two clock reads, nothing counted', impl: client, send: floorSend(standIn.send) }
    ]
  })
}

const brokers = process.env.KAFKA_BROKERS?.split(',')
const [major, minor] = process.versions.node.split('.').map(Number)
const admin = brokers === undefined ? undefined : new (require('kafkajs').Kafka)({ clientId: 'kafka-clients-bench', brokers, logLevel: 0 }).admin()
const topics = []
async function topic (name) {
  const t = `bench.kafka-clients.${name}.${process.pid}`
  await admin.createTopics({ topics: [{ topic: t, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })
  topics.push(t)
  return t
}
if (admin !== undefined) await admin.connect()

// 2. @platformatic/kafka against the broker, with its OpenTelemetry instrumentation (2.x, Node >= 22.22).
let otelCollected
if (brokers === undefined) notes.push('real broker: skipped (no KAFKA_BROKERS; `npm run bench -- --kafka` starts one)')
else if (major < 22 || (major === 22 && minor < 22)) notes.push(`@platformatic/kafka against the broker: run on Node >= 22.22 (its 2.x line and @platformatic/kafka-opentelemetry); this is Node ${process.versions.node}`)
else {
  const { Producer, stringSerializers } = await import('@platformatic/kafka')
  const { KafkaInstrumentation } = await import('@platformatic/kafka-opentelemetry')
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics')
  class PullReader extends MetricReader { async onForceFlush () {} async onShutdown () {} }
  const reader = new PullReader()
  const instrumentation = new KafkaInstrumentation()
  instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }))
  instrumentation.disable() // on for its own chunks only
  const t = await topic('platformatic')
  const raw = new Producer({ clientId: 'bench-platformatic', bootstrapBrokers: brokers, serializers: stringSerializers })
  const counted = platformaticAdapter.instrumentProducer(raw, counts)
  const send = options => raw.send(options)
  let otelSent = 0
  await measure({
    id: 'broker-platformatic',
    group: `@platformatic/kafka ${versionOf('@platformatic/kafka')}, real broker, 1 message`,
    request: { messages: [{ ...message, topic: t }] },
    n: quick ? 200 : 800,
    chunk: 10,
    ways: [
      { id: 'bare', label: '@platformatic/kafka send', impl: '@platformatic/kafka', send },
      { id: 'control', label: 'the uninstrumented send again (control)', impl: '@platformatic/kafka', send },
      { id: 'wasm-tally', label: 'instrumentProducer (wasm-tally/platformatic) into a KafkaTally adds', impl: 'wasm-tally', reference: true, send: options => counted.send(options), topic: t },
      { id: 'floor', label: 'floor: one promise step and two clock reads, nothing counted', impl: '@platformatic/kafka', send: floorSend(send) },
      { id: 'otel', label: '@platformatic/kafka-opentelemetry adds (MeterProvider and a reader)', impl: 'OpenTelemetry', send: options => { otelSent++; return raw.send(options) }, around: on => on ? instrumentation.enable() : instrumentation.disable() }
    ]
  })
  await raw.close()
  const { resourceMetrics } = await reader.collect()
  const points = resourceMetrics.scopeMetrics.flatMap(s => s.metrics).find(m => m.descriptor.name === 'messaging.client.sent.messages')?.dataPoints ?? []
  otelCollected = points.reduce((s, p) => s + p.value, 0)
  mustEqual('@platformatic/kafka-opentelemetry messaging.client.sent.messages', otelCollected, otelSent)
}

// 3. Confluent's client against the broker (where its addon loads).
if (brokers !== undefined) {
  let ck
  try { ck = require('@confluentinc/kafka-javascript') } catch { notes.push(`Confluent's client against the broker: its native addon does not load on Node ${process.versions.node} (it is built for the Node that installed it)`) }
  if (ck !== undefined) {
    const t = await topic('confluent')
    const raw = new ck.KafkaJS.Kafka({ kafkaJS: { brokers, logLevel: ck.KafkaJS.logLevel.NOTHING } }).producer({ 'linger.ms': 0 })
    await raw.connect()
    const counted = confluentAdapter.instrumentProducer(raw, counts)
    const send = record => raw.send(record)
    await measure({
      id: 'broker-confluent',
      group: `Confluent's KafkaJS API ${versionOf('@confluentinc/kafka-javascript')}, real broker, 1 message`,
      request: { topic: t, messages: [message] },
      n: quick ? 200 : 800,
      chunk: 10,
      ways: [
        { id: 'bare', label: 'Confluent send', impl: 'confluent', send },
        { id: 'control', label: 'the uninstrumented send again (control)', impl: 'confluent', send },
        { id: 'wasm-tally', label: 'instrumentProducer (wasm-tally/confluent) into a KafkaTally adds', impl: 'wasm-tally', reference: true, send: record => counted.send(record), topic: t },
        { id: 'floor', label: 'floor: one promise step and two clock reads, nothing counted', impl: 'confluent', send: floorSend(send) }
      ]
    })
    await raw.disconnect()
  }
}
if (admin !== undefined) {
  await admin.deleteTopics({ topics }).catch(() => {})
  await admin.disconnect()
}

// Every adapter counted every message it was given.
const snaps = [counts.snapshot(), counts.snapshot()]
for (const [t, want] of expected) mustEqual(`messages counted on ${t}`, snaps.reduce((s, snap) => s + (snap.topics.get(t)?.success ?? 0), 0), want)
const ratio = (a, b) => { const x = rows.find(r => r.id === a); const y = rows.find(r => r.id === b); return x && y ? (x.median / y.median).toFixed(2) : undefined }
for (const id of ['alone-kafkajs', 'alone-confluent', 'alone-platformatic', 'broker-platformatic', 'broker-confluent']) {
  const toFloor = ratio(`${id}-wasm-tally-added`, `${id}-floor-added`)
  if (toFloor !== undefined) progress(`${id}: wasm-tally adds ${toFloor}x the floor${rows.some(r => r.id === `${id}-otel-added`) ? `; OpenTelemetry adds ${ratio(`${id}-otel-added`, `${id}-wasm-tally-added`)}x wasm-tally` : ''}`)
}
notes.push(`Node ${process.versions.node}; floor: the client's send with one then() and performance.now() read at the call and at the settling (${(floorMs / 1000).toFixed(1)} s of sends timed), counting nothing`)
if (!gcInChunks) notes.push('run without --expose-gc: a way\'s garbage may be collected in another\'s chunk (bench/run.mjs passes the flag)')
notes.push(`${rounds} rounds; in each round every way sends in turn, in chunks, each turn in a random order; "adds": the median, over every turn of every round, of a way's CPU per send minus the uninstrumented send's in the same turn (spread: the lowest and highest round's median)`)
emit({ id: `kafka-clients${major >= 22 ? '-node22' : ''}`, title: `${title} (Node ${major})`, unit: 'ns/op', ratio: 'for "adds", to what wasm-tally\'s adapter adds', rows, notes })
