// instrumentProducer over stand-in producers (no broker): what is counted, and
// that the caller sees exactly what the producer gave.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import kafkajs from 'kafkajs'
const { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs
import { Tally } from '../dist/index.js'
import { instrumentProducer, KafkaTally, INVALID_TOPIC, classify, kindLabel } from '../dist/kafkajs/index.js'

/** The rejection of `promise`; fails the test, naming `what`, when it resolves instead. */
async function rejection (promise, what = 'the send') {
  try {
    await promise
  } catch (error) {
    return error
  }
  assert.unreachable(`${what} should have rejected`)
}

const tooLarge = () => new KafkaJSProtocolError({ message: 'too large', type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false })
const unknownTopic = () => new KafkaJSProtocolError({ message: 'unknown', type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true })

/** A producer shaped like kafkajs's: plain closures; `outcome(topics)` decides each send. */
function fakeProducer (outcome = () => undefined) {
  const sends = []
  const deliver = async (topics) => {
    sends.push(topics)
    const error = outcome(topics)
    if (error) throw error
    return topics.map(topic => ({ topicName: topic, partition: 0, errorCode: 0, baseOffset: String(sends.length) }))
  }
  let inTransaction = false
  const producer = {
    connect: async () => {},
    disconnect: async () => {},
    isIdempotent: () => false,
    events: { CONNECT: 'producer.connect' },
    on: () => () => {},
    send: async ({ topic }) => deliver([topic]),
    sendBatch: async ({ topicMessages }) => deliver(topicMessages.map(t => t.topic)),
    transaction: async () => {
      inTransaction = true
      const guard = fn => async (...args) => { if (!inTransaction) throw new KafkaJSNonRetriableError('Cannot continue to use transaction once ended'); return fn(...args) }
      return {
        send: guard(producer.send),
        sendBatch: guard(producer.sendBatch),
        commit: guard(async () => { inTransaction = false }),
        abort: guard(async () => { inTransaction = false }),
        sendOffsets: guard(async () => {}),
        isActive: () => inTransaction
      }
    },
    logger: () => ({})
  }
  return { producer, sends }
}

const messages = n => Array.from({ length: n }, (_, i) => ({ value: String(i) }))
// The sent-message columns of each row (a KafkaTally row holds the consumer's columns and durations too).
const plain = snap => Object.fromEntries([...snap.topics].map(([t, c]) => [t, { success: c.success, error: c.error }]))
const errorsOf = snap => Object.fromEntries([...snap.errors].map(([t, e]) => [t, { retriable: e.retriable, nonRetriable: e.nonRetriable, kinds: Object.fromEntries(e.kinds) }]))

test('same shape: every key of the producer, methods bound, the original left untouched', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const { producer } = fakeProducer()
  const send = producer.send
  const wrapped = instrumentProducer(producer, tally)
  assert.equal(Object.keys(wrapped).sort(), Object.keys(producer).sort())
  assert.is.not(wrapped, producer)
  assert.is(producer.send, send)
  assert.is(wrapped.events, producer.events)
  for (const key of Object.keys(producer)) assert.is(typeof wrapped[key], typeof producer[key], key)
  const { send: detached } = wrapped
  await detached({ topic: 'orders', messages: messages(2) })
  assert.equal(plain(tally.snapshot()), { orders: { success: 2, error: 0 } })
})

test('class-based producers keep working: methods come bound to the original', async () => {
  class Producer {
    constructor () { this.sent = 0 }
    async send ({ messages }) { this.sent += messages.length; return [] }
    async sendBatch ({ topicMessages }) { for (const t of topicMessages) this.sent += t.messages.length; return [] }
    count () { return this.sent }
  }
  const tally = await Tally.create({ capacity: 16 })
  const original = new Producer()
  const wrapped = instrumentProducer(original, tally)
  await wrapped.send({ topic: 'a', messages: messages(3) })
  assert.is(wrapped.count(), 3)
  assert.is(original.sent, 3)
  assert.equal(plain(tally.snapshot()), { a: { success: 3, error: 0 } })
})

