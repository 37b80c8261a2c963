// The demo's p50/p99 estimate (demo/quantile.js) against values worked out by
// hand, including ranks in the +Inf bucket and empty histograms, then against
// Prometheus itself: promtool evaluates histogram_quantile() over the same
// buckets and must agree to the bit (and does not, for an estimate that skips
// the interpolation). A missing promtool fails the test.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { histogramQuantile } from '../demo/quantile.js'

const KAFKA_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
const nan = (got, what) => assert.ok(Number.isNaN(got), `${what ?? 'the estimate'}: got ${got}, want NaN`)
const close = (got, want, what) => assert.ok(Math.abs(got - want) < 1e-12, `${what}: got ${got}, want ${want}`)

test('ranks inside finite buckets interpolate linearly between the bucket\'s bounds', () => {
  // bounds 1, 2, 4; counts 2, 2, 4, 0 (cumulative 2, 4, 8, 8): 8 observations.
  const b = [1, 2, 4]
  const c = [2, 2, 4, 0]
  assert.is(histogramQuantile(0.25, b, c), 1) // rank 2: all of (0, 1]
  assert.is(histogramQuantile(0.5, b, c), 2) // rank 4: all of (1, 2]
  assert.is(histogramQuantile(0.75, b, c), 3) // rank 6: 2 of the 4 in (2, 4] -> 2 + 2 * 2/4
  close(histogramQuantile(0.99, b, c), 3.96, 'p99') // rank 7.92: 3.92 of 4 in (2, 4] -> 2 + 2 * 0.98
  close(histogramQuantile(0.125, b, c), 0.5, 'p12.5') // rank 1 of 2 in (0, 1]: the first bucket starts at 0
  // The Kafka schema's bounds: p50 rank 500 of 580 in (0, 5 ms]; p99 rank 990, 10 of the 12 in (1, 2.5].
  const kafka = [580, 300, 50, 10, 0, 5, 10, 15, 5, 5, 12, 3, 3, 0, 2]
  close(histogramQuantile(0.5, KAFKA_BOUNDS, kafka), 0.005 * 500 / 580, 'Kafka p50')
  close(histogramQuantile(0.99, KAFKA_BOUNDS, kafka), 1 + 1.5 * 10 / 12, 'Kafka p99')
})

test('a rank in the +Inf bucket gives the highest finite bound', () => {
  // bounds 1, 2; counts 1, 1, 8: cumulative 1, 2, 10.
  assert.is(histogramQuantile(0.5, [1, 2], [1, 1, 8]), 2) // rank 5: past 2, in +Inf
  assert.is(histogramQuantile(0.99, [1, 2], [1, 1, 8]), 2)
  assert.is(histogramQuantile(1, [1, 2], [1, 1, 8]), 2)
  assert.is(histogramQuantile(0.1, [1, 2], [1, 1, 8]), 1) // rank 1: the whole first bucket
  assert.is(histogramQuantile(0.15, [1, 2], [1, 1, 8]), 1.5) // rank 1.5: half of (1, 2]
  assert.is(histogramQuantile(0.2, [1, 2], [1, 1, 8]), 2) // rank 2: reached at 2, not in +Inf
  // Everything in +Inf: any positive rank gives the highest bound; rank 0 lands in an
  // empty first bucket, 0 of 0, which Prometheus answers NaN.
  assert.is(histogramQuantile(0.5, [1, 2], [0, 0, 5]), 2)
  nan(histogramQuantile(0, [1, 2], [0, 0, 5]))
  assert.is(histogramQuantile(0, [1, 2], [3, 1, 0]), 0)
})

