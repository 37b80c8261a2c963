// The main job's load with --brokers: N worker threads, each with a real
// kafkajs producer, sending batches round robin over a few topics and counting
// every send into the given shared table until stop(). The command's own, not
// the library's: wasm-tally/kafkajs must load without kafkajs installed.
import kafkajs from 'kafkajs'
import type { AnyTally as Tally } from '../engine/tally.js'
import type { KafkaTally } from '../messaging/kafka-tally.js'
import { createProducerPool } from '../kafkajs/producer-pool.js'

export const KAFKAJS_LOAD_TOPICS = ['demo.orders', 'demo.payments', 'demo.clicks']

export interface KafkajsLoadOptions {
  /** Bootstrap brokers, "host:port" strings or one comma-separated string. */
  brokers: string | string[]
  /** The shared table every worker counts into. */
  tally: Tally | KafkaTally
  /** Worker threads, one producer each (default 2). */
  workers?: number
  topics?: string[]
  /** Messages per send (default 20). */
  batchSize?: number
  /** Sends in flight per worker (default 2). */
  inFlight?: number
  clientId?: string
}

export interface KafkajsLoadTotals {
  /** Per topic, messages handed to a send (each is counted as success or error). */
  attempted: Map<string, number>
  sends: number
  failedSends: number
}

export interface KafkajsLoad {
  readonly topics: string[]
  /** Stops sending, waits for the sends in flight, disconnects; resolves with what was attempted. */
  stop (): Promise<KafkajsLoadTotals>
}

/** Creates the topics (3 partitions) when missing, starts the workers, and returns once they send. */
export async function startKafkajsLoad (options: KafkajsLoadOptions): Promise<KafkajsLoad> {
  const brokers = typeof options.brokers === 'string' ? options.brokers.split(',').map(b => b.trim()).filter(Boolean) : options.brokers
  const topics = options.topics ?? KAFKAJS_LOAD_TOPICS
  const batchSize = options.batchSize ?? 20
  const workers = options.workers ?? 2
  const inFlight = options.inFlight ?? 2
  const clientId = options.clientId ?? 'wasm-tally-load'
  const kafkaConfig = { clientId, brokers, connectionTimeout: 3000, retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 } }

  const admin = new kafkajs.Kafka({ ...kafkaConfig, logLevel: kafkajs.logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const missing = topics.filter(t => !existing.has(t))
    if (missing.length > 0) await admin.createTopics({ topics: missing.map(topic => ({ topic, numPartitions: 3 })), waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }

  const pool = await createProducerPool({ tally: options.tally, workers, kafka: kafkaConfig })
  const totals: KafkajsLoadTotals = { attempted: new Map(topics.map(t => [t, 0])), sends: 0, failedSends: 0 }
  let running = true
  let seq = 0 // message numbers (values and keys)
  let turn = 0 // sends: the topic turns once per send, whatever the batch size
  const loop = async (worker: number): Promise<void> => {
    while (running) {
      const topic = topics[turn++ % topics.length]
      const messages = Array.from({ length: batchSize }, () => ({ key: String(seq % 64), value: `${topic} ${seq++}` }))
      totals.attempted.set(topic, (totals.attempted.get(topic) ?? 0) + messages.length)
      totals.sends++
      try {
        await pool.send({ topic, messages }, worker)
      } catch {
        totals.failedSends++
        await new Promise(resolve => setTimeout(resolve, 100)) // counted as error; do not spin while the broker is away
      }
    }
  }
  const loops: Array<Promise<void>> = []
  for (let w = 0; w < workers; w++) for (let i = 0; i < inFlight; i++) loops.push(loop(w))
  let stopping: Promise<KafkajsLoadTotals> | undefined
  return {
    topics,
    stop () {
      stopping ??= (async () => {
        running = false
        await Promise.all(loops)
        await pool.close()
        return totals
      })()
      return stopping
    }
  }
}
