// A histogram's sum is two counter cells: units modulo 2^64, and the 2^55-unit
// boundaries those adds crossed (assembly/histogram.ts). What that must hold:
// sums past 2^64 units between two snapshots (the 2,050 observations
// of 9e6 seconds, 1.845e19 nano-units, read 3,255,926.29 when the sum wrapped),
// on one stripe and on many, with writer threads crossing boundaries while
// flushers snapshot back to back, and a partial delivery that moves the base
// across a boundary. Each resolution's range: whole units reach 1 GiB values
// and beyond; a bound no observation can reach is refused at create.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { Tally, Flusher, PartialDeliveryError } from '../dist/index.js'

async function rejects (fn, pattern) {
  try { await fn() } catch (error) { assert.match(error.message, pattern); return }
  assert.unreachable(`expected a rejection matching ${pattern}`)
}

test('2,050 observations of 9e6 s in one batch: the sum is 1.845e10, not wrapped', async () => {
  for (const stripes of [1, 16]) {
    const tally = await Tally.create({ capacity: 4, stripes, histograms: { duration: [1, 10] } })
    for (let i = 0; i < 2050; i++) tally.observe('t', 'duration', 9e6)
    const h = tally.snapshot().topics.get('t').duration
    assert.is(h.count, 2050)
    assert.equal(h.counts, [0, 0, 2050])
    assert.is(h.sum, 1.845e10, `${stripes} stripes`)
  }
})

test('sums past 2^64 units on several stripes at once come out as the nearest number to the exact total', async () => {
  const tally = await Tally.create({ capacity: 4, stripes: 4, histograms: { size: { bounds: [1], resolution: 1 } } })
  const others = await Promise.all([1, 2, 3].map(() => Tally.attach(tally.share())))
  const value = 2 ** 53 - 2 ** 20 // a multiple of 2^20: every sum below is exact in a double
  let n = 0n
  for (let i = 0; i < 3000; i++) {
    for (const t of [tally, ...others]) { t.observe('t', 'size', value); n++ }
  }
  const h = tally.snapshot().topics.get('t').size
  assert.is(BigInt(h.sum), n * BigInt(value), 'every stripe\'s carries counted')
  assert.ok(h.sum > 2 ** 64)
  tally.observe('t', 'size', 5)
  assert.is(tally.snapshot().topics.get('t').size.sum, 5, 'the next batch starts from the exact total')
})

function run (script, data) {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(script, import.meta.url), { workerData: data })
    w.once('message', resolve)
    w.once('error', reject)
  })
}

test('writer threads crossing carry boundaries while two flushers snapshot back to back: totals exact', async () => {
  const tally = await Tally.create({ capacity: 8, stripes: 4, histograms: { size: { bounds: [2 ** 40, 2 ** 52], resolution: 1 } } })
  const stop = new SharedArrayBuffer(4)
  const flushers = [0, 1].map(() => run('./workers/sum-carry-thread.mjs', { shared: tally.share(), role: 'flusher', stop }))
  const writers = [0, 1, 2, 3].map(w => run('./workers/sum-carry-thread.mjs', { shared: tally.share(), role: 'writer', writer: w, steps: 40000 }))
  const written = await Promise.all(writers)
  Atomics.store(new Int32Array(stop), 0, 1)
  const taken = await Promise.all(flushers)
  let sum = 0n
  let count = 0
  for (const t of [...taken, { sum: '0', count: 0 }]) { sum += BigInt(t.sum); count += t.count }
  const rest = tally.snapshot().topics.get('t')?.size
  if (rest) { sum += BigInt(rest.sum); count += rest.count }
  const expected = written.reduce((a, w) => a + BigInt(w.sum), 0n)
  assert.is(count, 4 * 40000)
  assert.is(sum, expected, 'every unit in exactly one snapshot')
  assert.ok(expected > 2n ** 64n, `the run crossed ${expected / 2n ** 55n} carry boundaries and wrapped`)
  assert.ok(taken.every(t => t.snapshots > 0))
})

/** A flusher whose sink keeps back `keep` units of topic t's sum (and one observation) the first time, then takes all. */
function keepingBack (tally, keep) {
  const seen = []
  const errors = []
  let first = true
  const flusher = new Flusher(tally, 60_000, {
    write: snap => {
      seen.push(snap.topics.get('t').size.sum)
      if (!first) return
      first = false
      throw new PartialDeliveryError('kept back part of the sum', {
        epoch: 0,
        topics: new Map([['t', { success: 0, error: 0, size: { count: 1, sum: keep, counts: [0, 1] } }]]),
        overflow: { success: 0, error: 0, size: { count: 0, sum: 0, counts: [0, 0] } }
      })
    }
  }, { timer: false })
  flusher.on('error', e => errors.push(e.message))
  return { flusher, seen, errors }
}

