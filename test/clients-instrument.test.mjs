// The Confluent and Platformatic adapters on stand-in clients (no broker):
// every call form counts exactly once with the caller getting what the client
// gave, transactions are counted, a Platformatic stream counts what it hands
// out, and each client's errors read as the one error.type form.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Readable } from 'node:stream'
import { KafkaTally, instrumentProducer, instrumentConsumer, platformaticError } from '../dist/platformatic/index.js'
import * as confluent from '../dist/confluent/index.js'
import { classify, kindLabel } from '../dist/kafkajs/index.js'

const kind = error => kindLabel(classify(error).head)

class ProtocolError extends Error {}
class MultipleErrors extends AggregateError {}
const tooLarge = () => new MultipleErrors([Object.assign(new ProtocolError('too large'), { code: 'PLT_KFK_PROTOCOL', apiId: 'MESSAGE_TOO_LARGE', canRetry: false })], 'Producing messages failed.')
Object.defineProperty(MultipleErrors.prototype, 'code', { value: 'PLT_KFK_MULTIPLE' })

/** A stand-in @platformatic/kafka producer: promise or callback form, its state in a private field. */
class StandInProducer {
  #sent = []
  get sent () { return this.#sent }
  send (options, callback) {
    const fail = options.messages.some(m => m.topic === 'refused')
    this.#sent.push(options.messages.length)
    const result = { offsets: [] }
    if (typeof callback === 'function') { setImmediate(() => fail ? callback(tooLarge()) : callback(null, result)); return undefined }
    return fail ? Promise.reject(tooLarge()) : Promise.resolve(result)
  }

  async beginTransaction () { const producer = this; return { send: options => producer.send(options), commit: async () => {} } }
}

test('Platformatic: promise and callback sends, per topic of the messages, bytes of strings and Buffers; transactions too', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  const raw = new StandInProducer()
  const producer = instrumentProducer(raw, counts)
  assert.ok(producer instanceof StandInProducer, 'the Proxy keeps the class')
  const request = { messages: [{ topic: 'a', key: 'k1', value: 'vv', headers: new Map([['h', Buffer.from('xyz')]]) }, { topic: 'b', value: Buffer.from('1234') }, { topic: 'a', value: { json: true } }] }
  assert.equal(await producer.send(request), { offsets: [] })
  const err = await new Promise(resolve => producer.send({ messages: [{ topic: 'refused', value: 'x' }] }, (error, result) => resolve({ error, result })))
  assert.ok(err.error instanceof MultipleErrors, 'the callback gets the client\'s error')
  await new Promise(resolve => producer.send({ messages: [{ topic: 'b', value: 'é' }] }, resolve))
  const rejected = await producer.send({ messages: [{ topic: 'refused', value: 'y' }, { topic: 'refused', value: 'z' }] }).catch(e => e)
  assert.ok(rejected instanceof MultipleErrors, 'the promise rejects with the client\'s error')
  const tx = await producer.beginTransaction()
  await tx.send({ messages: [{ topic: 'c', value: 'in a transaction' }] })
  assert.equal(raw.sent, [3, 1, 1, 2, 1])
  assert.ok(Object.hasOwn(producer, 'send'), 'send is the object\'s own: a call does not go through the Proxy')
  assert.is(producer.sent, raw.sent, 'a getter reading a private field is read on the client')
  producer.marker = 1
  assert.is(raw.marker, 1, 'any other key is written to the client')
  const snap = counts.snapshot()
  const r = t => { const x = snap.topics.get(t); return { success: x.success, error: x.error, bytes: x.bytes, sends: x.sendDuration.count } }
  assert.equal(r('a'), { success: 2, error: 0, bytes: 2 + 2 + 1 + 3, sends: 1 }, 'an object value counts 0 bytes')
  assert.equal(r('b'), { success: 2, error: 0, bytes: 4 + 2, sends: 2 })
  assert.equal(r('refused'), { success: 0, error: 3, bytes: 0, sends: 2 })
  assert.equal(r('c'), { success: 1, error: 0, bytes: 16, sends: 1 })
  assert.equal(Object.fromEntries(snap.errors.get('refused').kinds), { 'MultipleErrors/ProtocolError:MESSAGE_TOO_LARGE': 3 })
})

