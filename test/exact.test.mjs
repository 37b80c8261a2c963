// Counts are 64-bit: exact up to 2^53, never wrapping at 2^32.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally } from '../dist/index.js'

test('counts past 2^32 stay exact', async () => {
  const tally = await Tally.create()
  const h = tally.bind('big')
  h.success(2 ** 32 - 1)
  h.success(2)
  tally.record('big', 'error', 2 ** 32 + 7)
  assert.equal(tally.snapshot().topics.get('big'), { success: 2 ** 32 + 1, error: 2 ** 32 + 7 })
})

test('counts up to 2^53 - 1 stay exact across snapshots', async () => {
  const tally = await Tally.create()
  tally.record('huge', 'success', 2 ** 53 - 2)
  tally.record('huge', 'success', 1)
  assert.is(tally.snapshot().topics.get('huge').success, 2 ** 53 - 1)
  tally.record('huge', 'success', 1)
  assert.is(tally.snapshot().topics.get('huge').success, 1, 'the previous snapshot reset the counter')
})

test('snapshots leave out topics with nothing counted, and reset', async () => {
  const tally = await Tally.create()
  tally.record('a', 'success')
  tally.bind('b')
  const first = tally.snapshot()
  assert.equal([...first.topics.keys()], ['a'])
  assert.is(tally.snapshot().topics.size, 0)
  assert.equal(tally.topics(), ['a', 'b'])
  assert.is(tally.snapshot().epoch, first.epoch + 2)
})

test.run()
