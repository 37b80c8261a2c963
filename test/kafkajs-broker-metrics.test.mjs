// Against a real broker, into one shared KafkaTally: producers in worker
// threads send known traffic over several topics, some sends failing (a
// missing topic with auto-creation off, a message over max.message.bytes); a
// consumer group in worker threads reads it all back (eachMessage); another
// group reads it again with eachBatch and a handler that throws on chosen
// messages. Every count must be exactly what was sent and handed over.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import kafkajs from 'kafkajs'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { once } from '../scripts/lib/worker-message.mjs'
import { addKafkaSnapshot, emptyTotals } from './helpers/kafka-totals.mjs'
import { entriesOf, expectedPerTopic, planOf, topicsOf } from './helpers/metrics-traffic.mjs'
import { DURATION_BOUNDS, KafkaTally } from '../dist/kafkajs/index.js'

const { Kafka, logLevel } = kafkajs
const PRODUCER = new URL('./workers/kafkajs-metrics-producer.mjs', import.meta.url)
const CONSUMER = new URL('./workers/kafkajs-metrics-consumer.mjs', import.meta.url)
const PRODUCERS = 2
const run = `${process.pid}-${Date.now()}`
const topics = topicsOf(run)
const readable = [...topics.ok, topics.small] // the missing topic is never subscribed to: that would create it
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

let brokers, admin, counts
const workers = []
const totals = emptyTotals()
// Two snapshots: the second takes what raced the first.
const drain = () => { addKafkaSnapshot(totals, counts.snapshot()); addKafkaSnapshot(totals, counts.snapshot()) }
const column = (topic, name) => totals.topics[topic]?.[name] ?? 0
const histogram = (topic, name) => totals.topics[topic]?.[name] ?? { count: 0, sum: 0, counts: [] }

/** What the plans must count, per topic: success, error, bytes delivered, sends, error kinds. */
function expected () {
  return expectedPerTopic(Array.from({ length: PRODUCERS }, (_, w) => planOf(w, topics)).flat())
}

function startWorker (file, workerData) {
  const worker = new Worker(file, { workerData: { shared: counts.share(), brokers, topics, ...workerData } })
  workers.push(worker)
  return worker
}

async function until (what, ready, ms = 60_000) {
  const deadline = Date.now() + ms
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(250)
    drain()
  }
}

async function stop (consumers) {
  const seen = consumers.map(w => once(w, m => m.seen))
  for (const w of consumers) w.postMessage('stop')
  const reports = (await Promise.all(seen)).map(m => m.seen)
  await Promise.all(consumers.map(w => w.terminate()))
  drain()
  const sum = {}
  for (const r of reports) {
    for (const [topic, s] of Object.entries(r)) {
      const t = sum[topic] ??= { calls: 0, messages: 0, failedMessages: 0 }
      for (const k of Object.keys(t)) t[k] += s[k]
    }
  }
  return sum
}

// Set up in the first test (not a before hook) so a broker that cannot start fails it with its message.
let ready
const setup = () => (ready ??= (async () => {
  brokers = (await ensureBroker()).split(',')
  admin = new Kafka({ clientId: 'kafkajs-metrics-test', brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({
    topics: [
      ...topics.ok.map(topic => ({ topic, numPartitions: 3, replicationFactor: 1 })),
      { topic: topics.small, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: '1024' }] }
    ],
    waitForLeaders: true
  })
  counts = await KafkaTally.create({ capacity: 64 })
})())

test.after(async () => {
  await Promise.all(workers.map(w => w.terminate()))
  await admin?.deleteTopics({ topics: readable }).catch(() => {})
  await admin?.disconnect().catch(() => {})
})

