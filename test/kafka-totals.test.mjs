// Summing the Kafka sink's records: repeats of a batch are dropped per table
// and row, records without a batch id are summed as they are, and every
// column and histogram a record carries is added.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { TotalsReader } from '../dist/sinks/kafka-totals.js'
import { toRecords } from '../dist/sinks/kafka.js'
import { Tally } from '../dist/index.js'

const rec = (table, sequence, topic, success, error = 0, extra = {}) =>
  JSON.stringify({ topic, success, error, epoch: sequence, time: 1000 + sequence, source: 'a:1', batch: `${table}-${sequence}`, table, sequence, ...extra })

test('a batch sent again (whole or in part) is counted once', () => {
  const r = new TotalsReader()
  assert.is(r.add(rec('t1', 3, 'orders', 5, 1)), 'counted')
  assert.is(r.add(rec('t1', 3, 'payments', 2)), 'counted')
  assert.is(r.add(rec('t1', 3, 'orders', 5, 1)), 'duplicate', 'the retry of batch 3')
  assert.is(r.add(rec('t1', 3, 'payments', 2)), 'duplicate')
  assert.is(r.add(rec('t1', 5, 'orders', 1)), 'counted')
  assert.is(r.add(rec('t1', 3, 'orders', 5, 1)), 'duplicate', 'a late copy of an older batch')
  assert.is(r.add(rec('t2', 3, 'orders', 7)), 'counted', 'another table, same sequence')
  assert.equal(r.totals(), {
    topics: { orders: { success: 13, error: 1 }, payments: { success: 2, error: 0 } },
    overflow: { success: 0, error: 0 },
    batches: 3,
    duplicates: 3
  })
  assert.equal(r.records, { counted: 4, duplicate: 3, invalid: 0 })
})

test('a partial delivery retried under the same id adds only the rows that were missing', () => {
  const r = new TotalsReader()
  r.add(rec('t1', 9, 'orders', 4))     // landed before the failure
  r.add(rec('t1', 9, 'payments', 6))   // the retry: only the undelivered row
  r.add(rec('t1', 9, 'payments', 6))   // and once more
  assert.equal(r.totals().topics, { orders: { success: 4, error: 0 }, payments: { success: 6, error: 0 } })
  assert.is(r.totals().batches, 1)
  assert.is(r.totals().duplicates, 1)
})

test('the sink\'s own records: the overflow row, and what toRecords writes for a batch', () => {
  const snap = { epoch: 12, topics: new Map([['orders', { success: 3, error: 2 }]]), overflow: { success: 4, error: 1 }, batch: { table: '00ff00ff00ff00ff', sequence: 12, id: '00ff00ff00ff00ff-12' } }
  const r = new TotalsReader()
  for (let i = 0; i < 2; i++) for (const m of toRecords(snap, 5000, 'h:1')) r.add(Buffer.from(m.value))
  assert.equal(r.totals(), { topics: { orders: { success: 3, error: 2 } }, overflow: { success: 4, error: 1 }, batches: 1, duplicates: 2 })
  // A label of one's own: the reader tells the overflow row by its flag, not its label.
  const custom = new TotalsReader()
  for (const m of toRecords(snap, 5000, 'h:1', '(full)')) custom.add(m.value)
  assert.equal(custom.totals().overflow, { success: 4, error: 1 })
  assert.throws(() => toRecords(snap, 5000, 'h:1', 'full'), /overflowTopic must be a name no topic can hold .* got "full", which is a valid topic name/)
  // Records written before the flag: the reader maps their topic back only when told to.
  const legacy = JSON.stringify({ topic: '__overflow', success: 5, error: 0, epoch: 1, time: 1, source: 'old:1' })
  const told = new TotalsReader({ overflowTopic: '__overflow' })
  told.add(legacy)
  assert.equal(told.totals().overflow, { success: 5, error: 0 })
  const untold = new TotalsReader()
  untold.add(legacy)
  assert.equal(untold.totals().topics.__overflow, { success: 5, error: 0 })
})

