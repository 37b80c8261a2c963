// The tables a producer or a consumer can count into, and what each does with
// their numbers. Duck-typed, not instanceof: the package's bundles and dist/
// may hold two copies of each class.
import type { AnyTally } from '../engine/tally.js'
import type { LegacyRecorder, Recorder } from './recorder.js'
import { RowWriter } from './row-writer.js'
import { mapped, mappedSendCounter, recorderSendCounter, tableSendCounter, type ErrorMap, type SendCounter } from './send-counter.js'
import { tableProcessCounter, type ProcessCounter } from './process-counter.js'

// Any table: its columns and histograms are checked when counting, not typed here.
type Tally = AnyTally

/** A table that also counts why sends and handlers failed (a KafkaTally), as the counters see it. */
export interface KindTable {
  readonly tally: Tally
  error (topic: unknown, count: number, cause: unknown): void
  processFailure (topic: unknown, count: number, error: unknown): void
}
type KafkaTally = KindTable

/** The tables a producer can count into. */
export type CountTarget = Tally | KafkaTally | Recorder | LegacyRecorder
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
  return isObject(target) && typeof target.error === 'function' && typeof target.processFailure === 'function' && isTally(target.tally)
}

// A Binding (tally.bind) has success and error too, and the topic it is bound to: it is no Recorder.
function isRecorder (target: unknown): target is Recorder | LegacyRecorder {
  return isObject(target) && typeof target.success === 'function' && typeof target.topic !== 'string' &&
    (typeof target.error === 'function' || typeof target.failure === 'function')
}

/** A Recorder, or one written before error() had its name (it still counts, through failure()). */
function asRecorder (target: Recorder | LegacyRecorder): Recorder {
  if (typeof (target as Recorder).error === 'function') return target as Recorder
  const legacy = target as LegacyRecorder
  return { success: (topic, count) => legacy.success(topic, count), error: (topic, count, cause) => legacy.failure(topic, count, cause) }
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
// Per error map (a client's), the counters of each target with that map.
const mappedSendCounters = new WeakMap<ErrorMap, WeakMap<object, SendCounter>>()

/**
 * The counter of a target's sends (one per target and thread). With `map`
 * (a client's errors read as kafkajs's), each failure's error goes through
 * it first; into a table that is the same counter as without one (the same
 * code and shape, so a process counting two clients calls one target), its
 * failure function mapping first.
 */
export function sendCounterOf (target: CountTarget, who: string, map?: ErrorMap): SendCounter {
  if (!isObject(target)) throw new TypeError(`${who} expects a Tally or a KafkaTally to count into`)
  let cache = sendCounters
  if (map !== undefined) {
    let byMap = mappedSendCounters.get(map)
    if (byMap === undefined) mappedSendCounters.set(map, byMap = new WeakMap())
    cache = byMap
  }
  let counter = cache.get(target)
  if (counter !== undefined) return counter
  const read = map === undefined ? (error: unknown) => error : (error: unknown) => mapped(map, error)
  if (isKafkaTally(target)) {
    counter = tableSendCounter(writerOf(target) as RowWriter, (topic, count, error) => target.error(topic, count, read(error)))
  } else if (isRecorder(target)) {
    const plain = recorderSendCounter(asRecorder(target))
    counter = map === undefined ? plain : mappedSendCounter(plain, map)
  } else if (isTally(target)) {
    const writer = writerOf(target) as RowWriter
    counter = tableSendCounter(writer, (topic, count) => writer.add(topic, 'error', count))
  } else throw new TypeError(`${who} expects a Tally or a KafkaTally to count into`)
  cache.set(target, counter)
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
