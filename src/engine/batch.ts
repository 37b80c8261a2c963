// A delivery batch: what a flusher hands a sink, and the rules for the part a
// sink may report as not delivered.
import { describe } from './validate.js'
import { DEFAULT_SCHEMA, type Schema } from './schema.js'
import type { BatchId, HistogramCounts, Row, Snapshot } from './snapshot.js'
import type { BatchRows } from './batch-reader.js'

/** A batch taken out of the table for delivery; it stays there until acknowledged. */
export interface Batch<S = Snapshot> {
  readonly id: BatchId
  /** What the batch holds (a copy: the sink may keep or change it). */
  readonly snapshot: S
  /**
   * The same batch read in place, row by row, without building `snapshot`
   * (valid while the batch is open: until ackBatch() or releaseBatch()).
   * Absent on batches of a source that does not offer it.
   */
  readonly rows?: BatchRows
}

// A count is at most 2^53 - 1 a batch; a histogram's sum (whole units) may be larger, any whole number up to the batch's.
function checkPart (where: string, value: unknown, most: number, whole = Number.isSafeInteger): number {
  if (typeof value !== 'number' || !whole(value) || value < 0 || value > most) {
    throw new RangeError(`the undelivered part must hold, for ${where}, a whole number from 0 to the ${most} the batch held, got ${describe(value)}`)
  }
  return value
}

/** The delivered rest of one row: whole minus part, every column and bucket checked. */
function rowRest (where: string, part: unknown, whole: Row, schema: Schema): Row {
  if (part === null || typeof part !== 'object') throw new RangeError(`the undelivered part must hold a row for ${where}, got ${describe(part)}`)
  const p = part as Record<string, unknown>
  const w = whole as Record<string, number | HistogramCounts>
  const rest: Record<string, number | HistogramCounts> = {}
  let kept = false
  for (const name of schema.columns) {
    rest[name] = (w[name] as number) - checkPart(`${where}.${name}`, p[name], w[name] as number)
    kept ||= rest[name] !== w[name]
  }
  for (const h of schema.histograms) {
    const ph = p[h.name] as Partial<HistogramCounts> | undefined
    const wh = w[h.name] as HistogramCounts
    if (ph === null || typeof ph !== 'object' || !Array.isArray(ph.counts) || ph.counts.length !== wh.counts.length) {
      throw new RangeError(`the undelivered part must hold, for ${where}.${h.name}, a histogram of ${wh.counts.length} buckets, got ${describe(ph)}`)
    }
    const counts = wh.counts.map((n, i) => n - checkPart(`${where}.${h.name}.counts[${i}]`, ph.counts?.[i], n))
    const wholeUnits = Math.round(wh.sum * h.scale)
    const partUnits = checkPart(`${where}.${h.name}.sum (in units of ${h.resolution})`, typeof ph.sum === 'number' ? Math.round(ph.sum * h.scale) : ph.sum, wholeUnits, Number.isInteger)
    kept ||= partUnits !== 0 || counts.some((n, i) => n !== wh.counts[i])
    rest[h.name] = { count: counts.reduce((a, b) => a + b, 0), sum: (wholeUnits - partUnits) / h.scale, counts }
  }
  // Nothing kept back: the whole row itself, which the table then takes whole
  // (from 2^52 units a sum's double stands for two unit counts: see Tally.removals).
  return kept ? rest as Row : whole
}

/**
 * The delivered part of a batch, given the part a sink says it did not
 * deliver. Throws (a RangeError naming the row and the value) when that part
 * is not a subset of the batch: negative, NaN, fractional, larger than what the
 * batch held, or naming a topic the batch did not hold. Nothing is changed then.
 */
export function deliveredPart (batch: Snapshot, undelivered: Snapshot, schema: Schema = DEFAULT_SCHEMA): Snapshot {
  if (!(undelivered.topics instanceof Map)) throw new RangeError(`the undelivered part's topics must be a Map, got ${describe(undelivered.topics)}`)
  for (const topic of undelivered.topics.keys()) {
    if (!batch.topics.has(topic)) throw new RangeError(`the undelivered part names topic ${describe(topic)}, which the batch did not hold`)
  }
  const delivered: Snapshot = { epoch: batch.epoch, topics: new Map(), overflow: rowRest('the overflow row', undelivered.overflow, batch.overflow, schema) }
  for (const [topic, whole] of batch.topics) {
    const part = undelivered.topics.get(topic)
    // A topic the sink does not name went out whole.
    delivered.topics.set(topic, part === undefined ? whole : rowRest(`topic ${JSON.stringify(topic)}`, part, whole, schema))
  }
  return delivered
}