test('a partial delivery whose delivered sum moves the base across carry boundaries, and one past 2^64 units: the rest is exact', async () => {
  for (const observations of [5, 3000]) { // 5 * 2^53 units crosses 2^55; 3000 * 2^53 passes 2^64
    const tally = await Tally.create({ capacity: 4, histograms: { size: { bounds: [1], resolution: 1 } } })
    for (let i = 0; i < observations; i++) tally.observe('t', 'size', 2 ** 53)
    const { flusher, seen, errors } = keepingBack(tally, 2 ** 52)
    await flusher.flush()
    assert.match(errors[0], /kept back part of the sum/)
    await flusher.flush()
    assert.is(seen[0], observations * 2 ** 53)
    assert.is(seen[1], 2 ** 52, `${observations}: the rest is what was kept back, to the unit`)
    for (let i = 0; i < 3; i++) {
      tally.observe('t', 'size', 7)
      assert.is(tally.snapshot().topics.get('t').size.sum, 7, `${observations}: the base moved by exactly what was delivered`)
    }
  }
})

test('600 partial deliveries in a row, each taking just under 2^55 units: the base stays exact', async () => {
  const tally = await Tally.create({ capacity: 4, histograms: { size: { bounds: [1], resolution: 1 } } })
  for (let i = 0; i < 2400; i++) tally.observe('t', 'size', 2 ** 53) // 2400 * 2^53 units: past 2^64
  const step = 2 ** 55 - 2 ** 20 // each delivery's units below a multiple of 2^55: the base's carry must move
  let left = 2400 * 2 ** 53
  for (let i = 0; i < 600; i++) {
    const batch = tally.openBatch()
    assert.is(batch.snapshot.topics.get('t').size.sum, left, `the rest after ${i} deliveries`)
    left -= step
    const undelivered = {
      epoch: 0,
      topics: new Map([['t', { success: 0, error: 0, size: { count: 2400, sum: left, counts: [0, 2400] } }]]),
      overflow: { success: 0, error: 0, size: { count: 0, sum: 0, counts: [0, 0] } }
    }
    assert.ok(tally.ackBatch(batch, undelivered))
  }
  assert.is(left, 600 * 2 ** 20)
  assert.is(tally.snapshot().topics.get('t').size.sum, left, 'the last rest, to the unit')
  tally.observe('t', 'size', 7)
  assert.is(tally.snapshot().topics.get('t').size.sum, 7, 'then the next observation alone')
})

test('resolution 1 counts whole units: 1 GiB messages, sums exact; each resolution has its own largest value', async () => {
  const GiB = 2 ** 30
  const tally = await Tally.create({ capacity: 4, histograms: { bytes: { bounds: [1024, 2 ** 20, GiB], resolution: 1 }, seconds: [0.5, 1] } })
  for (let i = 0; i < 1000; i++) tally.observe('t', 'bytes', GiB)
  tally.observe('t', 'bytes', 2 ** 52)
  tally.observe('t', 'bytes', 1.4) // rounds to 1 unit
  const row = tally.snapshot().topics.get('t')
  assert.equal(row.bytes.counts, [1, 0, 1000, 1])
  assert.is(row.bytes.sum, 1000 * GiB + 2 ** 52 + 1)
  tally.observe('t', 'bytes', 2 ** 53)
  assert.is(tally.snapshot().topics.get('t').bytes.sum, 2 ** 53, 'the largest observation at resolution 1')
  assert.throws(() => tally.observe('t', 'bytes', 2 ** 53 + 2), /histogram bytes must be a finite number from 0 to 9007199254740992 \(2\^53 units of resolution 1\), got 9007199254740994/)
  assert.throws(() => tally.observe('t', 'seconds', 9007199.3), /from 0 to 9007199\.25474099\d \(2\^53 units of resolution 1e-9\)/)
  tally.observe('t', 'seconds', 2 ** 53 / 1e9)
  assert.is(tally.snapshot().topics.get('t').seconds.sum, 2 ** 53 / 1e9, 'the largest observation at resolution 1e-9')
  const ms = await Tally.create({ capacity: 1, histograms: { latency: { bounds: [5, 50], resolution: 1e-3 } } })
  ms.observe('t', 'latency', 0.0004) // below the resolution: the bucket counts it, the sum rounds it to 0
  ms.observe('t', 'latency', 12.3456)
  const l = ms.snapshot().topics.get('t').latency
  assert.equal(l.counts, [1, 1, 0])
  assert.is(l.sum, 12.346)
})