test('send: messages of a resolved send count as success, of a rejected send as error, per topic', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const { producer } = fakeProducer(([topic]) => topic === 'bad' ? tooLarge() : undefined)
  const p = instrumentProducer(producer, tally)
  await p.send({ topic: 'good', messages: messages(5) })
  await p.send({ topic: 'good', messages: messages(1) })
  const error = await rejection(p.send({ topic: 'bad', messages: messages(7) }))
  assert.is(error.type, 'MESSAGE_TOO_LARGE', 'the producer\'s own rejection reaches the caller')
  assert.equal(plain(tally.snapshot()), { good: { success: 6, error: 0 }, bad: { success: 0, error: 7 } })
  assert.equal(plain(tally.snapshot()), {})
})

test('sendBatch: each topic counts its own messages', async () => {
  const tally = await Tally.create({ capacity: 16 })
  let fail = false
  const { producer } = fakeProducer(() => fail ? new KafkaJSConnectionError('down') : undefined)
  const p = instrumentProducer(producer, tally)
  await p.sendBatch({ topicMessages: [{ topic: 'a', messages: messages(3) }, { topic: 'b', messages: messages(4) }, { topic: 'a', messages: messages(2) }] })
  fail = true
  assert.instance(await rejection(p.sendBatch({ topicMessages: [{ topic: 'a', messages: messages(10) }, { topic: 'c', messages: messages(1) }] })), KafkaJSConnectionError)
  assert.equal(plain(tally.snapshot()), { a: { success: 5, error: 10 }, b: { success: 4, error: 0 }, c: { success: 0, error: 1 } })
})

test('the caller gets the very same value and the very same rejection object', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const value = [{ topicName: 'x', partition: 1 }]
  const error = tooLarge()
  const producer = { send: async ({ topic }) => { if (topic === 'x') return value; throw error }, sendBatch: async () => value }
  const p = instrumentProducer(producer, tally)
  assert.is(await p.send({ topic: 'x', messages: messages(1) }), value)
  assert.is(await p.sendBatch({ topicMessages: [] }), value)
  try {
    await p.send({ topic: 'y', messages: messages(1) })
    assert.unreachable('the send should reject')
  } catch (caught) {
    assert.is(caught, error)
  }
})

test('a synchronous throw from the producer is rethrown as is and counted as error', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const error = new TypeError('boom')
  const p = instrumentProducer({ send () { throw error }, sendBatch () { throw error } }, tally)
  assert.throws(() => p.send({ topic: 't', messages: messages(2) }), e => e === error)
  assert.equal(plain(tally.snapshot()), { t: { success: 0, error: 2 } })
})

test('the count is recorded before the caller resumes after its await', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const { producer } = fakeProducer()
  const p = instrumentProducer(producer, tally)
  await p.send({ topic: 'now', messages: messages(4) })
  assert.equal(plain(tally.snapshot()), { now: { success: 4, error: 0 } })
})

test('a rejection the caller leaves unhandled stays unhandled', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const error = new KafkaJSConnectionError('down')
  const p = instrumentProducer({ send: async () => { throw error }, sendBatch: async () => [] }, tally)
  const seen = await new Promise(resolve => {
    const onUnhandled = (reason) => { process.off('unhandledRejection', onUnhandled); resolve(reason) }
    process.on('unhandledRejection', onUnhandled)
    p.send({ topic: 'lost', messages: messages(1) })
  })
  assert.is(seen, error)
  assert.equal(plain(tally.snapshot()), { lost: { success: 0, error: 1 } })
})

test('counting never throws into the caller: refused topics count under ' + INVALID_TOPIC, async () => {
  const tally = await Tally.create({ capacity: 16 })
  const { producer } = fakeProducer(() => new KafkaJSNonRetriableError('Invalid topic'))
  const p = instrumentProducer(producer, tally)
  for (const topic of ['has space', '', 'x'.repeat(250), undefined, 42, 'ok/slash']) {
    await p.send({ topic, messages: messages(2) }).catch(e => assert.is(e.name, 'KafkaJSNonRetriableError'))
  }
  const { producer: ok } = fakeProducer()
  await instrumentProducer(ok, tally).sendBatch({ topicMessages: [{ topic: 'bad name!', messages: messages(3) }, { topic: 'fine', messages: messages(1) }] })
  assert.equal(plain(tally.snapshot()), { [INVALID_TOPIC]: { success: 3, error: 12 }, fine: { success: 1, error: 0 } })
})

