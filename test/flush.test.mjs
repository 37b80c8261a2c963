// The flusher in one thread: every count reaches the sink exactly once, even
// when the sink fails, delivers only part, or the snapshot lock is busy.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally, flushEvery, FlushError, PartialDeliveryError } from '../dist/index.js'
import { addSnapshot, recordNoted } from '../scripts/lib/counts.mjs'

const tick = (ms = 0) => new Promise(resolve => setTimeout(resolve, ms))

function recordSome (tally, expected, round) {
  for (let i = 0; i < 5; i++) {
    const topic = `orders-${i}`
    const success = 10 * round + i + 1
    const error = round % 3 === 0 ? i : 0
    recordNoted(tally, expected, topic, success, error)
  }
}

/** A table whose batch methods are the tally's, but for those given. */
function around (tally, methods) {
  return {
    openBatch: w => tally.openBatch(w),
    renewBatch: () => tally.renewBatch(),
    ackBatch: (b, u) => tally.ackBatch(b, u),
    releaseBatch: b => tally.releaseBatch(b),
    leaseMs: tally.leaseMs,
    ...methods
  }
}

/** `promise`, or a failure naming `what` if it has not settled within `ms` (a hang fails, never ends the run). */
function within (promise, ms, what) {
  let timer
  const late = new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms) })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

async function waitFor (condition, what) {
  for (let i = 0; i < 2000 && !condition(); i++) await tick(5)
  assert.ok(condition(), `gave up waiting for ${what}`)
}

test('the timer flushes, and stop() delivers the rest: totals exact', async () => {
  const tally = await Tally.create({ capacity: 64 })
  const got = {}
  const expected = {}
  let calls = 0
  const flusher = flushEvery(tally, 5, snap => { calls++; addSnapshot(got, snap) })
  for (let round = 1; round <= 6; round++) {
    recordSome(tally, expected, round)
    await tick(8)
  }
  await waitFor(() => calls >= 2, 'two timed flushes')
  recordSome(tally, expected, 7)
  const rest = await flusher.stop()
  assert.is(rest, undefined, 'nothing left undelivered')
  assert.equal(got, expected)
  assert.equal(flusher.stats().failures, 0)
})

test('a sink that fails k times is handed the same batch, under the same id, each time; later counts wait for the next batch', async () => {
  const tally = await Tally.create({ capacity: 64 })
  const K = 4
  const attempts = []
  const got = {}
  const expected = {}
  const errors = []
  const sink = async snap => {
    attempts.push(snap)
    if (attempts.length <= K) throw new Error(`down (${attempts.length})`)
    addSnapshot(got, snap)
  }
  const flusher = flushEvery(tally, 60_000, sink, { timer: false, onError: e => errors.push(e) })
  for (let round = 1; round <= K + 2; round++) {
    recordSome(tally, expected, round)
    const result = await flusher.flush()
    assert.is(result.delivered, round > K, `flush ${round} delivered`)
  }
  assert.is(errors.length, K)
  assert.ok(errors.every(e => e instanceof FlushError))
  assert.equal(errors.map(e => e.failures), [1, 2, 3, 4])
  const round1 = {}
  recordSome({ record () {} }, round1, 1)
  // Every attempt up to the first success was the first batch, as it was: same counts, same id.
  for (let i = 0; i <= K; i++) {
    assert.equal(addSnapshot({}, attempts[i]), round1, `attempt ${i + 1} held round 1 only`)
    assert.is(attempts[i].batch.id, attempts[0].batch.id, `attempt ${i + 1} kept the batch id`)
  }
  assert.equal(addSnapshot({}, errors[K - 1].pending), round1)
  assert.ok(attempts[K + 1].batch.sequence > attempts[0].batch.sequence, 'the next batch has a later sequence')
  assert.is(attempts[K + 1].batch.table, attempts[0].batch.table)
  assert.is(await flusher.stop(), undefined)
  assert.equal(got, expected, 'delivered exactly what was recorded')
})

