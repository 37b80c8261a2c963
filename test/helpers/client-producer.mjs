// A producer thread (or the main thread's part) of the three-client broker test: attaches to the shared
// KafkaTally, sends its client's planned traffic one send at a time through
// the client's instrumented producer, and reports each send's outcome.
// Confluent's native addon runs in the main thread only
// (test/confluent-worker-thread.test.mjs): one thread
// runs both of its producers (`indexes`), side by side.
import { KafkaTally } from '../../dist/kafkajs/index.js'
import { clientPlan } from './client-traffic.mjs'

/** Runs in a worker thread (port: parentPort) or, for a client that cannot, in the test's own thread (port: a MessagePort). */
export async function produce (parentPort, workerData) {
  const { shared, brokers, indexes, topics, client, platformaticModule } = workerData
  const counts = await KafkaTally.attach(shared)

  /** Producer `index`: its instrumented client and how to close it. */
  async function start (index) {
    let producer, close
    if (client === 'kafkajs') {
      const { default: kafkajs } = await import('kafkajs')
      const { instrumentProducer } = await import('../../dist/kafkajs/index.js')
      const raw = new kafkajs.Kafka({ clientId: `clients-kafkajs-${index}`, brokers, logLevel: kafkajs.logLevel.NOTHING })
        .producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 300 } })
      await raw.connect()
      producer = instrumentProducer(raw, counts)
      close = () => raw.disconnect()
    } else if (client === 'confluent') {
      const { KafkaJS } = (await import('@confluentinc/kafka-javascript')).default
      const { instrumentProducer } = await import('../../dist/confluent/index.js')
      const raw = new KafkaJS.Kafka({ kafkaJS: { brokers, clientId: `clients-confluent-${index}`, logLevel: KafkaJS.logLevel.NOTHING } })
        .producer({ kafkaJS: { allowAutoTopicCreation: false }, 'message.timeout.ms': 1500 })
      await raw.connect()
      producer = instrumentProducer(raw, counts)
      close = () => raw.disconnect()
    } else {
      const { Producer } = await import(platformaticModule)
      const { instrumentProducer } = await import('../../dist/platformatic/index.js')
      const toBytes = v => typeof v === 'string' ? Buffer.from(v) : v ?? undefined
      const raw = new Producer({ clientId: `clients-platformatic-${index}`, bootstrapBrokers: brokers, autocreateTopics: false, retries: 2, retryDelay: 100, serializers: { key: toBytes, value: toBytes, headerKey: toBytes, headerValue: toBytes } })
      producer = instrumentProducer(raw, counts)
      close = () => raw.close()
    }

    return { producer, close }
  }

  async function sendAll (index) {
    const { producer, close } = await start(index)
    const results = []
    for (const { op, request } of clientPlan(client, index, topics)) {
      try {
        await producer[op](request)
        results.push({ failed: undefined })
      } catch (error) {
        results.push({ failed: String(error?.message ?? error) })
      }
    }
    await close()
    return results
  }

  parentPort.postMessage({ results: (await Promise.all(indexes.map(sendAll))).flat() })
}
