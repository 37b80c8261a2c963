// Guarantee 1: every count recorded by any thread appears in exactly one
// snapshot, with flushers snapshotting throughout. Compared to the last unit.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runStress } from './helpers/stress.mjs'
import { differences, sum } from '../scripts/lib/counts.mjs'

const STEPS = 1_000_000

for (const [writers, flushers] of [[2, 1], [4, 1], [4, 2]]) {
  test(`${writers} writers, ${flushers} flusher(s) snapshotting throughout: nothing lost, nothing doubled`, async () => {
    const { recorded, counted, snapshots } = await runStress({ writers, flushers, steps: STEPS })
    assert.equal(differences(recorded, counted), [])
    assert.ok(sum(recorded) > writers * STEPS, 'the workload recorded counts above one per step')
    // The harness makes each writer wait halfway for 3 snapshots of every flusher.
    assert.ok(snapshots > 2 * flushers, `flushers took ${snapshots} snapshots while writers ran`)
    console.log(`  ${writers} writers, ${flushers} flushers: ${sum(recorded).toLocaleString('en')} counts, ${snapshots} snapshots, exact`)
  })
}

test('rows of an odd width (every other row starts and ends between two of the formation\'s turns): nothing lost, nothing doubled', async () => {
  // The formation's turns of two words, at rows that start or end between two of them
  // (test/formation-widths.test.mjs stops one there on purpose).
  const { recorded, counted } = await runStress({ writers: 4, flushers: 2, steps: STEPS, columns: ['success', 'error', 'bytes'] })
  assert.equal(differences(recorded, counted), [])
})

test('writers sharing one stripe still lose nothing (atomic add, not read-modify-write)', async () => {
  const { recorded, counted } = await runStress({ writers: 4, flushers: 1, steps: STEPS, stripes: 1 })
  assert.equal(differences(recorded, counted), [])
})

test.run()
