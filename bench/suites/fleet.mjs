// Suite 9: the fleet total (aggregate --group), against the brokers in
// KAFKA_BROKERS (skipped with a note without them). A 6-partition counts topic
// holds N records of the Kafka sink's shape (10^6; 10^5 with --quick).
// Rows: records a second read by one member (kafkajs fetch, JSON parsing,
// dedupe and summing included, from owning its partitions to the last record;
// members share nothing, so a member of a larger group reads as fast), and
// `aggregateCounts` (what `aggregate --once` runs) with all N records behind a
// checkpoint against the same without one.
import { Kafka, logLevel } from 'kafkajs'
import { emit, mustEqual, progress, quick, summarize } from '../harness.mjs'
import { startMember } from '../../dist/sinks/kafka-member.js'
import { aggregateCounts } from '../../dist/sinks/kafka.js'

const title = 'Suite 9: the fleet total, aggregate --group members and aggregate --once, against a real broker'
const brokers = process.env.KAFKA_BROKERS
if (!brokers) {
  emit({ id: 'fleet', title, skipped: 'no KAFKA_BROKERS set (npm run bench:kafka starts a broker and sets it)' })
  process.exit(0)
}

const N = quick ? 100_000 : 1_000_000
const TABLES = 200
const ROWS = 8
const kafka = new Kafka({ clientId: 'wasm-tally-bench-fleet', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
const admin = kafka.admin()
await admin.connect()
const topic = `wasm-tally-bench-fleet-${process.pid}-${Date.now()}`
const groups = []

/** N records as the sink writes them: TABLES tables, each flushing ROWS rows per batch; every 50th batch sent twice. */
async function fill () {
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true })
  const producer = kafka.producer()
  await producer.connect()
  let written = 0
  let success = 0
  let sequence = 0
  const t0 = Date.now()
  while (written < N) {
    sequence++
    const messages = []
    for (let t = 0; t < TABLES && written + messages.length < N; t++) {
      const table = `${t.toString(16).padStart(8, '0')}${'5a'.repeat(4)}`
      const copies = sequence % 50 === 0 ? 2 : 1
      for (let r = 0; r < ROWS && written + messages.length < N; r++) {
        for (let c = 0; c < copies && written + messages.length < N; c++) {
          const value = JSON.stringify({ topic: `orders.${r}`, success: 7, error: 1, epoch: sequence, time: 1_790_000_000_000 + sequence, source: `host-${t}:4242`, batch: `${table}-${sequence}`, table, sequence })
          messages.push({ key: `orders.${r}`, value })
          if (c === 0) success += 7
        }
      }
    }
    await producer.send({ topic, acks: 1, messages })
    written += messages.length
  }
  await producer.disconnect()
  progress(`${written} records written in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return success
}

/** One member of a new group reads the whole topic: records a second once it owns its partitions, and how long taking them took. */
async function memberRate (success) {
  const group = `${topic}-g${groups.length}`
  groups.push(group)
  let m
  let taken = 0
  let since // when the last partition was taken, and what had been read by then
  const log = line => {
    if (!/: taken/.test(line) || ++taken < 6) return
    since = { t: performance.now(), read: m?.totals().read ?? 0 }
  }
  const t0 = performance.now()
  m = await startMember({ kafka, topic, group, checkpointMs: 60_000, member: 'bench', log })
  for (;;) {
    if (m.totals().read >= N) break
    if (performance.now() - t0 > 300_000) throw new Error('the member did not read the topic in 5 minutes')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
  const end = performance.now()
  const rate = (N - since.read) / ((end - since.t) / 1000)
  const last = await m.stop() // checkpoints its partitions
  mustEqual('success counted by the member', last.topics['orders.0'].success * ROWS, success)
  return { rate, takeMs: since.t - t0, group }
}

async function onceTime (group) {
  const t0 = performance.now()
  const r = await aggregateCounts({ kafka, topic, group })
  const ms = performance.now() - t0
  return { ms, r }
}

try {
  const success = await fill()
  const perMember = []
  const takeMs = []
  let group
  for (let run = 0; run < (quick ? 1 : 3); run++) {
    const one = await memberRate(success)
    perMember.push(one.rate)
    takeMs.push(one.takeMs)
    group = one.group
    progress(`run ${run + 1}: ${one.rate.toFixed(0)} records/s, after ${one.takeMs.toFixed(0)} ms joining and taking 6 partitions over`)
  }
  const behind = []
  const without = []
  for (let run = 0; run < (quick ? 2 : 5); run++) {
    const a = await onceTime(group)
    mustEqual('records read after the checkpoints', a.r.read, 0)
    behind.push(a.ms)
    if (run < (quick ? 1 : 3)) {
      const b = await onceTime(undefined)
      mustEqual('records read without a checkpoint', b.r.read, N)
      mustEqual('success, with and without the checkpoint', b.r.topics['orders.3'].success, a.r.topics['orders.3'].success)
      without.push(b.ms)
    }
    progress(`aggregate --once: ${a.ms.toFixed(0)} ms from the checkpoints${without[run] === undefined ? '' : `, ${without[run].toFixed(0)} ms reading all ${N} records`}`)
  }
  const readGroup = `one member reading ${N.toLocaleString('en-US')} records of a 6-partition topic (kafkajs fetch, JSON parsing, dedupe and sums)`
  const onceGroup = `aggregateCounts (aggregate --once) with ${N.toLocaleString('en-US')} records in the topic`
  emit({
    id: 'fleet',
    title,
    unit: 'records/s',
    ratio: 'relative to one member alone; for --once, time relative to reading the whole history (lower is better)',
    rows: [
      { id: 'member-1', label: '1 member', group: readGroup, impl: 'wasm-tally', reference: true, ...summarize(perMember) },
      { id: 'member-take', label: 'joining and taking 6 partitions over (fencing, checkpoints read), once per start', group: 'a member starting', impl: 'wasm-tally', unit: 'ms', ...summarize(takeMs) },
      { id: 'once-history', label: 'no checkpoint: reads every record', group: onceGroup, impl: 'wasm-tally', unit: 'ms', reference: true, ...summarize(without) },
      { id: 'once-checkpoint', label: 'every record behind a checkpoint (--group)', group: onceGroup, impl: 'wasm-tally', unit: 'ms', ...summarize(behind) }
    ]
  })
} finally {
  await admin.deleteTopics({ topics: [topic, `${topic}-checkpoints`] }).catch(() => {})
  await admin.deleteGroups(groups).catch(() => {})
  await admin.disconnect()
}
