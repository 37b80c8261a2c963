// The StatsD sink with a KafkaTally: OpenTelemetry's names with the
// attributes as tags, histograms as per-bucket counts and a sum, over real
// UDP to a listener on 127.0.0.1; the lines add up to what was recorded, and a
// failed line hands back exactly its part of the flush.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import StatsD from 'hot-shots'
import { flushEvery } from '../dist/index.js'
import { KafkaTally, DURATION_BOUNDS } from '../dist/kafkajs/index.js'
import { statsdSink } from '../dist/sinks/statsd.js'
import { FAILURES, OVERFLOW, recordRound } from './helpers/kafka-metrics.mjs'
import { listenUdp } from './helpers/udp-listener.mjs'

const LINE = /^([^:]+):([^|]+)\|c\|#(.+)$/
const SENT = 'messaging.client.sent.messages'
const BUCKET = 'messaging.client.operation.duration.bucket'
const SUM = 'messaging.client.operation.duration.sum'
// hot-shots replaces ':' (and '|', '@', ',') in tag values with '_'.
const onWire = label => label.replace(/[:|@,]/g, '_')

function parse (line) {
  const m = LINE.exec(line)
  assert.ok(m, `a counter line: ${line}`)
  const tags = {}
  for (const t of m[3].split(',')) { const i = t.indexOf(':'); tags[t.slice(0, i)] = t.slice(i + 1) }
  return { name: m[1], value: Number(m[2]), tags }
}

/** Sums lines into { [topic or OVERFLOW]: { ok, failed: { kind: n }, bytes, buckets: [..], sum } }. */
function tallyLines (lines) {
  const out = {}
  for (const { name, value, tags } of lines.map(parse)) {
    const key = tags['otel.metric.overflow'] === 'true' ? OVERFLOW : tags['messaging.destination.name']
    const t = out[key] ??= { ok: 0, failed: {}, bytes: 0, buckets: new Array(DURATION_BOUNDS.length + 1).fill(0), sum: 0 }
    if (name === SENT && key === OVERFLOW) t.failed.all = (t.failed.all ?? 0) + value
    else if (name === SENT && tags['error.type'] === undefined) t.ok += value
    else if (name === SENT) t.failed[tags['error.type']] = (t.failed[tags['error.type']] ?? 0) + value
    else if (name === 'wasm_tally.messaging.sent.bytes') t.bytes += value
    else if (name === BUCKET) t.buckets[tags.bucket === '+Inf' ? DURATION_BOUNDS.length : DURATION_BOUNDS.indexOf(Number(tags.bucket))] += value
    else if (name === SUM) t.sum += value
    else throw new Error(`an unexpected line: ${name}`)
  }
  return out
}

async function settled (lines, want) {
  for (let i = 0; i < 500 && lines.length < want; i++) await new Promise(resolve => setTimeout(resolve, 5))
  await new Promise(resolve => setTimeout(resolve, 20)) // room for a late extra datagram to show up
  return lines
}

test('hot-shots over UDP: sent messages by error.type, bytes, duration buckets and sums equal what was recorded', async () => {
  const { socket, lines, port } = await listenUdp()
  const client = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 0, errorHandler: () => {} })
  const kafkaTally = await KafkaTally.create({ capacity: 4, errorCapacity: 4, onOverflow: () => {} })
  const sent = { lines: 0 }
  const sink = statsdSink(client)
  const flusher = flushEvery(kafkaTally, 60_000, { name: 'counted', write: snap => { sent.lines += countLines(snap); return sink.write(snap) } }, { timer: false })
  const expected = new Map()
  try {
    for (let round = 0; round < 3; round++) {
      recordRound(kafkaTally, expected, 10, round)
      await flusher.flush()
    }
    assert.is(await flusher.stop(), undefined)
    const got = tallyLines(await settled(lines, sent.lines))
    assert.is(lines.length, sent.lines, 'one line per count, none twice')
    for (const [topic, e] of expected) {
      const g = got[topic]
      if (topic === OVERFLOW) {
        assert.is(g.failed.all, e.ok + e.failed.overflow)
      } else {
        assert.is(g.ok, e.ok, `${topic} delivered`)
        assert.equal(g.failed, Object.fromEntries(Object.entries(e.failed).map(([k, n]) => [onWire(k), n])), `${topic} failed, by error.type`)
      }
      assert.is(g.bytes, e.bytes)
      assert.equal(g.buckets, e.durations.counts, `${topic} buckets, each on its own`)
      assert.ok(Math.abs(g.sum - e.durations.values.reduce((a, b) => a + b, 0)) < 1e-9, `${topic} sum`)
    }
  } finally {
    await new Promise(resolve => client.close(resolve))
    socket.close()
  }
})

