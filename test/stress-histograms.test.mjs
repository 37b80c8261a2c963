// Histograms are counters too: writer threads observe a known multiset (values
// on every bound included) while flusher threads snapshot back to back; the
// snapshots' bucket counts, sums and bytes equal the multiset's, per topic.
// The same harness catches a histogram without the swap losing observations.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runHistogramStress } from './helpers/histogram-stress.mjs'
import { histogramDifferences } from './helpers/histogram-workload.mjs'
import { racyModule } from './helpers/stress.mjs'

const STEPS = 400_000

for (const [writers, flushers] of [[2, 1], [3, 2]]) {
  test(`${writers} writers observing, ${flushers} flusher(s) snapshotting throughout: counts, buckets and sums exact`, async () => {
    const { recorded, counted, snapshots } = await runHistogramStress({ writers, flushers, steps: STEPS })
    assert.equal(histogramDifferences(recorded, counted), [])
    assert.ok(snapshots > 2 * flushers, `${snapshots} snapshots while writers ran`)
    console.log(`  ${writers} writers, ${flushers} flushers: ${(writers * STEPS).toLocaleString('en')} observations, ${snapshots} snapshots, exact`)
  })
}

test('the racy variant (no swap, plain read-modify-write) loses observations, and the harness reports them', async () => {
  const module = await racyModule()
  let diffs = []
  for (let attempt = 1; attempt <= 5 && diffs.length === 0; attempt++) {
    const { recorded, counted } = await runHistogramStress({ writers: 3, flushers: 1, steps: 200_000, stripes: 1, module })
    diffs = histogramDifferences(recorded, counted)
  }
  assert.ok(diffs.length > 0, 'a histogram without the swap should have lost or doubled observations')
  console.log('  e.g. ' + diffs.slice(0, 2).join('; '))
})

test.run()