test('a full table sends counts to the overflow row, the send is untouched', async () => {
  const tally = await Tally.create({ capacity: 2, onOverflow: () => {} })
  const { producer } = fakeProducer()
  const p = instrumentProducer(producer, tally)
  for (const topic of ['t1', 't2', 't3', 't4']) await p.send({ topic, messages: messages(2) })
  const snap = tally.snapshot()
  assert.equal(plain(snap), { t1: { success: 2, error: 0 }, t2: { success: 2, error: 0 } })
  assert.equal(snap.overflow, { success: 4, error: 0 })
})

test('malformed requests are passed through; their messages count as far as they can be counted', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const seen = []
  const p = instrumentProducer({ send: async (r) => { seen.push(r); throw new KafkaJSNonRetriableError('Invalid') }, sendBatch: async (b) => { seen.push(b); throw new KafkaJSNonRetriableError('Invalid') } }, tally)
  const invalid = e => e instanceof KafkaJSNonRetriableError && e.message === 'Invalid'
  assert.ok(invalid(await rejection(p.send(undefined))))
  assert.ok(invalid(await rejection(p.send({ topic: 'm' }))))
  assert.ok(invalid(await rejection(p.sendBatch({}))))
  assert.ok(invalid(await rejection(p.sendBatch({ topicMessages: [null, { topic: 'm', messages: messages(2) }] }))))
  assert.equal(seen.length, 4)
  assert.is(seen[0], undefined)
  assert.equal(plain(tally.snapshot()), { m: { success: 0, error: 2 } })
})

test('kafkajs gets a shallow copy: the counted arrays are its own, message objects and other keys the caller\'s', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const got = []
  const p = instrumentProducer({ send: async r => { got.push(r); return [] }, sendBatch: async b => { got.push(b); return [] } }, tally)
  const batch = messages(3)
  const record = { topic: 'c', messages: batch, acks: 1, timeout: 500 }
  await p.send(record)
  assert.is.not(got[0], record)
  assert.is.not(got[0].messages, batch)
  assert.equal(got[0], record)
  for (const [i, m] of batch.entries()) assert.is(got[0].messages[i], m)
  assert.equal(Object.keys(record), ['topic', 'messages', 'acks', 'timeout'])
  assert.is(record.messages, batch, 'the caller\'s record is left as it was')
  const entry = { topic: 'd', messages: messages(2) }
  const request = { topicMessages: [entry], compression: 1 }
  await p.sendBatch(request)
  assert.is.not(got[1].topicMessages, request.topicMessages)
  assert.is.not(got[1].topicMessages[0], entry)
  assert.is.not(got[1].topicMessages[0].messages, entry.messages)
  assert.equal(got[1], request)
  assert.is(got[1].topicMessages[0].messages[1], entry.messages[1])
  assert.equal(plain(tally.snapshot()), { c: { success: 3, error: 0 }, d: { success: 2, error: 0 } })
})

test('arrays changed while the send is pending: what the producer reads is what was counted', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const read = []
  const later = async (topicMessages) => { await null; for (const t of topicMessages) read.push([t.topic, t.messages.length]); return [] }
  const p = instrumentProducer({ send: async r => later([r]), sendBatch: async b => later(b.topicMessages) }, tally)
  const ten = messages(10)
  const sending = p.send({ topic: 'cleared', messages: ten })
  ten.length = 0
  const one = messages(1) // a one-message send has a copy of its own too
  const sendingOne = p.send({ topic: 'one', messages: one })
  one.push(...messages(2))
  const five = messages(5)
  const batch = { topicMessages: [{ topic: 'grown', messages: five }] }
  const batching = p.sendBatch(batch)
  five.push(...messages(5))
  batch.topicMessages.push({ topic: 'added', messages: messages(1) })
  await Promise.all([sending, sendingOne, batching])
  assert.equal(read, [['cleared', 10], ['one', 1], ['grown', 5]])
  assert.equal(plain(tally.snapshot()), { cleared: { success: 10, error: 0 }, one: { success: 1, error: 0 }, grown: { success: 5, error: 0 } })
})