test('bounds no observation can reach, and resolutions that are not a power of ten, are refused at create, by name', async () => {
  await rejects(() => Tally.create({ histograms: { size: [1, 1e7] } }),
    /histogram size: bound 10000000 can never be reached: an observation is at most 9007199\.25474099\d \(2\^53 units of resolution 1e-9\)/)
  await rejects(() => Tally.create({ histograms: { size: { bounds: [1, 1e16], resolution: 1 } } }), /bound 10000000000000000 can never be reached/)
  await rejects(() => Tally.create({ histograms: { size: { bounds: [1], resolution: 0.5 } } }), /resolution must be a power of ten from 1e-9 to 1 .*got 0\.5/)
  await rejects(() => Tally.create({ histograms: { size: { bounds: [1], resolution: 10 } } }), /resolution must be a power of ten/)
  await rejects(() => Tally.create({ histograms: { size: { bounds: [1], unit: 's' } } }), /unknown option "unit"/)
  await rejects(() => Tally.create({ histograms: { size: 5 } }), /declare an array of bounds or \{ bounds, resolution \}, got 5/)
  const ok = await Tally.create({ histograms: { size: { bounds: [1, 1e15], resolution: 1 } } })
  assert.equal(ok.schema.histograms[0].bounds, [1, 1e15])
})

test('a value refused by the core counts nothing and names the rule; a refused first observation takes no slot', async () => {
  const tally = await Tally.create({ capacity: 2, histograms: { d: [1] } })
  for (const bad of [-1, NaN, Infinity, 1e7, '1', 1n, undefined]) {
    assert.throws(() => tally.observe('fresh', 'd', bad), /an observation/)
    assert.throws(() => tally.bind('t').observe('d', bad), /an observation/)
  }
  assert.is(tally.stats().registered, 1, 'only the bound topic took a slot')
  const s = tally.snapshot()
  assert.is(s.topics.size, 0, 'nothing counted')
})

// A batch's sum is units / 10^k as a double; from 2^52 units up one double
// can stand for two unit counts, and Math.round(sum * 10^k) may give the
// smaller: a row the sink delivered whole then left a unit pending, sent twice
// (count 0, sum 1e-9 in the next batch).
/** Two observations of one value whose units, summed, do not come back from sum * scale. */
function shortRoundTrip (scale) {
  for (let k = 2 ** 52 - 12345; ; k -= 7919) {
    const v = k / scale
    const units = 2 * Math.round(v * scale)
    if (Math.round((units / scale) * scale) < units) return v
  }
}

test('a partial delivery of another topic: a row delivered whole, its sum near 2^53 units, leaves nothing behind (topic row and overflow row)', async () => {
  for (const resolution of [1e-9, 1e-6, 1e-3]) {
    for (const overflowed of [false, true]) {
      const v = shortRoundTrip(Math.round(1 / resolution))
      const tally = await Tally.create({ capacity: 1, histograms: { d: { bounds: [1], resolution } } })
      tally.record('b', 'success') // b takes the one row; with overflowed, a goes to the overflow row
      tally.observe(overflowed ? 'a' : 'b', 'd', v)
      tally.observe(overflowed ? 'a' : 'b', 'd', v)
      if (!overflowed) tally.record('c', 'success') // c overflows, and is the part kept back
      const batch = tally.openBatch()
      const whole = overflowed ? batch.snapshot.overflow.d : batch.snapshot.topics.get('b').d
      const empty = { count: 0, sum: 0, counts: [0, 0] }
      const undelivered = overflowed
        ? { epoch: 0, topics: new Map([['b', { success: 1, error: 0, d: empty }]]), overflow: { success: 0, error: 0, d: empty } }
        : { epoch: 0, topics: new Map(), overflow: { success: 1, error: 0, d: empty } }
      assert.ok(tally.ackBatch(batch, undelivered))
      const next = tally.snapshot()
      const left = overflowed ? next.overflow.d : next.topics.get('b')?.d
      assert.equal(left ?? empty, empty, `resolution ${resolution}${overflowed ? ', overflow row' : ''}: sum ${whole.sum} went out whole, nothing of it is left`)
      assert.is(overflowed ? next.topics.get('b').success : next.overflow.success, 1, 'the part kept back')
    }
  }
})

test.run()
