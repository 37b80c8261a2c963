// The harness can fail: run the same stress harness against a deliberately
// racy engine (plain read-modify-write, snapshot-then-clear with no swap) and
// show that it reports the counts the race lost or doubled.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { racyModule, runStress } from './helpers/stress.mjs'
import { differences, sum } from '../scripts/lib/counts.mjs'

test('the racy variant loses counts, and the harness reports them', async () => {
  const module = await racyModule()
  let diffs = []
  let attempt = 0
  // Races need real overlap; each attempt runs 4 writers on one stripe.
  while (diffs.length === 0 && attempt < 5) {
    attempt++
    const { recorded, counted } = await runStress({ writers: 4, flushers: 1, steps: 300_000, stripes: 1, module })
    diffs = differences(recorded, counted)
    console.log(`  attempt ${attempt}: recorded ${sum(recorded).toLocaleString('en')}, counted ${sum(counted).toLocaleString('en')}, ${diffs.length} rows differ`)
  }
  assert.ok(diffs.length > 0, 'the racy variant should have lost or doubled counts')
  console.log('  e.g. ' + diffs.slice(0, 3).join('; '))
})

test('the same workload on the real engine in the same process is exact', async () => {
  const { recorded, counted } = await runStress({ writers: 4, flushers: 1, steps: 300_000, stripes: 1 })
  assert.equal(differences(recorded, counted), [])
})

test.run()
