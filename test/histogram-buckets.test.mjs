// The core finds an observation's bucket with a lookup on the value's leading
// bits and one compare (assembly/histogram.ts, src/engine/histogram-index.ts),
// then a scan that keeps it exact for any bounds. Checked here against the
// plain rule, bucket i holds bounds[i-1] < v <= bounds[i], for every value on
// and one ulp either side of every bound, 0, the largest value, and random
// values, over bounds of every kind: the Kafka schema's, random ones, a bound
// of 0 or below, bounds one ulp apart, spans too wide for the lookup table,
// 63 bounds, and a bound at the largest observation.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { Tally } from '../dist/index.js'
import { makeSchema } from '../dist/engine/schema.js'
import { histogramIndex } from '../dist/engine/histogram-index.js'
import { DURATION_BOUNDS } from '../dist/schemas/kafka.js'

const ruleBucket = (bounds, v) => { let i = 0; while (i < bounds.length && bounds[i] < v) i++; return i }

function nextUp (x) {
  const f = new Float64Array([x]); const u = new BigUint64Array(f.buffer)
  if (x === 0) return Number.MIN_VALUE
  u[0] += x > 0 ? 1n : -1n
  return f[0]
}
function nextDown (x) {
  const f = new Float64Array([x]); const u = new BigUint64Array(f.buffer)
  if (x === 0) return -Number.MIN_VALUE
  u[0] += x > 0 ? -1n : 1n
  return f[0]
}

/** The values worth trying against `bounds` (those a histogram of this resolution takes). */
function probes (bounds, max, random) {
  const vs = [0, -0, Number.MIN_VALUE, max, nextDown(max), ...random]
  for (const b of bounds) vs.push(b, nextUp(b), nextDown(b))
  return vs.filter(v => v >= 0 && v <= max)
}

/** The bucket the core counts each value in: one observation per snapshot. */
async function coreBuckets (histogram, values) {
  const tally = await Tally.create({ capacity: 1, histograms: { h: histogram } })
  const h = tally.bind('t')
  return values.map(v => {
    h.observe('h', v)
    return tally.snapshot().topics.get('t').h.counts.indexOf(1)
  })
}

async function check (histogram, random = []) {
  const layout = makeSchema({ histograms: { h: histogram } }).histograms[0]
  const values = probes(layout.bounds, layout.max, random)
  const got = await coreBuckets(histogram, values)
  values.forEach((v, i) => assert.is(got[i], ruleBucket(layout.bounds, v), `value ${v} with bounds ${layout.bounds.slice(0, 8)}...`))
  return values.length
}

test('the Kafka schema\'s duration bounds: every bound, one ulp either side, 0 and the largest value', async () => {
  await check([...DURATION_BOUNDS], Array.from({ length: 2000 }, (_, i) => (i * 0.0137) % 12))
})

test('bounds of 0 and below, bounds one ulp apart, and 63 bounds', async () => {
  await check([0, 1, 2])
  await check([-5, -1, 0, 1e-9])
  await check([1, nextUp(1), nextUp(nextUp(1)), 2])
  await check([0.1, nextUp(0.1), 0.2, nextDown(0.3), 0.3])
  await check(Array.from({ length: 63 }, (_, i) => (i + 1) * 0.01))
  await check(Array.from({ length: 63 }, (_, i) => 2 ** (i - 40)))
})

test('spans too wide for the lookup table, denormal bounds, and a bound at the largest observation', async () => {
  await check([1e-9, 1e-3, 1, 1e3, 1e6, 9e6])
  await check([5e-324, 1e-300, 1e-9, 1])
  await check({ bounds: [1, 1e3, 1e6, 1e9, 1e12, 1e15, 2 ** 53], resolution: 1 })
  await check({ bounds: [1, 1.000001, 1.000002, 1e15], resolution: 1 })
  const table = histogramIndex(makeSchema({ histograms: { h: [5e-324, 1e-300, 1e-9, 1, 9e6] } })).byteLength
  assert.ok(table < 4096, `the index of a very wide span stays small: ${table} bytes`)
})

test('random ascending bounds at random resolutions: the core agrees with the rule for every probe', async () => {
  const resolutions = [1, 1e-3, 1e-6, 1e-9]
  await fc.assert(fc.asyncProperty(
    fc.constantFrom(...resolutions),
    fc.uniqueArray(fc.double({ min: -10, max: 1e7, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 63 }),
    fc.array(fc.double({ min: 0, max: 1e7, noNaN: true }), { maxLength: 30 }),
    async (resolution, raw, random) => {
      const max = 2 ** 53 * resolution
      const bounds = [...new Set(raw.map(b => Math.min(b, max)))].sort((a, b) => a - b)
      await check({ bounds, resolution }, random)
    }), { numRuns: 150 })
})

test.run()
