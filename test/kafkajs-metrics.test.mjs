// The numbers OpenTelemetry's kafkajs instrumentation reports, over stand-in
// clients (no broker): bytes and send durations of instrumentProducer, the
// consumer side of instrumentConsumer, and what a plain Tally drops.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally } from '../dist/index.js'
import { instrumentConsumer, instrumentProducer, KafkaTally, KAFKA_SCHEMA, INVALID_TOPIC } from '../dist/kafkajs/index.js'

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const instant = () => ({ send: async () => [], sendBatch: async () => [] })
const row = (snap, topic) => snap.topics.get(topic)
const kindsOf = map => Object.fromEntries([...map].map(([t, e]) => [t, { retriable: e.retriable, nonRetriable: e.nonRetriable, kinds: Object.fromEntries(e.kinds) }]))
class ChosenFailure extends Error { name = 'ChosenFailure' }

test('bytes: key + value + header bytes of delivered messages, as kafkajs writes them', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  const p = instrumentProducer(instant(), counts)
  await p.send({
    topic: 'b',
    messages: [
      { key: 'k1', value: 'hello' }, // 2 + 5
      { key: null, value: 'é€😀' }, // 2 + 3 + 4 (UTF-8)
      { key: 42, value: Buffer.from([1, 2, 3, 4]) }, // "42" + 4
      { value: null, headers: { a: 'x', bb: ['yy', Buffer.from([9])], c: null } } // (1+1) + (2+2) + (2+1) + (1+0)
    ]
  })
  await p.sendBatch({ topicMessages: [{ topic: 'b', messages: [{ value: 'abc' }] }, { topic: 'c', messages: [{ value: 'de', headers: { h: 'v' } }] }] })
  const snap = counts.snapshot()
  assert.is(row(snap, 'b').bytes, 7 + 9 + 6 + 10 + 3)
  assert.is(row(snap, 'c').bytes, 4)
  assert.equal([row(snap, 'b').success, row(snap, 'c').success], [5, 1])
})

test('bytes count only delivered messages; every send observes its duration, failed or not', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  let fail = false
  const p = instrumentProducer({ send: async () => { if (fail) throw new ChosenFailure('no'); return [] }, sendBatch: async () => [] }, counts)
  await p.send({ topic: 'd', messages: [{ value: '12345' }] })
  fail = true
  try {
    await p.send({ topic: 'd', messages: [{ value: '1234567890' }, { value: 'x' }] })
    assert.unreachable('the failing send should have rejected')
  } catch (error) {
    assert.instance(error, ChosenFailure)
  }
  const d = row(counts.snapshot(), 'd')
  assert.equal({ success: d.success, error: d.error, bytes: d.bytes, sends: d.sendDuration.count }, { success: 1, error: 2, bytes: 5, sends: 2 })
})

test('sendDuration: seconds from the call to the settling, in OpenTelemetry\'s buckets', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  let inner // how long the producer's own send took, by its own clock
  const send = async () => { const t = performance.now(); await sleep(60); inner = (performance.now() - t) / 1000; return [] }
  const p = instrumentProducer({ send, sendBatch: async () => [] }, counts)
  const t0 = performance.now()
  await p.send({ topic: 'slow', messages: [{ value: 'a' }] })
  const elapsed = (performance.now() - t0) / 1000
  const h = row(counts.snapshot(), 'slow').sendDuration
  assert.is(h.count, 1)
  // At least the producer's send (which the wrapper times around), at most what the caller waited.
  assert.ok(h.sum >= inner - 1e-9 && h.sum <= elapsed, `observed ${h.sum} s, the producer took ${inner} s, the caller waited ${elapsed} s`)
  assert.is(h.counts.length, KAFKA_SCHEMA.histograms.sendDuration.length + 1)
  const bucket = h.counts.findIndex(n => n === 1)
  const bounds = KAFKA_SCHEMA.histograms.sendDuration
  assert.ok(h.sum <= bounds[bucket] && (bucket === 0 || h.sum > bounds[bucket - 1]), `bucket ${bucket} holds ${h.sum}`)
})

test('sendDuration: one observation per send and topic; a batch naming a topic twice is one', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  const p = instrumentProducer(instant(), counts)
  await p.sendBatch({ topicMessages: [{ topic: 'x', messages: [{ value: '1' }] }, { topic: 'y', messages: [{ value: '22' }] }, { topic: 'x', messages: [{ value: '333' }] }] })
  await p.send({ topic: 'x', messages: [{ value: '4' }] })
  const snap = counts.snapshot()
  assert.equal({ success: row(snap, 'x').success, bytes: row(snap, 'x').bytes, sends: row(snap, 'x').sendDuration.count }, { success: 3, bytes: 5, sends: 2 })
  assert.is(row(snap, 'y').sendDuration.count, 1)
})

