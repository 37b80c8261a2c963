// N worker threads, each with its own kafkajs producer, counting into one shared table.
import { Worker } from 'node:worker_threads'
import type { KafkaConfig, ProducerBatch, ProducerConfig, ProducerRecord, RecordMetadata } from 'kafkajs'
import type { AnyTally } from '../engine/tally.js'

// Any table: its columns and histograms are checked when counting, not typed here.
type Tally = AnyTally
import type { KafkaTally } from '../messaging/kafka-tally.js'
import { fromWire, type WireError } from './wire-error.js'

/** Parts of the kafkajs configs that can be posted to a worker (no functions). */
export type PoolKafkaConfig = Omit<KafkaConfig, 'logCreator' | 'socketFactory' | 'sasl' | 'ssl'> & { ssl?: boolean }
export type PoolProducerConfig = Omit<ProducerConfig, 'createPartitioner'>

export interface ProducerPoolOptions {
  /** The table every worker counts into (a KafkaTally also counts failures by kind). */
  tally: Tally | KafkaTally
  /** Kafka client config for each worker's client (logLevel defaults to NOTHING). */
  kafka: PoolKafkaConfig
  producer?: PoolProducerConfig
  /** Worker threads, one producer each (default 2). */
  workers?: number
}

export interface ProducerPool {
  readonly size: number
  /** Sends from worker `worker` (default: the next, round robin). Resolves or rejects as the producer's send did. */
  send (record: ProducerRecord, worker?: number): Promise<RecordMetadata[]>
  sendBatch (batch: ProducerBatch, worker?: number): Promise<RecordMetadata[]>
  /** Disconnects every producer and ends the workers. */
  close (): Promise<void>
}

interface Reply { id: number, ok: boolean, value?: RecordMetadata[], error?: WireError }
interface Pending { resolve: (value: RecordMetadata[]) => void, reject: (error: Error) => void }

class PooledProducer {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private failure: Error | undefined

  constructor (readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id)
      if (waiting === undefined) return
      this.pending.delete(reply.id)
      if (reply.ok) waiting.resolve(reply.value ?? [])
      else waiting.reject(fromWire(reply.error ?? { name: 'Error', message: 'unknown failure' }))
    })
    const fail = (error: Error) => {
      this.failure ??= error
      for (const waiting of this.pending.values()) waiting.reject(error)
      this.pending.clear()
    }
    worker.on('error', fail)
    worker.on('exit', code => fail(new Error(`producer worker exited (code ${code})`)))
  }

  call (op: string, arg?: unknown): Promise<RecordMetadata[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.worker.postMessage({ id, op, arg })
    })
  }
}

/** Starts `workers` threads, each connecting its own instrumented producer; resolves when all are connected. */
export async function createProducerPool (options: ProducerPoolOptions): Promise<ProducerPool> {
  const size = options.workers ?? 2
  if (!Number.isInteger(size) || size < 1 || size > 256) throw new RangeError(`workers must be an integer from 1 to 256, got ${String(size)}`)
  const workerData = { counts: options.tally.share(), kafka: options.kafka, producer: options.producer ?? {} }
  const producers: PooledProducer[] = []
  for (let i = 0; i < size; i++) {
    // Only the first worker names what the table cannot hold: one warning per pool, not one per thread.
    producers.push(new PooledProducer(new Worker(new URL('./producer-pool-worker.js', import.meta.url), { workerData: { ...workerData, warn: i === 0 } })))
  }
  const close = async (): Promise<void> => {
    await Promise.all(producers.map(p => p.call('close').catch(() => {})))
    await Promise.all(producers.map(p => p.worker.terminate()))
  }
  try {
    await Promise.all(producers.map(p => p.call('connect')))
  } catch (error) {
    await close()
    throw error
  }
  let next = 0
  const pick = (worker?: number): PooledProducer => {
    if (worker === undefined) { next = (next + 1) % size; return producers[next] }
    const chosen = producers[worker]
    if (chosen === undefined) throw new RangeError(`worker must be an integer from 0 to ${size - 1}, got ${String(worker)}`)
    return chosen
  }
  return {
    size,
    send: (record, worker) => pick(worker).call('send', record),
    sendBatch: (batch, worker) => pick(worker).call('sendBatch', batch),
    close
  }
}
