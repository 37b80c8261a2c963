// The demo's latency pieces in Node: the naive histogram puts every value in
// the bucket wasm-tally's observe() puts it in (values exactly on a bound
// included), so on one thread both sides hold the same histogram and any
// difference on the page comes from the race alone; the latency mix is what
// the page says it is; the page's totals add snapshots up without losing any.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally } from '../dist/index.js'
import { DURATION_BOUNDS, KAFKA_SCHEMA } from '../dist/kafkajs/index.js'
import { bucketIndex, createNaiveHistograms, naiveObserve, readNaiveHistogram } from '../demo/naive-histograms.js'
import { MIX, latencySamples } from '../demo/latency-mix.js'
import { addSnapshot, createLatencyTotals, formatSeconds, latencyRows, observationsCounted, readNaive } from '../demo/latency-totals.js'
import { histogramQuantile } from '../demo/quantile.js'

const kafkaTable = () => Tally.create({ capacity: 16, stripes: 2, columns: KAFKA_SCHEMA.columns, histograms: KAFKA_SCHEMA.histograms })

// A seeded random source, so the mix's shares are checked on the same draws every run.
function seeded (seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

test('the naive bucket of every value is wasm-tally\'s: on each bound, either side of it, 0 and past the last', async () => {
  const values = [0, 1e-9, 10.000001, 30, 1e6]
  for (const b of DURATION_BOUNDS) values.push(b, b - 1e-6, b + 1e-6)
  const tally = await kafkaTable()
  for (const v of values) {
    tally.observe('t', 'sendDuration', v)
    const counts = tally.snapshot().topics.get('t').sendDuration.counts
    assert.is(counts.indexOf(1), bucketIndex(DURATION_BOUNDS, v), `${v} s`)
    assert.is(counts.reduce((a, b) => a + b), 1)
  }
  assert.is(bucketIndex(DURATION_BOUNDS, 0.005), 0, '5 ms exactly is in le="0.005"')
  assert.is(bucketIndex(DURATION_BOUNDS, 10), 13, '10 s exactly is in le="10"')
  assert.is(bucketIndex(DURATION_BOUNDS, 10.000001), 14, 'past 10 s: +Inf')
})

test('on one thread the naive histograms hold exactly what wasm-tally\'s hold', async () => {
  const tally = await kafkaTable()
  const topics = ['a', 'b', 'c']
  const cells = createNaiveHistograms(topics.length, DURATION_BOUNDS)
  const samples = latencySamples(20_000, DURATION_BOUNDS, seeded(1))
  samples.forEach((v, i) => {
    tally.observe(topics[i % 3], 'sendDuration', v)
    naiveObserve(cells, i % 3, DURATION_BOUNDS, v)
  })
  const snap = tally.snapshot()
  topics.forEach((t, i) => {
    const naive = readNaiveHistogram(cells, i, DURATION_BOUNDS)
    const exact = snap.topics.get(t).sendDuration
    assert.equal(naive.counts, exact.counts, `${t}: buckets`)
    assert.is(naive.count, exact.count)
    assert.ok(Math.abs(naive.sum - exact.sum) < 1e-6, `${t}: sum ${naive.sum} vs ${exact.sum}`)
  })
})

test('the latency mix: mostly a few ms, a tail past 50 ms, timeouts in +Inf, some exactly on a bound', () => {
  const n = 200_000
  const samples = latencySamples(n, DURATION_BOUNDS, seeded(2))
  const counts = new Array(DURATION_BOUNDS.length + 1).fill(0)
  let onBound = 0
  for (const v of samples) {
    assert.ok(v > 0 && Math.abs(v * 1e6 - Math.round(v * 1e6)) < 1e-6, `${v}: a positive whole number of microseconds`)
    counts[bucketIndex(DURATION_BOUNDS, v)]++
    if (DURATION_BOUNDS.includes(v)) onBound++
  }
  const share = k => k / n
  // Drawn on purpose, plus the few fast or tail values that round onto a bound.
  assert.ok(share(onBound) > MIX.onBound * 0.9 && share(onBound) < MIX.onBound * 1.2, `on a bound: ${share(onBound)}`)
  assert.ok(Math.abs(share(counts.at(-1)) - MIX.timeout) < 0.0005, `timeouts in +Inf: ${share(counts.at(-1))}`)
  const p50 = histogramQuantile(0.5, DURATION_BOUNDS, counts)
  const p99 = histogramQuantile(0.99, DURATION_BOUNDS, counts)
  assert.ok(p50 > 0.003 && p50 < 0.005, `p50 ${p50}`)
  assert.ok(p99 > 1 && p99 < 2.5, `p99 ${p99}`)
})

test('the page\'s totals: snapshots added up, the naive histograms read as they stand, quantiles from the buckets', async () => {
  const tally = await kafkaTable()
  const topics = ['orders', 'payments']
  const totals = createLatencyTotals(topics, DURATION_BOUNDS)
  const cells = createNaiveHistograms(topics.length, DURATION_BOUNDS)
  assert.equal(observationsCounted(totals), { tally: 0, naive: 0 })
  assert.ok(Number.isNaN(latencyRows(totals)[0].p50), 'no observations yet: no p50')
  const values = [0.001, 0.005, 0.005, 0.02, 30] // one on a bound twice, one in +Inf
  for (let round = 0; round < 3; round++) {
    for (const v of values) { tally.observe('orders', 'sendDuration', v); naiveObserve(cells, 0, DURATION_BOUNDS, v) }
    tally.observe('payments', 'sendDuration', 0.2)
    naiveObserve(cells, 1, DURATION_BOUNDS, 0.2)
    addSnapshot(totals, tally.snapshot())
    readNaive(totals, cells)
  }
  assert.equal(observationsCounted(totals), { tally: 18, naive: 18 })
  const [orders, payments] = latencyRows(totals)
  assert.equal(orders.counts, [9, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3])
  assert.is(orders.count, 15)
  assert.is(orders.naiveCount, 15)
  assert.is(orders.p50, 0.005 * 7.5 / 9) // rank 7.5 of the 9 in (0, 5 ms]
  assert.is(orders.p99, 10) // rank 14.85: in +Inf, so the highest bound
  assert.is(payments.p50, 0.1 + 0.15 * 1.5 / 3) // rank 1.5 of the 3 in (0.1, 0.25]
  assert.equal([formatSeconds(orders.p50), formatSeconds(orders.p99), formatSeconds(0.0000423), formatSeconds(NaN)], ['4.2 ms', '10 s', '42 µs', '—'])
})

test.run()
