// Wraps a kafkajs producer so every send is counted per topic when it
// settles: its messages as success or error, the bytes it delivered, and how
// long it took (see send-counter.ts).
import type { Producer, Transaction } from 'kafkajs'
import { boundCopy } from '../messaging/bound-copy.js'
import { BatchSend, sendWatched } from '../messaging/pending-send.js'
import { copyBatch, sendRecord } from './requests.js'
import { SEND_NAMES, type SendCounter } from '../messaging/send-counter.js'
import { sendCounterOf, writerOf, type CountTarget } from '../messaging/targets.js'
import { reportUnsupported, type InstrumentOptions } from '../messaging/unsupported.js'

export type { CountTarget }

type Sends = Pick<Producer, 'send' | 'sendBatch'>

/**
 * `source`'s bound copy with send and sendBatch counted; a sendBatch it lacks
 * stays absent. `copied`: send() hands on a copy of the record (see requests.ts).
 */
function countedCopy<T extends Sends> (source: T, counter: SendCounter, what: string, copied: boolean): T {
  if (source === null || typeof source !== 'object' || typeof source.send !== 'function') {
    throw new TypeError(`expected a ${what} (an object with send), got ${source === null ? 'null' : typeof source}`)
  }
  const copy = boundCopy(source)
  const send = source.send.bind(source) as (request: unknown) => unknown
  copy.send = function send_ (record) {
    return sendRecord(send, record, counter, copied) as ReturnType<Sends['send']> // counted before the send starts, and only what the client gets
  }
  if (typeof source.sendBatch !== 'function') return copy
  const sendBatch = source.sendBatch.bind(source) as (request: unknown) => unknown
  copy.sendBatch = function sendBatch_ (batch) {
    const pending = new BatchSend(counter)
    const request = copyBatch(batch, counter.bytes, pending.counted)
    return sendWatched(sendBatch, request, pending, counter.timed) as ReturnType<Sends['sendBatch']>
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
  return countedCopy(transaction, counter, 'kafkajs transaction', true)
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
  const copy = countProducer(producer, sendCounterOf(target, 'instrumentProducer'), 'kafkajs')
  report(target, 'instrumentProducer', options)
  return copy
}

/**
 * A KafkaJS-API producer's copy counted into `counter` (kafkajs's, or
 * Confluent's KafkaJS API: `client` names it in errors). `copied` (default
 * true): each send() hands the client a copy of its record, for a client that
 * reads the messages after an await, as kafkajs does; false for one that reads
 * them during the call.
 */
export function countProducer<P extends Sends & { transaction?: unknown }> (producer: P, counter: SendCounter, client: string, copied = true): P {
  const copy = countedCopy(producer, counter, `${client} producer`, copied)
  if (typeof producer.transaction === 'function') {
    const transaction = (producer.transaction as () => Promise<Sends>).bind(producer)
    ;(copy as { transaction: unknown }).transaction = () => transaction().then(t => countedCopy(t, counter, `${client} transaction`, copied))
  }
  return copy
}
