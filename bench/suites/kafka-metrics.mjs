// Suite 7: the CPU time per send that instrumentProducer adds, against what
// @opentelemetry/instrumentation-kafkajs adds (a MeterProvider with a reader;
// tracing off: the API's no-op tracer), on the same kafkajs producer and the
// same sends, in the same rounds. Three places:
// - a real kafkajs producer whose sockets are answered in process (no
//   broker's time, no network): kafkajs's own encoding and bookkeeping stay;
// - each instrumentation alone over a producer whose send resolves at once;
// - a real broker, when KAFKA_BROKERS names one (process CPU: the broker's is not ours).
import { Tally } from '../../dist/index.js'
import { KafkaTally, instrumentProducer, DURATION_BOUNDS } from '../../dist/kafkajs/index.js'
import { emit, mustEqual, progress, quick, summarize } from '../harness.mjs'
import { inProcessBroker } from '../in-process-broker.mjs'
import { otelKafkajs } from '../otel-kafkajs.mjs'
import { cpuOfSends, gcInChunks, interleavedSends } from '../send-cost.mjs'

const title = 'Suite 7: CPU added per kafkajs send, instrumentProducer vs @opentelemetry/instrumentation-kafkajs'
const otel = await otelKafkajs()
if (otel === undefined) {
  emit({ id: 'kafka-metrics', title, skipped: '@opentelemetry/instrumentation-kafkajs is not installed (a devDependency: npm install)' })
  process.exit(0)
}
const { Kafka, Partitioners, logLevel } = otel.kafkajs
// The whole row (success, error, bytes, sendDuration and the consumer's), and a table of OpenTelemetry's producer metrics only.
const full = await KafkaTally.create({ capacity: 64 })
const same = await Tally.create({ capacity: 64, columns: ['success', 'error'], histograms: { sendDuration: DURATION_BOUNDS } })
const rounds = quick ? 3 : 7
const rows = []
const expected = { full: new Map(), same: new Map(), otel: 0 } // messages each instrumentation must have counted
const notes = []

const messages = n => Array.from({ length: n }, (_, i) => ({ key: `key-${i}`, value: 'v'.repeat(100), headers: { source: 'bench' } }))

// What any wrapper that times sends and hands back kafkajs's own outcome pays before it counts
// anything: one promise step and a clock read at the call and at the settling. Not a way to count.
const now = performance.now.bind(performance)
const nativeThen = Promise.prototype.then
let floorMs = 0 // summed so the clock reads are not dead code
function floorSend (send) {
  return request => {
    const began = now()
    return nativeThen.call(send(request), value => { floorMs += now() - began; return value }, error => { floorMs += now() - began; throw error })
  }
}

/** The ways to send through one kafkajs producer `p` (patched by OpenTelemetry in place). */
function variants (p, sent) {
  // kafkajs's own send, under OpenTelemetry's wrapper (shimmer keeps it as __original).
  const plain = { ...p, send: p.send.__original, sendBatch: p.sendBatch.__original, transaction: p.transaction.__original }
  if (typeof plain.send !== 'function') throw new Error('OpenTelemetry\'s wrapper keeps no __original send')
  const run = (send, who) => (request, n) => {
    sent[who] += n * request.messages.length
    return cpuOfSends(send, request, n)
  }
  return [
    { id: 'bare', run: run(plain.send, 'bare') },
    { id: 'control', run: run(plain.send, 'bare') }, // the same again: what the method reads where nothing was added
    { id: 'same', run: run(instrumentProducer(plain, same, { onUnsupported () {} }).send, 'same') }, // it has no bytes column, by choice
    { id: 'full', run: run(instrumentProducer(plain, full).send, 'full') },
    { id: 'floor', run: run(floorSend(plain.send), 'bare') },
    {
      id: 'otel',
      run: async (request, n) => {
        const off = otel.requestListener(p) // its operation.duration listener, on for its own runs only
        try { return await run(p.send, 'otel')(request, n) } finally { off() }
      }
    }
  ]
}

/** Measures one group and adds its rows: CPU per send of each way, and what each instrumentation added. */
async function measure ({ id, group, p, topic, size, n, chunk }) {
  const sent = { bare: 0, same: 0, full: 0, otel: 0 }
  const request = { topic, messages: messages(size) }
  const { perSend, added, addedOverall } = await interleavedSends(variants(p, sent), request, {
    n,
    chunk,
    rounds,
    onRound: (r, [bare], [, c, s, f, fl, o]) => progress(`${id} round ${r + 1}/${rounds}: bare ${bare.toFixed(0)} ns per send; added: control ${c.toFixed(0)}, wasm-tally ${s.toFixed(0)} (with bytes ${f.toFixed(0)}), floor ${fl.toFixed(0)}, OpenTelemetry ${o.toFixed(0)}`)
  })
  for (const who of ['same', 'full']) expected[who].set(topic, (expected[who].get(topic) ?? 0) + sent[who])
  expected.otel += sent.otel
  const [bare, , s, f, , o] = perSend
  // The median over every turn of every round; the spread is the lowest and highest round's median.
  const [, cAdded, sAdded, fAdded, flAdded, oAdded] = added.map((rounds, i) => ({ ...summarize(rounds), median: addedOverall[i] }))
  const addedGroup = `${group}: CPU added per send`
  rows.push(
    { id: `${id}-bare`, label: 'kafkajs, no instrumentation', group, impl: 'kafkajs', reference: true, ...summarize(bare) },
    { id: `${id}-same`, label: 'instrumentProducer: success/error, sendDuration', group, impl: 'wasm-tally', ...summarize(s) },
    { id: `${id}-full`, label: 'instrumentProducer into a KafkaTally (+ bytes)', group, impl: 'wasm-tally', ...summarize(f) },
    { id: `${id}-otel`, label: 'OpenTelemetry kafkajs instrumentation', group, impl: 'OpenTelemetry', ...summarize(o) },
    { id: `${id}-control-added`, label: 'the uninstrumented send again, read as if instrumented', group: `${group}: control, nothing added`, impl: 'kafkajs', note: 'control', ...cAdded },
    { id: `${id}-same-added`, label: 'instrumentProducer adds (its metrics: success/error, sendDuration)', group: addedGroup, impl: 'wasm-tally', reference: true, ...sAdded },
    { id: `${id}-full-added`, label: 'instrumentProducer adds, KafkaTally (+ bytes)', group: addedGroup, impl: 'wasm-tally', ...fAdded },
    { id: `${id}-floor-added`, label: 'floor: one promise step and two clock reads, nothing counted', group: addedGroup, impl: 'kafkajs', ...flAdded },
    { id: `${id}-otel-added`, label: 'OpenTelemetry adds (sent.messages, operation.duration)', group: addedGroup, impl: 'OpenTelemetry', ...oAdded }
  )
}