// Lines a snapshot makes: each non-zero counter point, each non-empty bucket and each non-zero sum.
function countLines (snap) {
  let n = 0
  const row = (r, kinds) => {
    n += (r.success > 0) + (r.bytes > 0) + (r.error > 0 ? Math.max(1, kinds) : 0)
    n += r.sendDuration.counts.filter(c => c > 0).length + (r.sendDuration.sum > 0)
  }
  for (const [topic, r] of snap.topics) row(r, snap.errors.get(topic)?.kinds.size ?? 0)
  row(snap.overflow, 1)
  return n
}

test('a failed bucket, sum and error.type line: exactly those parts are kept and sent again, the failure as _OTHER', async () => {
  // A client double (it sees the tags before hot-shots would clean them) failing three lines once.
  const sent = []
  const failing = new Set([`${BUCKET}|0.025`, `${SUM}|`, `${SENT}|${FAILURES.tooLarge.label}`])
  const client = {
    maxBufferSize: 0,
    increment (name, value, rate, tags, callback) {
      const key = `${name}|${tags.bucket ?? tags['error.type'] ?? ''}`
      if (failing.delete(key)) { setTimeout(() => callback(new Error('ENOBUFS')), 0); return }
      sent.push({ name, value, tags })
      setTimeout(() => callback(null, 10), 0)
    }
  }
  const kafkaTally = await KafkaTally.create({ capacity: 16 })
  const errors = []
  const flusher = flushEvery(kafkaTally, 60_000, statsdSink(client), { timer: false, onError: e => errors.push(e) })
  kafkaTally.success('orders', 10)
  kafkaTally.failure('orders', 3, FAILURES.tooLarge.error)
  kafkaTally.failure('orders', 2, FAILURES.unknownTopic.error)
  for (const v of [0.02, 0.02, 0.3]) kafkaTally.tally.observe('orders', 'sendDuration', v)
  assert.is((await flusher.flush()).delivered, false)
  assert.is(errors.length, 1)
  const kept = flusher.pending().topics.get('orders')
  assert.is(kept.success, 0)
  assert.is(kept.error, 3, 'the failed error.type line')
  assert.equal(kept.sendDuration.counts, [0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 'the failed bucket')
  assert.ok(Math.abs(kept.sendDuration.sum - 0.34) < 1e-12, 'the failed sum')
  assert.is(await flusher.stop(), undefined)
  const of = (name, match = {}) => sent.filter(s => s.name === name && Object.entries(match).every(([k, v]) => s.tags[k] === v)).reduce((n, s) => n + s.value, 0)
  assert.is(of(SENT, { 'error.type': undefined }), 10)
  assert.is(of(SENT, { 'error.type': FAILURES.unknownTopic.label }), 2)
  assert.is(of(SENT, { 'error.type': FAILURES.tooLarge.label }), 0, 'the failed line\'s kind was not kept')
  assert.is(of(SENT, { 'error.type': '_OTHER' }), 3, 'its failures went again, once, as _OTHER')
  assert.is(of(BUCKET, { bucket: '0.025' }), 2)
  assert.is(of(BUCKET, { bucket: '0.5' }), 1)
  assert.ok(Math.abs(of(SUM) - 0.34) < 1e-12)
})

test.run()