test('Platformatic: a consume() stream counts each message it hands out, read by for await or on(data)', async () => {
  const counts = await KafkaTally.create({ capacity: 16 })
  const messages = n => Array.from({ length: n }, (_, i) => ({ topic: i % 2 ? 'x' : 'y', key: Buffer.from('k'), value: Buffer.from(`v${i}`), headers: new Map([[Buffer.from('h'), Buffer.from('1')]]) }))
  const consumer = instrumentConsumer({ consume: async ({ n }) => Readable.from(messages(n)) }, counts)
  let read = 0
  for await (const m of await consumer.consume({ n: 5 })) read += m.value.length
  const stream = await consumer.consume({ n: 4 })
  await new Promise(resolve => { stream.on('data', () => {}); stream.on('end', resolve) })
  const snap = counts.snapshot()
  const bytesOf = list => list.reduce((s, m) => s + 1 + m.value.length + 2, 0)
  assert.is(read, 10)
  assert.equal({ consumed: snap.topics.get('y').consumed, bytes: snap.topics.get('y').consumedBytes }, { consumed: 3 + 2, bytes: bytesOf(messages(5).filter(m => m.topic === 'y')) + bytesOf(messages(4).filter(m => m.topic === 'y')) })
  assert.equal({ consumed: snap.topics.get('x').consumed, processed: snap.topics.get('x').processed }, { consumed: 2 + 2, processed: 0 })
})

test('Confluent: errors read as kafkajs\'s: protocol codes by kafkajs\'s names, local codes by librdkafka\'s', async () => {
  const err = (name, code, type, extra = {}) => Object.assign(new Error(type), { name, code, type, retriable: false, ...extra })
  const cases = [
    [err('KafkaJSProtocolError', 10, 'ERR_MSG_SIZE_TOO_LARGE'), 'KafkaJSProtocolError:MESSAGE_TOO_LARGE', false],
    [err('KafkaJSProtocolError', 3, 'ERR_UNKNOWN_TOPIC_OR_PART'), 'KafkaJSProtocolError:UNKNOWN_TOPIC_OR_PARTITION', true],
    [err('KafkaJSError', -192, 'ERR__MSG_TIMED_OUT'), 'KafkaJSError:_MSG_TIMED_OUT', true],
    [err('KafkaJSError', -188, 'ERR__UNKNOWN_TOPIC'), 'KafkaJSError:_UNKNOWN_TOPIC', false],
    [err('KafkaJSError', -170, 'ERR__FATAL', { retriable: true }), 'KafkaJSError:_FATAL', true],
    [new Error('plain'), 'Error', false]
  ]
  for (const [error, label, retriable] of cases) {
    const mapped = confluent.confluentError(error)
    assert.is(kind(mapped), label, error.message)
    assert.is(classify(mapped).retriable, retriable, `${label} retriable`)
  }
  // And through a producer: the caller gets the client's own error.
  const counts = await KafkaTally.create({ capacity: 8 })
  const original = err('KafkaJSProtocolError', 10, 'ERR_MSG_SIZE_TOO_LARGE')
  const producer = confluent.instrumentProducer({ send: async () => { throw original }, sendBatch: async () => [] }, counts)
  assert.is(await producer.send({ topic: 't', messages: [{ value: 'a' }] }).catch(e => e), original)
  assert.equal(Object.fromEntries(counts.snapshot().errors.get('t').kinds), { 'KafkaJSProtocolError:MESSAGE_TOO_LARGE': 1 })
})

test('Platformatic: errors read by class name, aggregate and cause chain, apiId and canRetry', () => {
  class UserError extends Error {}
  class NetworkError extends Error {}
  assert.is(kind(platformaticError(tooLarge())), 'MultipleErrors/ProtocolError:MESSAGE_TOO_LARGE')
  assert.is(kind(platformaticError(Object.assign(new UserError('Unknown topic'), { code: 'PLT_KFK_USER', canRetry: false }))), 'UserError')
  const network = Object.assign(new NetworkError('down'), { code: 'PLT_KFK_NETWORK', canRetry: true })
  const wrapped = Object.assign(new Error('failed', { cause: network }), { code: 'PLT_KFK_USER' })
  assert.is(kind(platformaticError(wrapped)), 'Error/NetworkError')
  assert.is(classify(platformaticError(wrapped)).retriable, true)
  const other = new RangeError('not the client\'s')
  assert.is(platformaticError(other), other, 'an error without a PLT_KFK_ code is left as it is')
})

test('bad clients get a clear error naming what was expected', async () => {
  const counts = await KafkaTally.create({ capacity: 8 })
  assert.throws(() => instrumentProducer({}, counts), /expected a @platformatic\/kafka Producer \(an object with send\), got object/)
  assert.throws(() => instrumentConsumer(null, counts), /expected a @platformatic\/kafka Consumer \(an object with consume\), got null/)
  assert.throws(() => confluent.instrumentProducer({}, counts), /expected a Confluent's KafkaJS producer \(an object with send\)/)
  assert.throws(() => confluent.instrumentConsumer({}, counts), /expected a Confluent's KafkaJS consumer \(an object with run\)/)
  assert.throws(() => instrumentProducer(new StandInProducer(), {}), /instrumentProducer expects a Tally or a KafkaTally/)
})

test.run()