/** Waits until the group has committed every partition of `readable` up to its end offset: everything was handed over and handled. */
async function committedToEnd (groupId, ms = 60_000) {
  const deadline = Date.now() + ms
  let behind
  for (;;) {
    const committed = new Map((await admin.fetchOffsets({ groupId, topics: readable })).flatMap(t => t.partitions.map(p => [`${t.topic}:${p.partition}`, Number(p.offset)])))
    behind = []
    for (const topic of readable) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (committed.get(`${topic}:${p.partition}`) !== Number(p.high)) behind.push(`${topic}:${p.partition} at ${committed.get(`${topic}:${p.partition}`)} of ${p.high}`)
      }
    }
    if (behind.length === 0) return
    if (Date.now() > deadline) throw new Error(`group ${groupId} did not commit up to the end offsets within ${ms} ms: ${behind.join(', ')}`)
    await sleep(250)
  }
}

// The eachMessage group forms before anything is produced; the tests below
// await it (set up once, whichever test runs first), the first one checks it.
let eachGroup
const groupFormed = () => (eachGroup ??= (async () => {
  await setup()
  const members = [0, 1].map(index => startWorker(CONSUMER, { groupId: `kafkajs-metrics-each-${run}`, topics: readable, role: 'each', index }))
  // Stable when both members hold disjoint parts of every partition (no rebalance left to redeliver anything).
  const latest = [undefined, undefined]
  const shares = () => latest.map(a => Object.entries(a).flatMap(([t, ps]) => ps.map(p => `${t}:${p}`)))
  const stable = () => {
    if (latest.includes(undefined)) return false
    const parts = shares()
    const union = new Set(parts.flat())
    return parts.every(p => p.length > 0) && union.size === parts[0].length + parts[1].length && union.size === readable.length * 3
  }
  members.forEach((w, i) => w.on('message', m => { if (m.joined) latest[i] = m.joined }))
  await until('the group to give each member a share of the 12 partitions', stable)
  return { members, shares: shares() }
})())

test('a consumer group of two worker threads forms before anything is produced: each member holds its own share of every partition', async () => {
  const { shares } = await groupFormed()
  const all = readable.flatMap(t => [0, 1, 2].map(p => `${t}:${p}`)).sort()
  assert.equal([...shares[0], ...shares[1]].sort(), all, 'the two shares are disjoint and cover the 12 partitions')
  assert.ok(shares.every(s => s.length > 0), `both members hold partitions: ${shares.map(s => s.length)}`)
  assert.ok(readable.every(t => column(t, 'consumed') === 0), 'nothing consumed yet')
})

let want
test('producers in worker threads: success, error, bytes, send durations and error kinds per topic, exactly', async () => {
  await groupFormed()
  const producers = Array.from({ length: PRODUCERS }, (_, index) => startWorker(PRODUCER, { index }))
  const reports = (await Promise.all(producers.map(w => once(w, m => m.results)))).map(m => m.results)
  await Promise.all(producers.map(w => w.terminate()))
  drain()
  want = expected()
  const measured = {} // per topic, the seconds the threads waited for their sends
  reports.forEach((results, w) => planOf(w, topics).forEach((send, k) => {
    assert.is(results[k].failed, send.fails, `producer ${w}, send ${k}: ${send.fails ?? 'delivered'}`)
    for (const [topic] of entriesOf(send)) measured[topic] = (measured[topic] ?? 0) + results[k].seconds
  }))
  for (const [topic, e] of Object.entries(want)) {
    assert.equal({ success: column(topic, 'success'), error: column(topic, 'error'), bytes: column(topic, 'bytes') }, { success: e.success, error: e.error, bytes: e.bytes }, topic)
    const h = histogram(topic, 'sendDuration')
    assert.is(h.count, e.sends, `${topic}: one duration per send`)
    assert.is(h.counts.reduce((a, b) => a + b, 0), h.count)
    assert.ok(h.sum > 0 && h.sum <= measured[topic] && measured[topic] - h.sum < 0.005 * e.sends, `${topic}: ${h.sum} s observed inside ${measured[topic]} s waited`)
  }
  assert.ok(want[topics.missing].error > 0 && want[topics.small].error > 0)
  // Three tries of the missing topic, 80 ms or more apart: none is faster than 75 ms.
  const fast = histogram(topics.missing, 'sendDuration').counts.slice(0, DURATION_BOUNDS.indexOf(0.075) + 1)
  assert.ok(fast.every(n => n === 0), `missing-topic sends in the fast buckets: ${fast}`)
  const sum = key => Object.values(want).reduce((n, e) => n + e[key], 0)
  console.log(`  ${PRODUCERS} producer threads: ${sum('success')} delivered (${sum('bytes')} bytes), ${sum('error')} failed, ${sum('sends')} send durations over ${Object.keys(want).length} topics`)
  assert.equal(totals.errors, {
    [topics.small]: { retriable: 0, nonRetriable: want[topics.small].error, kinds: want[topics.small].kinds },
    [topics.missing]: { retriable: want[topics.missing].error, nonRetriable: 0, kinds: want[topics.missing].kinds }
  })
})

