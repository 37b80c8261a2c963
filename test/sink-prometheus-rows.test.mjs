// The Prometheus sink reading a batch in place (writeRows, what a flusher
// calls) against the same sink written the batch's own Snapshot: for every
// naming, flush after flush, the two registries render the same exposition
// byte for byte (promtool accepts it), and a batch the registry refuses changes
// nothing in either, with the same error.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { Counter, Registry } from 'prom-client'
import { Tally, flushEvery } from '../dist/index.js'
import { KafkaTally } from '../dist/kafkajs/index.js'
import { prometheusSink } from '../dist/sinks/prometheus.js'
import { recordRound } from './helpers/kafka-metrics.mjs'

function promtoolAccepts (text) {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (run.error) throw new Error(`promtool could not run (install Debian's prometheus package): ${run.error.message}`)
  assert.is(run.status, 0, `promtool check metrics: ${run.stdout}${run.stderr}`)
}

/**
 * A flusher over `table` whose sink hands each batch to `inPlace.writeRows(rows)`
 * and to `fromSnapshot.write(rows.snapshot())` (built after the in-place read,
 * from the same batch); both outcomes (returned or thrown) are kept.
 */
function twoWays (table, inPlace, fromSnapshot) {
  const outcomes = []
  const outcome = fn => { try { fn(); return 'ok' } catch (error) { return `${error.name}: ${error.message}` } }
  const flusher = flushEvery(table, 60_000, {
    name: 'both',
    write () { throw new Error('the flusher should read in place') },
    writeRows (rows) {
      const a = outcome(() => inPlace.writeRows(rows))
      const b = outcome(() => fromSnapshot.write(rows.snapshot()))
      outcomes.push([a, b])
    }
  }, { timer: false })
  return { flusher, outcomes }
}

async function sameExposition (a, b, what) {
  const [ta, tb] = [await a.metrics(), await b.metrics()]
  assert.is(ta, tb, what)
  return ta
}

test('a KafkaTally (errors by kind, the overflow row, series appearing flush after flush): the same exposition in place as from the Snapshot', async () => {
  for (const options of [{}, { overflowTopic: '/full', rename: { 'messaging.client.sent.messages': 'app.sent' } }]) {
    const kafkaTally = await KafkaTally.create({ capacity: 6, errorCapacity: 4, onOverflow: () => {} })
    // No schema and no table given: families are made at the first flush, in the order the points come.
    const [ra, rb] = [new Registry(), new Registry()]
    const { flusher, outcomes } = twoWays(kafkaTally, prometheusSink({ registry: ra, ...options }), prometheusSink({ registry: rb, ...options }))
    const expected = new Map()
    for (let round = 0; round < 4; round++) {
      recordRound(kafkaTally, expected, 3 + 2 * round, round)
      const r = await flusher.flush()
      assert.ok(r.delivered)
      const text = await sameExposition(ra, rb, `round ${round}, options ${JSON.stringify(options)}`)
      assert.match(text, /messaging_client_operation_duration_seconds_bucket/)
      assert.match(text, /error_type="KafkaJSProtocolError:MESSAGE_TOO_LARGE"/)
      if (round === 3) {
        assert.match(text, options.overflowTopic === undefined ? /otel_metric_overflow="true"/ : /messaging_destination_name="\/full"/, 'topics past the capacity went to the overflow row')
        promtoolAccepts(text)
      }
    }
    await flusher.stop()
    assert.ok(outcomes.length >= 4 && outcomes.every(([a, b]) => a === 'ok' && b === 'ok'), JSON.stringify(outcomes))
  }
})

