// The three Kafka clients a Node team uses (kafkajs, Confluent's KafkaJS API,
// @platformatic/kafka) at once, against a real broker, into one shared
// KafkaTally: per client, two producer threads send known traffic over its
// own topics, some sends failing (a missing topic with auto-creation off, a
// message over max.message.bytes); a consumer group of two threads reads it
// all back (kafkajs and Confluent: eachMessage throwing once on chosen
// messages; Platformatic: its stream). Every count must be exactly what was
// sent and handed over, per topic and kind; the Prometheus exposition of the
// table passes promtool and its totals are the sums of all three clients.
// @platformatic/kafka 2.x on Node >= 22.22 (the 1.x line before).
// Confluent's native addon is not made for worker threads (one thread of a
// process loads it, and it runs its callbacks on the main thread's loop:
// test/confluent-worker-thread.test.mjs): its two producers and its two group
// members run in the test's own thread, into the same table, beside the other
// clients' worker threads.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { MessageChannel, Worker } from 'node:worker_threads'
import kafkajs from 'kafkajs'
import { Registry } from 'prom-client'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { once } from '../scripts/lib/worker-message.mjs'
import { addKafkaSnapshot, emptyTotals } from './helpers/kafka-totals.mjs'
import { parseExposition, total } from './helpers/exposition.mjs'
import { ALL_CLIENTS, KINDS, clientPlan, clientTopics, expectedOf } from './helpers/client-traffic.mjs'
import { expectedBytes } from './helpers/metrics-traffic.mjs'
import { produce } from './helpers/client-producer.mjs'
import { consume } from './helpers/client-consumer.mjs'
import { KafkaTally } from '../dist/kafkajs/index.js'
import { prometheusSink } from '../dist/sinks/prometheus.js'

// KAFKA_CLIENTS narrows the clients (CI's Node 22 run leaves Confluent out: its addon is built for the default Node).
const CLIENTS = (process.env.KAFKA_CLIENTS ?? ALL_CLIENTS.join(',')).split(',')
const unknown = CLIENTS.filter(c => !ALL_CLIENTS.includes(c))
if (unknown.length > 0) throw new Error(`KAFKA_CLIENTS names ${unknown.join(', ')}: the clients are ${ALL_CLIENTS.join(', ')}`)
const [major, minor] = process.versions.node.split('.').map(Number)
const platformaticModule = major > 22 || (major === 22 && minor >= 22) ? '@platformatic/kafka' : 'platformatic-kafka-1' // 1.x: the devDependency alias
const PRODUCER = new URL('./workers/client-producer.mjs', import.meta.url)
const CONSUMER = new URL('./workers/client-consumer.mjs', import.meta.url)
const PRODUCERS = 2
const run = `${process.pid}-${Date.now()}`
const topics = Object.fromEntries(CLIENTS.map(c => [c, clientTopics(c, run)]))
const readable = c => [...topics[c].ok, topics[c].small] // the missing topic is never subscribed to: that would create it
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
/** The members (or producers) of a client, by worker thread. */
const threadsOf = client => client === 'confluent' ? [[0, 1]] : [[0], [1]]

let brokers, admin, counts
const workers = []
const totals = emptyTotals()
const registry = new Registry()
const sink = prometheusSink({ registry })
// Two snapshots: the second takes what raced the first. Each also goes to the Prometheus sink.
const drain = () => { for (let i = 0; i < 2; i++) { const s = counts.snapshot(); addKafkaSnapshot(totals, s); sink.write(s) } }
const column = (topic, name) => totals.topics[topic]?.[name] ?? 0

/** A worker thread running `file`; for Confluent, the same role in this thread, behind a MessagePort. */
function startWorker (file, workerData) {
  const data = { shared: counts.share(), brokers, platformaticModule, ...workerData }
  if (workerData.client === 'confluent') {
    const { port1, port2 } = new MessageChannel()
    const role = file === PRODUCER ? produce : consume
    role(port2, data).catch(error => port1.emit('error', error))
    port1.terminate = async () => { port1.close(); port2.close() } // an open port would keep the process alive
    workers.push(port1)
    return port1
  }
  const worker = new Worker(file, { workerData: data })
  workers.push(worker)
  worker.on('error', error => { console.error(`worker ${workerData.client}: ${error.stack}`) })
  return worker
}

