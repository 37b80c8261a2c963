// The topic directory: threads registering the same topics at once agree on
// one slot per topic, and an entry left mid-claim (a thread terminated while
// claiming it) does not wedge registration.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { Tally } from '../dist/index.js'
import { instantiateCore } from '../dist/engine/core.js'
import { CLAIMING, ENTRY_BYTES, HEADER_BYTES, READY, SCRATCH_BYTES, SCRATCH_SLOTS, TABLE_BASE } from '../dist/engine/generated/constants.js'

// Layout facts, from the module's own constants (assembly/layout.ts, directory.ts):
// the directory follows the header and the scratch buffers, 64-byte aligned;
// each entry is led by a 64-bit state word (state in the low half, the key's
// hash in the high half).
const DIR_BASE = Math.ceil((TABLE_BASE + HEADER_BYTES + SCRATCH_SLOTS * SCRATCH_BYTES) / 64) * 64

function fnv1a (text) {
  let h = 0x811c9dc5
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0
  return h
}

test('threads registering the same topics at once agree on one slot each', async () => {
  const TOPICS = 1000
  const tally = await Tally.create({ capacity: 1024, stripes: 4 })
  const names = Array.from({ length: TOPICS }, (_, i) => `topic-${i}`)
  const start = new SharedArrayBuffer(4)
  const orders = [names, [...names].reverse(), names.filter((_, i) => i % 2).concat(names.filter((_, i) => i % 2 === 0))]
  const racers = orders.map(topics => new Worker(new URL('./workers/directory-racer.mjs', import.meta.url), { workerData: { shared: tally.share(), topics, start } }))
  await new Promise(resolve => setTimeout(resolve, 200))
  Atomics.store(new Int32Array(start), 0, 1)
  Atomics.notify(new Int32Array(start), 0)
  await Promise.all(racers.map(w => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject) })))
  await Promise.all(racers.map(w => w.terminate()))

  assert.is(tally.stats().registered, TOPICS, 'one slot per topic, none claimed twice')
  assert.equal(tally.topics().sort(), [...names].sort())
  const snap = tally.snapshot()
  const late = tally.snapshot()
  for (const name of names) {
    const n = (snap.topics.get(name)?.success ?? 0) + (late.topics.get(name)?.success ?? 0)
    assert.is(n, orders.length, `${name} counted once by each thread`)
  }
})

test('an entry left mid-claim does not wedge registration, and nothing is lost', async () => {
  const tally = await Tally.create({ capacity: 8, stripes: 2 })
  const index = fnv1a('orders') & 15 // 8 topics: a directory of 16 entries
  const state = new Uint32Array(tally.share().memory.buffer)
  state[(DIR_BASE + index * ENTRY_BYTES) / 4 + 1] = fnv1a('orders') // a claim for the same hash
  Atomics.store(state, (DIR_BASE + index * ENTRY_BYTES) / 4, CLAIMING)
  tally.record('orders', 'success', 3) // waits for the claim, then probes past it
  const other = await Tally.attach(tally.share())
  other.record('orders', 'error', 2) // probes past it too, and finds the topic
  assert.equal(tally.topics(), ['orders'])
  const next = (DIR_BASE + ((index + 1) & 15) * ENTRY_BYTES) / 4
  assert.is(Atomics.load(state, next), READY, 'the topic was claimed in the next entry')
  assert.is(state[next + 1], fnv1a('orders'), 'with the topic\'s hash')
  assert.equal(tally.snapshot().topics.get('orders'), { success: 3, error: 2 })
})

test('a claim for another hash is passed: the topic takes the next entry', async () => {
  const tally = await Tally.create({ capacity: 8, stripes: 2 })
  const index = fnv1a('orders') & 15
  const state = new Uint32Array(tally.share().memory.buffer)
  state[(DIR_BASE + index * ENTRY_BYTES) / 4 + 1] = fnv1a('orders') ^ 1 // another key's claim, never finished
  Atomics.store(state, (DIR_BASE + index * ENTRY_BYTES) / 4, CLAIMING)
  tally.record('orders', 'success', 3)
  const next = (DIR_BASE + ((index + 1) & 15) * ENTRY_BYTES) / 4
  assert.is(Atomics.load(state, next), READY)
  assert.equal(tally.snapshot().topics.get('orders'), { success: 3, error: 0 })
})

async function rawCore (tally) {
  const { memory, module } = tally.share()
  const core = await instantiateCore(module, memory)
  core.attach(memory.buffer.byteLength)
  return core
}

test('scratch buffers held by dead threads do not wedge registration: their leases run out', async () => {
  const tally = await Tally.create({ capacity: 8 })
  const dead = await rawCore(tally)
  // Every one of the buffers held, never to be returned (as by threads terminated mid-registration).
  const held = Array.from({ length: SCRATCH_SLOTS }, () => dead.scratchAcquire(7, Date.now(), 200))
  assert.ok(held.every(key => key !== 0), `all ${SCRATCH_SLOTS} leased`)
  assert.is(dead.scratchAcquire(7, Date.now(), 200), 0, 'none left')
  // A new topic in another thread: it must register once a lease runs out (the old engine spun forever).
  const source = `
    import { workerData, parentPort } from 'node:worker_threads'
    const { Tally } = await import(workerData.entry)
    const tally = await Tally.attach(workerData.shared)
    tally.record('fresh', 'success', 4)
    parentPort.postMessage({ done: true })`
  const entry = new URL('../dist/index.js', import.meta.url).href
  const worker = new Worker(source, { eval: true, workerData: { shared: tally.share(), entry } })
  const answer = await Promise.race([
    new Promise(resolve => worker.once('message', m => resolve(m.done ? 'registered' : 'odd'))),
    new Promise(resolve => setTimeout(() => resolve('wedged'), 10_000))
  ])
  await worker.terminate()
  assert.is(answer, 'registered')
  assert.equal(tally.snapshot().topics.get('fresh'), { success: 4, error: 0 })
})

test('a holder whose scratch lease was taken over learns it on release, and must resolve again', async () => {
  const tally = await Tally.create({ capacity: 8 })
  const slow = await rawCore(tally)
  const other = await rawCore(tally)
  const key = slow.scratchAcquire(1, Date.now(), 1)
  await new Promise(resolve => setTimeout(resolve, 5))
  const taken = other.scratchAcquire(2, Date.now(), 1000)
  assert.is(taken, key, 'the expired lease was taken over')
  assert.is(slow.scratchRelease(key), 0, 'the slow holder is told its lease was lost')
  assert.is(other.scratchRelease(taken), 1)
})

test.run()
