// A producer sending to ever new topic names (past the table's capacity, or
// names Kafka refuses) must not grow a thread's caches without bound, and
// every count still lands where it belongs: the topic's row, the overflow
// row, or /invalid-topic. (Caches are read through their run-time fields.)
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally } from '../dist/index.js'
import { RowWriter } from '../dist/messaging/row-writer.js'

const CAPACITY = 16
const DISTINCT = 20_000

/** Every success the snapshots hold, the overflow row's apart. */
function drain (tally) {
  let topics = 0
  let overflow = 0
  const rows = new Map()
  for (let i = 0; i < 2; i++) {
    const snap = tally.snapshot()
    if (snap === undefined) continue
    for (const [t, r] of snap.topics) { topics += r.success; rows.set(t, (rows.get(t) ?? 0) + r.success) }
    overflow += snap.overflow.success
  }
  return { topics, overflow, rows }
}

test('Tally: 20,000 new topic names past a 16-row table, twice: the cache stays bounded, every count is in a row or the overflow row', async () => {
  const tally = await Tally.create({ capacity: CAPACITY, onOverflow: () => {} })
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < DISTINCT; i++) tally.record(`topic-${i}`, 'success', 1)
  }
  assert.ok(tally.cache.size <= CAPACITY + 4096, `the topic cache holds ${tally.cache.size} names`)
  const { topics, overflow, rows } = drain(tally)
  assert.is(topics + overflow, 2 * DISTINCT)
  assert.is(rows.size, CAPACITY, 'the table\'s rows are the first topics')
  for (const [, n] of rows) assert.is(n, 2, 'an admitted topic counted in its row both rounds')
})

test('RowWriter (the Kafka adapters\' rows): new valid and refused topic names, the writer keeps a bounded number; every count lands once', async () => {
  const tally = await Tally.create({ capacity: CAPACITY, onOverflow: () => {} })
  const writer = new RowWriter(tally)
  // Refused names first (spaces: Kafka refuses them), so /invalid-topic has a row of this plain table.
  for (let i = 0; i < 5000; i++) writer.add(`not a topic ${i}`, 'success', 1)
  for (let i = 0; i < DISTINCT; i++) writer.add(`topic-${i}`, 'success', 1)
  assert.ok(writer.rows.size <= 8192, `the writer keeps ${writer.rows.size} topics`)
  assert.ok(tally.cache.size <= CAPACITY + 4096, `the table's cache holds ${tally.cache.size} names`)
  const { topics, overflow, rows } = drain(tally)
  assert.is(topics + overflow, DISTINCT + 5000)
  assert.is(rows.get('/invalid-topic'), 5000, 'the refused names counted under /invalid-topic')
})

test.run()
