// Schema names are identifiers, and some identifiers are also the names of
// Object.prototype's members (constructor, toString, valueOf, hasOwnProperty,
// __defineGetter__, ...) or of the generated reader's own variables (c, a,
// h0, readRow). Rows must hold exactly the counts under such names, whichever
// reader builds them, in this thread or another, and what consumes rows by
// name (partial acks, the sinks' metric naming) must not read the prototype.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { Worker } from 'node:worker_threads'
import { Registry } from 'prom-client'
import { Tally, flushEvery } from '../dist/index.js'
import { rowReader, genericRowReader } from '../dist/engine/row-reader.js'
import { makeSchema } from '../dist/engine/schema.js'
import { metricNaming } from '../dist/sinks/metric-names.js'
import { prometheusSink } from '../dist/sinks/prometheus.js'
import { KAFKA_SCHEMA } from '../dist/schemas/kafka.js'
import { once } from '../scripts/lib/worker-message.mjs'

const PROTO = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString',
  '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']
const READER = ['c', 'a', 'h0', 'h1', 'readRow', 'count', 'sum', 'counts', 'NANOS']
const KEYWORDS = ['return', 'function', 'const', 'this', 'arguments', 'eval', 'undefined', 'NaN', 'Infinity', 'new', 'class']
// 'h1' is a histogram, so not also a column; the other histograms are named after prototype members.
const COLUMNS = [...PROTO, ...READER, ...KEYWORDS].filter(n => n !== 'h1')
const schemaWith = { columns: COLUMNS, histograms: { h1: [1, 2], toString_: [3], hasOwnProperty_: [1, 10] } }

test('the generated reader and the key-by-key reader give the same rows for names that shadow the prototype, the reader\'s variables and keywords', () => {
  const schema = makeSchema(schemaWith)
  const literal = rowReader(schema)
  assert.is(literal.name, 'readRow', 'the literal reader is in use')
  const generic = genericRowReader(schema)
  const cells = new Float64Array(3 * schema.cells)
  for (let i = 0; i < cells.length; i++) cells[i] = (i * 37) % 11
  for (let r = 0; r < 3; r++) {
    const a = literal(cells, r * schema.cells)
    const b = generic(cells, r * schema.cells)
    assert.equal(a, b, `row ${r}`)
    assert.equal(Object.keys(a), [...schema.columns, ...schema.histograms.map(h => h.name)], 'own keys, in schema order')
    schema.columns.forEach((name, i) => {
      assert.ok(Object.hasOwn(a, name), `${name} is an own key`)
      assert.is(a[name], cells[r * schema.cells + i], `${name} holds its cell`)
    })
    assert.is(Object.getPrototypeOf(a), Object.prototype)
  }
  assert.is(Object.prototype.c, undefined, 'nothing leaked into Object.prototype')
})

test('a table with such names: record, bind, observe, snapshot in this thread and another, and a partial ack by name', async () => {
  const tally = await Tally.create({ capacity: 8, ...schemaWith })
  const b = tally.bind('orders')
  const expected = {}
  COLUMNS.forEach((name, i) => { tally.record('orders', name, i + 1); b.add(name, 10); expected[name] = i + 11 })
  b.observe('h1', 1.5)
  tally.observe('orders', 'toString_', 2)
  tally.record('refunds', 'constructor', 4)
  const check = (row, what) => {
    for (const [name, n] of Object.entries(expected)) assert.is(row[name], n, `${what}: ${name}`)
    assert.equal(row.h1, { count: 1, sum: 1.5, counts: [0, 1, 0] }, `${what}: h1`)
    assert.equal(row.toString_, { count: 1, sum: 2, counts: [1, 0] }, `${what}: toString_`)
  }
  const batch = tally.openBatch()
  check(batch.snapshot.topics.get('orders'), 'openBatch')
  // refunds went out, orders did not.
  const undelivered = { epoch: batch.snapshot.epoch, topics: new Map([['orders', batch.snapshot.topics.get('orders')]]), overflow: batch.snapshot.overflow }
  assert.ok(tally.ackBatch(batch, undelivered))

  const WORKER = `
    import { workerData, parentPort } from 'node:worker_threads'
    const { Tally } = await import(workerData.index)
    const tally = await Tally.attach(workerData.shared)
    const snap = tally.snapshot()
    parentPort.postMessage({ id: snap.batch.id, topics: snap.topics })
  `
  const worker = new Worker(WORKER, { eval: true, workerData: { shared: tally.share(), index: new URL('../dist/index.js', import.meta.url).href } })
  const rest = await once(worker)
  await worker.terminate()
  assert.is.not(rest.id, batch.id.id, 'the rest is a batch of its own, under a new id')
  assert.ok(rest.id.startsWith(batch.id.table), 'of the same table')
  assert.equal([...rest.topics.keys()], ['orders'], 'only the undelivered topic is left')
  check(rest.topics.get('orders'), 'another thread')
})

test('where code generation is refused, the same rows for the same names', () => {
  const script = `
    import { Tally } from './dist/index.js'
    const schema = ${JSON.stringify(schemaWith)}
    const tally = await Tally.create(schema)
    schema.columns.forEach((name, i) => tally.record('orders', name, i + 1))
    tally.observe('orders', 'h1', 1.5)
    console.log(JSON.stringify(tally.snapshot().topics.get('orders')))
  `
  const child = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url), encoding: 'utf8' })
  assert.is(child.status, 0, child.stderr)
  const row = JSON.parse(child.stdout.trim())
  schemaWith.columns.forEach((name, i) => assert.is(row[name], i + 1, name))
  assert.equal(row.h1, { count: 1, sum: 1.5, counts: [0, 1, 0] })
})

test('metric naming, generic: a column named like a prototype member keeps its own name and unit', async () => {
  const tally = await Tally.create({ columns: ['constructor', 'toString', 'valueOf'] })
  tally.record('orders', 'constructor', 3)
  tally.record('orders', 'toString', 1)
  const m = metricNaming({ schema: tally.schema, units: { valueOf: 'By' }, rename: { unrelated: 'x' } }).metrics(tally.snapshot())
  const byColumn = Object.fromEntries(m.counters.map(c => [c.column, c.metric]))
  assert.is(typeof byColumn.constructor?.name, 'string', `the metric of column constructor is named ${String(byColumn.constructor?.name).slice(0, 30)}`)
  assert.is(byColumn.constructor.name, 'wasm_tally.constructor')
  assert.is(byColumn.toString.unit, '', 'no unit was declared for toString')
})

test('a Kafka-shaped table with one more column named constructor: the Prometheus sink delivers, and the batch does not stay pending forever', async () => {
  const tally = await Tally.create({ columns: [...KAFKA_SCHEMA.columns, 'constructor'], histograms: KAFKA_SCHEMA.histograms })
  const registry = new Registry()
  const errors = []
  const flusher = flushEvery(tally, 60_000, prometheusSink({ registry, schema: tally.schema }), { timer: false, onError: e => errors.push(e.message) })
  tally.record('orders', 'success', 2)
  tally.record('orders', 'constructor', 3)
  const result = await flusher.flush()
  assert.equal(errors, [])
  assert.ok(result.delivered)
  assert.is(tally.stats().pendingBatch, 0)
  await flusher.stop()
})

test.run()
