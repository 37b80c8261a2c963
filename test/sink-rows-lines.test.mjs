// Sinks that read a batch in place write what they wrote from the Snapshot:
// the JSON line of a batch read through batch.rows is, byte for byte, the line
// toJsonLine() makes of snapshot() of the same batch (a schema table with its
// overflow row, a KafkaTally with failures by cause, the default table), and
// the console table keeps the same totals either way.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally } from '../dist/index.js'
import { snapshotRows } from '../dist/sinks/callback.js'
import { KafkaTally } from '../dist/kafkajs/index.js'
import { rowsJsonLine, toJsonLine } from '../dist/sinks/json-lines.js'
import { consoleTableSink } from '../dist/sinks/console-table.js'

const SCHEMA = { columns: ['success', 'error', 'bytes'], histograms: { duration: [0.001, 0.01, 0.1, 1], size: { bounds: [100, 1000], resolution: 1 } } }

/** The line read in place, then (the batch left pending) the line of snapshot(): the same batch. */
function bothLines (table, schema) {
  const batch = table.openBatch(0, { lazy: true })
  const inPlace = rowsJsonLine(batch.rows, 1_700_000_000_000, 'host-1', schema)
  table.releaseBatch(batch)
  const snap = table.snapshot()
  assert.is(snap.batch.id, batch.id.id, 'precondition: the same batch')
  return { inPlace, fromSnapshot: toJsonLine(snap, 1_700_000_000_000, 'host-1', schema), snap }
}

test('a schema table, its overflow row and fractional sums: the same line', async () => {
  const tally = await Tally.create({ capacity: 3, ...SCHEMA, onOverflow: () => {} })
  ;['orders', 'payments', 'audit', 'late'].forEach((name, i) => {
    const b = tally.bind(name)
    b.success(i + 1); b.add('bytes', 1500 * i); if (i % 2) b.error()
    for (const v of [0.0001, 0.003, 0.07 * (i + 1), 1 / 3]) b.observe('duration', v)
    b.observe('size', 10 ** i)
  })
  const { inPlace, fromSnapshot, snap } = bothLines(tally, tally.schema)
  assert.ok(snap.overflow.success > 0, 'precondition: the overflow row holds a topic')
  assert.is(inPlace, fromSnapshot)
  // Without the schema: bounds left out alike (the snapshot does not carry them).
  tally.record('orders', 'success')
  const bare = bothLines(tally)
  assert.is(bare.inPlace, bare.fromSnapshot)
})

test('a KafkaTally with failures by cause: the same line', async () => {
  const kt = await KafkaTally.create({ capacity: 4, errorCapacity: 4 })
  kt.success('orders', 3)
  kt.error('orders', 2, Object.assign(new Error('x'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false }))
  kt.error('payments', 1, Object.assign(new Error('y'), { name: 'KafkaJSConnectionError', retriable: true }))
  const { inPlace, fromSnapshot, snap } = bothLines(kt)
  assert.ok(snap.errors.size === 2, 'precondition: failures by cause')
  assert.is(inPlace, fromSnapshot)
})

test('the default table, and the console table: the same totals from rows and from the Snapshot', async () => {
  const tally = await Tally.create({ capacity: 2, onOverflow: () => {} })
  for (const [t, n] of [['a', 1], ['b', 2], ['c', 3]]) { tally.record(t, 'success', n); tally.record(t, 'error', n) }
  const { inPlace, fromSnapshot, snap } = bothLines(tally)
  assert.is(inPlace, fromSnapshot)
  const out = { columns: 80, write () { return true } }
  const viaRows = consoleTableSink(out, { now: () => 1000 })
  const viaSnapshot = consoleTableSink(out, { now: () => 1000 })
  viaRows.writeRows(snapshotRows(snap))
  viaSnapshot.write(snap)
  assert.equal(viaRows.state, viaSnapshot.state)
  assert.equal(Object.fromEntries(viaRows.state.totals), { a: { success: 1, error: 1 }, b: { success: 2, error: 2 }, '/overflow': { success: 3, error: 3 } })
})

test.run()
