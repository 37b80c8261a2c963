// A flush's StatsD lines made from a batch read in place: the lines
// statsd-lines.ts makes of the same batch's Snapshot, in the same order
// (counter points, then each histogram's bucket lines and sum), kept in flat
// arrays reused from flush to flush. A line carries no closure: its origin
// (the row's topic, or the overflow row; the column, or the histogram and its
// bucket or sum) is kept beside it, and a failed line is added back to the
// undelivered part from there. Tags are made once per attribute set (and
// bucket) and shared by every line that carries them, so a flush allocates no
// object per row here; the client still makes each datagram, and takes a
// callback per datagram (sendLines).
import type { BatchRows, RowsShape } from '../engine/batch-reader.js'
import type { HistogramCounts, Row, Snapshot } from '../engine/snapshot.js'
import type { Attributes, MetricInfo, PointSink } from './metric-points.js'
import type { Lines } from './statsd-send.js'

type Tags = Record<string, string>

// Where a line's value came from, beside the row and the field: a column, a histogram's sum, or bucket i (>= 0).
const COLUMN = -1
const SUM = -2

/** The lines of one part (counters, or histograms) of a flush. */
class LineList {
  readonly names: string[] = []
  readonly values: number[] = []
  readonly tags: Tags[] = []
  /** The row's topic; undefined for the overflow row. */
  readonly topics: Array<string | undefined> = []
  /** The column or histogram. */
  readonly fields: string[] = []
  /** COLUMN, SUM or the bucket's index. */
  readonly parts: number[] = []
  length = 0

  push (name: string, value: number, tags: Tags, topic: string | undefined, field: string, part: number): void {
    const i = this.length++
    this.names[i] = name
    this.values[i] = value
    this.tags[i] = tags
    this.topics[i] = topic
    this.fields[i] = field
    this.parts[i] = part
  }
}

// Tags made once per frozen attribute set (metric-names.ts shares one per series).
const tagSets = new WeakMap<Attributes, Tags>()
const bucketTagSets = new WeakMap<Attributes, Map<readonly number[], Tags[]>>()
const metricNames = new WeakMap<MetricInfo, { bucket: string, sum: string }>()

function tagsOf (attributes: Attributes): Tags {
  let tags = tagSets.get(attributes)
  if (tags === undefined) {
    tags = Object.freeze(Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, String(v)])))
    if (Object.isFrozen(attributes)) tagSets.set(attributes, tags)
  }
  return tags
}

/** The tags of bucket `i`'s line: the series' tags and bucket:<upper bound>, "+Inf" for the last. */
function bucketTags (attributes: Attributes, bounds: readonly number[], i: number): Tags {
  let byBounds = bucketTagSets.get(attributes)
  if (byBounds === undefined && Object.isFrozen(attributes)) bucketTagSets.set(attributes, byBounds = new Map())
  let list = byBounds?.get(bounds)
  if (list === undefined) {
    const tags = tagsOf(attributes)
    list = Array.from({ length: bounds.length + 1 }, (_, k) => Object.freeze({ ...tags, bucket: k < bounds.length ? String(bounds[k]) : '+Inf' }))
    byBounds?.set(bounds, list)
  }
  return list[i]
}

function namesOf (metric: MetricInfo): { bucket: string, sum: string } {
  let names = metricNames.get(metric)
  if (names === undefined) metricNames.set(metric, names = { bucket: `${metric.name}.bucket`, sum: `${metric.name}.sum` })
  return names
}

/** A row of zeros of the shape: each column 0, each histogram { count: 0, sum: 0, counts: zeros }. */
function zeroRow (shape: RowsShape): Row {
  const row: Record<string, number | HistogramCounts> = {}
  for (const c of shape.columns) row[c] = 0
  for (const h of shape.histograms) row[h.name] = { count: 0, sum: 0, counts: new Array<number>(h.bounds.length + 1).fill(0) }
  return row as Row
}

/** One flush's lines, filled by the namings (a PointSink) or from the default table's rows. */
export class StatsdRows implements PointSink, Lines {
  private readonly counters = new LineList()
  private readonly histograms = new LineList()
  // The default table's tags, per topic label: [success, error].
  private readonly outcomeTags = new Map<string, [Tags, Tags]>()
  private shape: RowsShape | undefined
  private epoch = 0
  private outcomes = false

