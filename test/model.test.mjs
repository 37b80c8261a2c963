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

  take () {
    const out = { topics: this.pending, overflow: this.overflow }
    this.pending = new Map(); this.overflow = ROW()
    if (this.staged !== undefined) { // snapshot() takes a pending batch with it
      for (const [t, c] of this.staged.topics) addRow(out.topics, t, c)
      out.overflow.success += this.staged.overflow.success
      out.overflow.error += this.staged.overflow.error
      this.staged = undefined
    }
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
      if (c.then === 'ack') { assert.ok(tally.ackBatch(batch)); model.staged = undefined; model.batchId = undefined }
      if (c.then === 'release') { tally.releaseBatch(batch); model.batchId = batch.id.id }
      if (c.then === 'partial') {
        const rest = halfOf(batch.snapshot)
        assert.ok(tally.ackBatch(batch, rest))
        model.staged = { topics: nonEmpty(rest.topics), overflow: rest.overflow }
        model.batchId = batch.id.id
      }
    } else {
      const snap = pick(c.who).snapshot()
      const want = model.take()
      model.batchId = undefined
      assert.equal(Object.fromEntries(snap.topics), Object.fromEntries(nonEmpty(want.topics)))
      assert.equal(snap.overflow, want.overflow)
    }
  }
  // Two final snapshots hold everything not yet taken.
  const a = first.snapshot()
  const b = first.snapshot()
  const want = model.take()
  const got = new Map(a.topics)
  for (const [t, c] of b.topics) { const r = got.get(t) ?? { success: 0, error: 0 }; got.set(t, { success: r.success + c.success, error: r.error + c.error }) }
  assert.equal(Object.fromEntries(got), Object.fromEntries(want.topics))
  assert.equal(first.topics(), model.slots)
}

test('random command sequences match a Map model', async () => {
  await fc.assert(fc.asyncProperty(fc.array(command, { maxLength: 60 }), check), { numRuns: 300 })
})

test.run()