test('a synchronous throw and a refused topic are counted with a duration, and never reach the caller twice', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  const boom = new ChosenFailure('sync')
  const p = instrumentProducer({ send: () => { throw boom }, sendBatch: async () => [] }, counts)
  assert.throws(() => p.send({ topic: 'e', messages: [{ value: 'a' }] }), e => e === boom)
  await p.sendBatch({ topicMessages: [{ topic: 'bad topic', messages: [{ value: 'abc' }] }] })
  const snap = counts.snapshot()
  assert.equal({ error: row(snap, 'e').error, sends: row(snap, 'e').sendDuration.count }, { error: 1, sends: 1 })
  assert.equal({ success: row(snap, INVALID_TOPIC).success, bytes: row(snap, INVALID_TOPIC).bytes, sends: row(snap, INVALID_TOPIC).sendDuration.count }, { success: 1, bytes: 3, sends: 1 })
})

test('a plain Tally counts success and error and names, once, what it drops', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const told = []
  const onUnsupported = (missing, message) => told.push({ missing, message })
  const p = instrumentProducer(instant(), tally, { onUnsupported })
  instrumentProducer(instant(), tally, { onUnsupported }) // said already
  instrumentConsumer({ run: async () => {} }, tally, { onUnsupported })
  instrumentConsumer({ run: async () => {} }, tally, { onUnsupported })
  assert.equal(told.map(t => t.missing), [['bytes', 'sendDuration'], ['consumed', 'consumedBytes', 'processed', 'processErrors', 'processDuration']])
  assert.match(told[0].message, /instrumentProducer does not count bytes, sendDuration/)
  await p.send({ topic: 'o', messages: [{ value: 'abc' }] })
  assert.equal(tally.snapshot().topics.get('o'), { success: 1, error: 0 })
})

test('a Tally with some of the columns counts those: bytes without durations', async () => {
  const tally = await Tally.create({ capacity: 16, columns: ['success', 'error', 'bytes'] })
  const told = []
  const p = instrumentProducer(instant(), tally, { onUnsupported: missing => told.push(missing) })
  await p.send({ topic: 'o', messages: [{ value: 'abcd' }] })
  assert.equal(told, [['sendDuration']])
  assert.equal(tally.snapshot().topics.get('o'), { success: 1, error: 0, bytes: 4 })
})

test('without onUnsupported the warning goes to console.warn, once per table', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const warned = []
  const warn = console.warn
  console.warn = (...args) => warned.push(args.join(' '))
  try {
    instrumentProducer(instant(), tally)
    instrumentProducer(instant(), tally)
  } finally {
    console.warn = warn
  }
  assert.is(warned.length, 1)
  assert.match(warned[0], /bytes, sendDuration/)
})

/** A consumer shaped like kafkajs's: run() keeps the config, as kafkajs's runner does. */
function fakeConsumer () {
  const runs = []
  const consumer = {
    connect: async () => {},
    disconnect: async () => {},
    subscribe: async () => {},
    events: { GROUP_JOIN: 'consumer.group_join' },
    on: () => () => {},
    run: async config => { runs.push(config) }
  }
  return { consumer, runs }
}

const message = (value, headers) => ({ key: Buffer.from('k'), value: Buffer.from(value), headers, offset: '0', timestamp: '0', attributes: 0 })