test('a send that returns a plain value: counted once as success, the caller gets that very value', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const value = { not: 'a promise' }
  const p = instrumentProducer({ send: () => value, sendBatch: () => undefined }, tally)
  assert.is(p.send({ topic: 'v', messages: messages(2) }), value)
  assert.is(p.sendBatch({ topicMessages: [{ topic: 'v', messages: messages(3) }] }), undefined)
  assert.equal(plain(tally.snapshot()), { v: { success: 5, error: 0 } })
})

test('a thenable that settles twice is counted once; the caller gets its first outcome', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const value = [{ topicName: 't' }]
  const error = tooLarge()
  const twice = first => ({ then (ok, fail) { if (first === 'ok') { ok(value); ok(value); fail(error) } else { fail(error); fail(error); ok(value) } } })
  const p = instrumentProducer({ send: ({ topic }) => twice(topic === 'ok' ? 'ok' : 'fail'), sendBatch: () => twice('ok') }, tally)
  assert.is(await p.send({ topic: 'ok', messages: messages(2) }), value)
  assert.is(await p.send({ topic: 'fail', messages: messages(3) }).catch(e => e), error)
  assert.is(await p.sendBatch({ topicMessages: [{ topic: 'ok', messages: messages(4) }] }), value)
  await new Promise(resolve => setTimeout(resolve, 5)) // any late second settlement has run
  assert.equal(plain(tally.snapshot()), { ok: { success: 6, error: 0 }, fail: { success: 0, error: 3 } })
})

test('a thenable whose then throws: counted as error, the caller gets that rejection', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const error = new Error('then broke')
  const p = instrumentProducer({ send: () => ({ then () { throw error } }), sendBatch: async () => [] }, tally)
  assert.is(await p.send({ topic: 'tb', messages: messages(2) }).catch(e => e), error)
  assert.equal(plain(tally.snapshot()), { tb: { success: 0, error: 2 } })
})

test('a result whose then getter throws: counted as error, returned as it is', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const odd = { get then () { throw new Error('no then') } }
  const p = instrumentProducer({ send: () => odd, sendBatch: async () => [] }, tally)
  assert.is(p.send({ topic: 'tg', messages: messages(4) }), odd)
  assert.equal(plain(tally.snapshot()), { tg: { success: 0, error: 4 } })
})

test('an object posing as a promise (Promise.prototype, no promise inside): counted as error, a rejection, no throw', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const p = instrumentProducer({ send: () => Object.create(Promise.prototype), sendBatch: async () => [] }, tally)
  const sending = p.send({ topic: 'fake', messages: messages(2) })
  assert.instance(await sending.catch(e => e), TypeError)
  assert.equal(plain(tally.snapshot()), { fake: { success: 0, error: 2 } })
})

test('a producer without sendBatch: send is counted, sendBatch stays absent', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const p = instrumentProducer({ send: async () => [] }, tally)
  assert.not.ok('sendBatch' in p)
  await p.send({ topic: 'only', messages: messages(2) })
  assert.equal(plain(tally.snapshot()), { only: { success: 2, error: 0 } })
  assert.throws(() => instrumentProducer({ sendBatch: async () => [] }, tally), e => e instanceof TypeError && /send/.test(e.message))
})

test('an error whose property reads throw: counted once with its kind, the caller gets that object', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  const hostile = new Proxy(new Error('x'), { get () { throw new Error('no reading me') } })
  assert.is(kindLabel(classify(hostile).head), 'Error')
  const p = instrumentProducer({ send: async () => { throw hostile }, sendBatch: async () => [] }, counts)
  let caught
  try { await p.send({ topic: 'h', messages: messages(3) }) } catch (e) { caught = e } // not .catch(e => e): resolving with it reads .then
  assert.ok(caught === hostile, 'the same rejection object')
  const snap = counts.snapshot()
  assert.equal(plain(snap), { h: { success: 0, error: 3 } })
  assert.equal(errorsOf(snap), { h: { retriable: 0, nonRetriable: 3, kinds: { Error: 3 } } })
})

