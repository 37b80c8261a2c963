// The Kafka schema the histogram benchmarks count into, and a reproducible
// mix of delivery latencies (in seconds) to observe: mostly fast, a slower
// share, a thin tail past the last bound, and some values exactly on a bound
// (which every implementation must put in that bound's bucket, le semantics).

/** Prometheus' default latency buckets plus 0.075, 0.75 and 7.5: 14 bounds, 15 buckets. */
export const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
export const COLUMNS = ['success', 'error', 'bytes']
export const SCHEMA = { columns: COLUMNS, histograms: { duration: BOUNDS } }

/** A small seeded generator (mulberry32): the same values in every process and run. */
export function random (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** Log-normal around `median` seconds with shape `sigma`, from two uniforms (Box-Muller). */
function logNormal (next, median, sigma) {
  const z = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
  return median * Math.exp(sigma * z)
}

/**
 * `n` latencies in seconds: 5 % exactly on a bound, then 70 % around 8 ms,
 * 22 % around 60 ms and 3 % around 1.5 s (capped at 30 s). Rounded to whole
 * microseconds, so the microsecond and second forms name the same value.
 */
export function latencies (n, seed = 42) {
  const next = random(seed)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const pick = next()
    let v
    if (pick < 0.05) v = BOUNDS[Math.floor(next() * BOUNDS.length)]
    else if (pick < 0.75) v = logNormal(next, 0.008, 0.6)
    else if (pick < 0.97) v = logNormal(next, 0.06, 0.8)
    else v = Math.min(30, logNormal(next, 1.5, 1))
    // Whole microseconds, at least 1 us (a bound is already whole).
    out[i] = Math.max(1, Math.round(v * 1e6)) / 1e6
  }
  return out
}

/** The bucket of `v` with le semantics: the first i with v <= BOUNDS[i], else BOUNDS.length. */
export function bucketOf (v) {
  let i = 0
  while (i < BOUNDS.length && !(v <= BOUNDS[i])) i++
  return i
}

/** Bucket counts of `values[from .. from + length)`, every `step`-th from `from + offset`. */
export function bucketCounts (values, from, length, step = 1, offset = 0) {
  const counts = new Array(BOUNDS.length + 1).fill(0)
  for (let i = from + offset; i < from + length; i += step) counts[bucketOf(values[i])]++
  return counts
}
