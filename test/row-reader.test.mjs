// A snapshot's rows come from a reader generated per schema (an object
// literal) where the runtime allows code generation, and from a key-by-key
// reader where it does not. Both must give the same rows, cell for cell.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { rowReader, genericRowReader } from '../dist/engine/row-reader.js'
import { makeSchema } from '../dist/engine/schema.js'

const schema = makeSchema({
  columns: ['success', 'error', 'bytes'],
  histograms: { duration: [0.005, 0.01, 0.025, 0.05, 0.1], size: [10, 100] }
})

test('the generated reader and the key-by-key reader give the same rows', () => {
  const literal = rowReader(schema)
  assert.is(literal.name, 'readRow', 'Node allows code generation: the literal reader is the one in use')
  const generic = genericRowReader(schema)
  const rows = 5
  const cells = new Float64Array(rows * schema.cells)
  for (let i = 0; i < cells.length; i++) cells[i] = (i * 7919) % 13 === 0 ? 0 : (i * 7919) % 1000
  for (let r = 0; r < rows; r++) {
    const a = literal(cells, r * schema.cells)
    const b = generic(cells, r * schema.cells)
    assert.equal(a, b, `row ${r}`)
    assert.equal(Object.keys(a), ['success', 'error', 'bytes', 'duration', 'size'], 'keys in schema order')
    assert.is(a.duration.count, a.duration.counts.reduce((x, y) => x + y, 0))
    assert.is(a.duration.counts.length, 6)
    assert.is(a.size.sum, cells[r * schema.cells + schema.histograms[1].sumCell] / 1e9)
  }
})

test('where code generation is refused, snapshots are built key by key and are the same', () => {
  const script = `
    import { Tally } from './dist/index.js'
    import { rowReader } from './dist/engine/row-reader.js'
    import { makeSchema } from './dist/engine/schema.js'
    let refused = false
    try { new Function('return 1') } catch { refused = true }
    const tally = await Tally.create({ columns: ['success', 'error', 'bytes'], histograms: { duration: [0.01, 0.1, 1] } })
    tally.record('orders', 'bytes', 512)
    tally.observe('orders', 'duration', 0.05)
    tally.observe('orders', 'duration', 0.1)
    tally.bind('orders').success(3)
    const row = tally.snapshot().topics.get('orders')
    console.log(JSON.stringify({ refused, reader: rowReader(makeSchema({ columns: ['a'] })).name, row }))
  `
  const child = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url), encoding: 'utf8' })
  assert.is(child.status, 0, child.stderr)
  const out = JSON.parse(child.stdout.trim())
  assert.ok(out.refused, 'the flag refuses code generation')
  assert.is.not(out.reader, 'readRow', 'the key-by-key reader is in use')
  assert.equal(out.row, { success: 3, error: 0, bytes: 512, duration: { count: 2, sum: 0.15, counts: [0, 2, 0, 0] } })
})

test.run()