test('a Recorder that throws never reaches the caller', async () => {
  const calls = []
  const recorder = {
    success (topic, count) { calls.push(['success', topic, count]); throw new Error('recorder broke') },
    failure (topic, count) { calls.push(['failure', topic, count]); throw new Error('recorder broke') }
  }
  const value = []
  const error = tooLarge()
  const p = instrumentProducer({ send: async ({ topic }) => { if (topic === 'bad') throw error; return value }, sendBatch: async () => value }, recorder)
  assert.is(await p.send({ topic: 'good', messages: messages(1) }), value)
  assert.is(await p.send({ topic: 'bad', messages: messages(2) }).catch(e => e), error)
  assert.equal(calls, [['success', 'good', 1], ['failure', 'bad', 2]])
})

test('transactions: sends resolve as success, an aborted transaction keeps its counts, sends after the end count as error', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const { producer } = fakeProducer()
  const p = instrumentProducer(producer, tally)
  const committed = await p.transaction()
  assert.equal(Object.keys(committed).sort(), ['abort', 'commit', 'isActive', 'send', 'sendBatch', 'sendOffsets'])
  await committed.send({ topic: 'tx', messages: messages(3) })
  await committed.sendBatch({ topicMessages: [{ topic: 'tx', messages: messages(1) }, { topic: 'tx2', messages: messages(2) }] })
  await committed.commit()
  const aborted = await p.transaction()
  await aborted.send({ topic: 'tx', messages: messages(5) })
  await aborted.abort()
  assert.is(aborted.isActive(), false)
  await aborted.send({ topic: 'tx', messages: messages(6) }).catch(e => assert.match(e.message, 'once ended'))
  assert.equal(plain(tally.snapshot()), { tx: { success: 9, error: 6 }, tx2: { success: 2, error: 0 } })
})

test('classify: name, root cause, protocol type, retriable', () => {
  const cases = [
    [new KafkaJSNonRetriableError(tooLarge(), { cause: tooLarge() }), 'KafkaJSNonRetriableError/KafkaJSProtocolError:MESSAGE_TOO_LARGE', false],
    [new KafkaJSNumberOfRetriesExceeded(unknownTopic(), { retryCount: 2, retryTime: 10 }), 'KafkaJSNumberOfRetriesExceeded/KafkaJSProtocolError:UNKNOWN_TOPIC_OR_PARTITION', true],
    [new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('refused'), { retryCount: 2, retryTime: 10 }), 'KafkaJSNumberOfRetriesExceeded/KafkaJSConnectionError', true],
    [tooLarge(), 'KafkaJSProtocolError:MESSAGE_TOO_LARGE', false],
    [new Error('plain'), 'Error', false],
    ['a string', 'NonError', false],
    [Object.assign(new Error('x'), { name: 'Odd name-with.dots' }), 'Odd_name_with_dots', false]
  ]
  for (const [error, label, retriable] of cases) {
    const kind = classify(error)
    assert.is(kindLabel(kind.head), label)
    assert.is(kind.retriable, retriable, label)
  }
  const loop = new Error('loop'); loop.cause = loop
  assert.is(kindLabel(classify(loop).head), 'Error')
})

test('KafkaTally: error counts by kind, retriable + nonRetriable = error, exact', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  const plan = [tooLarge(), new KafkaJSNumberOfRetriesExceeded(unknownTopic(), { retryCount: 1, retryTime: 1 }), undefined]
  let i = 0
  const { producer } = fakeProducer(() => plan[i++ % plan.length])
  const p = instrumentProducer(producer, counts)
  for (let n = 1; n <= 9; n++) {
    const sending = p.send({ topic: 'k', messages: messages(n) })
    if (plan[(n - 1) % plan.length] === undefined) await sending
    else assert.is(await rejection(sending, `send ${n}`), plan[(n - 1) % plan.length], `send ${n} rejects with its own error`)
  }
  assert.is(await rejection(p.sendBatch({ topicMessages: [{ topic: 'k', messages: messages(10) }, { topic: 'j', messages: messages(20) }] })), plan[0])
  const snap = counts.snapshot()
  // sends 1,4,7 and the batch: too large; 2,5,8: retries exceeded; 3,6,9: delivered
  assert.equal(plain(snap), { k: { success: 18, error: 37 }, j: { success: 0, error: 20 } })
  assert.equal(errorsOf(snap), {
    k: { retriable: 15, nonRetriable: 22, kinds: { 'KafkaJSProtocolError:MESSAGE_TOO_LARGE': 22, 'KafkaJSNumberOfRetriesExceeded/KafkaJSProtocolError:UNKNOWN_TOPIC_OR_PARTITION': 15 } },
    j: { retriable: 0, nonRetriable: 20, kinds: { 'KafkaJSProtocolError:MESSAGE_TOO_LARGE': 20 } }
  })
  assert.equal(snap.errorsOverflow, { retriable: 0, nonRetriable: 0 })
  const next = counts.snapshot()
  assert.is(next.errors.size, 0)
  assert.is(next.epoch, snap.epoch + 1)
})

