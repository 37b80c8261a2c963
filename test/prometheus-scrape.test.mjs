// Flush on scrape: a Prometheus sink given its table registers its families
// when it is made, and each scrape first takes a batch from the table into
// them (acknowledged before they render). Writer threads count while scrapes
// run 6 at a time: every scrape holds at least what was counted before it was
// sent, and after the writers stop one scrape holds exactly what they counted.
// Then a real Prometheus server scrapes the same way and answers the total.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { Counter, Registry } from 'prom-client'
import { Tally } from '../dist/index.js'
import { KafkaTally } from '../dist/kafkajs/index.js'
import { prometheusSink, serveMetrics } from '../dist/sinks/prometheus.js'
import { JOB, prometheusVersion, startPrometheus } from './helpers/prometheus-server.mjs'

const WRITERS = 3
const TOPICS = ['orders', 'payments', 'clicks', 'audit']
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

/** The sum of every series of one family (kafka_producer_messages_total by default) in an exposition. */
function total (text, family = 'kafka_producer_messages_total') {
  let sum = 0
  for (const line of text.split('\n')) if (line.startsWith(`${family}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  return sum
}

// Each writer records one success at a time, then adds it to `recorded`: the
// table always holds at least what `recorded` says, at most WRITERS more.
const WRITER = `
  const { workerData } = require('node:worker_threads')
  import(workerData.dist).then(({ Tally }) => {
    const tally = Tally.attachSync(workerData.shared)
    const recorded = new Int32Array(workerData.recorded)
    const stop = new Int32Array(workerData.stop)
    let i = workerData.index
    while (Atomics.load(stop, 0) === 0) {
      tally.record(workerData.topics[i++ % workerData.topics.length], 'success')
      Atomics.add(recorded, 0, 1)
    }
    require('node:worker_threads').parentPort.postMessage('done')
  })
`

function startWriters (tally) {
  const recorded = new SharedArrayBuffer(4)
  const stop = new SharedArrayBuffer(4)
  const dist = new URL('../dist/index.js', import.meta.url).href
  const workers = Array.from({ length: WRITERS }, (_, index) => new Worker(WRITER, { eval: true, workerData: { dist, shared: tally.share(), recorded, stop, index, topics: TOPICS } }))
  const done = workers.map(w => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject) }))
  return {
    recorded: () => Atomics.load(new Int32Array(recorded), 0),
    async stop () {
      Atomics.store(new Int32Array(stop), 0, 1)
      await Promise.all(done)
      await Promise.all(workers.map(w => w.terminate()))
      return Atomics.load(new Int32Array(recorded), 0)
    }
  }
}

test('the families are registered when the sink is made (given the table or its schema): a scrape before any count shows them', async () => {
  const kafka = await KafkaTally.create({ capacity: 16 })
  const server = await serveMetrics({ tally: kafka, registry: new Registry(), port: 0 })
  try {
    const text = await (await fetch(server.url)).text()
    for (const family of ['messaging_client_sent_messages_total counter', 'messaging_client_operation_duration_seconds histogram', 'messaging_process_duration_seconds histogram']) {
      assert.ok(text.includes(`# TYPE ${family}`), `${family} in:\n${text}`)
    }
  } finally {
    await server.close()
  }
  const registry = new Registry()
  const tally = await Tally.create({ columns: ['bytes'], histograms: { latency: [0.1, 1] } })
  prometheusSink({ registry, tally, flushOnScrape: false })
  const text = await registry.metrics()
  assert.ok(text.includes('# TYPE wasm_tally_bytes_total counter'), text)
  assert.ok(text.includes('# TYPE wasm_tally_latency histogram'), text)
  // A schema given without the table registers the families too (flushing stays with flushEvery).
  const declared = new Registry()
  prometheusSink({ registry: declared, schema: { columns: ['bytes'] } })
  assert.ok((await declared.metrics()).includes('# TYPE wasm_tally_bytes_total counter'))
})

test('a scrape shows what was counted before it, with no flush of its own; the old positional serveMetrics form still serves', async () => {
  const tally = await Tally.create({ capacity: 16 })
  const registry = new Registry()
  prometheusSink({ registry, tally })
  const server = await serveMetrics(registry, { port: 0 }) // deprecated form
  try {
    tally.record('orders', 'success', 5)
    assert.is(total(await (await fetch(server.url)).text()), 5)
    tally.record('orders', 'error', 2)
    assert.is(total(await registry.metrics()), 7, 'registry.metrics() from any server flushes too')
    assert.is(tally.stats().pendingBatch, 0, 'each batch was acknowledged')
  } finally {
    await server.close()
  }
  const refused = await serveMetrics(42).then(() => undefined, error => error)
  assert.match(refused?.message ?? '', /serveMetrics takes one options object/)
})

