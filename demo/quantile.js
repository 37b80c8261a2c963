// A quantile estimated from histogram buckets the way Prometheus's
// histogram_quantile() does (promql/quantile.go): find the bucket the rank
// falls in and interpolate linearly between its lower and upper bound.

/**
 * The q-quantile of a histogram. `bounds` are the finite upper bounds,
 * ascending; `counts` the observations per bucket (not cumulative), one more
 * than `bounds`: the last is the +Inf bucket. As Prometheus answers:
 * NaN for an empty histogram (or q NaN, or no finite bound), -Inf for q < 0,
 * +Inf for q > 1; a rank in the +Inf bucket gives the highest finite bound;
 * the first bucket's lower bound is 0 (or its upper bound if that is <= 0).
 */
export function histogramQuantile (q, bounds, counts) {
  if (counts.length !== bounds.length + 1) throw new RangeError(`counts must have one more entry than bounds (the +Inf bucket): ${counts.length} counts for ${bounds.length} bounds`)
  if (Number.isNaN(q)) return NaN
  if (q < 0) return -Infinity
  if (q > 1) return Infinity
  if (bounds.length === 0) return NaN // the +Inf bucket alone: nothing to interpolate in
  const cumulative = []
  let total = 0
  for (const n of counts) cumulative.push(total += n)
  if (total === 0) return NaN
  let rank = q * total
  // The first finite bucket whose cumulative count reaches the rank; none: the +Inf bucket.
  let b = 0
  while (b < bounds.length && cumulative[b] < rank) b++
  if (b === bounds.length) return bounds[b - 1]
  if (b === 0 && bounds[0] <= 0) return bounds[0]
  let start = 0
  let inBucket = cumulative[b]
  if (b > 0) {
    start = bounds[b - 1]
    inBucket -= cumulative[b - 1]
    rank -= cumulative[b - 1]
  }
  return start + (bounds[b] - start) * (rank / inBucket)
}
