// Guarantee 5: bad input gets a clear error, and nothing already counted is lost.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally } from '../dist/index.js'

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

test.run()
