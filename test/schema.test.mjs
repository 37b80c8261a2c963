// The table's schema: counter columns and histograms per topic, the bucket
// rule, exact sums, the schema travelling with the table, and bad schemas and
// bad observations refused with nothing counted changed.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally, TallyLayoutError, flushEvery, PartialDeliveryError } from '../dist/index.js'

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
const KAFKA = { columns: ['success', 'error', 'bytes'], histograms: { duration: BOUNDS } }
const zeros = n => new Array(n).fill(0)

test('the pinned example: columns, an observation, a binding, and the row it reads back', async () => {
  const tally = await Tally.create({ capacity: 1024, ...KAFKA })
  tally.record('orders', 'bytes', 512)
  tally.observe('orders', 'duration', 0.0123)
  const orders = tally.bind('orders')
  orders.success(); orders.add('bytes', 512); orders.observe('duration', 0.0123)
  const row = tally.snapshot().topics.get('orders')
  const counts = zeros(15)
  counts[2] = 2
  assert.equal(row, { success: 1, error: 0, bytes: 1024, duration: { count: 2, sum: 0.0246, counts } })
})

test('the bucket rule: bounds[i-1] < v <= bounds[i]; the last bucket holds v above every bound', async () => {
  const tally = await Tally.create({ histograms: { h: [1, 2, 4] } })
  for (const v of [0, 0.5, 1, 1.0000001, 2, 3.99, 4, 4.0001, 1e6]) tally.observe('t', 'h', v)
  const h = tally.snapshot().topics.get('t').h
  assert.equal(h.counts, [3, 2, 2, 2])
  assert.is(h.count, 9)
})

test('sums are exact to 1e-9 of the unit per observation', async () => {
  const tally = await Tally.create({ histograms: { h: [1] } })
  let expected = 0
  for (let i = 0; i < 10_000; i++) {
    const v = (i % 97) * 0.000000001 + (i % 13) * 0.1
    tally.observe('t', 'h', v)
    expected += Math.round(v * 1e9)
  }
  assert.is(tally.snapshot().topics.get('t').h.sum, expected / 1e9)
})

test('the overflow row has the row\'s shape; with the default schema rows are { success, error } as before', async () => {
  const tally = await Tally.create({ capacity: 1, ...KAFKA, onOverflow: () => {} })
  tally.record('a', 'bytes', 1)
  tally.observe('b', 'duration', 20)
  tally.record('b', 'bytes', 7)
  const snap = tally.snapshot()
  const counts = zeros(15)
  counts[14] = 1
  assert.equal(snap.overflow, { success: 0, error: 0, bytes: 7, duration: { count: 1, sum: 20, counts } })
  const plain = await Tally.create()
  plain.record('a', 'success', 2)
  const s = plain.snapshot()
  assert.equal(s.topics.get('a'), { success: 2, error: 0 })
  assert.equal(s.overflow, { success: 0, error: 0 })
  assert.is(plain.share().schema, '', 'the default schema stores nothing')
})

test('the schema travels in share(): attach reads it from the table; another schema is a TallyLayoutError', async () => {
  const tally = await Tally.create(KAFKA)
  const other = await Tally.attach(tally.share())
  assert.equal(other.schema.columns, ['success', 'error', 'bytes'])
  other.observe('x', 'duration', 0.2)
  assert.is(tally.snapshot().topics.get('x').duration.counts[6], 1)
  const different = await Tally.create({ columns: ['bytes'] })
  try {
    await Tally.attach({ ...tally.share(), schema: different.share().schema })
    assert.unreachable('attached with another schema')
  } catch (e) {
    assert.instance(e, TallyLayoutError)
    assert.match(e.message, /schema/)
  }
})

const badSchemas = [
  [{ columns: ['a', 'a'] }, RangeError, /declared twice/],
  [{ columns: ['a'], histograms: { a: [1] } }, RangeError, /declared twice/],
  [{ columns: ['not-an-identifier'] }, RangeError, /identifier/],
  [{ histograms: { __proto__: null, ['__proto__']: [1] } }, RangeError, /__proto__/],
  [{ columns: ['success', '__proto__'] }, RangeError, /must not be "__proto__"/],
  [{ columns: [3] }, TypeError, /must be a string, got 3 \(a number\)/],
  [{ columns: 'success' }, TypeError, /columns must be an array/],
  [{ histograms: { h: [] } }, RangeError, /must not be empty/],
  [{ histograms: { h: [1, 1] } }, RangeError, /strictly ascending/],
  [{ histograms: { h: [2, 1] } }, RangeError, /strictly ascending/],
  [{ histograms: { h: [1, Infinity] } }, RangeError, /finite/],
  [{ histograms: { h: [1, NaN] } }, RangeError, /finite/],
  [{ histograms: { h: ['1'] } }, TypeError, /bound 0 must be a number/],
  [{ histograms: { h: Array.from({ length: 64 }, (_, i) => i) } }, RangeError, /at most 64 buckets/],
  [{ histograms: [[1]] }, TypeError, /histograms must be an object/],
  [{ columns: [], histograms: {} }, RangeError, /at least one column/]
]

