// Property-based model test: random sequences of create, attach, record, bind,
// snapshot and delivery batches (acknowledged, released, or partly delivered),
// checked step by step against a plain Map model.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import fc from 'fast-check'
import { Tally } from '../dist/index.js'

const CAPACITY = 4
const TOPICS = ['a', 'b.c', 'd_e', 'f-g', 'h', 'i9', '', 'bad topic', 'x'.repeat(250)]
const OUTCOMES = ['success', 'error', 'fail']
const COUNTS = [1, 1, 1, 0, 2, 7, 2 ** 32 + 1, -1, 1.5, NaN, Infinity]

const VALID_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/
const validCount = n => Number.isSafeInteger(n) && n >= 0

const ROW = () => ({ success: 0, error: 0 })
const addRow = (into, topic, c) => { const r = into.get(topic) ?? ROW(); r.success += c.success; r.error += c.error; into.set(topic, r) }
const nonEmpty = rows => new Map([...rows].filter(([, c]) => c.success !== 0 || c.error !== 0))

class Model {
  constructor () { this.pending = new Map(); this.overflow = ROW(); this.slots = []; this.staged = undefined }
  register (topic) {
    if (!this.slots.includes(topic) && !this.full(topic)) this.slots.push(topic)
  }

  full (topic) { return this.slots.length >= CAPACITY && !this.slots.includes(topic) }
  add (topic, outcome, n) {
    if (n === 0) return
    if (!this.slots.includes(topic)) { this.overflow[outcome] += n; return }
    const row = this.pending.get(topic) ?? { success: 0, error: 0 }
    row[outcome] += n
    this.pending.set(topic, row)
  }

  /** What snapshot() returns: a pending batch on its own, else everything counted since. */
  take () {
    if (this.staged !== undefined) {
      const out = this.staged
      this.staged = undefined
      return out
    }
    const out = { topics: this.pending, overflow: this.overflow }
    this.pending = new Map(); this.overflow = ROW()
    return out
  }

  /** The batch a flusher opens: the pending one, else everything counted since. */
  open () {
    if (this.staged === undefined) this.staged = this.take()
    return this.staged
  }
}

/** Half of each count of a batch, rounded down: what a partly failing sink did not deliver. */
function halfOf (snap) {
  const topics = new Map()
  for (const [t, c] of snap.topics) topics.set(t, { success: Math.floor(c.success / 2), error: Math.floor(c.error / 2) })
  return { epoch: snap.epoch, topics, overflow: { success: Math.floor(snap.overflow.success / 2), error: Math.floor(snap.overflow.error / 2) } }
}

const command = fc.oneof(
  fc.record({ op: fc.constant('attach') }),
  fc.record({ op: fc.constant('record'), who: fc.nat(3), topic: fc.constantFrom(...TOPICS), outcome: fc.constantFrom(...OUTCOMES), count: fc.constantFrom(...COUNTS) }),
  fc.record({ op: fc.constant('bind'), who: fc.nat(3), topic: fc.constantFrom(...TOPICS), outcome: fc.constantFrom('success', 'error'), count: fc.constantFrom(...COUNTS) }),
  fc.record({ op: fc.constant('snapshot'), who: fc.nat(3) }),
  fc.record({ op: fc.constant('batch'), who: fc.nat(3), then: fc.constantFrom('ack', 'release', 'partial') })
)

async function check (commands) {
  const first = await Tally.create({ capacity: CAPACITY, stripes: 2, onOverflow: () => {} })
  const instances = [first]
  const model = new Model()
  const pick = who => instances[who % instances.length]
  for (const c of commands) {
    if (c.op === 'attach') {
      instances.push(await Tally.attach(first.share(), { onOverflow: () => {} }))
    } else if (c.op === 'record' || c.op === 'bind') {
      const topicOk = VALID_TOPIC.test(c.topic)
      const outcomeOk = c.outcome === 'success' || c.outcome === 'error'
      const countOk = validCount(c.count)
      let threw = false
      try {
        if (c.op === 'record') pick(c.who).record(c.topic, c.outcome, c.count)
        else pick(c.who).bind(c.topic)[c.outcome](c.count)
      } catch (e) {
        threw = true
        assert.ok(e instanceof TypeError || e instanceof RangeError, `clear error type, got ${e}`)
      }
      // record() checks outcome and count before the topic takes a slot; bind() registers first.
      if (topicOk && (c.op === 'bind' || (outcomeOk && countOk))) model.register(c.topic)
      assert.is(threw, !(topicOk && outcomeOk && countOk), `throws exactly on bad input: ${JSON.stringify(c)}`)
      if (!threw) model.add(c.topic, c.outcome, c.count)
    } else if (c.op === 'batch') {
      const tally = pick(c.who)
      const batch = tally.openBatch(0)
      const want = model.open()
      assert.equal(Object.fromEntries(batch.snapshot.topics), Object.fromEntries(nonEmpty(want.topics)))
      assert.equal(batch.snapshot.overflow, want.overflow)
      assert.is(batch.id.id, `${batch.id.table}-${batch.snapshot.epoch}`)
      if (model.batchId !== undefined) assert.is(batch.id.id, model.batchId, 'a pending batch keeps its id')
      if (model.renamedFrom !== undefined) assert.is.not(batch.id.id, model.renamedFrom, 'the rest of a partial delivery has an id of its own')
      model.renamedFrom = undefined
      if (c.then === 'ack') { assert.ok(tally.ackBatch(batch)); model.staged = undefined; model.batchId = undefined }
      if (c.then === 'release') { tally.releaseBatch(batch); model.batchId = batch.id.id }
      if (c.then === 'partial') {
        const rest = halfOf(batch.snapshot)
        assert.ok(tally.ackBatch(batch, rest))
        model.staged = { topics: nonEmpty(rest.topics), overflow: rest.overflow }
        model.batchId = undefined
        model.renamedFrom = batch.id.id
      }
    } else {
      const snap = pick(c.who).snapshot()
      const want = model.take()
      model.batchId = undefined
      model.renamedFrom = undefined
      assert.equal(Object.fromEntries(snap.topics), Object.fromEntries(nonEmpty(want.topics)))
      assert.equal(snap.overflow, want.overflow)
    }
  }
  // Three final snapshots hold everything not yet taken: a pending batch, then the rest (the third finds nothing).
  const got = new Map()
  const want = new Map()
  for (let i = 0; i < 3; i++) {
    for (const [t, c] of first.snapshot().topics) addRow(got, t, c)
    for (const [t, c] of model.take().topics) addRow(want, t, c)
  }
  assert.equal(Object.fromEntries(got), Object.fromEntries(nonEmpty(want)))
  assert.equal(first.topics(), model.slots)
}

