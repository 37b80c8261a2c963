// Suite 10: the CPU time per 1-message send that each Kafka client's adapter
// adds (wasm-tally/kafkajs, wasm-tally/confluent, wasm-tally/platformatic,
// into a KafkaTally: success/error, bytes, sendDuration), beside the floor (one
// promise step and two clock reads around the client's send, counting
// nothing) and, where one installs, the client's own OpenTelemetry
// instrumentation. Measured the way suite 7 measures kafkajs's (bench/send-cost.mjs):
// - each adapter alone, over a stand-in send that resolves at once (no client's work);
// - @platformatic/kafka-opentelemetry's subscribers alone (Node >= 22.22): fed
//   by the diagnostics_channel events @platformatic/kafka's Producer publishes
//   for a send (plt:kafka:producer:sends around the send, plt:kafka:connections:api
//   around its Produce request), around a send that resolves at once, beside
//   wasm-tally/platformatic and the floor over the same send: what the
//   instrumentation itself costs, without the broker's noise, and so whether
//   any wrapper that times each send could add 10x less. With --otel-alone,
//   these rows alone, in a process of their own (bench/run.mjs runs it on
//   Node 22 as kafka-clients-otel-node22): the adapter's code has then seen
//   one client, as in an app that counts one;
// - @platformatic/kafka's real producer against KAFKA_BROKERS, beside
//   @platformatic/kafka-opentelemetry with a MeterProvider and a reader (Node
//   >= 22.22: its 2.x line; switched on for its own chunks only);
// - Confluent's real producer against KAFKA_BROKERS (where its addon loads:
//   the Node it was built for). No OpenTelemetry metrics instrumentation of
//   Confluent's client installs here (the ones published record spans), so
//   its comparison is the floor.
// kafkajs against @opentelemetry/instrumentation-kafkajs is suite 7.
import { tracingChannel } from 'node:diagnostics_channel'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { KafkaTally } from '../../dist/kafkajs/index.js'
import * as kafkajsAdapter from '../../dist/kafkajs/index.js'
import * as confluentAdapter from '../../dist/confluent/index.js'
import * as platformaticAdapter from '../../dist/platformatic/index.js'
import { emit, mustEqual, progress, quick, summarize } from '../harness.mjs'
import { cpuOfSends, gcInChunks, interleavedSends } from '../send-cost.mjs'
import { leastSend } from '../least-send.mjs'

const title = 'Suite 10: CPU added per 1-message send, per Kafka client: wasm-tally\'s adapter, the floor, the client\'s OpenTelemetry'
const require = createRequire(import.meta.url)
const otelAloneOnly = process.argv.includes('--otel-alone')
const rounds = quick ? 3 : 7
const otelRounds = quick ? 3 : 11 // the OpenTelemetry-alone rows: more rounds, their spread decides a ratio
const brokerRounds = quick ? 3 : 11
const brokerSends = quick ? 200 : 6000 // per way and round, against the broker (was 800 in 7 rounds: the control read ±0.6 µs)
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
async function measure ({ id, group, request, ways, n, chunk, rounds: times = rounds }) {
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
    rounds: times,
    onRound: (r, [bare], adds) => progress(`${id} round ${r + 1}/${times}: bare ${bare.toFixed(0)} ns per send; added: ${ways.slice(1).map((w, i) => `${w.id} ${adds[i + 1].toFixed(0)}`).join(', ')}`)
  })
  ways.forEach((way, i) => { if (way.topic !== undefined) note(way.topic, sent[i]) })
  rows.push({ id: `${id}-bare`, label: `${ways[0].label}, no instrumentation`, group, impl: ways[0].impl, reference: true, ...summarize(perSend[0]) })
  ways.forEach((way, i) => {
    if (i === 0) return
    rows.push({ id: `${id}-${way.id}-added`, label: way.label, group: `${group}: CPU added per send`, impl: way.impl, reference: way.reference === true, ...summarize(added[i]), median: addedOverall[i] })
  })
  return sent
}

