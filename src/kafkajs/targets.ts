// The tables a producer or a consumer can count into, and what each does with
// their numbers. Duck-typed, not instanceof: the package's bundles and dist/
// may hold two copies of each class.
import type { Tally } from '../index.js'
import type { KafkaTally } from './kafka-tally.js'
import type { Recorder } from './recorder.js'
import { RowWriter } from './row-writer.js'
import { recorderSendCounter, tableSendCounter, type SendCounter } from './send-counter.js'
import { tableProcessCounter, type ProcessCounter } from './process-counter.js'

/** The tables a producer can count into. */
export type CountTarget = Tally | KafkaTally | Recorder
/** The tables a consumer can count into. */
export type ConsumerCountTarget = Tally | KafkaTally

type Any = Record<string, unknown>

function isObject (target: unknown): target is Any {
  return target !== null && typeof target === 'object'
}

function isTally (target: unknown): target is Tally {
  return isObject(target) && typeof target.record === 'function' && typeof target.observe === 'function' && isObject(target.schema)
}

function isKafkaTally (target: unknown): target is KafkaTally {
  return isObject(target) && typeof target.failure === 'function' && typeof target.processFailure === 'function' && isTally(target.tally)
}

function isRecorder (target: unknown): target is Recorder {
  return isObject(target) && typeof target.success === 'function' && typeof target.failure === 'function'
}

const writers = new WeakMap<Tally, RowWriter>()

/** The writer of a target's table (one per table and thread), or undefined for a Recorder. */
export function writerOf (target: CountTarget): RowWriter | undefined {
  const tally = isKafkaTally(target) ? target.tally : isTally(target) ? target : undefined
  if (tally === undefined) return undefined
  let writer = writers.get(tally)
  if (writer === undefined) writers.set(tally, writer = new RowWriter(tally))
  return writer
}

const sendCounters = new WeakMap<object, SendCounter>()

export function sendCounterOf (target: CountTarget, who: string): SendCounter {
  if (!isObject(target)) throw new TypeError(`${who} expects a Tally or a KafkaTally to count into`)
  let counter = sendCounters.get(target)
  if (counter !== undefined) return counter
  if (isKafkaTally(target)) {
    counter = tableSendCounter(writerOf(target) as RowWriter, (topic, count, error) => target.failure(topic, count, error))
  } else if (isRecorder(target)) {
    counter = recorderSendCounter(target)
  } else if (isTally(target)) {
    const writer = writerOf(target) as RowWriter
    counter = tableSendCounter(writer, (topic, count) => writer.add(topic, 'error', count))
  } else throw new TypeError(`${who} expects a Tally or a KafkaTally to count into`)
  sendCounters.set(target, counter)
  return counter
}

const processCounters = new WeakMap<object, ProcessCounter>()

export function processCounterOf (target: ConsumerCountTarget, who: string): ProcessCounter {
  if (!isObject(target)) throw new TypeError(`${who} expects a Tally or a KafkaTally to count into`)
  let counter = processCounters.get(target)
  if (counter !== undefined) return counter
  if (isKafkaTally(target)) {
    counter = tableProcessCounter(writerOf(target) as RowWriter, (topic, count, error) => target.processFailure(topic, count, error))
  } else if (isTally(target)) {
    const writer = writerOf(target) as RowWriter
    counter = tableProcessCounter(writer, (topic, count) => writer.add(topic, 'processErrors', count))
  } else throw new TypeError(`${who} expects a Tally or a KafkaTally to count into`)
  processCounters.set(target, counter)
  return counter
}
