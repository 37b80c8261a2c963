// The Prometheus sink: cumulative counters in the user's registry, scraped for
// real over HTTP from serveMetrics() and compared exactly with what was recorded.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Registry } from 'prom-client'
import { Tally, flushEvery } from '../dist/index.js'
import { prometheusSink, serveMetrics } from '../dist/sinks/prometheus.js'

const SAMPLE = /^kafka_producer_messages_total\{topic="([^"]+)",outcome="(success|error)"\} (\d+)$/

async function scrape (url) {
  const res = await fetch(url)
  assert.is(res.status, 200)
  assert.match(res.headers.get('content-type'), /text\/plain/)
  const text = await res.text()
  assert.match(text, /# TYPE kafka_producer_messages_total counter/)
  const totals = {}
  for (const line of text.split('\n')) {
    if (!line.startsWith('kafka_producer_messages_total')) continue
    const m = SAMPLE.exec(line)
    assert.ok(m, `a sample line: ${line}`)
    const row = totals[m[1]] ??= { success: 0, error: 0 }
    row[m[2]] += Number(m[3])
  }
  return totals
}

test('a scrape of /metrics equals what was recorded, across flushes and an overflow', async () => {
  const registry = new Registry()
  const server = await serveMetrics(registry, { port: 0 })
  try {
    const tally = await Tally.create({ capacity: 8, onOverflow: () => {} })
    const flusher = flushEvery(tally, 60_000, prometheusSink({ registry }), { timer: false })
    const recorded = {}
    const add = (topic, outcome, n) => {
      tally.record(topic, outcome, n)
      const key = tally.topics().includes(topic) ? topic : '/overflow'
      const row = recorded[key] ??= { success: 0, error: 0 }
      row[outcome] += n
    }
    for (let round = 1; round <= 3; round++) {
      for (let i = 0; i < 12; i++) add(`prom.${i}`, i % 4 === 0 ? 'error' : 'success', round * 100 + i)
      await flusher.flush()
      if (round === 1) {
        const first = await scrape(server.url)
        assert.equal(first, recorded, 'the first scrape')
      }
    }
    assert.is(await flusher.stop(), undefined)
    assert.ok(recorded['/overflow'], 'topics past the capacity went to the overflow row')
    assert.equal(await scrape(server.url), recorded, 'counters are cumulative')
    const missing = await fetch(server.url.replace('/metrics', '/other'))
    assert.is(missing.status, 404)
    await missing.text()
  } finally {
    await server.close()
  }
})

test('a second sink on the same registry adds to the same counter; the name is configurable', async () => {
  const registry = new Registry()
  const a = prometheusSink({ registry })
  const b = prometheusSink({ registry })
  assert.is(a.counter, b.counter)
  const snap = { epoch: 1, topics: new Map([['t', { success: 2, error: 1 }]]), overflow: { success: 0, error: 0 } }
  a.write(snap)
  b.write(snap)
  const metric = await registry.getSingleMetricAsString('kafka_producer_messages_total')
  assert.match(metric, /kafka_producer_messages_total\{topic="t",outcome="success"\} 4/)
  assert.match(metric, /kafka_producer_messages_total\{topic="t",outcome="error"\} 2/)
  const custom = prometheusSink({ registry, name: 'orders_delivered_total' })
  custom.write(snap)
  assert.match(await registry.metrics(), /orders_delivered_total\{topic="t",outcome="success"\} 2/)
})

test('serveMetrics takes one options object; the deprecated (registry, options) form still serves; anything else is refused, naming the rule', async () => {
  const registry = new Registry()
  prometheusSink({ registry }).write({ epoch: 1, topics: new Map([['t', { success: 3, error: 0 }]]), overflow: { success: 0, error: 0 } })
  for (const server of [await serveMetrics({ registry, port: 0, host: '127.0.0.1' }), await serveMetrics(registry, { port: 0 }), await serveMetrics(undefined, { port: 0 })]) {
    try {
      const res = await fetch(server.url)
      assert.is(res.status, 200)
      await res.text()
    } finally {
      await server.close()
    }
  }
  const first = await serveMetrics({ registry, port: 0 })
  assert.match(await (await fetch(first.url)).text(), /kafka_producer_messages_total\{topic="t",outcome="success"\} 3/)
  await first.close()
  const refusal = async (...args) => (await serveMetrics(...args).then(() => undefined, e => e))?.message ?? ''
  assert.match(await refusal('registry'), /takes one options object \(\{ registry, port, host, path \}\), got "registry"/)
  assert.match(await refusal({ registry: {} }), /registry must be a prom-client Registry, got/)
  assert.match(await refusal({}, { port: 0 }), /takes a prom-client Registry first, got an object/)
})

test.run()
