// A consumer thread (or the main thread's part) of the three-client broker test: members (`indexes`) of
// its client's consumer group, counted into the shared KafkaTally. kafkajs and
// Confluent's KafkaJS API run eachMessage, throwing once on each message with
// a `fail` header; @platformatic/kafka reads its stream. Posts each member's
// assignment as it changes, and on 'stop' what it saw per topic. Confluent's
// native addon loads in one thread of a process only: one thread hosts both
// of its members.
import { KafkaTally } from '../../dist/kafkajs/index.js'

/** Runs in a worker thread (port: parentPort) or, for a client that cannot, in the test's own thread (port: a MessagePort). */
export async function consume (parentPort, workerData) {
  const { shared, brokers, groupId, topics, client, indexes, platformaticModule } = workerData
  class ChosenFailure extends Error { name = 'ChosenFailure' }

  const counts = await KafkaTally.attach(shared)
  const seen = {} // per topic: messages handed, handler throws
  const seenOf = topic => (seen[topic] ??= { messages: 0, thrown: 0 })
  const thrown = new Set()
  const handle = ({ topic, partition, message }) => {
    const s = seenOf(topic)
    s.messages++
    const id = `${topic}:${partition}:${message.offset}`
    if (message.headers?.fail !== undefined && !thrown.has(id)) {
      thrown.add(id)
      s.thrown++
      throw new ChosenFailure(`chosen message ${id}`)
    }
  }

  /** Member `index` of the group: started; its stop(). */
  async function member (index) {
    const post = assigned => parentPort.postMessage({ index, assigned })
    if (client === 'kafkajs') {
      const { default: kafkajs } = await import('kafkajs')
      const { instrumentConsumer } = await import('../../dist/kafkajs/index.js')
      const raw = new kafkajs.Kafka({ clientId: `clients-kafkajs-c${index}`, brokers, logLevel: kafkajs.logLevel.NOTHING })
        .consumer({ groupId, maxWaitTimeInMs: 200, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 300 } })
      const consumer = instrumentConsumer(raw, counts)
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => post(Object.entries(payload.memberAssignment).flatMap(([t, ps]) => ps.map(p => `${t}:${p}`))))
      await consumer.connect()
      await consumer.subscribe({ topics, fromBeginning: true })
      await consumer.run({ eachMessage: async payload => handle(payload) })
      return () => consumer.disconnect()
    }
    if (client === 'confluent') {
      const { KafkaJS } = (await import('@confluentinc/kafka-javascript')).default
      const { instrumentConsumer } = await import('../../dist/confluent/index.js')
      const raw = new KafkaJS.Kafka({ kafkaJS: { brokers, clientId: `clients-confluent-c${index}`, logLevel: KafkaJS.logLevel.NOTHING } })
        .consumer({ kafkaJS: { groupId, fromBeginning: true } })
      const consumer = instrumentConsumer(raw, counts)
      await consumer.connect()
      await consumer.subscribe({ topics })
      await consumer.run({ eachMessage: async payload => handle(payload) })
      const timer = setInterval(() => { try { post(raw.assignment().map(({ topic, partition }) => `${topic}:${partition}`)) } catch {} }, 250)
      return async () => { clearInterval(timer); await consumer.disconnect() }
    }
    const { Consumer } = await import(platformaticModule)
    const { instrumentConsumer } = await import('../../dist/platformatic/index.js')
    const raw = new Consumer({ groupId, clientId: `clients-platformatic-c${index}`, bootstrapBrokers: brokers, maxWaitTime: 200 })
    const consumer = instrumentConsumer(raw, counts)
    const stream = await consumer.consume({ topics, mode: 'earliest' })
    stream.on('data', message => { seenOf(message.topic).messages++ })
    const timer = setInterval(() => post((raw.assignments ?? []).flatMap(({ topic, partitions }) => partitions.map(p => `${topic}:${p}`))), 250)
    return async () => { clearInterval(timer); await stream.close(); await raw.close() }
  }

  const stops = await Promise.all(indexes.map(member))
  parentPort.on('message', async msg => {
    if (msg !== 'stop') return
    await Promise.all(stops.map(stop => stop()))
    parentPort.postMessage({ seen })
  })
}
