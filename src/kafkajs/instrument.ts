// Wraps a kafkajs producer so every send's messages are counted per topic:
// as success when the send resolves, as error when it rejects.
import type { Producer, ProducerBatch, ProducerRecord, RecordMetadata, Transaction } from 'kafkajs'
import type { Tally } from '../index.js'
import type { KafkaTally } from './kafka-tally.js'
import { tallyRecorder, type Recorder } from './recorder.js'
import { copyBatch, copyRecord } from './requests.js'

type Send = (record: ProducerRecord) => Promise<RecordMetadata[]>
type SendBatch = (batch: ProducerBatch) => Promise<RecordMetadata[]>

/** The tables a producer can count into. */
export type CountTarget = Tally | KafkaTally | Recorder

const recorders = new WeakMap<Tally, Recorder>()

// Duck-typed, not instanceof: the package's bundles and dist/ may hold two copies of the Tally class.
function recorderOf (target: CountTarget): Recorder {
  if (target === null || typeof target !== 'object') throw new TypeError('instrumentProducer expects a Tally or a KafkaTally to count into')
  if (typeof (target as Recorder).success === 'function' && typeof (target as Recorder).failure === 'function') return target as Recorder
  if (typeof (target as Tally).record === 'function') {
    const tally = target as Tally
    let recorder = recorders.get(tally)
    if (recorder === undefined) recorders.set(tally, recorder = tallyRecorder(tally))
    return recorder
  }
  throw new TypeError('instrumentProducer expects a Tally or a KafkaTally to count into')
}

/**
 * Passes the send's own promise on through one continuation that counts it:
 * the caller gets the same value or the same rejection object, and an unhandled
 * rejection stays unhandled.
 */
function counted<T> (recorder: Recorder, topics: Array<[unknown, number]>, start: () => Promise<T>): Promise<T> {
  let sent: Promise<T>
  try {
    sent = start()
  } catch (error) {
    for (const [topic, count] of topics) recorder.failure(topic, count, error)
    throw error
  }
  return sent.then(
    value => {
      for (const [topic, count] of topics) recorder.success(topic, count)
      return value
    },
    error => {
      for (const [topic, count] of topics) recorder.failure(topic, count, error)
      throw error
    }
  )
}

function countedSend (send: Send, recorder: Recorder): Send {
  return function send_ (record) {
    const { request, counted: topics } = copyRecord(record) // counted before the send starts, and only what kafkajs gets
    return counted(recorder, topics, () => send(request as ProducerRecord))
  }
}

function countedSendBatch (sendBatch: SendBatch, recorder: Recorder): SendBatch {
  return function sendBatch_ (batch) {
    const { request, counted: topics } = copyBatch(batch)
    return counted(recorder, topics, () => sendBatch(request as ProducerBatch))
  }
}

/** A copy of `source` with its methods bound to it (own and inherited, not Object's). */
function boundCopy<T extends object> (source: T): T {
  const copy: Record<PropertyKey, unknown> = {}
  const chain: object[] = []
  for (let o: object | null = source; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) chain.unshift(o)
  for (const o of chain) {
    for (const key of Reflect.ownKeys(o)) {
      if (key === 'constructor' && o !== source) continue
      const value = (source as Record<PropertyKey, unknown>)[key]
      copy[key] = typeof value === 'function' ? value.bind(source) : value
    }
  }
  return copy as T
}

/**
 * The transaction with send and sendBatch counted. A message counts as success
 * when its send resolves, whatever the transaction does next: an abort does not
 * take it back (see docs/KAFKAJS.md).
 */
export function instrumentTransaction<T extends Transaction> (transaction: T, target: CountTarget): T {
  const recorder = recorderOf(target)
  const copy = boundCopy(transaction)
  copy.send = countedSend(transaction.send.bind(transaction), recorder)
  copy.sendBatch = countedSendBatch(transaction.sendBatch.bind(transaction), recorder)
  return copy
}

/**
 * Returns the producer's API with send, sendBatch and the sends of its
 * transactions counted per topic into `target`. The producer itself is left as it was.
 */
export function instrumentProducer<P extends Producer> (producer: P, target: CountTarget): P {
  const recorder = recorderOf(target)
  const copy = boundCopy(producer)
  copy.send = countedSend(producer.send.bind(producer), recorder)
  copy.sendBatch = countedSendBatch(producer.sendBatch.bind(producer), recorder)
  if (typeof producer.transaction === 'function') {
    const transaction = producer.transaction.bind(producer)
    copy.transaction = () => transaction().then(t => instrumentTransaction(t, recorder))
  }
  return copy
}
