// The seed's throttled flush, table-wide: recorders in any thread may ask for
// a flush; at most one of them wins per interval, counted from the last
// snapshot.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { Tally } from '../dist/index.js'

test('three threads asking in a tight loop win at most one turn per interval between them', async () => {
  const INTERVAL = 100
  const tally = await Tally.create()
  const threads = [0, 1, 2].map(() => new Worker(new URL('./workers/flush-claimer.mjs', import.meta.url), {
    workerData: { shared: tally.share(), intervalMs: INTERVAL, durationMs: 700 }
  }))
  const results = await Promise.all(threads.map(w => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject) })))
  await Promise.all(threads.map(w => w.terminate()))
  const won = results.flatMap(r => r.won)
  assert.ok(won.length >= 1, 'some thread won a turn')
  // Two claims at times s1, s2 with s1 in [b1, a1] and s2 in [b2, a2] can be INTERVAL apart
  // only if a2 - b1 >= INTERVAL or a1 - b2 >= INTERVAL; when neither holds, the throttle broke.
  for (let i = 0; i < won.length; i++) {
    for (let j = i + 1; j < won.length; j++) {
      const [b1, a1] = won[i]
      const [b2, a2] = won[j]
      assert.ok(Math.max(a2 - b1, a1 - b2) >= INTERVAL, `turns in [${b1}, ${a1}] and [${b2}, ${a2}] could not be ${INTERVAL} ms apart`)
    }
  }
  console.log(`  ${won.length} turns won in 700 ms per thread by ${results.filter(r => r.won.length).length} of 3 threads`)
})

test('a snapshot counts as a flush: no turn within the interval after it', async () => {
  const tally = await Tally.create()
  tally.snapshot()
  assert.is(tally.claimFlush(60_000), false)
  assert.is(tally.claimFlush(0), true)
})

test('a bad interval is refused', async () => {
  const tally = await Tally.create()
  assert.throws(() => tally.claimFlush(-1), RangeError)
  assert.throws(() => tally.claimFlush(NaN), RangeError)
})

test.run()