// 1. Each adapter alone over a stand-in send resolving at once.
const resolved = Promise.resolve([])
const instantKafkajs = () => ({ send: () => resolved, sendBatch: () => resolved })
const instantPlatformatic = { send: () => resolved }
const n = quick ? 20_000 : 100_000
const aloneClients = [
  ['kafkajs', kafkajsAdapter, { topic: 'bench.kafkajs', messages: [message] }, instantKafkajs()],
  ['confluent', confluentAdapter, { topic: 'bench.confluent', messages: [message] }, instantKafkajs()],
  ['platformatic', platformaticAdapter, { messages: [{ ...message, topic: 'bench.platformatic' }] }, instantPlatformatic]
]
/** The bound of any adapter counting the same, exactly (bench/least-send.mjs): once, beside the kafkajs adapter. */
function leastWays (client, send) {
  if (client !== 'kafkajs') return []
  return [
    { id: 'least', label: 'the least a wrapper counting the same adds: written out for this record, no checks (copy, Buffer.byteLength of key, value and headers, two clock reads, one core call)', impl: 'wasm-tally', send: leastSend(send, counts, 'bench.least'), topic: 'bench.least' },
    { id: 'least-no-bytes', label: 'the same without the bytes (the metrics OpenTelemetry\'s kafkajs instrumentation records)', impl: 'wasm-tally', send: leastSend(send, counts, 'bench.least-no-bytes', false), topic: 'bench.least-no-bytes' }
  ]
}
for (const [client, adapter, request, standIn] of otelAloneOnly ? [] : aloneClients) {
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
      { id: 'floor', label: 'floor: one promise step and two clock reads, nothing counted', impl: client, send: floorSend(standIn.send) },
      ...leastWays(client, standIn.send)
    ]
  })
}

const [major, minor] = process.versions.node.split('.').map(Number)
const platformatic2 = major > 22 || (major === 22 && minor >= 22) // @platformatic/kafka 2.x and its OpenTelemetry instrumentation

// @platformatic/kafka-opentelemetry with a MeterProvider and a reader, switched on for its own chunks only.
let instrumentation, reader
let otelSent = 0
if (platformatic2) {
  const { KafkaInstrumentation } = await import('@platformatic/kafka-opentelemetry')
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics')
  class PullReader extends MetricReader { async onForceFlush () {} async onShutdown () {} }
  reader = new PullReader()
  instrumentation = new KafkaInstrumentation()
  instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }))
  instrumentation.disable()
}
const otelAround = on => on ? instrumentation.enable() : instrumentation.disable()

/**
 * A stand-in for @platformatic/kafka's Producer.send that resolves at once
 * and publishes what the real one publishes for a 1-message send that
 * succeeds (2.12.1, read from a real send): plt:kafka:producer:sends through
 * traceCallback (start, end; asyncStart and asyncEnd around the callback),
 * and inside it the Produce request's plt:kafka:connections:api events
 * (start, end; later asyncStart, the callback, asyncEnd), with the same
 * context objects. Nothing subscribes unless an instrumentation is enabled.
 */
function platformaticEvents () {
  const sends = tracingChannel('plt:kafka:producer:sends')
  const api = tracingChannel('plt:kafka:connections:api')
  const client = {} // the Producer, as a context names it
  const connection = { host: '127.0.0.1', port: 9092 } // what a subscriber reads of the Connection
  const result = { offsets: [] }
  let operationId = 0n
  let correlationId = 0
  function operation (options, callback) {
    const request = { operationId: operationId++, connection, operation: 'send', apiKey: 0, apiVersion: 11, correlationId: ++correlationId }
    api.start.publish(request)
    api.end.publish(request)
    resolved.then(() => {
      request.result = result
      api.asyncStart.publish(request)
      callback(null, result)
      api.asyncEnd.publish(request)
    })
  }
  return {
    send (options) {
      let settle
      const promise = new Promise((resolve, reject) => { settle = (error, value) => error ? reject(error) : resolve(value) })
      sends.traceCallback(operation, 1, { operationId: operationId++, client, operation: 'send', options }, client, options, settle)
      return promise
    }
  }
}

