// Guarantee 5: bad input gets a clear error, and nothing already counted is lost.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { Tally } from '../dist/index.js'
import { once } from '../scripts/lib/worker-message.mjs'

async function withCounts () {
  const tally = await Tally.create({ capacity: 8, stripes: 2 })
  tally.record('orders', 'success', 5)
  tally.record('orders', 'error', 2)
  return tally
}

function assertKept (tally) {
  const snap = tally.snapshot()
  assert.equal(snap.topics.get('orders'), { success: 5, error: 2 }, 'counts from before the bad input are intact')
}

const badTopics = [
  [undefined, TypeError, /must be a string/],
  [42, TypeError, /must be a string/],
  ['', RangeError, /1 to 249 characters/],
  ['x'.repeat(250), RangeError, /1 to 249 characters/],
  ['has space', RangeError, /\[a-zA-Z0-9\._-\]/],
  ['tópico', RangeError, /\[a-zA-Z0-9\._-\]/],
  ['a/b', RangeError, /\[a-zA-Z0-9\._-\]/],
  ['..', RangeError, /may not be/]
]

for (const [topic, type, message] of badTopics) {
  test(`topic ${JSON.stringify(topic)?.slice(0, 20)} is refused with a ${type.name} naming the rule`, async () => {
    const tally = await withCounts()
    assert.throws(() => tally.record(topic, 'success'), e => e instanceof type && message.test(e.message))
    assert.throws(() => tally.bind(topic), e => e instanceof type && message.test(e.message))
    assertKept(tally)
  })
}

test('a topic of exactly 249 characters is accepted', async () => {
  const tally = await Tally.create()
  const topic = 'a'.repeat(249)
  tally.record(topic, 'success', 3)
  assert.equal(tally.snapshot().topics.get(topic), { success: 3, error: 0 })
})

for (const count of [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53]) {
  test(`count ${String(count)} is refused with a RangeError`, async () => {
    const tally = await withCounts()
    assert.throws(() => tally.record('orders', 'success', count), e => e instanceof RangeError && /non-negative safe integer/.test(e.message))
    assert.throws(() => tally.bind('orders').error(count), e => e instanceof RangeError)
    assertKept(tally)
  })
}

for (const [count, shown] of [['3', '"3" (a string)'], [null, 'null'], [3n, '3n (a bigint)'], [{}, 'an object']]) {
  test(`count ${shown} is refused with a TypeError that quotes the value and its type`, async () => {
    const tally = await withCounts()
    assert.throws(() => tally.record('orders', 'success', count), e => e instanceof TypeError && e.message === `count must be a number, got ${shown}`)
    assert.throws(() => tally.bind('orders').error(count), e => e instanceof TypeError && e.message.includes(shown))
    assert.throws(() => tally.record('never-seen', 'success', count), e => e instanceof TypeError)
    assert.not.ok(tally.topics().includes('never-seen'), 'a refused count takes no slot')
    assertKept(tally)
  })
}

test('an unknown outcome throws and counts nothing', async () => {
  const tally = await withCounts()
  assert.throws(() => tally.record('orders', 'failed', 1), e => e instanceof TypeError && /'success' or 'error'/.test(e.message))
  assertKept(tally)
})

test('a count of 0 is accepted and counts nothing', async () => {
  const tally = await withCounts()
  tally.record('orders', 'success', 0)
  tally.bind('orders').error(0)
  assertKept(tally)
})

test('a full table sends counts to the overflow row, warns once, and never throws', async () => {
  const warnings = []
  const tally = await Tally.create({ capacity: 2, stripes: 1, onOverflow: topic => warnings.push(topic) })
  tally.record('a', 'success')
  tally.record('b', 'success')
  tally.record('c', 'success', 4)
  tally.record('d', 'error', 2)
  tally.bind('e').success()
  tally.record('a', 'error')
  const snap = tally.snapshot()
  assert.equal(Object.fromEntries(snap.topics), { a: { success: 1, error: 1 }, b: { success: 1, error: 0 } })
  assert.equal(snap.overflow, { success: 5, error: 2 })
  assert.equal(warnings, ['c'], 'warned once, naming the first topic that did not fit')
  assert.is(tally.stats().overflowTopics, 3)
})

