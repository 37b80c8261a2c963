// The send latencies the producer workers observe, in seconds: a realistic
// mix. Most sends are fast (a few milliseconds), some land in a slow tail
// (retries, a busy broker), a few time out, and some come out exactly on a
// bucket bound (timers that tick in whole milliseconds), which a histogram
// must count in the bucket whose `le` they equal.

export const MIX = {
  onBound: 0.03, // exactly one of the histogram's bounds up to 1 s
  tail: 0.05, // 50 ms to 4 s, log-uniform
  timeout: 0.002, // kafkajs's request timeout, 30 s: above every bound (+Inf)
  fastMedian: 0.004 // the rest: log-normal around 4 ms (most 1 to 15 ms)
}

const micros = seconds => Math.max(1, Math.round(seconds * 1e6)) / 1e6

/** One latency for a histogram with these `bounds`, drawn with `random` (() => [0, 1)), in whole microseconds. */
export function sampleLatency (bounds, random = Math.random) {
  const r = random()
  if (r < MIX.onBound) {
    const low = bounds.filter(b => b <= 1)
    return low[Math.floor(random() * low.length)]
  }
  if (r < MIX.onBound + MIX.tail) return micros(0.05 * Math.pow(80, random()))
  if (r < MIX.onBound + MIX.tail + MIX.timeout) return 30
  // Box-Muller: a standard normal deviate, then sigma 0.6 (log scale) around the median.
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  return micros(MIX.fastMedian * Math.exp(0.6 * normal))
}

/** `n` latencies drawn ahead of time, so the producers' hot loop only reads them. */
export function latencySamples (n, bounds, random = Math.random) {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) out[i] = sampleLatency(bounds, random)
  return out
}
