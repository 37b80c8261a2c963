// A known multiset of observations for the histogram stress runs: values on
// every bound, between bounds, at 0 and above the last bound, over topics
// shared by every writer and topics of its own. Totals are kept exactly:
// bucket counts, and sums as whole nano-units in BigInts (past 2^53 a double
// would round them).
export const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
export const SCHEMA = { columns: ['success', 'error', 'bytes'], histograms: { duration: BOUNDS } }
const VALUES = [0, ...BOUNDS, 0.0049, 0.0123, 0.3, 0.99, 4.2, 12, 40]

export function histogramTopics (writer) {
  return ['orders', 'payments', `writer-${writer}.h`]
}

/** Step k of writer w: [topic, value, bytes]. */
export function histogramStep (writer, k, topics) {
  return [topics[(k * 5 + writer) % topics.length], VALUES[(k * 7 + writer) % VALUES.length], (k % 17) + 1]
}

/** The bucket of v: the first i with v <= BOUNDS[i], else the last. */
export function bucket (v) {
  const i = BOUNDS.findIndex(b => v <= b)
  return i < 0 ? BOUNDS.length : i
}

function row (totals, topic) {
  let r = totals.get(topic)
  if (!r) totals.set(topic, r = { bytes: 0, nanos: 0n, counts: new Array(BOUNDS.length + 1).fill(0) })
  return r
}

export function addObservation (totals, topic, value, bytes) {
  const r = row(totals, topic)
  r.bytes += bytes
  r.nanos += BigInt(Math.round(value * 1e9))
  r.counts[bucket(value)]++
}

/** Adds a snapshot's rows (bytes, bucket counts, sums back in nano-units). */
export function addHistogramSnapshot (totals, snap) {
  for (const [topic, c] of [...snap.topics, ['<overflow>', snap.overflow]]) {
    if (c.bytes === 0 && c.duration.count === 0 && c.duration.sum === 0) continue
    const r = row(totals, topic)
    r.bytes += c.bytes
    r.nanos += BigInt(Math.round(c.duration.sum * 1e9))
    c.duration.counts.forEach((n, i) => { r.counts[i] += n })
    if (c.duration.count !== c.duration.counts.reduce((a, b) => a + b, 0)) throw new Error('count is not the sum of the bucket counts')
  }
}

export function mergeHistogramTotals (into, from) {
  for (const [topic, c] of from) {
    const r = row(into, topic)
    r.bytes += c.bytes
    r.nanos += c.nanos
    c.counts.forEach((n, i) => { r.counts[i] += n })
  }
  return into
}

/** The differences, as readable lines. */
export function histogramDifferences (expected, counted) {
  const out = []
  for (const topic of new Set([...expected.keys(), ...counted.keys()])) {
    const e = expected.get(topic) ?? { bytes: 0, nanos: 0n, counts: [] }
    const c = counted.get(topic) ?? { bytes: 0, nanos: 0n, counts: [] }
    if (e.bytes !== c.bytes) out.push(`${topic}.bytes: recorded ${e.bytes}, counted ${c.bytes}`)
    if (e.nanos !== c.nanos) out.push(`${topic}.sum: recorded ${e.nanos} ns, counted ${c.nanos} ns`)
    for (let i = 0; i <= BOUNDS.length; i++) {
      if ((e.counts[i] ?? 0) !== (c.counts[i] ?? 0)) out.push(`${topic}.counts[${i}]: recorded ${e.counts[i] ?? 0}, counted ${c.counts[i] ?? 0}`)
    }
  }
  return out
}