test('with the timer, a flaky async sink is retried with back-off until all is delivered', async () => {
  const tally = await Tally.create({ capacity: 64 })
  const got = {}
  const expected = {}
  let calls = 0
  let failures = 0
  const sink = async snap => {
    calls++
    await tick(1)
    if (calls % 3 !== 0) { failures++; throw new Error('flaky') }
    addSnapshot(got, snap)
  }
  const flusher = flushEvery(tally, 2, sink, { backoff: { initialMs: 1, maxMs: 4 } })
  const seen = []
  flusher.on('error', e => seen.push(e.failures))
  for (let round = 1; round <= 20; round++) {
    recordSome(tally, expected, round)
    await tick(2)
  }
  await waitFor(() => calls >= 9, 'nine attempts')
  await flusher.stop()
  // If the final attempt failed too, its batch and any later counts are still in the table.
  addSnapshot(got, tally.snapshot())
  addSnapshot(got, tally.snapshot())
  assert.ok(failures >= 6, `the sink failed ${failures} times`)
  assert.is(seen.length, failures, 'every failure was surfaced')
  assert.equal(got, expected)
})

test('a sink that keeps failing: errors surface, counts accumulate exactly, stop() returns them', async () => {
  const tally = await Tally.create({ capacity: 64 })
  const expected = {}
  const errors = []
  let calls = 0
  const flusher = flushEvery(tally, 1, () => { calls++; throw new Error('broker unreachable') }, { backoff: { initialMs: 1, maxMs: 2 } })
  flusher.on('error', e => errors.push(e))
  for (let round = 1; round <= 10; round++) {
    recordSome(tally, expected, round)
    await tick(3)
  }
  await waitFor(() => errors.length >= 3, 'three failures')
  assert.equal(addSnapshot({}, flusher.pending()), addSnapshot({}, errors.at(-1).pending), 'pending() is what the last error kept')
  const before = calls
  const rest = await flusher.stop()
  assert.is(calls, before + 1, 'the final flush tried the pending batch once more')
  assert.ok(rest, 'stop() returned the undelivered batch')
  assert.equal(addSnapshot({}, rest), addSnapshot({}, errors.at(-1).pending))
  assert.is(tally.stats().pendingBatch, rest.batch.sequence, 'the batch is still pending in the table')
  // Nothing was delivered, so the table still holds everything: the pending batch and the rest.
  const left = addSnapshot(addSnapshot({}, tally.snapshot()), tally.snapshot())
  assert.equal(left, expected)
  assert.match(errors[0].message, /broker unreachable/)
  assert.is(errors[0].sink, 'callback', 'an unnamed function sink is called "callback"')
})

test('stop() with a batch left pending by a failure and counts recorded after it: both go out, the pending one first, under its id', async () => {
  const tally = await Tally.create({ capacity: 64 })
  const expected = {}
  const attempts = []
  const got = {}
  let down = true
  const sink = snap => {
    attempts.push(snap.batch)
    if (down) throw new Error('down')
    addSnapshot(got, snap)
  }
  const flusher = flushEvery(tally, 60_000, sink, { timer: false, onError: () => {} })
  recordSome(tally, expected, 1)
  const failed = await flusher.flush()
  assert.is(failed.delivered, false)
  const first = {}
  recordSome({ record () {} }, first, 1)
  assert.equal(addSnapshot({}, failed.pending), first, 'the failed batch holds round 1')
  recordSome(tally, expected, 2) // after the failure: not in the pending batch
  down = false
  assert.is(await flusher.stop(), undefined, 'nothing left undelivered')
  assert.equal(got, expected, 'the pending batch and the counts recorded after it were both delivered')
  assert.is(attempts[1].id, attempts[0].id, 'the final flush delivered the pending batch again, under its id')
  assert.ok(attempts[2].sequence > attempts[1].sequence, 'then a batch of its own for the later counts')
  assert.equal(addSnapshot({}, tally.snapshot()), {}, 'nothing is left in the table')
})

