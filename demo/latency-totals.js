// The page's latency totals per topic: wasm-tally's sendDuration buckets added
// up over every snapshot, the naive histograms as they stand, and each topic's
// p50 and p99 estimated from wasm-tally's buckets.
import { histogramQuantile } from './quantile.js'
import { readNaiveHistogram } from './naive-histograms.js'

export const HISTOGRAM = 'sendDuration'

/** Empty totals for these topics and bucket bounds. */
export function createLatencyTotals (topics, bounds) {
  const zeros = () => new Array(bounds.length + 1).fill(0)
  return {
    bounds,
    topics,
    tally: new Map(topics.map(t => [t, zeros()])),
    naive: new Map(topics.map(t => [t, zeros()])),
    overflow: zeros() // topics the table had no room for (none, with the demo's few topics)
  }
}

/** Adds one wasm-tally snapshot's buckets. */
export function addSnapshot (totals, snapshot) {
  const add = (into, row) => { row[HISTOGRAM].counts.forEach((n, i) => { into[i] += n }) }
  for (const [topic, row] of snapshot.topics) add(totals.tally.get(topic) ?? totals.overflow, row)
  add(totals.overflow, snapshot.overflow)
}

/** Reads the naive histograms (cumulative: what they hold is their total). */
export function readNaive (totals, cells) {
  totals.topics.forEach((topic, i) => { totals.naive.set(topic, readNaiveHistogram(cells, i, totals.bounds).counts) })
}

const sum = values => values.reduce((a, b) => a + b, 0)

/** Observations counted in all: { tally, naive }. */
export function observationsCounted (totals) {
  let tally = sum(totals.overflow)
  let naive = 0
  for (const counts of totals.tally.values()) tally += sum(counts)
  for (const counts of totals.naive.values()) naive += sum(counts)
  return { tally, naive }
}

/** One row per topic: wasm-tally's bucket counts, their count, p50 and p99 (NaN while empty), and the naive count. */
export function latencyRows (totals, topics = totals.topics) {
  return topics.map(topic => {
    const counts = totals.tally.get(topic)
    return {
      topic,
      counts,
      count: sum(counts),
      p50: histogramQuantile(0.5, totals.bounds, counts),
      p99: histogramQuantile(0.99, totals.bounds, counts),
      naiveCount: sum(totals.naive.get(topic))
    }
  })
}

/** Seconds as a short duration: "4.3 ms", "1.9 s", "—" for NaN. */
export function formatSeconds (s) {
  if (Number.isNaN(s)) return '—'
  if (s < 1e-3) return `${Number((s * 1e6).toPrecision(2))} µs`
  if (s < 1) return `${Number((s * 1e3).toPrecision(2))} ms`
  return `${Number(s.toPrecision(2))} s`
}
