// kafkajs produce throughput to a real broker with and without instrumentProducer:
// the same connected producer, runs alternating plain / counted, median of each.
//   node bench/kafka-overhead.mjs [--brokers 127.0.0.1:9092] [--runs 7] [--messages 20000] [--batch 100] [--in-flight 4]
// Without --brokers (or KAFKA_BROKERS) the broker of scripts/kafka-start.sh is started.
// Also measures the wrapper alone over a producer that resolves at once (ns per send).
import { parseArgs } from 'node:util'
import kafkajs from 'kafkajs'
import { Tally } from '../dist/index.js'
import { KafkaTally, instrumentProducer } from '../dist/kafkajs/index.js'
import { ensureBroker } from '../test/helpers/kafka-broker.mjs'

const { Kafka, logLevel, Partitioners } = kafkajs
const { values: args } = parseArgs({
  options: {
    brokers: { type: 'string' },
    runs: { type: 'string', default: '7' },
    messages: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '100' },
    'in-flight': { type: 'string', default: '4' }
  }
})
const RUNS = Number(args.runs)
const MESSAGES = Number(args.messages)
const BATCH = Number(args.batch)
const IN_FLIGHT = Number(args['in-flight'])
const median = xs => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }

const brokers = (args.brokers ?? await ensureBroker()).split(',')
const topic = `bench.kafka-overhead.${process.pid}`
const kafka = new Kafka({ clientId: 'kafka-overhead-bench', brokers, logLevel: logLevel.NOTHING })
const admin = kafka.admin()
await admin.connect()
await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })
const raw = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
await raw.connect()
const counts = await KafkaTally.create({ capacity: 64 })
const counted = instrumentProducer(raw, counts)
const payload = Array.from({ length: BATCH }, (_, i) => ({ key: String(i % 16), value: 'x'.repeat(100) }))

async function once (producer) {
  const sends = Math.ceil(MESSAGES / BATCH)
  let next = 0
  const start = process.hrtime.bigint()
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next++ < sends) await producer.send({ topic, messages: payload })
  }))
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  return (sends * BATCH) / seconds
}

try {
  await once(raw) // warm up connections and metadata
  await once(counted)
  counts.snapshot()
  const plainRates = []
  const countedRates = []
  for (let r = 0; r < RUNS; r++) {
    const order = r % 2 === 0 ? [[raw, plainRates], [counted, countedRates]] : [[counted, countedRates], [raw, plainRates]]
    for (const [producer, rates] of order) rates.push(await once(producer))
  }
  const snap = counts.snapshot()
  const success = snap.topics.get(topic)?.success ?? 0
  const expected = RUNS * Math.ceil(MESSAGES / BATCH) * BATCH
  const plain = median(plainRates)
  const withCounts = median(countedRates)
  console.log(`kafkajs produce to ${brokers.join(',')}: ${RUNS} alternating runs of ${MESSAGES} messages (batches of ${BATCH}, ${IN_FLIGHT} in flight)`)
  console.log(`  plain       median ${plain.toFixed(0)} msg/s   runs ${plainRates.map(x => x.toFixed(0)).join(' ')}`)
  console.log(`  instrumented median ${withCounts.toFixed(0)} msg/s   runs ${countedRates.map(x => x.toFixed(0)).join(' ')}`)
  console.log(`  overhead    ${(((plain - withCounts) / plain) * 100).toFixed(2)} % (median vs median; negative = within noise)`)
  console.log(`  counted     ${success} of ${expected} instrumented messages${success === expected ? '' : '  MISMATCH'}`)

  // The wrapper alone: a producer whose sends resolve at once.
  const tally = await Tally.create({ capacity: 16 })
  const instant = { send: () => Promise.resolve([]), sendBatch: () => Promise.resolve([]) }
  const wrapped = instrumentProducer(instant, tally)
  const request = { topic: 'instant', messages: payload }
  const N = 200_000
  const time = async (p) => { const t = process.hrtime.bigint(); for (let i = 0; i < N; i++) await p.send(request); return Number(process.hrtime.bigint() - t) / N }
  const base = []; const wrap = []
  for (let r = 0; r < 5; r++) { base.push(await time(instant)); wrap.push(await time(wrapped)) }
  console.log(`  wrapper alone: ${(median(wrap) - median(base)).toFixed(0)} ns per send added (${median(base).toFixed(0)} -> ${median(wrap).toFixed(0)} ns per awaited send)`)
} finally {
  await raw.disconnect()
  await admin.deleteTopics({ topics: [topic] }).catch(() => {})
  await admin.disconnect()
}
