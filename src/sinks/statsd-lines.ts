// A schema's metrics as StatsD counter increments: each counter point is one
// increment, tagged with its attributes; a histogram is one increment per
// non-empty bucket (<name>.bucket, tagged bucket:<upper bound>, "+Inf" for the
// last; the count of that bucket alone, not cumulative) and one of its sum
// (<name>.sum). Every line knows the part of the snapshot it carries, so a
// failed send hands back exactly that part.
import type { HistogramCounts, Row, Snapshot } from '../engine/snapshot.js'
import type { Attributes, SnapshotMetrics } from './metric-names.js'
import type { Lines } from './statsd-send.js'

export interface StatsdLine {
  name: string
  value: number
  tags: Record<string, string>
  /** Adds what this line carries to `undelivered` (shaped by undeliveredFor). */
  undo (undelivered: Snapshot): void
}

const tagsOf = (attributes: Attributes): Record<string, string> =>
  Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, String(v)]))

/** A row of zeros shaped like `row`. */
function zeroLike (row: Row): Row {
  const zero: Record<string, number | HistogramCounts> = {}
  for (const [name, v] of Object.entries(row as Record<string, number | HistogramCounts>)) {
    zero[name] = typeof v === 'number' ? 0 : { count: 0, sum: 0, counts: v.counts.map(() => 0) }
  }
  return zero as Row
}

/** An empty undelivered part of `snap`: every row zero (topics are added as lines fail). */
export function undeliveredFor (snap: Snapshot): Snapshot {
  return { epoch: snap.epoch, topics: new Map(), overflow: zeroLike(snap.overflow) }
}

function rowIn (undelivered: Snapshot, snap: Snapshot, topic: string | undefined): Record<string, number | HistogramCounts> {
  if (topic === undefined) return undelivered.overflow as Record<string, number | HistogramCounts>
  let row = undelivered.topics.get(topic)
  if (row === undefined) undelivered.topics.set(topic, row = zeroLike(snap.topics.get(topic) as Row))
  return row as Record<string, number | HistogramCounts>
}

export function statsdLines (snap: Snapshot, metrics: SnapshotMetrics): StatsdLine[] {
  const lines: StatsdLine[] = []
  for (const p of metrics.counters) {
    lines.push({
      name: p.metric.name,
      value: p.value,
      tags: tagsOf(p.attributes),
      undo: u => { (rowIn(u, snap, p.topic)[p.column] as number) += p.value }
    })
  }
  for (const p of metrics.histograms) {
    const tags = tagsOf(p.attributes)
    const part = (u: Snapshot): HistogramCounts => rowIn(u, snap, p.topic)[p.histogram] as HistogramCounts
    p.counts.forEach((n, i) => {
      if (n === 0) return
      lines.push({
        name: `${p.metric.name}.bucket`,
        value: n,
        tags: { ...tags, bucket: i < p.bounds.length ? String(p.bounds[i]) : '+Inf' },
        undo: u => { const h = part(u); h.counts[i] += n; h.count += n }
      })
    })
    if (p.sum !== 0) lines.push({ name: `${p.metric.name}.sum`, value: p.sum, tags, undo: u => { part(u).sum += p.sum } })
  }
  return lines
}

/** The lines as sendLines() takes them. */
export function linesOf (list: readonly StatsdLine[]): Lines {
  return {
    length: list.length,
    name: i => list[i].name,
    value: i => list[i].value,
    tags: i => list[i].tags,
    undo: (i, undelivered) => { list[i].undo(undelivered) }
  }
}