test('another schema (renamed, with units, given its schema or its table) and the default table: the same exposition in place as from the Snapshot', async () => {
  const schema = { columns: ['requests', 'retryCount'], histograms: { latency: [1, 5, 10], size: [100, 1000] } }
  for (const [label, make] of [
    ['generic, schema given', t => ({ schema: t.schema, prefix: 'shop', units: { latency: 's', size: 'By' }, rename: { requests: 'shop.http.requests' }, topicAttribute: 'route' })],
    ['generic, overflow topic', t => ({ schema: t.schema, overflowTopic: '/overflow' })],
    ['generic, table given', t => ({ tally: t, flushOnScrape: false })]
  ]) {
    const tally = await Tally.create({ capacity: 5, ...schema, onOverflow: () => {} })
    const [ra, rb] = [new Registry(), new Registry()]
    const { flusher, outcomes } = twoWays(tally, prometheusSink({ registry: ra, ...make(tally) }), prometheusSink({ registry: rb, ...make(tally) }))
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4 + 2 * round; i++) {
        const topic = `t.${i}`
        if ((i + round) % 3 !== 0) tally.record(topic, 'requests', i + round + 1)
        if (i % 2 === 1) tally.record(topic, 'retryCount', round + 1)
        if ((i + round) % 2 === 0) for (const v of [0.5, 3, 10, 11.25 * (round + 1)]) tally.observe(topic, 'latency', v)
        if (i === 2) tally.observe(topic, 'size', 250.5 + round)
      }
      assert.ok((await flusher.flush()).delivered)
      const text = await sameExposition(ra, rb, `${label}, round ${round}`)
      if (round === 2) promtoolAccepts(text)
    }
    await flusher.stop()
    assert.ok(outcomes.every(([a, b]) => a === 'ok' && b === 'ok'), JSON.stringify(outcomes))
  }

  const tally = await Tally.create({ capacity: 3, onOverflow: () => {} })
  const [ra, rb] = [new Registry(), new Registry()]
  const { flusher } = twoWays(tally, prometheusSink({ registry: ra }), prometheusSink({ registry: rb }))
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 5; i++) tally.record(`d.${i}`, (i + round) % 3 === 0 ? 'error' : 'success', i + 1)
    await flusher.flush()
    const text = await sameExposition(ra, rb, `default table, round ${round}`)
    assert.match(text, /kafka_producer_messages_total\{topic="\/overflow",outcome="success"\}/)
  }
  await flusher.stop()
})

test('a batch the registry refuses (a name held by a metric of its own, other bounds) changes nothing in place either: checked before anything is added', async () => {
  // The histogram's family is taken by the registry's own counter: the counters come first and must not be added.
  const kafkaTally = await KafkaTally.create({ capacity: 8 })
  const registries = [new Registry(), new Registry()]
  for (const r of registries) new Counter({ name: 'messaging_client_operation_duration_seconds', help: 'not ours', registers: [r] }).inc(2)
  // No schema given: the families are made at the first flush, in the order the points come.
  const { flusher, outcomes } = twoWays(kafkaTally, prometheusSink({ registry: registries[0] }), prometheusSink({ registry: registries[1] }))
  recordRound(kafkaTally, new Map(), 3, 0)
  const before = await registries[0].metrics()
  await flusher.flush() // both refusals are caught by twoWays's sink
  const [ina, inb] = outcomes[0]
  assert.match(ina, /already holds a metric named messaging_client_operation_duration_seconds that wasm-tally did not make/)
  assert.is(ina, inb, 'the same refusal')
  const after = await registries[0].metrics()
  assert.not.match(after, /messaging_client_sent_messages_total\{/, 'nothing of the refused batch was added in place (the counters come before the histogram)')
  assert.ok(after.startsWith(before), 'what was there is unchanged')
  await sameExposition(registries[0], registries[1], 'the two ways agree after the refusal (the same empty families made before it)')
  await flusher.stop()

  // Other bounds under one family: a second table whose histogram has other bounds, fed to the same registry.
  const first = await Tally.create({ capacity: 4, columns: ['requests'], histograms: { latency: [1, 5, 10] } })
  const second = await Tally.create({ capacity: 4, columns: ['requests'], histograms: { latency: [2, 4] } })
  const [rc, rd] = [new Registry(), new Registry()]
  first.record('y', 'requests', 1); first.observe('y', 'latency', 3)
  const f1 = twoWays(first, prometheusSink({ registry: rc, schema: first.schema }), prometheusSink({ registry: rd, schema: first.schema }))
  assert.ok((await f1.flusher.flush()).delivered)
  await f1.flusher.stop()
  const settled = await rc.metrics()
  second.record('z', 'requests', 5); second.observe('z', 'latency', 3)
  const f2 = twoWays(second, prometheusSink({ registry: rc, schema: second.schema }), prometheusSink({ registry: rd, schema: second.schema }))
  await f2.flusher.flush()
  const [inc, ind] = f2.outcomes[0]
  assert.match(inc, /cannot add to wasm_tally_latency: histogram wasm_tally\.latency has bounds \[1, 5, 10\]; a snapshot brought \[2, 4\]/)
  assert.is(inc, ind)
  assert.is(await rc.metrics(), settled, 'z\'s requests were not added: the histogram was refused first')
  await sameExposition(rc, rd, 'the two ways agree after the refusal')
  await f2.flusher.stop()
})

test.run()
