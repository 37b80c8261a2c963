// A send on its way: what it counted and when it started, told once how it
// settled (see settle.ts), then counted per topic by its SendCounter.
import { now, seconds } from './row-writer.js'
import type { SendCounter } from './send-counter.js'
import { follow, watch, type Outcome } from './settle.js'

/** What a send counts of one topic: its messages and their bytes. */
export interface TopicCount {
  topic: unknown
  /** The messages; 0 when there is no list of them. */
  count: number
  /** Their key + value + header bytes; 0 when not wanted. */
  bytes: number
}

/** A send's one entry: counted, or not (a record the client refuses, or whose reads throw). */
export interface RecordCount extends TopicCount {
  counted: boolean
}

/** A send()'s one topic: no list to build or walk. */
export class RecordSend implements Outcome, RecordCount {
  topic: unknown = undefined
  count = 0
  bytes = 0
  counted = false
  /** seconds() when the send started; -1 when the counter does not time sends. */
  began = -1

  constructor (private readonly counter: SendCounter) {}

  settled (error: unknown, failed: boolean): void {
    if (!this.counted) return
    const took = this.began < 0 ? 0 : seconds() - this.began
    this.counter.settled(this.topic, this.count, this.bytes, took, error, failed)
  }
}

/** A batch naming a topic twice is one send of that topic: one duration, counts summed. */
function byTopic (counted: TopicCount[]): TopicCount[] {
  if (counted.length < 2) return counted
  const merged = new Map<unknown, TopicCount>()
  for (const { topic, count, bytes } of counted) {
    const row = merged.get(topic)
    if (row === undefined) merged.set(topic, { topic, count, bytes })
    else { row.count += count; row.bytes += bytes }
  }
  return merged.size === counted.length ? counted : [...merged.values()]
}

/** A sendBatch()'s topics. */
export class BatchSend implements Outcome {
  readonly counted: TopicCount[] = []
  /** seconds() when the send started; -1 when the counter does not time sends. */
  began = -1

  constructor (private readonly counter: SendCounter) {}

  settled (error: unknown, failed: boolean): void {
    const took = this.began < 0 ? 0 : seconds() - this.began
    for (const { topic, count, bytes } of byTopic(this.counted)) this.counter.settled(topic, count, bytes, took, error, failed)
  }
}

/**
 * Sends `request` with `send`, `pending` told once how it settles (a
 * synchronous throw too, rethrown as it is). Timed from here, after the
 * request's copy: a send's duration is the client's, not the counting's.
 */
export function sendWatched (send: (request: unknown) => unknown, request: unknown, pending: RecordSend | BatchSend, timed: boolean): unknown {
  if (timed) pending.began = seconds()
  let sent: unknown
  try {
    sent = send(request)
  } catch (error) {
    pending.settled(error, true)
    throw error
  }
  return watch(sent, pending)
}

/**
 * Sends `request` with `send` and, when it settles (a synchronous throw
 * too, rethrown as it is), counts `count` messages of `bytes` bytes of one
 * topic into `counter`; the caller gets what watch() would give it. The
 * send's state lives in the closure of the two callbacks the promise needs
 * anyway: nothing else is made per send. Timed from here, after the
 * request's copy: a send's duration is the client's, not the counting's.
 */
export function sendCounted (send: (request: unknown) => unknown, request: unknown, counter: SendCounter, topic: unknown, count: number, bytes: number): unknown {
  const began = counter.timed ? now() : -1 // milliseconds: one division, at the settling
  let sent: unknown
  try {
    sent = send(request)
  } catch (error) {
    counter.settled(topic, count, bytes, began < 0 ? 0 : (now() - began) / 1000, error, true)
    throw error
  }
  return follow(
    sent,
    value => { counter.settled(topic, count, bytes, began < 0 ? 0 : (now() - began) / 1000, undefined, false); return value },
    error => { counter.settled(topic, count, bytes, began < 0 ? 0 : (now() - began) / 1000, error, true); throw error }
  )
}

const NOT_COUNTED: Outcome = { settled () {} }

/** Sends `request` as it is, counting nothing (a request the client will refuse); the caller gets what watch() would give it. */
export function sendUncounted (send: (request: unknown) => unknown, request: unknown): unknown {
  return watch(send(request), NOT_COUNTED)
}