test('random command sequences match a Map model', async () => {
  await fc.assert(fc.asyncProperty(fc.array(command, { maxLength: 60 }), check), { numRuns: 300 })
})

// The same idea with a schema: columns and a histogram, checked against a model
// that keeps bucket counts and sums in nano-units.
const H_BOUNDS = [0.01, 0.1, 1]
const SCHEMA = { columns: ['success', 'bytes'], histograms: { lat: H_BOUNDS } }
const VALUES = [0, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, -1, NaN, Infinity, '1']
const COLUMNS = ['success', 'bytes', 'error', 'lat']

function schemaRow () { return { success: 0, bytes: 0, lat: { count: 0, nanos: 0, counts: [0, 0, 0, 0] } } }

function asRow (r) {
  return { success: r.success, bytes: r.bytes, lat: { count: r.lat.count, sum: r.lat.nanos / 1e9, counts: r.lat.counts } }
}

const schemaCommand = fc.oneof(
  fc.record({ op: fc.constant('record'), topic: fc.constantFrom('a', 'b', 'c'), column: fc.constantFrom(...COLUMNS), count: fc.constantFrom(1, 3, 0, -1) }),
  fc.record({ op: fc.constant('observe'), topic: fc.constantFrom('a', 'b', 'c'), name: fc.constantFrom('lat', 'lat', 'bytes'), value: fc.constantFrom(...VALUES) }),
  fc.record({ op: fc.constant('snapshot') }),
  fc.record({ op: fc.constant('batch'), then: fc.constantFrom('ack', 'release') })
)

async function checkSchema (commands) {
  const tally = await Tally.create({ capacity: 2, ...SCHEMA, onOverflow: () => {} })
  const slots = []
  let live = new Map()
  let staged
  const rowOf = (rows, topic) => { const key = slots.includes(topic) ? topic : '<overflow>'; if (!rows.has(key)) rows.set(key, schemaRow()); return rows.get(key) }
  const register = topic => { if (!slots.includes(topic) && slots.length < 2) slots.push(topic) }
  const take = () => { // snapshot(): a pending batch on its own, else everything since
    if (staged !== undefined) { const out = staged; staged = undefined; return out }
    const out = live
    live = new Map()
    return out
  }
  const compare = (snap, rows) => {
    const want = new Map([...rows].filter(([t, r]) => t !== '<overflow>' && (r.success || r.bytes || r.lat.count || r.lat.nanos)))
    assert.equal(Object.fromEntries([...snap.topics].map(([t, r]) => [t, r])), Object.fromEntries([...want].map(([t, r]) => [t, asRow(r)])))
    assert.equal(snap.overflow, asRow(rows.get('<overflow>') ?? schemaRow()))
  }
  for (const c of commands) {
    if (c.op === 'record') {
      const ok = (c.column === 'success' || c.column === 'bytes') && c.count >= 0
      let threw = false
      try { tally.record(c.topic, c.column, c.count) } catch (e) { threw = true; assert.ok(e instanceof TypeError || e instanceof RangeError) }
      assert.is(threw, !ok, JSON.stringify(c))
      if (ok) { register(c.topic); rowOf(live, c.topic)[c.column] += c.count }
    } else if (c.op === 'observe') {
      const ok = c.name === 'lat' && typeof c.value === 'number' && c.value >= 0 && Number.isFinite(c.value)
      let threw = false
      try { tally.observe(c.topic, c.name, c.value) } catch (e) { threw = true; assert.ok(e instanceof TypeError || e instanceof RangeError) }
      assert.is(threw, !ok, JSON.stringify(c))
      if (ok) {
        register(c.topic)
        const h = rowOf(live, c.topic).lat
        const i = H_BOUNDS.findIndex(b => c.value <= b)
        h.counts[i < 0 ? 3 : i]++
        h.count++
        h.nanos += Math.round(c.value * 1e9)
      }
    } else if (c.op === 'snapshot') {
      compare(tally.snapshot(), take())
    } else {
      const batch = tally.openBatch()
      if (staged === undefined) { staged = live; live = new Map() }
      compare(batch.snapshot, staged)
      if (c.then === 'ack') { tally.ackBatch(batch); staged = undefined } else tally.releaseBatch(batch)
    }
  }
}

test('random command sequences with columns and a histogram match a model', async () => {
  await fc.assert(fc.asyncProperty(fc.array(schemaCommand, { maxLength: 50 }), checkSchema), { numRuns: 300 })
})

test.run()
