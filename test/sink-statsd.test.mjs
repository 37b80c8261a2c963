// The StatsD sink through hot-shots to a real UDP listener on 127.0.0.1: the
// counter lines received add up exactly to what was recorded.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createSocket } from 'node:dgram'
import StatsD from 'hot-shots'
import { Tally, flushEvery } from '../dist/index.js'
import { statsdSink } from '../dist/sinks/statsd.js'
import { recordNoted } from './helpers/counts.mjs'

const LINE = /^kafka\.producer\.messages:(\d+)\|c\|#(.+)$/

function listen () {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4')
    const lines = []
    socket.on('message', msg => { for (const line of msg.toString('utf8').split('\n')) if (line) lines.push(line) })
    socket.once('error', reject)
    socket.bind(0, '127.0.0.1', () => {
      // Room for bursts (capped by net.core.rmem_max): a full receive buffer drops datagrams.
      try { socket.setRecvBufferSize(4 << 20) } catch {}
      resolve({ socket, lines, port: socket.address().port })
    })
  })
}

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

test('hot-shots (buffered) to a UDP listener: the received lines sum to what was recorded', async () => {
  const { socket, lines, port } = await listen()
  const client = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 1400, errorHandler: () => {} })
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
    const want = total(recorded)
    for (let i = 0; i < 500 && total(sumLines(lines)) < want; i++) await new Promise(resolve => setTimeout(resolve, 5))
    assert.ok(flusher.stats().flushes >= 2, 'several flushes')
    assert.equal(sumLines(lines), recorded)
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
    increment (name, count, tags, callback) {
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

test.run()