test('KafkaTally: topics too long to spell out in a kind key are named back', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  const long = 'L'.repeat(249)
  const p = instrumentProducer({ send: async () => { throw tooLarge() }, sendBatch: async () => [] }, counts)
  assert.is((await rejection(p.send({ topic: long, messages: messages(3) }))).type, 'MESSAGE_TOO_LARGE')
  assert.is((await rejection(p.send({ topic: 'bad topic', messages: messages(1) }))).type, 'MESSAGE_TOO_LARGE')
  const snap = counts.snapshot()
  assert.equal(errorsOf(snap), {
    [long]: { retriable: 0, nonRetriable: 3, kinds: { 'KafkaJSProtocolError:MESSAGE_TOO_LARGE': 3 } },
    [INVALID_TOPIC]: { retriable: 0, nonRetriable: 1, kinds: { 'KafkaJSProtocolError:MESSAGE_TOO_LARGE': 1 } }
  })
  // Another thread's handle names it from the outcome table's directory.
  const other = await KafkaTally.attach(counts.share())
  const again = instrumentProducer({ send: async () => { throw tooLarge() }, sendBatch: async () => [] }, counts)
  assert.is((await rejection(again.send({ topic: long, messages: messages(2) }))).type, 'MESSAGE_TOO_LARGE')
  assert.equal(errorsOf(other.snapshot()), { [long]: { retriable: 0, nonRetriable: 2, kinds: { 'KafkaJSProtocolError:MESSAGE_TOO_LARGE': 2 } } })
})

test('KafkaTally: error kinds that find the table full count in their overflow, outcomes stay exact', async () => {
  // Room for 3 topics and 1 (topic, kind) row: the topics register first, one kind fits.
  const counts = await KafkaTally.create({ capacity: 3, errorCapacity: 1, onOverflow: () => {} })
  for (const topic of ['a', 'b', 'r']) counts.tally.record(topic, 'success', 0)
  const p = instrumentProducer({ send: async ({ topic }) => { throw topic === 'r' ? new KafkaJSConnectionError('x') : tooLarge() }, sendBatch: async () => [] }, counts)
  assert.is((await rejection(p.send({ topic: 'a', messages: messages(2) }))).type, 'MESSAGE_TOO_LARGE')
  assert.is((await rejection(p.send({ topic: 'b', messages: messages(3) }))).type, 'MESSAGE_TOO_LARGE')
  assert.instance(await rejection(p.send({ topic: 'r', messages: messages(4) })), KafkaJSConnectionError)
  const snap = counts.snapshot()
  assert.equal(plain(snap), { a: { success: 0, error: 2 }, b: { success: 0, error: 3 }, r: { success: 0, error: 4 } })
  assert.equal(errorsOf(snap), { a: { retriable: 0, nonRetriable: 2, kinds: { 'KafkaJSProtocolError:MESSAGE_TOO_LARGE': 2 } } })
  assert.equal(snap.errorsOverflow, { retriable: 4, nonRetriable: 3 })
})

test('bad targets are refused up front', () => {
  const { producer } = fakeProducer()
  assert.throws(() => instrumentProducer(producer, {}), TypeError)
  assert.throws(() => instrumentProducer(producer, null), TypeError)
})

test.run()
