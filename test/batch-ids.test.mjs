// Batch ids as a downstream reader sees them. The documented reader keeps the
// first delivery of each id (docs/ARCHITECTURE.md: "a reader that keeps the
// first delivery of each id counts every unit exactly once"), and a sink that
// delivers part of a batch leaves "only the undelivered part pending, under
// the same id" (docs/SINKS.md). And a batch acknowledged on the wrong table.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally, flushEvery, PartialDeliveryError } from '../dist/index.js'
import { addSnapshot, recordNoted, differences } from '../scripts/lib/counts.mjs'

test('a sink that delivers part of a batch, read downstream by the first-delivery-per-id reader: nothing is lost', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const expected = {}
  recordNoted(tally, expected, 'orders', 5, 1)
  recordNoted(tally, expected, 'payments', 3, 0)
  // Downstream: a log of (batch id, rows) and a reader that keeps the first of each id.
  const log = []
  let calls = 0
  const sink = snap => {
    if (++calls === 1) {
      // orders goes out, payments does not (a broker partition was down, say).
      log.push({ id: snap.batch.id, topics: new Map([['orders', snap.topics.get('orders')]]), overflow: { success: 0, error: 0 } })
      const undelivered = { epoch: snap.epoch, topics: new Map([['payments', snap.topics.get('payments')]]), overflow: { success: 0, error: 0 } }
      throw new PartialDeliveryError('payments did not go out', undelivered)
    }
    log.push({ id: snap.batch.id, topics: snap.topics, overflow: snap.overflow })
  }
  const flusher = flushEvery(tally, 60_000, sink, { timer: false, onError: () => {} })
  assert.is((await flusher.flush()).delivered, false)
  assert.is((await flusher.flush()).delivered, true)
  assert.is(await flusher.stop(), undefined)
  const seen = new Set()
  const read = {}
  for (const entry of log) {
    if (seen.has(entry.id)) continue
    seen.add(entry.id)
    addSnapshot(read, entry)
  }
  assert.equal(differences(expected, read), [], `deliveries: ${log.map(e => `${e.id} [${[...e.topics.keys()]}]`).join(', ')}`)
})

test('ackBatch with a batch of another table acknowledges nothing of this one', async () => {
  const a = await Tally.create({ capacity: 16 })
  const b = await Tally.create({ capacity: 16 })
  a.record('orders', 'success', 7)
  b.record('orders', 'success', 1)
  const batchA = a.openBatch()
  const batchB = b.openBatch()
  assert.is(batchA.id.sequence, batchB.id.sequence, 'precondition: both tables are at their first batch')
  assert.is.not(batchA.id.table, batchB.id.table)
  // The mix-up: table a's flusher is handed b's batch (two tables, one flush loop).
  assert.throws(() => a.ackBatch(batchB), e => e instanceof TypeError && /takes a batch of this table/.test(e.message), 'a batch of another table is refused, naming the rule')
  a.releaseBatch()
  const again = a.openBatch(1000)
  assert.is(again?.id.id, batchA.id.id, 'table a\'s batch, never delivered, is still pending')
  assert.equal(again.snapshot.topics.get('orders'), { success: 7, error: 0 })
})

test.run()
