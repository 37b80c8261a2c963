// A KafkaTally's error-kind rows are a reserve of their own: however many
// kinds its topics fail with, every one of its `capacity` topics gets a row,
// and kinds past `errorCapacity` are counted in errorsOverflow, exactly.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { Tally } from '../dist/index.js'
import { KafkaTally } from '../dist/kafkajs/index.js'

const kindError = i => Object.assign(new Error(`kind ${i}`), { name: `Kind${i}Error` })

test('capacity 4, errorCapacity 2: 8 kinds on one topic, then 3 more topics: every topic has its row', async () => {
  const overflowed = []
  const tally = await KafkaTally.create({ capacity: 4, errorCapacity: 2, onOverflow: t => overflowed.push(t) })
  for (let i = 0; i < 8; i++) tally.error('orders', i + 1, kindError(i))
  for (const topic of ['payments', 'refunds', 'audit']) tally.success(topic, 10)
  const snap = tally.snapshot()
  assert.equal(overflowed, [], 'no topic found the table full')
  assert.equal([...snap.topics.keys()].sort(), ['audit', 'orders', 'payments', 'refunds'])
  for (const topic of ['payments', 'refunds', 'audit']) assert.is(snap.topics.get(topic).success, 10)
  assert.is(snap.topics.get('orders').error, 36, '1 + 2 + ... + 8 failures')
  assert.is(snap.overflow.success + snap.overflow.error, 0, 'nothing in the overflow row')
  // Two kinds have rows; the other six are counted whole in errorsOverflow.
  const kinds = snap.errors.get('orders')
  assert.is(kinds.kinds.size, 2)
  const inRows = [...kinds.kinds.values()].reduce((a, b) => a + b, 0)
  assert.is(inRows + snap.errorsOverflow.retriable + snap.errorsOverflow.nonRetriable, 36)
  assert.is(inRows, 1 + 2)
  // A fifth topic finds the table full: topics have exactly `capacity` rows.
  tally.success('late', 1)
  const next = tally.snapshot()
  assert.is(next.overflow.success, 1)
  assert.equal(overflowed, ['late'])
})

test('topics first, then kinds: kinds never take a topic row either, and topics never take the reserve', async () => {
  const tally = await KafkaTally.create({ capacity: 2, errorCapacity: 1, onOverflow: () => {} })
  tally.success('a', 1)
  tally.success('b', 1)
  tally.success('c', 1) // overflow: 2 topics only, though kind rows are free
  tally.error('a', 1, kindError(1))
  tally.error('b', 1, kindError(2)) // the reserve holds one kind: errorsOverflow
  tally.error('c', 5, kindError(3)) // a topic in the overflow row keeps no kinds: errorsOverflow
  const snap = tally.snapshot()
  assert.equal([...snap.topics.keys()].sort(), ['a', 'b'])
  assert.equal(snap.overflow, { ...snap.overflow, success: 1, error: 5 })
  assert.equal([...snap.errors.keys()], ['a'])
  assert.is(snap.errors.get('a').kinds.size, 1)
  assert.is(snap.errorsOverflow.nonRetriable, 1 + 5, 'every failure without a kind row of its own')
})

test('a plain Tally reserves nothing: its one pool is shared as before', async () => {
  const tally = await Tally.create({ capacity: 2 })
  tally.record('a', 'success')
  tally.record('b', 'success')
  assert.equal(tally.topics(), ['a', 'b'])
  await assert.not.throws(() => Tally.create({ capacity: 2, reservedRows: 1 }))
  try {
    await Tally.create({ capacity: 2, reservedRows: 2 })
    assert.unreachable()
  } catch (e) {
    assert.match(e.message, /reservedRows must be an integer from 0 to 1, got 2/)
  }
})

test('capacity + errorCapacity past the largest table is refused naming both', async () => {
  try {
    await KafkaTally.create({ capacity: 2 ** 20, errorCapacity: 10 })
    assert.unreachable()
  } catch (e) {
    assert.instance(e, RangeError)
    assert.match(e.message, /capacity \+ errorCapacity \+ 3 must be at most 1048576 rows, got 1048576 \+ 10 \+ 3 = 1048589/)
  }
})

// Four threads register 32 topics and 40 kinds each at once; `wrap` is the
// broken variant (one pool, as before the reserve), which the same check catches.
async function race (tally) {
  const topics = Array.from({ length: 32 }, (_, i) => `race.${i}`)
  const start = new SharedArrayBuffer(4)
  const racers = [0, 1, 2, 3].map(r => new Worker(new URL('./workers/kinds-racer.mjs', import.meta.url), {
    workerData: { shared: tally.share(), topics: r % 2 === 0 ? topics : [...topics].reverse(), kinds: 40, start }
  }))
  await new Promise(resolve => setTimeout(resolve, 100))
  Atomics.store(new Int32Array(start), 0, 1)
  Atomics.notify(new Int32Array(start), 0)
  await Promise.all(racers.map(w => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject) })))
  await Promise.all(racers.map(w => w.terminate()))
  return tally.snapshot()
}

test('four threads registering topics and kinds at once: all 32 topics get rows, and every failure is counted once', async () => {
  const snap = await race(await KafkaTally.create({ capacity: 32, errorCapacity: 8, onOverflow: () => {} }))
  assert.is(snap.topics.size, 32)
  assert.is(snap.overflow.success + snap.overflow.error, 0)
  let failed = 0
  for (const row of snap.topics.values()) { assert.is(row.success, 4); failed += row.error }
  assert.is(failed, 160)
  let kinds = 0
  for (const e of snap.errors.values()) kinds += e.retriable + e.nonRetriable
  assert.is(kinds + snap.errorsOverflow.retriable + snap.errorsOverflow.nonRetriable, 160)
  assert.is([...snap.errors.values()].reduce((n, e) => n + e.kinds.size, 0), 8, 'the kinds filled their reserve exactly')
})

test('the broken variant (kinds and topics in one pool) loses topic rows in the same race', async () => {
  const plain = await Tally.create({ capacity: 32 + 8 + 2, columns: ['success', 'error'], onOverflow: () => {} })
  const snap = await race(await KafkaTally.wrap(plain))
  assert.ok(snap.topics.size < 32, `kinds took topic rows: ${snap.topics.size} topics have rows`)
  assert.ok(snap.overflow.success > 0)
})

// The row of the topics Kafka refuses is no topic, yet it took one of the
// `capacity` rows: capacity 4, one bad topic name, then 4 topics, and the
// fourth went to the overflow row.
test('capacity 4 with a topic Kafka refuses counted first: the 4 topics still get rows (from the main thread and an attached one)', async () => {
  for (const attached of [false, true]) {
    const created = await KafkaTally.create({ capacity: 4, errorCapacity: 1, onOverflow: () => {} })
    const tally = attached ? KafkaTally.attachSync(created.share()) : created
    tally.success('not a topic!', 2)
    tally.error(42, 1, new Error('x'))
    for (let i = 0; i < 4; i++) tally.success(`t${i}`, 10 + i)
    const snap = created.snapshot()
    assert.equal([...snap.topics.keys()].sort(), ['/invalid-topic', 't0', 't1', 't2', 't3'])
    assert.equal([0, 1, 2, 3].map(i => snap.topics.get(`t${i}`).success), [10, 11, 12, 13])
    assert.is(snap.topics.get('/invalid-topic').success, 2)
    assert.is(snap.topics.get('/invalid-topic').error, 1)
    assert.is(snap.overflow.success, 0)
  }
})

test.run()
