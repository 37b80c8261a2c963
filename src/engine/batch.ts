// A delivery batch: what a flusher hands a sink, and the rules for the part a
// sink may report as not delivered.
import { describe } from './validate.js'
import type { BatchId, Counts, Snapshot } from './snapshot.js'

/** A batch taken out of the table for delivery; it stays there until acknowledged. */
export interface Batch {
  readonly id: BatchId
  /** What the batch holds (a copy: the sink may keep or change it). */
  readonly snapshot: Snapshot
}

function checkPart (where: string, value: unknown, most: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > most) {
    throw new RangeError(`the undelivered part must hold, for ${where}, a whole number from 0 to the ${most} the batch held, got ${describe(value)}`)
  }
  return value
}

function checkCounts (where: string, part: unknown, whole: Counts): Counts {
  if (part === null || typeof part !== 'object') throw new RangeError(`the undelivered part must hold counts for ${where}, got ${describe(part)}`)
  const p = part as Partial<Counts>
  return { success: checkPart(`${where}.success`, p.success, whole.success), error: checkPart(`${where}.error`, p.error, whole.error) }
}

/**
 * The delivered part of a batch, given the part a sink says it did not
 * deliver. Throws (a RangeError naming the row and the value) when that part
 * is not a subset of the batch: negative, NaN, fractional, larger than what the
 * batch held, or naming a topic the batch did not hold. Nothing is changed then.
 */
export function deliveredPart (batch: Snapshot, undelivered: Snapshot): Snapshot {
  if (!(undelivered.topics instanceof Map)) throw new RangeError(`the undelivered part's topics must be a Map, got ${describe(undelivered.topics)}`)
  const delivered: Snapshot = { epoch: batch.epoch, topics: new Map(), overflow: { success: 0, error: 0 } }
  for (const topic of undelivered.topics.keys()) {
    if (!batch.topics.has(topic)) throw new RangeError(`the undelivered part names topic ${describe(topic)}, which the batch did not hold`)
  }
  for (const [topic, whole] of batch.topics) {
    const part = undelivered.topics.has(topic) ? checkCounts(`topic ${JSON.stringify(topic)}`, undelivered.topics.get(topic), whole) : { success: 0, error: 0 }
    delivered.topics.set(topic, { success: whole.success - part.success, error: whole.error - part.error })
  }
  const overflow = checkCounts('the overflow row', undelivered.overflow, batch.overflow)
  delivered.overflow = { success: batch.overflow.success - overflow.success, error: batch.overflow.error - overflow.error }
  return delivered
}
