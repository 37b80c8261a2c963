// Wraps a kafkajs producer so every send is counted per topic when it
// settles: its messages as success or error, the bytes it delivered, and how
// long it took (see send-counter.ts).
import type { Producer, Transaction } from 'kafkajs'
import { boundCopy } from './bound-copy.js'
import { copyBatch, copyRecord, type Counted } from './requests.js'
import { seconds } from './row-writer.js'
import { SEND_NAMES, type SendCounter } from './send-counter.js'
import { settle } from './settle.js'
import { sendCounterOf, writerOf, type CountTarget } from './targets.js'
import { reportUnsupported, type InstrumentOptions } from './unsupported.js'

export type { CountTarget }

type Sends = Pick<Producer, 'send' | 'sendBatch'>

/** Calls `start`, counting the send when it settles, with its duration (when the table keeps one). */
function countOutcome (counter: SendCounter, counted: Counted, start: () => unknown): unknown {
  if (!counter.timed) return settle(start, (error, failed) => counter.settled(counted, 0, error, failed))
  const began = seconds()
  return settle(start, (error, failed) => counter.settled(counted, seconds() - began, error, failed))
}

/** `source`'s bound copy with send and sendBatch counted; a sendBatch it lacks stays absent. */
function countedCopy<T extends Sends> (source: T, counter: SendCounter, what: 'producer' | 'transaction'): T {
  if (source === null || typeof source !== 'object' || typeof source.send !== 'function') {
    throw new TypeError(`expected a kafkajs ${what} (an object with send), got ${source === null ? 'null' : typeof source}`)
  }
  const copy = boundCopy(source)
  const send = source.send.bind(source)
  copy.send = function send_ (record) {
    const { request, counted } = copyRecord(record, counter.bytes) // counted before the send starts, and only what kafkajs gets
    return countOutcome(counter, counted, () => send(request as typeof record)) as ReturnType<Sends['send']>
  }
  if (typeof source.sendBatch !== 'function') return copy
  const sendBatch = source.sendBatch.bind(source)
  copy.sendBatch = function sendBatch_ (batch) {
    const { request, counted } = copyBatch(batch, counter.bytes)
    return countOutcome(counter, counted, () => sendBatch(request as typeof batch)) as ReturnType<Sends['sendBatch']>
  }
  return copy
}

/**
 * The transaction with send and sendBatch counted. A message counts as success
 * when its send resolves, whatever the transaction does next: an abort does not
 * take it back (see docs/KAFKAJS.md).
 */
export function instrumentTransaction<T extends Transaction> (transaction: T, target: CountTarget, options?: InstrumentOptions): T {
  const counter = sendCounterOf(target, 'instrumentTransaction')
  report(target, 'instrumentTransaction', options)
  return countedCopy(transaction, counter, 'transaction')
}

/** Names once what the target's table cannot hold of what a send counts. */
function report (target: CountTarget, who: string, options: InstrumentOptions | undefined): void {
  const writer = writerOf(target)
  if (writer !== undefined) reportUnsupported(writer, SEND_NAMES, who, options)
}

/**
 * Returns the producer's API with send, sendBatch and the sends of its
 * transactions counted per topic into `target`: messages delivered (success)
 * or not (error), bytes delivered, and the duration of each send. The
 * producer itself is left as it was. What the target's table has no column
 * or histogram for is not counted, and named once (options.onUnsupported).
 */
export function instrumentProducer<P extends Producer> (producer: P, target: CountTarget, options?: InstrumentOptions): P {
  const counter = sendCounterOf(target, 'instrumentProducer')
  const copy = countedCopy(producer, counter, 'producer')
  report(target, 'instrumentProducer', options)
  if (typeof producer.transaction === 'function') {
    const transaction = producer.transaction.bind(producer)
    copy.transaction = () => transaction().then(t => countedCopy(t, counter, 'transaction'))
  }
  return copy
}
