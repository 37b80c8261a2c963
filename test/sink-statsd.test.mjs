// The StatsD sink through hot-shots to a real UDP listener on 127.0.0.1: the
// counter lines received add up exactly to what was recorded.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import StatsD from 'hot-shots'
import { Tally, flushEvery } from '../dist/index.js'
import { statsdSink } from '../dist/sinks/statsd.js'
import { recordNoted } from '../scripts/lib/counts.mjs'
import { listenUdp } from './helpers/udp-listener.mjs'

const LINE = /^kafka\.producer\.messages:(\d+)\|c\|#(.+)$/

function sumLines (lines) {
  const totals = {}
  for (const line of lines) {
    const m = LINE.exec(line)
    assert.ok(m, `a counter line: ${line}`)
    const tags = Object.fromEntries(m[2].split(',').map(t => t.split(':')))
    const row = totals[tags.topic] ??= { success: 0, error: 0 }
    row[tags.outcome] += Number(m[1])
  }
  return totals
}

const total = totals => Object.values(totals).reduce((n, c) => n + c.success + c.error, 0)

// Makes the socket's `nth` send fail once, without sending (as a full socket buffer would).
function failSend (client, nth) {
  const send = client.socket.send
  let sends = 0
  client.socket.send = (buf, callback) => {
    if (++sends === nth) { setImmediate(() => callback(Object.assign(new Error('send ENOBUFS'), { code: 'ENOBUFS' }))); return }
    send(buf, callback)
  }
  return () => sends
}

async function received (lines, want) {
  for (let i = 0; i < 500 && total(sumLines(lines)) < want; i++) await new Promise(resolve => setTimeout(resolve, 5))
  await new Promise(resolve => setTimeout(resolve, 20)) // room for a late extra datagram to show up
  return sumLines(lines)
}

test('hot-shots (unbuffered) to a UDP listener: the received lines sum to what was recorded', async () => {
  const { socket, lines, port } = await listenUdp()
  const client = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 0, errorHandler: () => {} })
  const tally = await Tally.create({ capacity: 256 })
  const flusher = flushEvery(tally, 5, statsdSink(client))
  const recorded = {}
  try {
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 200; i++) {
        const topic = `stats.topic-${i}`
        const success = 1 + ((i * round) % 17)
        const error = i % 9 === 0 ? round : 0
        recordNoted(tally, recorded, topic, success, error)
      }
      await new Promise(resolve => setTimeout(resolve, 6))
    }
    assert.is(await flusher.stop(), undefined)
    assert.ok(flusher.stats().flushes >= 2, 'several flushes')
    assert.equal(await received(lines, total(recorded)), recorded)
  } finally {
    await new Promise(resolve => client.close(resolve))
    socket.close()
  }
})

test('hot-shots (unbuffered) over UDP, one datagram failing once: the wire carries each count exactly once', async () => {
  const { socket, lines, port } = await listenUdp()
  const client = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 0, errorHandler: () => {} })
  const sends = failSend(client, 7)
  const tally = await Tally.create({ capacity: 256 })
  const errors = []
  const flusher = flushEvery(tally, 60_000, statsdSink(client), { timer: false, onError: e => errors.push(e) })
  const recorded = {}
  try {
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20; i++) recordNoted(tally, recorded, `t${i}`, 95, i % 4 === 0 ? 20 : 0)
      await flusher.flush()
    }
    assert.is(await flusher.stop(), undefined)
    assert.is(total(recorded), 6000)
    assert.is(errors.length, 1, 'the failed datagram surfaced once')
    assert.ok(sends() > 7, 'the failing send was reached')
    assert.equal(await received(lines, 6000), recorded)
  } finally {
    await new Promise(resolve => client.close(resolve))
    socket.close()
  }
})