test('empty histograms, a lone +Inf bucket, q outside [0, 1], bounds at or below 0', () => {
  for (const q of [0, 0.5, 0.99, 1]) {
    nan(histogramQuantile(q, [1, 2], [0, 0, 0]), `q ${q} of an empty histogram`)
    nan(histogramQuantile(q, KAFKA_BOUNDS, new Array(15).fill(0)))
    nan(histogramQuantile(q, [], [5]), 'the +Inf bucket alone')
  }
  assert.is(histogramQuantile(-0.1, [1, 2], [0, 0, 0]), -Infinity)
  assert.is(histogramQuantile(1.1, [1, 2], [1, 0, 0]), Infinity)
  nan(histogramQuantile(NaN, [1, 2], [1, 0, 0]))
  assert.is(histogramQuantile(0.5, [-1, 1], [3, 1, 0]), -1) // in a first bucket whose bound is <= 0: that bound
  close(histogramQuantile(0.9, [-1, 1], [3, 1, 0]), 0.2, 'p90') // rank 3.6: 0.6 of (-1, 1] -> -1 + 2 * 0.6
  assert.throws(() => histogramQuantile(0.5, [1, 2], [1, 1]), /one more entry than bounds \(the \+Inf bucket\): 2 counts for 2 bounds/)
})

// Histograms for promtool: the cases above, and a few random ones over the Kafka bounds.
function cases () {
  const out = [
    [[1, 2, 4], [2, 2, 4, 0]], [[1, 2], [1, 1, 8]], [[1, 2], [0, 0, 5]], [[1, 2], [3, 1, 0]],
    [[1, 2], [0, 0, 0]], [[-1, 1], [3, 1, 0]], [KAFKA_BOUNDS, [580, 300, 50, 10, 0, 5, 10, 15, 5, 5, 12, 3, 3, 0, 2]]
  ]
  let seed = 7
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  for (let i = 0; i < 12; i++) out.push([KAFKA_BOUNDS, KAFKA_BOUNDS.concat(Infinity).map(() => random() < 0.3 ? 0 : Math.floor(random() * 1000))])
  return out
}
const QUANTILES = [0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 1]

/** A promtool unit test file: each case as a histogram's cumulative buckets, and what `estimate` says of each quantile. */
function promtoolTests (estimate) {
  const series = []
  const exprs = []
  cases().forEach(([bounds, counts], i) => {
    let cumulative = 0
    counts.forEach((n, b) => series.push(`      - series: 'h${i}_bucket{le="${b < bounds.length ? bounds[b] : '+Inf'}"}'\n        values: '${(cumulative += n)}'`))
    for (const q of QUANTILES) {
      const want = estimate(q, bounds, counts)
      // NaN equals nothing, itself included: for NaN, ask whether the result differs from itself.
      const expr = Number.isNaN(want)
        ? `histogram_quantile(${q}, h${i}_bucket) != bool histogram_quantile(${q}, h${i}_bucket)`
        : `histogram_quantile(${q}, h${i}_bucket)`
      exprs.push(`      - expr: '${expr}'\n        eval_time: 0m\n        exp_samples:\n          - labels: '{}'\n            value: ${Number.isNaN(want) ? 1 : want}`)
    }
  })
  return `tests:\n  - interval: 1m\n    input_series:\n${series.join('\n')}\n    promql_expr_test:\n${exprs.join('\n')}\n`
}

async function promtool (estimate) {
  const dir = await mkdtemp(join(tmpdir(), 'wasm-tally-quantile-'))
  try {
    await writeFile(join(dir, 'quantiles.yml'), promtoolTests(estimate))
    const run = spawnSync('promtool', ['test', 'rules', 'quantiles.yml'], { cwd: dir, encoding: 'utf8' })
    if (run.error) throw new Error(`promtool could not run (install Debian's prometheus package): ${run.error.message}`)
    return { status: run.status, output: run.stdout + run.stderr }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

test('Prometheus\'s histogram_quantile (promtool) gives the same estimates, to the bit', async () => {
  const run = await promtool(histogramQuantile)
  assert.is(run.status, 0, run.output)
  assert.match(run.output, 'SUCCESS')
})

test('an estimate that gives the bucket\'s upper bound instead of interpolating fails the same check', async () => {
  const upperBound = (q, bounds, counts) => {
    const x = histogramQuantile(q, bounds, counts)
    if (!Number.isFinite(x)) return x
    const i = bounds.findIndex(b => x <= b)
    return i < 0 ? x : bounds[i]
  }
  const run = await promtool(upperBound)
  assert.is.not(run.status, 0, 'promtool accepted an estimate without interpolation')
  assert.match(run.output, 'histogram_quantile(0.5')
})

test.run()