test('the consumer group reads it all back: consumed, processed and bytes per topic equal what was produced', async () => {
  const { members } = await groupFormed()
  assert.ok(want, 'the producers ran (the test above)')
  await until('the group to process every delivered message', () => readable.every(t => column(t, 'processed') >= want[t].success))
  await committedToEnd(`kafkajs-metrics-each-${run}`) // every handler has returned: anything more would show now
  const seen = await stop(members)
  for (const topic of readable) {
    const got = { consumed: column(topic, 'consumed'), processed: column(topic, 'processed'), processErrors: column(topic, 'processErrors'), consumedBytes: column(topic, 'consumedBytes'), durations: histogram(topic, 'processDuration').count }
    assert.equal(got, { consumed: want[topic].success, processed: want[topic].success, processErrors: 0, consumedBytes: want[topic].bytes, durations: want[topic].success }, topic)
    assert.is(seen[topic].calls, want[topic].success, `${topic}: the handlers' own count`)
  }
  assert.equal(totals.processErrors, {})
  console.log(`  eachMessage group (2 threads): ${readable.reduce((n, t) => n + column(t, 'consumed'), 0)} consumed, ${readable.reduce((n, t) => n + column(t, 'consumedBytes'), 0)} bytes`)
})

test('eachBatch with a handler that throws on chosen messages: failures counted with their kind, one duration per batch', async () => {
  await setup()
  assert.ok(want, 'the producers ran (the test above)')
  const before = Object.fromEntries(readable.map(t => [t, { consumed: column(t, 'consumed'), processed: column(t, 'processed'), processErrors: column(t, 'processErrors'), durations: histogram(t, 'processDuration').count }]))
  const batchGroup = [startWorker(CONSUMER, { groupId: `kafkajs-metrics-batch-${run}`, topics: readable, role: 'batch', index: 0 })]
  await until('the eachBatch group to process every delivered message', () => readable.every(t => column(t, 'processed') - before[t].processed >= want[t].success))
  await committedToEnd(`kafkajs-metrics-batch-${run}`)
  const seen = await stop(batchGroup)
  let failed = 0
  for (const topic of readable) {
    const s = seen[topic]
    const got = {
      consumed: column(topic, 'consumed') - before[topic].consumed,
      processed: column(topic, 'processed') - before[topic].processed,
      processErrors: column(topic, 'processErrors') - before[topic].processErrors,
      durations: histogram(topic, 'processDuration').count - before[topic].durations
    }
    assert.equal(got, { consumed: want[topic].success + s.failedMessages, processed: want[topic].success, processErrors: s.failedMessages, durations: s.calls }, topic)
    assert.is(s.messages, got.consumed, `${topic}: the handler's own count`)
    failed += s.failedMessages
  }
  assert.ok(failed >= 2, `the two chosen messages failed their batches (${failed} messages)`)
  console.log(`  eachBatch group: ${readable.reduce((n, t) => n + seen[t].calls, 0)} batches, ${failed} messages in the 2 batches that threw`)
  assert.equal(totals.processErrors, { [topics.ok[2]]: { retriable: 0, nonRetriable: failed, kinds: { ChosenFailure: failed } } })
})

test.run()
