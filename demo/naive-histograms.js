// The broken pattern the demo shows beside wasm-tally's histograms: one
// histogram per topic in a SharedArrayBuffer (a Float64Array: a counter per
// bucket, then the sum), observed with plain loads and stores. It is never
// reset (cumulative, as Prometheus scrapes a histogram), so a flush takes
// nothing away; but two workers that observe into the same bucket at once
// both load the same count and both store count + 1: one observation is lost.
// It can only fall short.

/** Cells per topic: a counter per bucket (bounds.length + 1, the last +Inf), then the sum. */
export const cellsPerTopic = bounds => bounds.length + 2

export function createNaiveHistograms (topics, bounds) {
  return new Float64Array(new SharedArrayBuffer(topics * cellsPerTopic(bounds) * 8))
}

/** The bucket of `value`: the first bound it does not exceed (Prometheus's `le`), else the +Inf bucket. */
export function bucketIndex (bounds, value) {
  let i = 0
  while (i < bounds.length && value > bounds[i]) i++
  return i
}

/** One observation, the naive way: a plain read-modify-write of its bucket and of the sum. */
export function naiveObserve (cells, topic, bounds, value) {
  const base = topic * cellsPerTopic(bounds)
  const bucket = base + bucketIndex(bounds, value)
  cells[bucket] = cells[bucket] + 1
  const sum = base + bounds.length + 1
  cells[sum] = cells[sum] + value
}

/** A topic's histogram as it stands: { count, sum, counts }, count the sum of counts (as wasm-tally reports it). */
export function readNaiveHistogram (cells, topic, bounds) {
  const base = topic * cellsPerTopic(bounds)
  const counts = Array.from(cells.subarray(base, base + bounds.length + 1))
  let count = 0
  for (const n of counts) count += n
  return { count, sum: cells[base + bounds.length + 1], counts }
}