test('a buffered hot-shots client is refused: it cannot say which counts a failed datagram carried', async () => {
  const { socket, lines, port } = await listenUdp()
  const client = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 200, errorHandler: () => {} })
  failSend(client, 3)
  try {
    assert.throws(() => statsdSink(client), err => err instanceof TypeError && /maxBufferSize: 0, got 200/.test(err.message))
    // Switched to buffering after the sink was made: the flush is refused and kept, nothing sent.
    const unbuffered = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 0, errorHandler: () => {} })
    const tally = await Tally.create({ capacity: 16 })
    const flusher = flushEvery(tally, 60_000, statsdSink(unbuffered), { timer: false, onError: () => {} })
    tally.record('a', 'success', 6000)
    unbuffered.maxBufferSize = 200
    const result = await flusher.flush()
    assert.is(result.delivered, false)
    assert.equal([...flusher.pending().topics], [['a', { success: 6000, error: 0 }]])
    unbuffered.maxBufferSize = 0
    assert.is(await flusher.stop(), undefined)
    assert.equal(await received(lines, 6000), { a: { success: 6000, error: 0 } })
    await new Promise(resolve => unbuffered.close(resolve))
  } finally {
    await new Promise(resolve => client.close(resolve))
    socket.close()
  }
})

test('a client sampleRate below 1 does not sample the counts', async () => {
  const { socket, lines, port } = await listenUdp()
  const client = new StatsD({ host: '127.0.0.1', port, sampleRate: 0.25, errorHandler: () => {} })
  const tally = await Tally.create({ capacity: 64 })
  const flusher = flushEvery(tally, 60_000, statsdSink(client), { timer: false })
  const recorded = {}
  try {
    for (let i = 0; i < 40; i++) recordNoted(tally, recorded, `s${i}`, 25, 0)
    assert.is(await flusher.stop(), undefined)
    const got = await received(lines, 1000)
    assert.ok(lines.every(line => !line.includes('|@')), 'no sample rate on the wire')
    assert.equal(got, recorded)
  } finally {
    await new Promise(resolve => client.close(resolve))
    socket.close()
  }
})

test('an unbuffered client: a failed send keeps exactly the rows that did not go out', async () => {
  // A client double that fails the first send of one row.
  const sent = []
  let failed = false
  const client = {
    maxBufferSize: 0,
    increment (name, count, ...rest) {
      const [tags, callback] = rest.slice(-2) // (rate,) tags, callback
      if (!failed && tags.topic === 'b') { failed = true; setTimeout(() => callback(new Error('EPERM')), 0); return }
      sent.push({ name, count, ...tags })
      setTimeout(() => callback(null, 10), 0)
    }
  }
  const tally = await Tally.create({ capacity: 16 })
  const errors = []
  const flusher = flushEvery(tally, 60_000, statsdSink(client), { timer: false, onError: e => errors.push(e) })
  tally.record('a', 'success', 5)
  tally.record('b', 'success', 7)
  tally.record('b', 'error', 2)
  assert.is((await flusher.flush()).delivered, false)
  assert.is(errors.length, 1)
  assert.equal([...flusher.pending().topics], [['b', { success: 7, error: 0 }]])
  tally.record('a', 'success', 1)
  assert.is(await flusher.stop(), undefined)
  const sums = {}
  for (const s of sent) sums[`${s.topic}/${s.outcome}`] = (sums[`${s.topic}/${s.outcome}`] ?? 0) + s.count
  assert.equal(sums, { 'a/success': 6, 'b/success': 7, 'b/error': 2 })
})

test('a client that throws mid-flush or calls back twice: each row is sent once', async () => {
  const sent = []
  let throws = 1
  const client = {
    maxBufferSize: 0,
    increment (name, count, ...rest) {
      const [tags, callback] = rest.slice(-2) // (rate,) tags, callback
      if (tags.topic === 'c' && throws-- > 0) throw new Error('bad client')
      sent.push(`${tags.topic}/${tags.outcome}:${count}`)
      callback(null, 10)
      if (tags.topic === 'a') setTimeout(() => callback(null, 10), 0) // a second answer
    }
  }
  const tally = await Tally.create({ capacity: 16 })
  const flusher = flushEvery(tally, 60_000, statsdSink(client), { timer: false, onError: () => {} })
  for (const topic of ['a', 'b', 'c', 'd']) tally.record(topic, 'success', 10)
  assert.is((await flusher.flush()).delivered, false)
  assert.equal([...flusher.pending().topics], [['c', { success: 10, error: 0 }], ['d', { success: 10, error: 0 }]])
  assert.is(await flusher.stop(), undefined)
  assert.equal(sent.sort(), ['a/success:10', 'b/success:10', 'c/success:10', 'd/success:10'])
})

test.run()