async function until (what, ready, ms = 90_000) {
  const deadline = Date.now() + ms
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(250)
    drain()
  }
}

let ready
const setup = () => (ready ??= (async () => {
  brokers = (await ensureBroker()).split(',')
  admin = new kafkajs.Kafka({ clientId: 'clients-test', brokers, logLevel: kafkajs.logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({
    topics: CLIENTS.flatMap(c => [
      ...topics[c].ok.map(topic => ({ topic, numPartitions: 2, replicationFactor: 1 })),
      { topic: topics[c].small, numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: '1024' }] }
    ]),
    waitForLeaders: true
  })
  counts = await KafkaTally.create({ capacity: 64 })
})())

test.after(async () => {
  await Promise.all(workers.map(w => w.terminate()))
  await admin?.deleteTopics({ topics: CLIENTS.flatMap(readable) }).catch(() => {})
  await admin?.disconnect().catch(() => {})
})

const groups = {}
test('a consumer group of two worker threads per client forms before anything is produced', async () => {
  await setup()
  const latest = {}
  for (const client of CLIENTS) {
    latest[client] = [undefined, undefined]
    groups[client] = threadsOf(client).map(indexes => {
      const w = startWorker(CONSUMER, { client, indexes, groupId: `clients-${client}-${run}`, topics: readable(client) })
      w.on('message', m => { if (m.assigned) latest[client][m.index] = m.assigned })
      return w
    })
  }
  // Stable when both members of every group hold disjoint, non-empty shares of all 8 partitions.
  const stable = client => {
    const [a, b] = latest[client]
    if (a === undefined || b === undefined || a.length === 0 || b.length === 0) return false
    const union = new Set([...a, ...b])
    return union.size === a.length + b.length && union.size === readable(client).length * 2
  }
  await until('every group to give each member a share of its partitions', () => CLIENTS.every(stable))
})

const want = {}
test('producers of all three clients in worker threads: success, error, bytes, send durations and error kinds per topic, exactly', async () => {
  await setup()
  const producers = CLIENTS.flatMap(client => threadsOf(client).map(indexes => ({ client, worker: startWorker(PRODUCER, { client, indexes, topics: topics[client] }) })))
  const reports = await Promise.all(producers.map(({ worker }) => once(worker, m => m.results)))
  await Promise.all(producers.map(({ worker }) => worker.terminate()))
  drain()
  for (const client of CLIENTS) {
    want[client] = expectedOf(client, PRODUCERS, topics[client])
    const failed = reports.filter((r, i) => producers[i].client === client).flatMap(r => r.results).filter(r => r.failed !== undefined).length
    assert.is(failed, PRODUCERS * 2, `${client}: two failing sends per thread, the others delivered`)
    for (const [topic, e] of Object.entries(want[client])) {
      const got = { success: column(topic, 'success'), error: column(topic, 'error'), bytes: column(topic, 'bytes'), sends: totals.topics[topic]?.sendDuration?.count ?? 0 }
      assert.equal(got, { success: e.success, error: e.error, bytes: e.bytes, sends: e.sends }, `${client} ${topic}`)
    }
    const t = topics[client]
    assert.equal(totals.errors[t.small], { retriable: 0, nonRetriable: want[client][t.small].error, kinds: want[client][t.small].kinds }, `${client}: the message over the limit`)
    const missing = want[client][t.missing].error
    assert.equal(totals.errors[t.missing], { retriable: KINDS[client].missingRetriable ? missing : 0, nonRetriable: KINDS[client].missingRetriable ? 0 : missing, kinds: want[client][t.missing].kinds }, `${client}: the missing topic`)
  }
})

/** The bytes of the chosen messages (one per producer thread, its 6th send's first message), which a handler throws on once. */
function chosenBytes (client) {
  let n = 0
  for (let w = 0; w < PRODUCERS; w++) {
    const [, messages] = clientPlan(client, w, topics[client])[5].topics[0]
    assert.ok(messages[0].headers.fail !== undefined)
    n += expectedBytes(messages[0])
  }
  return n
}