test(`${WRITERS} writer threads, 6 scrapers at once: each holds what was counted before it was sent, the last exactly all`, async () => {
  const tally = await Tally.create({ capacity: 16 })
  const server = await serveMetrics({ tally, registry: new Registry(), port: 0 })
  const writers = startWriters(tally)
  let scrapes = 0
  try {
    // 6 scrapers, each scraping again as soon as its last answer came: scrapes
    // start while others' flushes are under way, at every point of them.
    const scraper = async end => {
      while (Date.now() < end) {
        const before = writers.recorded()
        const res = await fetch(server.url)
        assert.is(res.status, 200)
        const seen = total(await res.text())
        const after = writers.recorded()
        assert.ok(seen >= before, `a scrape shows ${seen}, less than the ${before} counted before it was sent`)
        assert.ok(seen <= after + WRITERS, `a scrape shows ${seen}, more than the ${after} counted (+${WRITERS} in flight)`)
        scrapes++
      }
    }
    const end = Date.now() + 3000
    await Promise.all(Array.from({ length: 6 }, () => scraper(end)))
    const recorded = await writers.stop()
    const last = total(await (await fetch(server.url)).text())
    assert.is(last, recorded, 'after the writers stop, one scrape holds exactly what they counted')
    console.log(`  ${scrapes} scrapes while ${WRITERS} threads counted ${recorded.toLocaleString('en-US')}: none behind, the last exact`)
  } finally {
    await writers.stop()
    await server.close()
  }
})

test('a real Prometheus server scrapes with writer threads counting: its total is exactly what they counted', async () => {
  console.log(`  ${prometheusVersion()}`) // a missing binary fails here, never skips
  const tally = await Tally.create({ capacity: 16 })
  const server = await serveMetrics({ tally, registry: new Registry(), port: 0 })
  const prom = await startPrometheus(`127.0.0.1:${server.port}`)
  const writers = startWriters(tally)
  try {
    await prom.scrapesAfter(Date.now(), 2)
    const recorded = await writers.stop()
    await prom.scrapesAfter(Date.now(), 1)
    await sleep(200)
    const [result] = await prom.query(`sum(kafka_producer_messages_total{job="${JOB}"})`)
    assert.is(result.value, recorded)
    console.log(`  Prometheus: sum(kafka_producer_messages_total) = ${result.value.toLocaleString('en-US')} = counted`)
  } finally {
    await writers.stop()
    await prom.stop()
    await server.close()
  }
})

test('two tables with their own sinks in one registry: a scrape flushes both into the shared families (and keeps a collect of the user\'s own)', async () => {
  for (const schema of [{}, { columns: ['bytes'] }]) {
    const registry = new Registry()
    const name = schema.columns === undefined ? 'kafka_producer_messages_total' : 'wasm_tally_bytes_total'
    let own = 0
    const earlier = schema.columns === undefined ? new Counter({ name, help: 'made first', labelNames: ['topic', 'outcome'], registers: [registry], collect () { own++ } }) : undefined
    const a = await Tally.create(schema)
    const b = await Tally.create(schema)
    prometheusSink({ registry, tally: a })
    prometheusSink({ registry, tally: b })
    const column = schema.columns === undefined ? 'success' : 'bytes'
    a.record('orders', column, 3)
    b.record('orders', column, 5)
    b.record('payments', column, 7)
    const first = await registry.metrics()
    assert.is(total(first, name), 15, first)
    a.record('orders', column, 11)
    const second = await registry.metrics()
    assert.is(total(second, name), 26, second)
    if (earlier !== undefined) assert.is(own, 2)
  }
})

test('a scrape after a dead flusher\'s lease runs out delivers its batch and then what was counted since: everything before the scrape', async () => {
  const tally = await Tally.create({ leaseMs: 300 })
  const server = await serveMetrics({ tally, registry: new Registry(), port: 0 })
  try {
    tally.record('orders', 'success', 5)
    // A flusher thread opens the batch (the 5) and dies holding it.
    const dist = new URL('../dist/index.js', import.meta.url).href
    const holder = new Worker(`
      const { workerData, parentPort } = require('node:worker_threads')
      import(workerData.dist).then(({ Tally }) => {
        const batch = Tally.attachSync(workerData.shared).openBatch(0)
        parentPort.postMessage(batch === undefined ? 'busy' : 'held')
        setInterval(() => {}, 1000)
      })`, { eval: true, workerData: { dist, shared: tally.share() } })
    assert.is(await new Promise(resolve => holder.once('message', resolve)), 'held')
    await holder.terminate()
    tally.record('orders', 'success', 7)
    tally.record('payments', 'error', 2)
    const text = await (await fetch(server.url)).text()
    assert.is(total(text), 14, text)
  } finally {
    await server.close()
  }
})

test.run()