test('records without a batch id are summed as they are', () => {
  const r = new TotalsReader()
  const old = JSON.stringify({ topic: 'orders', success: 2, error: 1, epoch: 4, time: 1, source: 'old:1' })
  r.add(old)
  r.add(old)
  assert.equal(r.totals(), { topics: { orders: { success: 4, error: 2 } }, overflow: { success: 0, error: 0 }, batches: 0, duplicates: 0 })
})

test('every column and histogram is added; metadata is not', () => {
  const r = new TotalsReader()
  r.add(rec('t1', 1, 'orders', 1, 0, { bytes: 100, duration: { count: 1, sum: 7, counts: [0, 1] } }))
  r.add(rec('t1', 2, 'orders', 2, 1, { bytes: 50, duration: { count: 3, sum: 9, counts: [1, 1, 1] } }))
  r.add(rec('t1', 2, 'orders', 2, 1, { bytes: 50, duration: { count: 3, sum: 9, counts: [1, 1, 1] } }))
  assert.equal(r.totals().topics.orders, { success: 3, error: 1, bytes: 150, duration: { count: 4, sum: 16, counts: [1, 2, 1] } })
})

test('records that are not counts are left out and counted as invalid', () => {
  const r = new TotalsReader()
  for (const bad of ['not json', '[1,2]', '{"success":1}', JSON.stringify({ topic: 'x', success: 1, table: 't1' }), null]) assert.is(r.add(bad), 'invalid')
  assert.is(r.add('{"topic":"__proto__","success":1,"error":0,"__proto__":{"count":1,"sum":1,"counts":[1]}}'), 'counted')
  assert.equal(r.records, { counted: 1, duplicate: 0, invalid: 5 })
  const totals = r.totals()
  assert.equal(Object.keys(totals.topics), ['__proto__'], 'a topic named __proto__ is a topic')
  assert.is(Object.getPrototypeOf(totals.topics), Object.prototype)
  assert.is(Object.getOwnPropertyDescriptor(totals.topics, '__proto__').value.success, 1)
})

test('totals() is a copy', () => {
  const r = new TotalsReader()
  r.add(rec('t1', 1, 'orders', 1, 0, { duration: { count: 1, sum: 1, counts: [1] } }))
  const first = r.totals()
  first.topics.orders.success = 99
  first.topics.orders.duration.counts[0] = 99
  assert.equal(r.totals().topics.orders, { success: 1, error: 0, duration: { count: 1, sum: 1, counts: [1] } })
})

test('the batches figure forgets the oldest sequences of a table past batchMemory, never the totals', () => {
  const r = new TotalsReader({ batchMemory: 2 })
  for (const s of [1, 2, 3]) r.add(rec('t1', s, 'orders', 1))
  r.add(rec('t1', 1, 'payments', 1)) // batch 1, a row in another partition read late
  assert.is(r.totals().batches, 4, 'sequence 1 was forgotten, so it counts again')
  assert.equal(r.totals().topics, { orders: { success: 3, error: 0 }, payments: { success: 1, error: 0 } })
  assert.throws(() => new TotalsReader({ batchMemory: 0 }), /batchMemory must be a whole number of at least 1, got 0/)
})

test('a table with a schema: the sink writes every column and histogram, and the reader sums them exactly, repeats dropped', async () => {
  const tally = await Tally.create({ columns: ['success', 'error', 'bytes'], histograms: { duration: [0.01, 0.1, 1] } })
  const r = new TotalsReader()
  const want = { success: 0, error: 0, bytes: 0, count: 0, nanos: 0, counts: [0, 0, 0, 0] }
  for (let round = 1; round <= 3; round++) {
    for (const v of [0.005, 0.01, 0.05, 2 * round]) {
      tally.observe('orders', 'duration', v)
      want.count++
      want.nanos += Math.round(v * 1e9)
      want.counts[[0.01, 0.1, 1].findIndex(b => v <= b) === -1 ? 3 : [0.01, 0.1, 1].findIndex(b => v <= b)]++
    }
    tally.record('orders', 'bytes', 100 * round)
    tally.record('orders', 'success', round)
    want.bytes += 100 * round
    want.success += round
    const snap = tally.snapshot()
    // Each batch delivered twice: the second copy is a repeat.
    for (let copy = 0; copy < 2; copy++) for (const m of toRecords(snap, 1000, 'h:1')) r.add(m.value)
  }
  const orders = r.totals().topics.orders
  assert.equal({ success: orders.success, error: orders.error, bytes: orders.bytes }, { success: want.success, error: 0, bytes: want.bytes })
  assert.is(orders.duration.count, want.count)
  assert.equal(orders.duration.counts, want.counts)
  assert.is(Math.round(orders.duration.sum * 1e9), want.nanos)
  assert.is(r.totals().duplicates, 3)
})