async function stop (client) {
  const seen = groups[client].map(w => once(w, m => m.seen))
  for (const w of groups[client]) w.postMessage('stop')
  const reports = (await Promise.all(seen)).map(m => m.seen)
  const sum = {}
  for (const r of reports) for (const [topic, s] of Object.entries(r)) { const t = sum[topic] ??= { messages: 0, thrown: 0 }; t.messages += s.messages; t.thrown += s.thrown }
  return sum
}

test('each group reads it all back: consumed, processed, processErrors and bytes per topic equal what was produced and thrown', async () => {
  await setup()
  const delivered = (client, t) => want[client][t].success
  const handled = client => client === 'platformatic' ? 'consumed' : 'processed'
  await until('every group to take every delivered message', () => CLIENTS.every(c => readable(c).every(t => column(t, handled(c)) >= delivered(c, t))))
  await sleep(1000) // anything more would show now
  for (const client of CLIENTS) {
    const seen = await stop(client)
    drain()
    let thrown = 0
    for (const topic of readable(client)) {
      const s = seen[topic] ?? { messages: 0, thrown: 0 }
      const got = { consumed: column(topic, 'consumed'), processed: column(topic, 'processed'), processErrors: column(topic, 'processErrors'), consumedBytes: column(topic, 'consumedBytes'), durations: totals.topics[topic]?.processDuration?.count ?? 0 }
      const stream = client === 'platformatic'
      assert.equal(got, {
        consumed: delivered(client, topic) + s.thrown,
        processed: stream ? 0 : delivered(client, topic),
        processErrors: s.thrown,
        consumedBytes: want[client][topic].bytes + (s.thrown > 0 ? chosenBytes(client) : 0), // a thrown message comes again: its bytes twice
        durations: stream ? 0 : delivered(client, topic) + s.thrown
      }, `${client} ${topic}`)
      assert.is(s.messages, got.consumed, `${client} ${topic}: the handlers' own count`)
      thrown += s.thrown
    }
    const stream = client === 'platformatic'
    assert.ok(stream || thrown === PRODUCERS, `${client}: each thread's one chosen message threw once (${thrown})`)
    if (!stream) assert.equal(totals.processErrors[topics[client].ok[2]], { retriable: 0, nonRetriable: thrown, kinds: { ChosenFailure: thrown } })
  }
})

test('the Prometheus exposition of the one table: promtool accepts it, and its totals are the clients\' sums', async () => {
  await setup()
  drain()
  const text = await registry.metrics()
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (run.error) throw new Error(`promtool could not run (install Debian's prometheus package): ${run.error.message}`)
  assert.is(run.status, 0, `promtool check metrics: ${run.stdout}${run.stderr}`)
  const { samples } = parseExposition(text)
  const sum = (key) => CLIENTS.reduce((n, c) => n + Object.values(want[c]).reduce((m, e) => m + e[key], 0), 0)
  const sent = total(samples, 'messaging_client_sent_messages_total')
  assert.is(sent, sum('success') + sum('error'), 'every message sent, delivered or not')
  const kinds = {} // every error.type the clients' failures must show, with its messages
  for (const c of CLIENTS) for (const e of Object.values(want[c])) for (const [kind, n] of Object.entries(e.kinds)) kinds[kind] = (kinds[kind] ?? 0) + n
  assert.ok(Object.keys(kinds).length >= CLIENTS.length + 1, `the kinds: ${Object.keys(kinds)}`)
  for (const [kind, n] of Object.entries(kinds)) assert.is(total(samples, 'messaging_client_sent_messages_total', { error_type: kind }), n, kind)
  assert.is(total(samples, 'wasm_tally_messaging_sent_bytes_total'), sum('bytes'))
  assert.is(total(samples, 'messaging_client_operation_duration_seconds_count'), sum('sends'))
  const consumed = CLIENTS.flatMap(readable).reduce((n, t) => n + column(t, 'consumed'), 0)
  assert.is(total(samples, 'messaging_client_consumed_messages_total'), consumed)
  console.log(`  ${CLIENTS.join(', ')} (${platformaticModule}) on Node ${process.versions.node}, 1 table: ${sent} messages sent (${sum('error')} failed), ${consumed} consumed; promtool accepts the exposition`)
})

test.run()