// 1b. @platformatic/kafka-opentelemetry alone, beside wasm-tally/platformatic and the floor over the same send.
if (otelAloneOnly && instrumentation === undefined) notes.push(`@platformatic/kafka-opentelemetry alone: run on Node >= 22.22 (@platformatic/kafka 2.x); this is Node ${process.versions.node}`)
if (otelAloneOnly && instrumentation !== undefined) {
  const standIn = platformaticEvents()
  const counted = platformaticAdapter.instrumentProducer(standIn, counts)
  // headers: {} as the instrumentation leaves a message it injects into (every way sees the same message)
  const request = { messages: [{ ...message, topic: 'bench.platformatic-otel', headers: {} }] }
  const sent = await measure({
    id: 'otel-alone',
    group: `@platformatic/kafka ${versionOf('@platformatic/kafka')}'s send events alone (diagnostics_channel), a send resolving at once, 1 message`,
    request,
    n,
    chunk: 2000,
    rounds: otelRounds,
    ways: [
      { id: 'bare', label: 'the stand-in send, publishing the send\'s channel events, nothing subscribed', impl: '@platformatic/kafka', send: standIn.send },
      { id: 'control', label: 'the stand-in send again, read as if instrumented (control)', impl: '@platformatic/kafka', send: standIn.send },
      { id: 'wasm-tally', label: 'instrumentProducer (wasm-tally/platformatic) into a KafkaTally adds', impl: 'wasm-tally', reference: true, send: counted.send, topic: 'bench.platformatic-otel' },
      { id: 'floor', label: 'floor: one promise step and two clock reads, nothing counted', impl: '@platformatic/kafka', send: floorSend(standIn.send) },
      { id: 'least', label: 'the least a wrapper counting the same adds: written out for this record, no checks (copy, Buffer.byteLength of key, value and headers, two clock reads, one core call)', impl: 'wasm-tally', send: leastSend(standIn.send, counts, 'bench.platformatic-least'), topic: 'bench.platformatic-least' },
      { id: 'otel', label: `@platformatic/kafka-opentelemetry ${versionOf('@platformatic/kafka-opentelemetry')} subscribed (MeterProvider and a reader) adds`, impl: 'OpenTelemetry', send: standIn.send, around: otelAround }
    ]
  })
  otelSent += sent[5]
}