/** A kafkajs producer, connected; OpenTelemetry has wrapped its sends. */
async function connected (config) {
  const kafka = new Kafka({ clientId: 'kafka-metrics-bench', logLevel: logLevel.NOTHING, ...config })
  const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await p.connect()
  return { kafka, p }
}

// 1. A real producer answered in process.
const broker = inProcessBroker()
const inProcess = await connected({ brokers: broker.brokers, socketFactory: broker.socketFactory })
for (const size of [1, 10]) {
  await measure({ id: `inproc${size}`, group: `kafkajs producer answered in process, ${size} message${size > 1 ? 's' : ''} per send`, p: inProcess.p, topic: `bench.inproc${size}`, size, n: quick ? 1000 : 3000, chunk: 5 })
}
await inProcess.p.disconnect()

// 2. The instrumentations alone, over a producer whose send resolves at once
// (OpenTelemetry's producer patch applied to it, as to one from kafkajs; no requests, so no operation.duration).
const instant = () => ({ events: { REQUEST: 'producer.network.request' }, on: () => () => {}, send: () => Promise.resolve([]), sendBatch: () => Promise.resolve([]), transaction: () => Promise.resolve({}) })
const instantOtel = otel.instrumentation._getProducerPatch()(instant).call({})
for (const size of [1, 10]) {
  await measure({ id: `alone${size}`, group: `the wrapper alone, send resolving at once, ${size} message${size > 1 ? 's' : ''} per send`, p: instantOtel, topic: `bench.alone${size}`, size, n: quick ? 20_000 : 100_000, chunk: 2000 })
}

// 3. A real broker.
const brokers = process.env.KAFKA_BROKERS
if (brokers) {
  const real = await connected({ brokers: brokers.split(',') })
  const admin = real.kafka.admin()
  await admin.connect()
  const topic = `bench.kafka-metrics.${process.pid}`
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })
  try {
    for (const size of [1, 10]) await measure({ id: `broker${size}`, group: `real broker (${brokers}), ${size} message${size > 1 ? 's' : ''} per send`, p: real.p, topic, size, n: quick ? 200 : 800, chunk: 10 })
  } finally {
    await real.p.disconnect()
    await admin.deleteTopics({ topics: [topic] }).catch(() => {})
    await admin.disconnect()
  }
} else notes.push('real broker: skipped (no KAFKA_BROKERS; `npm run bench -- --kafka` starts one)')

// Each instrumentation counted every message it was given.
const snaps = [full.snapshot(), full.snapshot()]
for (const [topic, want] of expected.full) mustEqual(`instrumentProducer (KafkaTally) messages on ${topic}`, snaps.reduce((n, s) => n + (s.topics.get(topic)?.success ?? 0), 0), want)
const sameSnaps = [same.snapshot(), same.snapshot()]
for (const [topic, want] of expected.same) mustEqual(`instrumentProducer (Tally) messages on ${topic}`, sameSnaps.reduce((n, s) => n + (s.topics.get(topic)?.success ?? 0), 0), want)
const collected = await otel.collected()
mustEqual('OpenTelemetry messaging.client.sent.messages', collected.sent, expected.otel)
const ratios = rows.filter(r => r.id.endsWith('-otel-added')).map(r => `${r.id.replace('-otel-added', '')} ${(r.median / rows.find(x => x.id === r.id.replace('otel', 'same')).median).toFixed(1)}x`)
progress(`OpenTelemetry's added CPU / instrumentProducer's: ${ratios.join(', ')}`)
notes.push(`floor: kafkajs's send with one then() on its promise and performance.now() read at the call and at the settling (${(floorMs / 1000).toFixed(1)} s of sends timed), counting nothing: what any wrapper that times each send and hands back kafkajs's own outcome pays first`)
notes.push(`in-process broker answered ${broker.requests} requests; OpenTelemetry recorded ${collected.operations} operation durations`)
if (!gcInChunks) notes.push('run without --expose-gc: a way\'s garbage may be collected in another\'s chunk (bench/run.mjs passes the flag)')
notes.push(`${rounds} rounds; in each round every way sends in turn, in chunks, each turn in a random order; CPU per send: median of the rounds; "adds": the median, over every turn of every round, of a way's CPU per send minus the uninstrumented send's in the same turn (spread: the lowest and highest round's median)`)
emit({ id: 'kafka-metrics', title, unit: 'ns/op', ratio: 'to the uninstrumented send; for "adds", to what instrumentProducer adds with the same metrics', rows, notes })
