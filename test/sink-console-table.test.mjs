// The console table sink: running totals, a redraw in place on a TTY, only the
// progress line elsewhere.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally, flushEvery } from '../dist/index.js'
import { consoleTableSink } from '../dist/sinks/console-table.js'

function fakeStream (isTTY) {
  return { isTTY, columns: 80, chunks: [], write (chunk) { this.chunks.push(chunk); return true } }
}

test('on a TTY: the table is redrawn in place with exact running totals', async () => {
  const stream = fakeStream(true)
  let clock = 1_000_000
  const sink = consoleTableSink(stream, { maxRows: 3, now: () => clock })
  const tally = await Tally.create({ capacity: 64 })
  const flusher = flushEvery(tally, 60_000, sink, { timer: false })
  for (let i = 0; i < 5; i++) tally.record(`table.${i}`, 'success', 1000 * (i + 1))
  tally.record('table.4', 'error', 7)
  await flusher.flush()
  clock += 2000
  tally.record('table.0', 'success', 4400)
  await flusher.stop()
  assert.is(stream.chunks.length, 2)
  // eslint-disable-next-line no-control-regex -- the table redraws with ANSI escapes (ESC [)
  assert.not.match(stream.chunks[0], /\x1b\[/, 'the first draw moves nothing')
  const second = stream.chunks[1]
  // eslint-disable-next-line no-control-regex -- as above
  assert.match(second, /^\x1b\[6A\x1b\[J/, 'the second draw goes back over the six lines of the first')
  assert.match(second, /table\.4\s+5,000\s+7\s+0\n/)
  assert.match(second, /table\.0\s+5,400\s+0\s+2,200\n/, '4,400 in 2 s is 2,200 per second')
  assert.match(second, /\.\.\. 2 more topics\n/)
  assert.match(second, /flush 2 {2}2,200\/s {2}total 19,400 ok, 7 errors {2}last flush /)
  assert.equal(sink.state.totals.get('table.0'), { success: 5400, error: 0 })
  assert.is(sink.state.success, 19_400)
})

test('not a TTY: one progress line per flush', async () => {
  const stream = fakeStream(false)
  const sink = consoleTableSink(stream)
  sink.write({ epoch: 1, topics: new Map([['a', { success: 3, error: 1 }]]), overflow: { success: 2, error: 0 } })
  assert.is(stream.chunks.length, 1)
  assert.match(stream.chunks[0], /^flush 1 {2}0\/s {2}total 5 ok, 1 errors {2}last flush \d\d:\d\d:\d\d\n$/)
  assert.equal(sink.state.totals.get('/overflow'), { success: 2, error: 0 })
})

test.run()
