// Counters are cumulative u64 words and a batch is stage - base, converted to
// f64 for the host. What that conversion must survive: a cumulative counter or
// histogram sum that passes 2^53 and wraps past 2^64 while every batch stays
// small, and a single batch whose count cell passes 2^53 or 2^63 (each batch
// then holds at most 2^53 - 1 of it, and every count recorded comes out,
// summed over snapshots, exactly), or whose histogram sum passes 2^63
// nano-units (it comes out whole, to the nearest number). The one limit: a
// cell must gain less than 2^64 between two snapshots (docs/ARCHITECTURE.md).
// Totals are compared as BigInt, so the comparison itself is exact.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally } from '../dist/index.js'

const MAX = Number.MAX_SAFE_INTEGER // 2^53 - 1, the largest count record() takes

/** Snapshots until one comes back empty; the column's values, as BigInt. */
function drain (tally, topic, column) {
  const parts = []
  for (let i = 0; i < 2048; i++) {
    const row = tally.snapshot().topics.get(topic)
    if (row === undefined) return parts
    parts.push(row[column])
  }
  throw new Error('the table never drained')
}

const total = parts => parts.reduce((a, b) => a + BigInt(b), 0n)

test('a cumulative counter that passes 2^53 and wraps past 2^64: every batch exact', async () => {
  const tally = await Tally.create({ capacity: 4 })
  const big = tally.bind('big')
  // 2049 batches of 2^53 - 1 each: the counter passes 2^64 (and wraps) on the way.
  for (let i = 0; i < 2049; i++) {
    big.success(MAX)
    assert.is(tally.snapshot().topics.get('big').success, MAX, `batch ${i}`)
  }
  for (const n of [1, 2, 3, 1000, 2 ** 40 + 1]) {
    big.success(n)
    assert.is(tally.snapshot().topics.get('big').success, n, `after the wrap: ${n}`)
  }
})

test('a histogram sum that passes 2^53 and 2^64 nano-units cumulatively: every batch exact', async () => {
  const tally = await Tally.create({ capacity: 4, histograms: { size: [1e3, 1e6] } })
  const MAX_OBS = Number.MAX_SAFE_INTEGER / 1e9 // the largest observation: 2^53 - 1 nano-units
  for (let i = 0; i < 2100; i++) {
    tally.observe('t', 'size', MAX_OBS)
    const h = tally.snapshot().topics.get('t').size
    assert.is(h.count, 1)
    assert.is(h.sum * 1e9, MAX, `batch ${i}: the sum is one observation's`)
  }
  tally.observe('t', 'size', 0.000000001)
  tally.observe('t', 'size', 2.5)
  const h = tally.snapshot().topics.get('t').size
  assert.equal(h.counts, [2, 0, 0])
  assert.is(Math.round(h.sum * 1e9), 2_500_000_001, 'past the wrap, a small batch is exact to the nano-unit')
})

test('one batch holding more than 2^53 of a cell: summed over snapshots, nothing is lost', async () => {
  const tally = await Tally.create({ capacity: 4 })
  tally.record('big', 'success', MAX)
  tally.record('big', 'success', 2) // 2^53 + 1: not a double
  const parts = drain(tally, 'big', 'success')
  assert.ok(parts.every(Number.isSafeInteger), `every value handed out is an exact integer: ${parts.join(', ')}`)
  assert.is(total(parts), BigInt(MAX) + 2n, `recorded 2^53 + 1, delivered ${parts.join(' + ')}`)
})

test('one batch holding more than 2^63 of a cell: never a negative count, nothing lost', async () => {
  const tally = await Tally.create({ capacity: 4 })
  const big = tally.bind('big')
  for (let i = 0; i < 1025; i++) big.success(MAX) // 1025 * (2^53 - 1) > 2^63
  const parts = drain(tally, 'big', 'success')
  assert.ok(parts.every(n => n >= 0 && Number.isSafeInteger(n)), `every count is an exact, non-negative number: ${parts.slice(0, 4).join(', ')}`)
  assert.is(parts.length, 1025, 'at most 2^53 - 1 a batch')
  assert.is(total(parts), 1025n * BigInt(MAX))
})

test('a byte-sized histogram: 9224 observations of 1 MB in one flush interval come out with their sum', async () => {
  // 1e6 units are 1e15 nano-units: 9224 of them pass 2^63 nano-units, a sum the
  // f64 conversion (signed) turns negative. A service moving ~1 GB/s with a
  // 10 s flush interval does this.
  const tally = await Tally.create({ capacity: 4, histograms: { size: [1e3, 1e6] } })
  const orders = tally.bind('orders')
  for (let i = 0; i < 9224; i++) orders.observe('size', 1e6)
  const h = tally.snapshot().topics.get('orders').size
  assert.is(h.count, 9224)
  assert.ok(h.sum > 0, `the sum is ${h.sum}`)
  assert.ok(Math.abs(h.sum - 9.224e9) < 1, `the sum is 9.224e9 units, got ${h.sum}`)
})

test.run()