test('an onOverflow callback that throws does not break recording', async () => {
  const tally = await Tally.create({ capacity: 1, onOverflow: () => { throw new Error('boom') } })
  tally.record('a', 'success')
  tally.record('b', 'success')
  assert.equal(tally.snapshot().overflow, { success: 1, error: 0 })
})

test('bad options are refused', async () => {
  for (const options of [{ capacity: 0 }, { capacity: 1.5 }, { capacity: 2 ** 21 }, { stripes: 0 }, { stripes: 257 }, { leaseMs: 0 }]) {
    try {
      await Tally.create(options)
      assert.unreachable(`accepted ${JSON.stringify(options)}`)
    } catch (e) {
      assert.instance(e, RangeError)
    }
  }
})

for (const waitMs of [-1, NaN, {}, '10', null]) {
  test(`snapshot({ waitMs: ${String(waitMs)} }) is a RangeError, taken before the lock, losing nothing`, async () => {
    const tally = await withCounts()
    assert.throws(() => tally.snapshot({ waitMs }), e => e instanceof RangeError && /waitMs must be a number of milliseconds/.test(e.message))
    assert.throws(() => tally.trySnapshot(waitMs), RangeError)
    assert.throws(() => tally.openBatch(waitMs), RangeError)
    assertKept(tally)
  })
}

test('bad arguments to create and attach are TypeErrors that name the option', async () => {
  const cases = [
    [() => Tally.create(null), /Tally.create takes an options object, got null/],
    [() => Tally.create(5), /got 5 \(a number\)/],
    [() => Tally.create({ capacity: '10' }), /capacity must be a number, got "10" \(a string\)/],
    [() => Tally.create({ module: {} }), /module must be a WebAssembly.Module/],
    [() => Tally.create({ onOverflow: 'x' }), /onOverflow must be a function/],
    [() => Tally.attach(null), /Tally.attach expects/]
  ]
  for (const [call, message] of cases) {
    try {
      await call()
      assert.unreachable(`accepted: ${message}`)
    } catch (e) {
      assert.instance(e, TypeError)
      assert.match(e.message, message)
    }
  }
  // A real WebAssembly.Module that is not wasm-tally's core.
  const foreign = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))
  const tally = await Tally.create()
  for (const call of [() => Tally.create({ module: foreign }), () => Tally.attach({ ...tally.share(), module: foreign })]) {
    try {
      await call()
      assert.unreachable('accepted a foreign module')
    } catch (e) {
      assert.instance(e, TypeError)
      assert.match(e.message, /not wasm-tally's core module: it lacks the exports/)
    }
  }
})

test('stats().overflowTopics counts each overflowing topic once, table-wide, however many threads meet it', async () => {
  const tally = await Tally.create({ capacity: 64, onOverflow: () => {} })
  for (let i = 0; i < 64; i++) tally.record(`fits-${i}`, 'success')
  const source = `
    import { workerData, parentPort } from 'node:worker_threads'
    const { Tally } = await import(workerData.entry)
    const tally = await Tally.attach(workerData.shared, { onOverflow: () => {} })
    for (let i = 0; i < 46; i++) tally.record('over-' + i, 'success')
    parentPort.postMessage({ done: true })`
  const entry = new URL('../dist/index.js', import.meta.url).href
  const threads = Array.from({ length: 4 }, () => new Worker(source, { eval: true, workerData: { shared: tally.share(), entry } }))
  await Promise.all(threads.map(w => once(w, m => m.done)))
  await Promise.all(threads.map(w => w.terminate()))
  assert.is(tally.stats().overflowTopics, 46, '46 topics, not 46 per thread')
  assert.is(tally.snapshot().overflow.success, 4 * 46)
})

test.run()
