// A flusher thread may die at any point (a pool recycles its worker, the
// process terminates it): counts it took for delivery stay in the shared table
// until a sink acknowledges them, and the next flusher, in any thread,
// delivers them again under the same batch id. Proven by killing flusher
// threads at random points while writers record, at least 200 times, and by
// catching the loss of the old take-then-deliver flusher with the same harness.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runFlusherKills } from './helpers/kill-flushers.mjs'
import { differences, sum } from '../scripts/lib/counts.mjs'

test('flusher threads terminated at 200 random points: delivered (first per batch id) plus the rest equals recorded', async () => {
  const r = await runFlusherKills({ kills: 200 })
  assert.equal(differences(r.recorded, r.delivered), [])
  assert.ok(sum(r.recorded) > 1_000_000, `the writers recorded ${sum(r.recorded)}`)
  assert.ok(r.redeliveries > 0, 'some kills landed between a delivery and its acknowledgement, and the batch was delivered again under its id')
  console.log(`  200 kills: ${sum(r.recorded).toLocaleString('en')} counts, ${r.deliveries} deliveries, ${r.redeliveries} redelivered batches dropped by id, exact`)
})

test('the same harness catches the old take-then-deliver flusher losing counts', async () => {
  const r = await runFlusherKills({ kills: 60, mode: 'take-then-deliver' })
  const lost = differences(r.recorded, r.delivered)
  assert.ok(lost.length > 0, 'killing a flusher that took counts out of the table before delivering them loses them')
  console.log(`  take-then-deliver, 60 kills: ${lost.slice(0, 3).join('; ')}`)
})

test.run()