test('a partial delivery keeps only what did not go out: no doubles', async () => {
  const tally = await Tally.create({ capacity: 64 })
  const got = {}
  const expected = {}
  let first = true
  const sink = snap => {
    // The first time, deliver every topic but orders-3.
    const undelivered = { epoch: snap.epoch, topics: new Map(), overflow: { success: 0, error: 0 } }
    const delivered = { epoch: snap.epoch, topics: new Map(), overflow: snap.overflow }
    for (const [topic, c] of snap.topics) (first && topic === 'orders-3' ? undelivered : delivered).topics.set(topic, c)
    addSnapshot(got, delivered)
    if (first) { first = false; throw new PartialDeliveryError('orders-3 failed', undelivered) }
  }
  const flusher = flushEvery(tally, 60_000, sink, { timer: false, onError: () => {} })
  recordSome(tally, expected, 1)
  assert.is((await flusher.flush()).delivered, false)
  assert.equal([...flusher.pending().topics.keys()], ['orders-3'])
  recordSome(tally, expected, 2)
  assert.is((await flusher.flush()).delivered, true)
  assert.is(await flusher.stop(), undefined)
  assert.equal(got, expected)
})

test('maybeFlush() schedules at most one flush per interval and never runs it inline', async () => {
  const tally = await Tally.create({ capacity: 64 })
  let calls = 0
  const got = {}
  const expected = {}
  const flusher = flushEvery(tally, 20, snap => { calls++; addSnapshot(got, snap) }, { timer: false })
  recordSome(tally, expected, 1)
  flusher.maybeFlush()
  await tick(1)
  assert.is(calls, 0, 'within the first interval nothing is flushed')
  await tick(25)
  for (let i = 0; i < 1000; i++) {
    tally.record('orders-0', 'success')
    flusher.maybeFlush()
    assert.is(calls, 0, 'maybeFlush only schedules')
  }
  expected['orders-0'].success += 1000
  await waitFor(() => calls === 1, 'the scheduled flush')
  for (let i = 0; i < 100; i++) flusher.maybeFlush()
  await tick(5)
  assert.is(calls, 1, 'no second flush within the interval')
  assert.is(await flusher.stop(), undefined)
  assert.equal(got, expected)
})

test('a busy snapshot lock is retried on the next tick; empty snapshots are not sent', async () => {
  const tally = await Tally.create({ capacity: 64 })
  let busy = 3
  const shy = around(tally, { openBatch: () => (busy-- > 0 ? undefined : tally.openBatch()) })
  const got = {}
  const expected = {}
  let calls = 0
  const flusher = flushEvery(shy, 60_000, snap => { calls++; addSnapshot(got, snap) }, { timer: false })
  recordSome(tally, expected, 1)
  assert.is((await flusher.flush()).delivered, true)
  assert.is(flusher.stats().busy, 3)
  assert.equal(got, expected)
  await flusher.flush()
  assert.is(calls, 1, 'an empty snapshot did not reach the sink')
  assert.is(await flusher.stop(), undefined)
})

test('a table that throws during a timed flush: the error is surfaced, flushing goes on', async () => {
  const tally = await Tally.create({ capacity: 64 })
  let throws = 1
  const broken = around(tally, { openBatch: () => { if (throws-- > 0) throw new Error('table gone'); return tally.openBatch() } })
  const got = {}
  const expected = {}
  const errors = []
  let calls = 0
  const flusher = flushEvery(broken, 2, snap => { calls++; addSnapshot(got, snap) }, { onError: e => errors.push(e) })
  recordSome(tally, expected, 1)
  await waitFor(() => calls === 1, 'a flush after the failure')
  assert.is(errors.length, 1)
  assert.match(errors[0].message, /table gone/)
  assert.is(await flusher.stop(), undefined)
  assert.equal(got, expected)
})

test('a sink object with write() and bad arguments', async () => {
  const tally = await Tally.create({ capacity: 64 })
  const got = {}
  const expected = {}
  const flusher = flushEvery(tally, 60_000, { name: 'mine', write: snap => { addSnapshot(got, snap) } }, { timer: false })
  recordSome(tally, expected, 1)
  await flusher.stop()
  assert.equal(got, expected)
  assert.throws(() => flushEvery(tally, 0, () => {}), RangeError)
  assert.throws(() => flushEvery(tally, 10, 42), TypeError)
  assert.throws(() => flushEvery({}, 10, () => {}), TypeError)
})