for (const [schema, type, message] of badSchemas) {
  test(`schema ${JSON.stringify(schema).slice(0, 60)} is refused with a ${type.name} naming the rule`, async () => {
    try {
      await Tally.create(schema)
      assert.unreachable('accepted')
    } catch (e) {
      assert.instance(e, type)
      assert.match(e.message, message)
    }
  })
}

test('63 bounds (64 buckets) are accepted', async () => {
  const tally = await Tally.create({ histograms: { h: Array.from({ length: 63 }, (_, i) => i) } })
  tally.observe('t', 'h', 100)
  assert.is(tally.snapshot().topics.get('t').h.counts[63], 1)
})

test('bad observations and undeclared names are refused, and nothing counted changes', async () => {
  const tally = await Tally.create(KAFKA)
  tally.record('orders', 'bytes', 5)
  tally.observe('orders', 'duration', 0.3)
  const b = tally.bind('orders')
  const refused = [
    [() => tally.observe('orders', 'duration', -1), RangeError, /finite number from 0/],
    [() => tally.observe('orders', 'duration', NaN), RangeError, /finite number from 0/],
    [() => tally.observe('orders', 'duration', Infinity), RangeError, /finite number from 0/],
    [() => tally.observe('orders', 'duration', '0.3'), TypeError, /must be a number, got "0.3" \(a string\)/],
    [() => tally.observe('orders', 'latency', 1), TypeError, /histogram "latency" \(a string\) is not declared; the histograms are duration/],
    [() => tally.record('orders', 'latency', 1), TypeError, /column "latency" \(a string\) is not declared; the columns are success, error, bytes/],
    [() => tally.record('orders', 'bytes', -1), RangeError, /non-negative safe integer/],
    [() => tally.record('orders', 'bytes', 1.5), RangeError, /non-negative safe integer/],
    [() => b.add('bytes', -2), RangeError, /non-negative safe integer/],
    [() => b.add('nope', 2), TypeError, /not declared/],
    [() => b.observe('duration', -0.1), RangeError, /finite number/],
    [() => tally.observe('fresh-topic', 'duration', -1), RangeError, /finite number/]
  ]
  for (const [call, type, message] of refused) assert.throws(call, e => e instanceof type && message.test(e.message), String(message))
  assert.not.ok(tally.topics().includes('fresh-topic'), 'a refused observation takes no slot')
  const row = tally.snapshot().topics.get('orders')
  assert.is(row.bytes, 5)
  assert.is(row.duration.count, 1)
  assert.is(row.duration.sum, 0.3)
})

test('a schema too large for memory is refused at create', async () => {
  const histograms = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`h${i}`, Array.from({ length: 63 }, (_, j) => j)]))
  try {
    await Tally.create({ capacity: 1 << 18, stripes: 16, histograms })
    assert.unreachable('accepted')
  } catch (e) {
    assert.instance(e, RangeError)
    assert.match(e.message, /cells a row needs [\d.]+ GiB, over the 4 GiB/)
  }
})

test('batches carry histograms; a partial delivery keeps exactly the undelivered buckets and sum', async () => {
  const tally = await Tally.create(KAFKA)
  for (const v of [0.001, 0.02, 0.02, 3]) tally.observe('orders', 'duration', v)
  tally.record('orders', 'bytes', 100)
  const got = []
  let first = true
  const sink = snap => {
    const row = snap.topics.get('orders')
    if (first) {
      first = false
      const counts = zeros(15)
      counts[2] = 1 // one of the two 0.02 observations did not go out
      const undelivered = { epoch: snap.epoch, topics: new Map([['orders', { success: 0, error: 0, bytes: 40, duration: { count: 1, sum: 0.02, counts } }]]), overflow: snap.overflow }
      got.push({ bytes: row.bytes - 40, sum: row.duration.sum - 0.02 })
      throw new PartialDeliveryError('part', undelivered)
    }
    got.push({ bytes: row.bytes, sum: row.duration.sum, counts: row.duration.counts })
  }
  const flusher = flushEvery(tally, 60_000, sink, { timer: false, onError: () => {} })
  assert.is((await flusher.flush()).delivered, false)
  assert.is((await flusher.flush()).delivered, true)
  assert.is(got[1].bytes, 40)
  assert.is(got[1].sum, 0.02)
  assert.is(got[1].counts[2], 1)
  assert.is(got[1].counts.reduce((a, b) => a + b), 1)
  assert.is(await flusher.stop(), undefined)
})

test.run()