test('eachMessage: consumed and its bytes, processed or failed with the kind, one duration per message', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  const { consumer, runs } = fakeConsumer()
  const boom = new ChosenFailure('no')
  const seen = []
  const config = {
    eachMessage: async function (payload) {
      seen.push(this)
      if (payload.message.value.toString() === 'fail') throw boom
      await sleep(5)
    }
  }
  const handler = config.eachMessage
  await instrumentConsumer(consumer, counts).run(config)
  assert.is(config.eachMessage, handler, "the caller's config is left as it was")
  const wrapped = runs[0].eachMessage
  const runner = { name: 'runner' }
  await wrapped.call(runner, { topic: 't', partition: 0, message: message('abc', { h: Buffer.from('12') }) })
  await wrapped.call(runner, { topic: 't', partition: 1, message: message('de') })
  let rejected
  await wrapped.call(runner, { topic: 't', partition: 0, message: message('fail') }).catch(e => { rejected = e })
  assert.is(rejected, boom, 'kafkajs gets the same rejection')
  assert.equal(seen, [runner, runner, runner], 'the handler runs with the this kafkajs gave')
  const snap = counts.snapshot()
  const t = row(snap, 't')
  assert.equal({ consumed: t.consumed, processed: t.processed, processErrors: t.processErrors, consumedBytes: t.consumedBytes }, { consumed: 3, processed: 2, processErrors: 1, consumedBytes: (1 + 3 + 1 + 2) + (1 + 2) + (1 + 4) })
  assert.is(t.processDuration.count, 3)
  assert.ok(t.processDuration.sum >= 0.009, `two handlers slept 5 ms each: ${t.processDuration.sum} s`)
  assert.equal(kindsOf(snap.processErrors), { t: { retriable: 0, nonRetriable: 1, kinds: { ChosenFailure: 1 } } })
  assert.is(snap.errors.size, 0, 'handler failures are not send errors')
  assert.equal({ success: t.success, error: t.error, sends: t.sendDuration.count }, { success: 0, error: 0, sends: 0 })
})

test('eachMessage: a synchronous throw is rethrown as it is; a value is handed back', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  const { consumer, runs } = fakeConsumer()
  const boom = new ChosenFailure('sync')
  await instrumentConsumer(consumer, counts).run({ eachMessage: ({ message }) => { if (message.value.length > 3) throw boom; return 'value' } })
  assert.throws(() => runs[0].eachMessage({ topic: 's', partition: 0, message: message('long') }), e => e === boom)
  assert.is(runs[0].eachMessage({ topic: 's', partition: 0, message: message('ok') }), 'value')
  const s = row(counts.snapshot(), 's')
  assert.equal([s.consumed, s.processed, s.processErrors, s.processDuration.count], [2, 1, 1, 2])
})

test('eachBatch: the batch\'s messages counted, one duration per batch, a failed batch fails all its messages', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  const { consumer, runs } = fakeConsumer()
  const boom = new ChosenFailure('batch')
  let calls = 0
  await instrumentConsumer(consumer, counts).run({ eachBatch: async ({ batch }) => { calls++; if (batch.partition === 2) throw boom } })
  const batch = (partition, values) => ({ batch: { topic: 'eb', partition, messages: values.map(v => message(v)) } })
  await runs[0].eachBatch(batch(0, ['a', 'bb', 'ccc']))
  await runs[0].eachBatch(batch(1, ['d']))
  let rejected
  await runs[0].eachBatch(batch(2, ['e', 'f'])).catch(e => { rejected = e })
  assert.is(rejected, boom)
  const snap = counts.snapshot()
  const eb = row(snap, 'eb')
  assert.equal([eb.consumed, eb.processed, eb.processErrors, eb.processDuration.count, calls], [6, 4, 2, 3, 3])
  assert.is(eb.consumedBytes, 6 * 1 + (1 + 2 + 3 + 1 + 1 + 1))
  assert.equal(kindsOf(snap.processErrors), { eb: { retriable: 0, nonRetriable: 2, kinds: { ChosenFailure: 2 } } })
})

test('a batch acknowledged in part keeps the handler failures of the topics it names', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  counts.processFailure('a', 2, new ChosenFailure('x'))
  counts.processFailure('b', 3, new ChosenFailure('y'))
  counts.failure('a', 1, new ChosenFailure('z'))
  const batch = counts.openBatch()
  const kept = { epoch: batch.snapshot.epoch, topics: new Map([['b', batch.snapshot.topics.get('b')]]), overflow: batch.snapshot.overflow, processErrors: new Map([['b', batch.snapshot.processErrors.get('b')]]) }
  assert.ok(counts.ackBatch(batch, kept))
  const again = counts.snapshot()
  assert.equal(kindsOf(again.processErrors), { b: { retriable: 0, nonRetriable: 3, kinds: { ChosenFailure: 3 } } })
  assert.is(again.errors.size, 0)
  assert.is(row(again, 'b').processErrors, 3)
})

test('instrumentConsumer refuses what it cannot count into, and what is not a consumer', async () => {
  const tally = await Tally.create({ capacity: 16 })
  assert.throws(() => instrumentConsumer(fakeConsumer().consumer, {}), TypeError)
  assert.throws(() => instrumentConsumer(fakeConsumer().consumer, { success () {}, failure () {} }), TypeError)
  assert.throws(() => instrumentConsumer({}, tally, { onUnsupported () {} }), TypeError)
})

test.run()
