// A caller that reuses its messages array right after send(), against a real
// broker: what each client delivers is what its adapter counted. kafkajs reads
// a send's messages after an await, so wasm-tally/kafkajs hands it a copy of
// the array; Confluent's KafkaJS API reads them during the call (each message
// goes to librdkafka before its first await), so wasm-tally/confluent hands it
// the caller's record as it is. What the broker holds is read back as the
// topic's offsets. (@platformatic/kafka reads its messages after an await when
// it first sets up an idempotent producer, or runs a serialization hook: its
// adapter always copies, test/clients-instrument.test.mjs.)
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import kafkajs from 'kafkajs'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { KafkaTally } from '../dist/kafkajs/index.js'
import * as kafkajsAdapter from '../dist/kafkajs/index.js'
import * as confluentAdapter from '../dist/confluent/index.js'

// KAFKA_CLIENTS narrows the clients, as in kafka-clients-broker.test.mjs (CI's Node 22 run leaves Confluent out).
const CLIENTS = (process.env.KAFKA_CLIENTS ?? 'kafkajs,confluent').split(',').filter(c => c === 'kafkajs' || c === 'confluent')
const run = `${process.pid}-${Date.now()}`
const SENT = 5
const message = (name, i) => ({ key: `${name}-${i}`, value: `${name} ${i}: ${'é'.repeat(i)}` })
const bytesOf = messages => messages.reduce((n, m) => n + Buffer.byteLength(m.key) + Buffer.byteLength(m.value), 0)

let brokers, admin
const topics = []
const setup = async () => {
  brokers ??= (await ensureBroker()).split(',')
  if (admin === undefined) {
    admin = new kafkajs.Kafka({ clientId: 'arrays-test', brokers, logLevel: kafkajs.logLevel.NOTHING }).admin()
    await admin.connect()
  }
}

test.after(async () => {
  await admin?.deleteTopics({ topics }).catch(() => {})
  await admin?.disconnect().catch(() => {})
})

/** The client's producer, connected and instrumented into `counts`, and how to close it. */
async function producerOf (client, counts) {
  if (client === 'kafkajs') {
    const raw = new kafkajs.Kafka({ clientId: 'arrays-kafkajs', brokers, logLevel: kafkajs.logLevel.NOTHING })
      .producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
    await raw.connect()
    return { producer: kafkajsAdapter.instrumentProducer(raw, counts), close: () => raw.disconnect() }
  }
  const { KafkaJS } = (await import('@confluentinc/kafka-javascript')).default
  const raw = new KafkaJS.Kafka({ kafkaJS: { brokers, clientId: 'arrays-confluent', logLevel: KafkaJS.logLevel.NOTHING } })
    .producer({ kafkaJS: { allowAutoTopicCreation: false } })
  await raw.connect()
  return { producer: confluentAdapter.instrumentProducer(raw, counts), close: () => raw.disconnect() }
}

for (const client of CLIENTS) {
  test(`${client}: a messages array emptied and refilled right after send() is counted as what the broker got`, async () => {
    await setup()
    const topic = `arrays.${client}.${run}`
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })
    topics.push(topic)
    const counts = await KafkaTally.create({ capacity: 16 })
    const { producer, close } = await producerOf(client, counts)
    try {
      const first = Array.from({ length: SENT }, (_, i) => message('first', i))
      const bytes = bytesOf(first)
      const messages = [...first]
      const sending = producer.send({ topic, messages })
      messages.splice(0, messages.length, message('later', 0), message('later', 1)) // the caller reuses its array at once
      await sending
      const [{ high }] = await admin.fetchTopicOffsets(topic)
      assert.is(Number(high), SENT, 'the broker holds the messages as they were at the call')
      const snaps = [counts.snapshot(), counts.snapshot()]
      const row = name => snaps.reduce((n, s) => n + (s.topics.get(topic)?.[name] ?? 0), 0)
      assert.is(row('success'), SENT)
      assert.is(row('error'), 0)
      assert.is(row('bytes'), bytes)
      assert.is(snaps.reduce((n, s) => n + (s.topics.get(topic)?.sendDuration.count ?? 0), 0), 1)
    } finally {
      await close()
    }
  })
}

test.run()