test('histogram sums add in nano-units: ten batches of one 0.1 observation total 1, as the table holds it', async () => {
  const tally = await Tally.create({ columns: ['success', 'error'], histograms: { duration: [1] } })
  const r = new TotalsReader()
  for (let i = 0; i < 10; i++) {
    tally.observe('orders', 'duration', 0.1)
    for (const m of toRecords(tally.snapshot(), 1000, 'h:1')) r.add(m.value)
  }
  // Added as floats, the ten sums make 0.9999999999999999.
  assert.is(r.totals().topics.orders.duration.sum, 1)
  assert.is(r.totals().topics.orders.duration.count, 10)
  // The same through a checkpoint: the state keeps nano-units, and a restored reader goes on exactly.
  const state = JSON.parse(JSON.stringify(r.state()))
  assert.is(state.topics[0][1].duration.nanos, '1000000000')
  const again = new TotalsReader()
  again.restore(state)
  for (const m of toRecords((tally.observe('orders', 'duration', 0.1), tally.snapshot()), 1000, 'h:1')) again.add(m.value)
  assert.is(again.totals().topics.orders.duration.sum, 1.1)
})

test('a state restored drops the repeats the saved reader had counted, and merge() adds readers of other partitions', () => {
  const r = new TotalsReader()
  r.add(rec('t1', 1, 'orders', 2, 1))
  r.add('not json')
  const restored = new TotalsReader()
  restored.restore(JSON.parse(JSON.stringify(r.state())))
  assert.is(restored.add(rec('t1', 1, 'orders', 2, 1)), 'duplicate', 'the resend of a batch counted before the checkpoint')
  assert.is(restored.add(rec('t1', 2, 'orders', 3)), 'counted')
  assert.equal(restored.records, { counted: 2, duplicate: 1, invalid: 1 })
  const other = new TotalsReader()
  other.add(rec('t1', 2, 'payments', 4, 0, { duration: { count: 1, sum: 0.1, counts: [1] } }))
  other.add(JSON.stringify({ topic: 'any', overflow: true, success: 1, error: 0, table: 't1', sequence: 2 }))
  restored.merge(other)
  assert.equal(restored.totals(), {
    topics: { orders: { success: 5, error: 1 }, payments: { success: 4, error: 0, duration: { count: 1, sum: 0.1, counts: [1] } } },
    overflow: { success: 1, error: 0 },
    batches: 3,
    duplicates: 1
  })
})

test('a histogram with a sum no number can hold is invalid input, not a crash', () => {
  const r = new TotalsReader()
  r.add('{"topic":"orders","success":1,"error":0,"duration":{"count":1,"sum":1e999,"counts":[1]}}')
  assert.equal(r.totals().topics.orders, { success: 1, error: 0 })
})

test('counts no table writes (1e308, negative, fractional) are left out: the totals stay whole and a checkpoint of them restores', () => {
  const r = new TotalsReader()
  for (let i = 0; i < 2; i++) {
    r.add('{"topic":"orders","success":1e308,"error":1}')
    r.add('{"topic":"orders","success":-5,"error":2.5}')
    r.add('{"topic":"payments","success":1,"error":0,"duration":{"count":1e308,"sum":1,"counts":[1e308]}}')
    r.add('{"topic":"payments","success":1,"error":0,"duration":{"count":1,"sum":0.5,"counts":[1]}}')
  }
  const want = { orders: { success: 0, error: 2 }, payments: { success: 4, error: 0, duration: { count: 2, sum: 1, counts: [2] } } }
  assert.equal(r.totals().topics, want)
  const back = new TotalsReader()
  back.restore(JSON.parse(JSON.stringify(r.state()))) // a checkpoint's way: JSON and back
  assert.equal(back.totals().topics, want)
})

test.run()