  get length (): number { return this.counters.length + this.histograms.length }

  /** Forgets the lines of the previous flush (the arrays keep their room); `outcomes`: the default table's lines. */
  start (rows: BatchRows, outcomes: boolean): void {
    this.counters.length = 0
    this.histograms.length = 0
    this.shape = rows.shape
    this.epoch = rows.epoch
    this.outcomes = outcomes
  }

  count (metric: MetricInfo, attributes: Attributes, value: number, topic: string | undefined, column: string): void {
    if (value !== 0) this.counters.push(metric.name, value, tagsOf(attributes), topic, column, COLUMN)
  }

  observe (metric: MetricInfo, attributes: Attributes, h: HistogramCounts, bounds: readonly number[], topic: string | undefined, histogram: string): void {
    if (h.count === 0 && h.sum === 0) return
    const counts = h.counts
    if (counts.length !== bounds.length + 1) throw new RangeError(`histogram ${histogram}: ${counts.length} buckets do not fit ${bounds.length} bounds`)
    const names = namesOf(metric)
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i]
      if (n !== 0) this.histograms.push(names.bucket, n, bucketTags(attributes, bounds, i), topic, histogram, i)
    }
    if (h.sum !== 0) this.histograms.push(names.sum, h.sum, tagsOf(attributes), topic, histogram, SUM)
  }

  /**
   * The default table's lines, `name`{topic, outcome}: each row's success then
   * error (when not 0), the overflow row's last, tagged `overflowTopic`.
   */
  outcomeRows (rows: BatchRows, name: string, overflowTopic: string, success: number, error: number, constant: Tags = {}): void {
    const lines = this.counters
    rows.forEachRow(row => {
      const s = row.column(success)
      const e = row.column(error)
      if (s === 0 && e === 0) return
      const topic = row.overflow ? undefined : row.name
      const label = row.overflow ? overflowTopic : row.name
      let tags = this.outcomeTags.get(label)
      if (tags === undefined) {
        tags = [Object.freeze({ ...constant, topic: label, outcome: 'success' }), Object.freeze({ ...constant, topic: label, outcome: 'error' })]
        this.outcomeTags.set(label, tags)
      }
      if (s !== 0) lines.push(name, s, tags[0], topic, 'success', COLUMN)
      if (e !== 0) lines.push(name, e, tags[1], topic, 'error', COLUMN)
    })
  }

  private part (i: number): [LineList, number] {
    const c = this.counters.length
    return i < c ? [this.counters, i] : [this.histograms, i - c]
  }

  name (i: number): string { const c = this.counters.length; return i < c ? this.counters.names[i] : this.histograms.names[i - c] }
  value (i: number): number { const c = this.counters.length; return i < c ? this.counters.values[i] : this.histograms.values[i - c] }
  tags (i: number): Tags { const c = this.counters.length; return i < c ? this.counters.tags[i] : this.histograms.tags[i - c] }

  /** An empty undelivered part of this flush's batch: the overflow row of zeros (topics are added as lines fail). */
  undelivered (): Snapshot {
    return { epoch: this.epoch, topics: new Map(), overflow: this.zero() }
  }

  // The default table's rows hold success and error only; a schema's, its every column and histogram.
  private zero (): Row {
    return this.outcomes ? { success: 0, error: 0 } : zeroRow(this.shape as RowsShape)
  }

  undo (i: number, undelivered: Snapshot): void {
    const [list, k] = this.part(i)
    const topic = list.topics[k]
    let row = topic === undefined ? undelivered.overflow : undelivered.topics.get(topic)
    if (row === undefined) undelivered.topics.set(topic as string, row = this.zero())
    const cells = row as Record<string, number | HistogramCounts>
    const field = list.fields[k]
    const part = list.parts[k]
    const value = list.values[k]
    if (part === COLUMN) { (cells[field] as number) += value; return }
    const h = cells[field] as HistogramCounts
    if (part === SUM) { h.sum += value; return }
    h.counts[part] += value
    h.count += value
  }
}
