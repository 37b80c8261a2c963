// A producer thread of the broker metrics test: attaches to the shared
// KafkaTally, sends its planned traffic through an instrumented kafkajs
// producer one send at a time, and reports each send's outcome and duration.
import { parentPort, workerData } from 'node:worker_threads'
import kafkajs from 'kafkajs'
import { KafkaTally, instrumentProducer, kindLabel, classify } from '../../dist/kafkajs/index.js'
import { planOf } from '../helpers/metrics-traffic.mjs'

const { Kafka, logLevel, Partitioners } = kafkajs
const { shared, brokers, index, topics } = workerData

const counts = await KafkaTally.attach(shared)
const kafka = new Kafka({ clientId: `kafkajs-metrics-producer-${index}`, brokers, logLevel: logLevel.NOTHING })
const raw = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 300 } })
await raw.connect()
const producer = instrumentProducer(raw, counts)

const results = []
for (const { op, request } of planOf(index, topics)) {
  const t0 = performance.now()
  try {
    await producer[op](request)
    results.push({ failed: undefined, seconds: (performance.now() - t0) / 1000 })
  } catch (error) {
    results.push({ failed: kindLabel(classify(error).head), seconds: (performance.now() - t0) / 1000 })
  }
}
await raw.disconnect()
parentPort.postMessage({ results })
