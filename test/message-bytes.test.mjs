// A message's bytes as counted at send time: a string of up to 24 characters
// is measured in JS, a longer one by Buffer.byteLength; both must give the
// UTF-8 length Node would send, for every kind of character and at the boundary.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { stringBytes, messageBytes as kafkajsBytes } from '../dist/messaging/message-bytes.js'
import { messageBytes as platformaticBytes } from '../dist/platformatic/message-bytes.js'

const pieces = ['a', 'é', '€', '😀', '\ud800', '\udc00', '\ud800a', 'a\udc00']
// Lengths 0 to 30 of each piece repeated, then cut: the 24-character boundary and a surrogate pair split at it.
const strings = []
for (const p of pieces) for (let n = 0; n <= 30; n++) strings.push(p.repeat(31).slice(0, n))

test('stringBytes is Buffer.byteLength for short and long strings of every kind of character', () => {
  for (const s of strings) assert.is(stringBytes(s), Buffer.byteLength(s), JSON.stringify(s))
})

test('a message counts key + value (+ headers) in UTF-8 bytes on both adapters', () => {
  for (const s of strings) {
    const want = Buffer.byteLength(s) * 2 + Buffer.byteLength('h') + Buffer.byteLength(s)
    assert.is(kafkajsBytes({ key: s, value: s, headers: { h: s } }), want, `kafkajs ${JSON.stringify(s)}`)
    assert.is(platformaticBytes({ key: s, value: s, headers: { h: s } }), want, `platformatic ${JSON.stringify(s)}`)
  }
})

test('platformatic: a headers object counts its own enumerable string keys only (as Object.keys gives them)', () => {
  const headers = Object.create({ inherited: 'xxxxxxxx' }) // an enumerable key of the prototype: not the message's
  headers.own = 'vv'
  Object.defineProperty(headers, 'hidden', { value: 'yyyy', enumerable: false })
  headers[Symbol('s')] = 'zzzz'
  assert.is(platformaticBytes({ key: 'k', value: 'v', headers }), 1 + 1 + 'own'.length + 'vv'.length)
  assert.is(platformaticBytes({ headers: { a: 'b', c: Buffer.from('dd'), n: 7 } }), 2 + 3 + 1) // a number counts 0
  assert.is(platformaticBytes({ headers: new Map([['a', 'b']]) }), 2)
  Object.prototype.polluted = 'xxxxxxxx' // eslint-disable-line no-extend-native -- an enumerable key a plain object inherits
  try {
    assert.is(platformaticBytes({ key: 'k', value: 'v', headers: { own: 'vv' } }), 1 + 1 + 'own'.length + 'vv'.length)
  } finally {
    delete Object.prototype.polluted
  }
})

test('platformatic: a headers object whose prototype chain throws when listed counts its own keys, as the client sends them', () => {
  // @platformatic/kafka sends Object.entries(headers): own keys only, the prototype never listed.
  let listed = 0
  const proto = new Proxy({}, { ownKeys () { listed++; throw new Error('a prototype that refuses to be listed') } })
  const headers = Object.create(proto)
  headers.h = 'ab'
  const sent = Object.entries(headers).reduce((n, [name, value]) => n + Buffer.byteLength(name) + Buffer.byteLength(value), 0)
  assert.is(platformaticBytes({ key: 'k', value: 'vvv', headers }), 1 + 3 + sent)
  assert.is(sent, 3)
  assert.is(listed, 0, 'the prototype chain is not listed')
})

test.run()