// Round 1 of recordSome() gives orders-0 11 successes: 12 is one more than the batch held.
for (const [what, bad] of [['negative', -4], ['NaN', NaN], ['more than the batch held', 1e6], ['one more than the batch held', 12], ['fractional', 0.5]]) {
  test(`a PartialDeliveryError with a ${what} count is refused: nothing counts as delivered, the batch is kept, the sink's mistake surfaces`, async () => {
    const tally = await Tally.create({ capacity: 64 })
    const expected = {}
    recordSome(tally, expected, 1)
    const errors = []
    let calls = 0
    const got = {}
    const sink = snap => {
      if (++calls === 1) {
        const undelivered = { epoch: snap.epoch, topics: new Map([['orders-0', { success: bad, error: 0 }]]), overflow: { success: 0, error: 0 } }
        throw new PartialDeliveryError('some went out', undelivered)
      }
      addSnapshot(got, snap)
    }
    const flusher = flushEvery(tally, 60_000, sink, { timer: false, onError: e => errors.push(e) })
    assert.is((await flusher.flush()).delivered, false)
    assert.is(errors.length, 1)
    assert.match(errors[0].message, /not part of the batch/)
    assert.equal(addSnapshot({}, flusher.pending()), expected, 'the whole batch is kept')
    assert.is((await flusher.flush()).delivered, true)
    assert.equal(got, expected, 'delivered once, whole, with no negative or NaN counts')
    assert.is(await flusher.stop(), undefined)
  })
}

test('a PartialDeliveryError naming a topic the batch did not hold is refused', async () => {
  const tally = await Tally.create({ capacity: 64 })
  tally.record('a', 'success', 2)
  const batch = tally.openBatch()
  const undelivered = { epoch: batch.snapshot.epoch, topics: new Map([['zzz', { success: 1, error: 0 }]]), overflow: { success: 0, error: 0 } }
  assert.throws(() => tally.ackBatch(batch, undelivered), e => e instanceof RangeError && /"zzz"/.test(e.message))
  assert.equal(tally.snapshot().topics.get('a'), { success: 2, error: 0 }, 'nothing was removed, and the lock was released')
})

test('a sink that never settles: the delivery times out, the batch is kept, and stop() settles by its deadline', async () => {
  const tally = await Tally.create({ capacity: 64 })
  const expected = {}
  recordSome(tally, expected, 1)
  const errors = []
  let hang = true
  const got = {}
  const sink = snap => hang ? new Promise(() => {}) : addSnapshot(got, snap)
  const flusher = flushEvery(tally, 60_000, sink, { timer: false, sinkTimeoutMs: 50, finalDeadlineMs: 300, onError: e => errors.push(e) })
  const result = await within(flusher.flush(), 5000, 'flush() with a sink that never settles (sinkTimeoutMs: 50)')
  assert.is(result.delivered, false)
  assert.match(errors[0].message, /did not settle within 50 ms/)
  assert.equal(addSnapshot({}, result.pending), expected)
  const other = tally.openBatch()
  assert.ok(other, 'the timed-out delivery released the lock')
  assert.is(other.id.id, result.pending.batch.id, 'the batch is still pending, under its id')
  tally.releaseBatch(other)
  const stopping = flusher.stop()
  const settled = await Promise.race([stopping.then(() => 'settled'), tick(5000).then(() => 'hung')])
  assert.is(settled, 'settled', 'stop() settled although the sink never did')
  assert.equal(addSnapshot({}, await stopping), expected, 'stop() reports the batch it could not deliver')
  hang = false
  const next = flushEvery(tally, 60_000, sink, { timer: false })
  assert.is(await next.stop(), undefined)
  assert.equal(got, expected, 'a later flusher delivered it: nothing lost')
})

test.run()
