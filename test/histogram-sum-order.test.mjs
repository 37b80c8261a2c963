// A formation reads each stripe's sum HI (the carry count) before its LO (the
// units), so a carry can only lag its units, never lead them
// (assembly/histogram.ts; after the row's words, two a turn, it reads the
// sum's two words again with atomic loads, HI then LO). Shown with the pause core (test/helpers/pause-core.mjs):
// a holder forming a batch on two stripes stops right after loading the sum's
// first word, a writer on another stripe crosses a 2^55-unit boundary (its
// units and its carry), the holder goes on. Read LO first, this batch's sum
// came out near 2^128 (seen once in a CI run under load).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally } from '../dist/index.js'
import { pauseControl, pauseModule, pauseSteps, startHolder } from './helpers/pause-core.mjs'

const steps = Object.fromEntries((await pauseSteps()).map(s => [s.name, s.step]))

test('a writer crossing a carry boundary between a formation\'s two loads of a sum: every batch exact', async () => {
  const tally = await Tally.create({ module: await pauseModule(), capacity: 4, stripes: 4, histograms: { size: { bounds: [1], resolution: 1 } } })
  const holder = await startHolder(tally.share()) // a second instance: two stripes in use, the formation's loop over stripes
  const pause = await pauseControl(tally.share().memory)
  try {
    const writer = tally.bind('t') // this thread's stripe
    for (let i = 0; i < 3; i++) writer.observe('size', 2 ** 53) // 3 * 2^53: the next 2^53 reaches 2^55
    const sumWord = tally.schema.histograms[0].sumCell // row 0: the sum's first word is word sumCell
    // The row's words are loaded two a turn (a stop after each turn), then the sum's two words again,
    // HI then LO, each with a stop after it: stop after the turns and the sum's HI.
    pause.arm(steps.STEP_COUNTER_LOAD, Math.ceil(tally.schema.cells / 2))
    const first = holder.call('trySnapshot')
    const at = await pause.stopped()
    assert.is(at.detail, sumWord * 8, 'stopped after loading the sum\'s first word, before its second')
    writer.observe('size', 2 ** 53) // crosses 2^55: units, then the carry
    pause.go()
    const sums = [(await first).topics.get('t').size.sum, tally.snapshot().topics.get('t')?.size.sum ?? 0]
    for (const s of sums) assert.ok(s <= 4 * 2 ** 53, `a batch's sum is at most what was observed, got ${s}`)
    assert.is(sums[0] + sums[1], 4 * 2 ** 53, 'every unit in exactly one batch')
  } finally {
    await holder.stop()
  }
})

test.run()
