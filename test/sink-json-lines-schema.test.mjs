// The JSON lines sink with a schema: each line holds the rows' columns and
// histograms ({count, sum, counts}) with the histograms' bounds, and a
// KafkaTally's failures by cause; the lines add up to what was recorded.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally, flushEvery } from '../dist/index.js'
import { KafkaTally, DURATION_BOUNDS } from '../dist/kafkajs/index.js'
import { jsonLinesSink, toJsonLine } from '../dist/sinks/json-lines.js'
import { OVERFLOW, recordRound } from './helpers/kafka-metrics.mjs'

function memoryStream () {
  const stream = { text: '', write (chunk, callback) { stream.text += chunk; setTimeout(() => callback(), 0) } }
  return stream
}

test('a KafkaTally: columns, duration buckets with their bounds and failures by kind add up to what was recorded', async () => {
  const stream = memoryStream()
  const kafkaTally = await KafkaTally.create({ capacity: 4, errorCapacity: 4, onOverflow: () => {} })
  const flusher = flushEvery(kafkaTally, 60_000, jsonLinesSink(stream), { timer: false })
  const expected = new Map()
  for (let round = 0; round < 3; round++) {
    recordRound(kafkaTally, expected, 10, round)
    await flusher.flush()
  }
  assert.is(await flusher.stop(), undefined)
  const lines = stream.text.split('\n').filter(Boolean).map(l => JSON.parse(l))
  assert.is(lines.length, 3)
  const got = new Map()
  for (const line of lines) {
    assert.equal(line.bounds, { sendDuration: DURATION_BOUNDS, processDuration: DURATION_BOUNDS })
    assert.type(line.batch, 'string')
    const rows = [...Object.entries(line.topics), [OVERFLOW, line.overflow]]
    for (const [topic, row] of rows) {
      const g = got.get(topic) ?? { ok: 0, error: 0, failed: {}, bytes: 0, counts: new Array(15).fill(0), count: 0, sum: 0 }
      got.set(topic, g)
      g.ok += row.success
      g.error += row.error
      g.bytes += row.bytes
      row.sendDuration.counts.forEach((n, i) => { g.counts[i] += n })
      g.count += row.sendDuration.count
      g.sum += row.sendDuration.sum
      for (const [kind, n] of Object.entries(line.errors?.[topic]?.kinds ?? {})) g.failed[kind] = (g.failed[kind] ?? 0) + n
    }
  }
  for (const [topic, e] of expected) {
    const g = got.get(topic)
    assert.is(g.ok, e.ok, `${topic} delivered`)
    assert.is(g.error, Object.values(e.failed).reduce((a, b) => a + b, 0), `${topic} failed`)
    if (topic !== OVERFLOW) assert.equal(g.failed, e.failed, `${topic} failed, by kind`)
    assert.is(g.bytes, e.bytes)
    assert.equal(g.counts, e.durations.counts, `${topic} buckets`)
    assert.is(g.count, e.durations.count)
    assert.ok(Math.abs(g.sum - e.durations.values.reduce((a, b) => a + b, 0)) < 1e-9, `${topic} sum`)
  }
  const kindsOverflow = lines.reduce((n, l) => n + (l.errorsOverflow?.retriable ?? 0) + (l.errorsOverflow?.nonRetriable ?? 0), 0)
  assert.is(kindsOverflow, expected.get(OVERFLOW).failed.overflow, 'failures whose kind found the table full, counted as such')
})

test('another schema: bounds come from the schema given; without it the line is still written, without bounds', async () => {
  const tally = await Tally.create({ capacity: 8, columns: ['requests'], histograms: { latency: [1, 5, 10] } })
  tally.record('a', 'requests', 2)
  tally.observe('a', 'latency', 4)
  const snap = tally.snapshot()
  const withSchema = JSON.parse(toJsonLine(snap, 0, undefined, tally.schema))
  assert.equal(withSchema.bounds, { latency: [1, 5, 10] })
  assert.equal(withSchema.topics.a, { requests: 2, latency: { count: 1, sum: 4, counts: [0, 1, 0, 0] } })
  const without = JSON.parse(toJsonLine(snap, 0))
  assert.is(without.bounds, undefined)
  assert.equal(without.topics.a, withSchema.topics.a)
})

test('the default table: the line is as it was', () => {
  const snap = { epoch: 12, topics: new Map([['orders', { success: 41, error: 1 }]]), overflow: { success: 0, error: 0 } }
  assert.is(toJsonLine(snap, Date.UTC(2026, 10, 27, 6), 'api-1'),
    '{"time":"2026-11-27T06:00:00.000Z","epoch":12,"topics":{"orders":{"success":41,"error":1}},"overflow":{"success":0,"error":0},"source":"api-1"}\n')
})

test.run()
