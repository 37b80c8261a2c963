// Prometheus names may not start with a digit: a prefix, a rename, a unit or a
// topic attribute that does gets a leading "_" (prometheus-names.ts). promtool
// accepts the exposition, and a real Prometheus server scrapes it and answers
// queries by those names. Fails with the "_" dropped (prom-client then refuses
// the name, and so would Prometheus).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { Registry } from 'prom-client'
import { Tally } from '../dist/index.js'
import { prometheusSink, serveMetrics } from '../dist/sinks/prometheus.js'
import { parseExposition, select, total } from './helpers/exposition.mjs'
import { JOB, prometheusVersion, startPrometheus } from './helpers/prometheus-server.mjs'

const OPTIONS = { prefix: '2xx', rename: { retries: '4xx.retries' }, units: { latency: '10ms' }, topicAttribute: '9route' }

async function digitNamedRegistry () {
  const tally = await Tally.create({ capacity: 8, columns: ['requests', 'retries'], histograms: { latency: [1, 5, 10] } })
  tally.record('a', 'requests', 4)
  tally.record('a', 'retries', 1)
  tally.record('b', 'requests', 2)
  for (const v of [0.5, 3, 3, 50]) tally.observe('a', 'latency', v)
  const registry = new Registry()
  prometheusSink({ registry, schema: tally.schema, ...OPTIONS }).write(tally.snapshot())
  return registry
}

test('a prefix, rename, unit and topic attribute starting with a digit: valid names, promtool accepts them', async () => {
  const text = await (await digitNamedRegistry()).metrics()
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (run.error) throw new Error(`promtool could not run (install Debian's prometheus package): ${run.error.message}`)
  assert.is(run.status, 0, `promtool check metrics: ${run.stdout}${run.stderr}`)
  const { samples, types } = parseExposition(text)
  assert.equal(Object.keys(types).sort(), ['_2xx_latency_10ms', '_2xx_requests_total', '_4xx_retries_total'])
  assert.is(total(samples, '_2xx_requests_total', { _9route: 'a' }), 4)
  assert.is(total(samples, '_2xx_requests_total', { _9route: 'b' }), 2)
  assert.is(total(samples, '_4xx_retries_total', { _9route: 'a' }), 1)
  assert.equal(select(samples, '_2xx_latency_10ms_bucket', { _9route: 'a' }).map(s => [s.labels.le, s.value]), [['1', 1], ['5', 3], ['10', 3], ['+Inf', 4]])
})

test('a real Prometheus server scrapes those names and answers queries by them', async () => {
  console.log(`  ${prometheusVersion()}`) // a missing binary fails here, never skips
  const server = await serveMetrics(await digitNamedRegistry(), { port: 0 })
  const prom = await startPrometheus(`127.0.0.1:${server.port}`)
  try {
    await prom.scrapesAfter(Date.now(), 1)
    const byRoute = async promql => Object.fromEntries((await prom.query(promql)).map(r => [r.metric._9route, r.value]))
    assert.equal(await byRoute(`_2xx_requests_total{job="${JOB}"}`), { a: 4, b: 2 })
    assert.equal(await byRoute(`_4xx_retries_total{job="${JOB}"}`), { a: 1 })
    assert.equal(await byRoute(`_2xx_latency_10ms_count{job="${JOB}"}`), { a: 4 })
    assert.equal(await byRoute(`_2xx_latency_10ms_bucket{job="${JOB}",le="5"}`), { a: 3 })
  } finally {
    await prom.stop()
    await server.close()
  }
})

test.run()
