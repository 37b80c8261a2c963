// Wraps a kafkajs producer so every send's messages are counted per topic:
// as success when the send resolves, as error when it rejects.
import type { Producer, Transaction } from 'kafkajs'
import type { Tally } from '../engine/tally.js'
import type { KafkaTally } from './kafka-tally.js'
import { tallyRecorder, type LegacyRecorder, type Recorder } from './recorder.js'
import { copyBatch, copyRecord, type Counted } from './requests.js'

type Sends = Pick<Producer, 'send' | 'sendBatch'>

const nativeThen = Promise.prototype.then

/** The tables a producer can count into. */
export type CountTarget = Tally | KafkaTally | Recorder | LegacyRecorder

const recorders = new WeakMap<Tally, Recorder>()

// Duck-typed, not instanceof: the package's bundles and dist/ may hold two copies of the Tally class.
function recorderOf (target: CountTarget): Recorder {
  if (target === null || typeof target !== 'object') throw new TypeError('instrumentProducer expects a Tally or a KafkaTally to count into')
  const r = target as Partial<Recorder & LegacyRecorder> & { topic?: unknown }
  // A Binding (tally.bind) has success and error too, and the topic it is bound to: it is no Recorder.
  if (typeof r.success === 'function' && typeof r.topic !== 'string') {
    if (typeof r.error === 'function') return target as Recorder
    if (typeof r.failure === 'function') return fromLegacy(target as LegacyRecorder)
  }
  if (typeof (target as Tally).record === 'function') {
    const tally = target as Tally
    let recorder = recorders.get(tally)
    if (recorder === undefined) recorders.set(tally, recorder = tallyRecorder(tally))
    return recorder
  }
  throw new TypeError('instrumentProducer expects a Tally or a KafkaTally to count into')
}

/** A Recorder whose failures go to its old name, failure(). */
function fromLegacy (legacy: LegacyRecorder): Recorder {
  return {
    success: (topic, count) => legacy.success(topic, count),
    error: (topic, count, cause) => legacy.failure(topic, count, cause)
  }
}

/** Never throws: a Recorder that breaks does not reach the caller. */
function tell (recorder: Recorder, counted: Counted, error: unknown, failed: boolean): void {
  for (const [topic, count] of counted) {
    try {
      if (failed) recorder.error(topic, count, error)
      else recorder.success(topic, count)
    } catch { /* counting never breaks a send */ }
  }
}

/**
 * Counts what `start` returns when it settles and hands the caller its outcome:
 * the same value or the same rejection object (through one promise, so a
 * thenable that settles twice counts once); a rejection the caller leaves
 * unhandled stays unhandled. A plain value is counted as success and returned
 * as is; a synchronous throw is counted and rethrown.
 */
function countOutcome (recorder: Recorder, counted: Counted, start: () => unknown): unknown {
  let sent: unknown
  try {
    sent = start()
  } catch (error) {
    tell(recorder, counted, error, true)
    throw error
  }
  let then: unknown
  try {
    if (sent !== null && (typeof sent === 'object' || typeof sent === 'function')) then = (sent as { then?: unknown }).then
  } catch (error) {
    tell(recorder, counted, error, true) // awaiting it would throw the same
    return sent
  }
  if (typeof then !== 'function') {
    tell(recorder, counted, undefined, false)
    return sent
  }
  const onValue = (value: unknown): unknown => { tell(recorder, counted, undefined, false); return value }
  const onError = (error: unknown): never => { tell(recorder, counted, error, true); throw error }
  // A native promise settles once: chained directly. Anything else is adopted by one promise first.
  if (sent instanceof Promise && then === nativeThen) {
    try { return nativeThen.call(sent, onValue, onError) } catch { /* not a real promise after all: adopted below */ }
  }
  return new Promise((resolve, reject) => { then.call(sent, resolve, reject) }).then(onValue, onError)
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

/** `source`'s bound copy with send and sendBatch counted; a sendBatch it lacks stays absent. */
function countedCopy<T extends Sends> (source: T, recorder: Recorder, what: 'producer' | 'transaction'): T {
  if (source === null || typeof source !== 'object' || typeof source.send !== 'function') {
    throw new TypeError(`expected a kafkajs ${what} (an object with send), got ${source === null ? 'null' : typeof source}`)
  }
  const copy = boundCopy(source)
  const send = source.send.bind(source)
  copy.send = function send_ (record) {
    const { request, counted } = copyRecord(record) // counted before the send starts, and only what kafkajs gets
    return countOutcome(recorder, counted, () => send(request as typeof record)) as ReturnType<Sends['send']>
  }
  if (typeof source.sendBatch !== 'function') return copy
  const sendBatch = source.sendBatch.bind(source)
  copy.sendBatch = function sendBatch_ (batch) {
    const { request, counted } = copyBatch(batch)
    return countOutcome(recorder, counted, () => sendBatch(request as typeof batch)) as ReturnType<Sends['sendBatch']>
  }
  return copy
}

/**
 * The transaction with send and sendBatch counted. A message counts as success
 * when its send resolves, whatever the transaction does next: an abort does not
 * take it back (see docs/KAFKAJS.md).
 */
export function instrumentTransaction<T extends Transaction> (transaction: T, target: CountTarget): T {
  return countedCopy(transaction, recorderOf(target), 'transaction')
}

/**
 * Returns the producer's API with send, sendBatch and the sends of its
 * transactions counted per topic into `target`. The producer itself is left as it was.
 */
export function instrumentProducer<P extends Producer> (producer: P, target: CountTarget): P {
  const recorder = recorderOf(target)
  const copy = countedCopy(producer, recorder, 'producer')
  if (typeof producer.transaction === 'function') {
    const transaction = producer.transaction.bind(producer)
    copy.transaction = () => transaction().then(t => instrumentTransaction(t, recorder))
  }
  return copy
}