const brokers = otelAloneOnly ? undefined : process.env.KAFKA_BROKERS?.split(',')
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
if (otelAloneOnly) { /* no broker rows in this process */ } else if (brokers === undefined) notes.push('real broker: skipped (no KAFKA_BROKERS; `npm run bench -- --kafka` starts one)')
else if (!platformatic2) notes.push(`@platformatic/kafka against the broker: run on Node >= 22.22 (its 2.x line and @platformatic/kafka-opentelemetry); this is Node ${process.versions.node}`)
else {
  const { Producer, stringSerializers } = await import('@platformatic/kafka')
  const t = await topic('platformatic')
  const raw = new Producer({ clientId: 'bench-platformatic', bootstrapBrokers: brokers, serializers: stringSerializers })
  const counted = platformaticAdapter.instrumentProducer(raw, counts)
  const send = options => raw.send(options)
  const sent = await measure({
    id: 'broker-platformatic',
    group: `@platformatic/kafka ${versionOf('@platformatic/kafka')}, real broker, 1 message`,
    request: { messages: [{ ...message, topic: t }] },
    n: brokerSends,
    chunk: 10,
    rounds: brokerRounds,
    ways: [
      { id: 'bare', label: '@platformatic/kafka send', impl: '@platformatic/kafka', send },
      { id: 'control', label: 'the uninstrumented send again (control)', impl: '@platformatic/kafka', send },
      { id: 'wasm-tally', label: 'instrumentProducer (wasm-tally/platformatic) into a KafkaTally adds', impl: 'wasm-tally', reference: true, send: options => counted.send(options), topic: t },
      { id: 'floor', label: 'floor: one promise step and two clock reads, nothing counted', impl: '@platformatic/kafka', send: floorSend(send) },
      { id: 'least', label: 'the least a wrapper counting the same adds (bench/least-send.mjs)', impl: 'wasm-tally', send: leastSend(send, counts, t), topic: t },
      { id: 'otel', label: '@platformatic/kafka-opentelemetry adds (MeterProvider and a reader)', impl: 'OpenTelemetry', send, around: otelAround }
    ]
  })
  otelSent += sent[5]
  await raw.close()
}
if (reader !== undefined) {
  const { resourceMetrics } = await reader.collect()
  const points = resourceMetrics.scopeMetrics.flatMap(s => s.metrics).find(m => m.descriptor.name === 'messaging.client.sent.messages')?.dataPoints ?? []
  mustEqual('@platformatic/kafka-opentelemetry messaging.client.sent.messages', points.reduce((s, p) => s + p.value, 0), otelSent)
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
      n: brokerSends,
      chunk: 10,
      rounds: brokerRounds,
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
for (const id of ['alone-kafkajs', 'alone-confluent', 'alone-platformatic', 'otel-alone', 'broker-platformatic', 'broker-confluent']) {
  const toFloor = ratio(`${id}-wasm-tally-added`, `${id}-floor-added`)
  if (toFloor !== undefined) progress(`${id}: wasm-tally adds ${toFloor}x the floor${rows.some(r => r.id === `${id}-otel-added`) ? `; OpenTelemetry adds ${ratio(`${id}-otel-added`, `${id}-wasm-tally-added`)}x wasm-tally` : ''}`)
}
// What the OpenTelemetry-alone rows decide: a wrapper that times each send adds at least the floor, so 10x less than
// OpenTelemetry is within any such design's reach only if OpenTelemetry adds at least 10x the floor.
const rowOf = id => rows.find(r => r.id === id)
const otel = rowOf('otel-alone-otel-added')
const floor = rowOf('otel-alone-floor-added')
const ours = rowOf('otel-alone-wasm-tally-added')
if (otel && floor && ours) {
  const ns = r => `${r.median.toFixed(0)} ns (rounds ${r.min.toFixed(0)}-${r.max.toFixed(0)})`
  const line = `@platformatic/kafka-opentelemetry alone adds ${ns(otel)} per send, the floor ${ns(floor)}, wasm-tally/platformatic ${ns(ours)}: OpenTelemetry / floor ${(otel.median / floor.median).toFixed(1)}x (rounds at worst ${(otel.min / floor.max).toFixed(1)}x, at best ${(otel.max / floor.min).toFixed(1)}x), OpenTelemetry / wasm-tally ${(otel.median / ours.median).toFixed(1)}x; 10x less than OpenTelemetry is ${(otel.median / 10).toFixed(0)} ns, ${otel.median >= 10 * floor.median ? 'at or above' : 'below'} the floor: ${otel.median >= 10 * floor.median ? 'within reach of a wrapper that adds no more than the floor' : 'out of reach of any wrapper that times each send'}`
  progress(line)
  notes.push(line)
}
notes.push(`Node ${process.versions.node}; floor: the client's send with one then() and performance.now() read at the call and at the settling (${(floorMs / 1000).toFixed(1)} s of sends timed), counting nothing`)
if (!gcInChunks) notes.push('run without --expose-gc: a way\'s garbage may be collected in another\'s chunk (bench/run.mjs passes the flag)')
notes.push(`${rounds} rounds (the OpenTelemetry-alone rows ${otelRounds}, the real-broker rows ${brokerRounds} of ${brokerSends} sends per way); in each round every way sends in turn, in chunks, each turn in a random order; "adds": the median, over every turn of every round, of a way's CPU per send minus the uninstrumented send's in the same turn (spread: the lowest and highest round's median)`)
emit({ id: `kafka-clients${otelAloneOnly ? '-otel' : ''}${major >= 22 ? '-node22' : ''}`, title: `${title}${otelAloneOnly ? ': @platformatic/kafka-opentelemetry alone' : ''} (Node ${major})`, unit: 'ns/op', ratio: 'for "adds", to what wasm-tally\'s adapter adds', rows, notes })
