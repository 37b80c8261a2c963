// kafkajs produce throughput to a real broker with and without
// instrumentProducer: one connected producer, runs alternating plain and
// counted (so drift on a shared machine lands on both), every instrumented
// message checked as counted. Also the wrapper alone over a producer that
// resolves at once (ns added per send).
import kafkajs from 'kafkajs'
import { Tally } from '../dist/index.js'
import { KafkaTally, instrumentProducer } from '../dist/kafkajs/index.js'

const { Kafka, logLevel, Partitioners } = kafkajs

export async function measureKafkaOverhead ({ brokers, runs = 7, messages = 20_000, batch = 100, inFlight = 4, onRun = () => {} }) {
  const topic = `bench.kafka-overhead.${process.pid}`
  const kafka = new Kafka({ clientId: 'kafka-overhead-bench', brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })
  const raw = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await raw.connect()
  const counts = await KafkaTally.create({ capacity: 64 })
  const counted = instrumentProducer(raw, counts)
  const payload = Array.from({ length: batch }, (_, i) => ({ key: String(i % 16), value: 'x'.repeat(100) }))
  const sends = Math.ceil(messages / batch)

  async function once (producer) {
    let next = 0
    const start = process.hrtime.bigint()
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next++ < sends) await producer.send({ topic, messages: payload })
    }))
    return (sends * batch) / (Number(process.hrtime.bigint() - start) / 1e9)
  }

  try {
    await once(raw) // warm up connections and metadata
    await once(counted)
    counts.snapshot()
    const plainRates = []
    const countedRates = []
    for (let r = 0; r < runs; r++) {
      const order = r % 2 === 0 ? [[raw, plainRates], [counted, countedRates]] : [[counted, countedRates], [raw, plainRates]]
      for (const [producer, rates] of order) rates.push(await once(producer))
      onRun(r, plainRates.at(-1), countedRates.at(-1))
    }
    const first = counts.snapshot()
    const second = counts.snapshot()
    const success = (first.topics.get(topic)?.success ?? 0) + (second.topics.get(topic)?.success ?? 0)
    return { plainRates, countedRates, counted: success, expected: runs * sends * batch, wrapper: await wrapperCost(payload) }
  } finally {
    await raw.disconnect()
    await admin.deleteTopics({ topics: [topic] }).catch(() => {})
    await admin.disconnect()
  }
}

/** ns per awaited send, bare and wrapped, over a producer that resolves at once. */
async function wrapperCost (payload, n = 200_000, rounds = 5) {
  const tally = await Tally.create({ capacity: 16 })
  const instant = { send: () => Promise.resolve([]), sendBatch: () => Promise.resolve([]) }
  const wrapped = instrumentProducer(instant, tally)
  const request = { topic: 'instant', messages: payload }
  const time = async p => { const t = process.hrtime.bigint(); for (let i = 0; i < n; i++) await p.send(request); return Number(process.hrtime.bigint() - t) / n }
  const bare = []
  const wrap = []
  for (let r = 0; r < rounds; r++) { bare.push(await time(instant)); wrap.push(await time(wrapped)) }
  return { bare, wrapped: wrap }
}
