// A batch read in place (batch.rows) gives exactly what snapshot() gives for
// the same batch: every column, bucket, count and sum, the overflow row, a
// name two slots hold merged, a KafkaTally's failures by cause, and the rest
// of a batch after a partial delivery. Reading a batch that is no longer open,
// or no longer the pending one, throws instead of handing on other counts.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally, flushEvery, PartialDeliveryError, BatchClosedError } from '../dist/index.js'
import { snapshotRows } from '../dist/sinks/callback.js'
import { KafkaTally } from '../dist/kafkajs/index.js'

const SCHEMA = {
  columns: ['success', 'error', 'bytes'],
  histograms: { duration: [0.001, 0.01, 0.1, 1], size: { bounds: [100, 1000], resolution: 1 } }
}

/** Every value the rows hold, read through the view, in snapshot()'s shape (and each row's cells checked against it). */
function readAll (rows) {
  const topics = {}
  let overflow
  const { columns, histograms, width } = rows.shape
  rows.forEachRow(view => {
    // The whole row read from view.cells holds what the accessors give, cell for cell.
    const { cells, at } = view
    assert.ok(cells instanceof Float64Array && cells.length >= at + width, `${view.name}: cells reach the row's width`)
    columns.forEach((name, i) => assert.ok(Object.is(cells[at + i], view.column(i)), `${view.name}: cell of column ${name}`))
    histograms.forEach((h, k) => {
      for (let i = 0; i <= h.bounds.length; i++) assert.ok(Object.is(cells[at + h.first + i], view.bucket(k, i)), `${view.name}: cell of ${h.name} bucket ${i}`)
    })
    const row = {}
    columns.forEach((name, i) => { row[name] = view.column(i) })
    histograms.forEach((h, k) => {
      row[h.name] = { count: view.count(k), sum: view.sum(k), counts: Array.from({ length: h.bounds.length + 1 }, (_, i) => view.bucket(k, i)) }
    })
    if (view.overflow) overflow = row
    else {
      assert.not.ok(view.name in topics, `${view.name} comes once`)
      topics[view.name] = row
    }
  })
  return { topics, overflow }
}

const plain = snap => ({ topics: Object.fromEntries(snap.topics), overflow: snap.overflow })

/** Fills `tally` (capacity 3): three topics of its own and two in the overflow row. */
function fill (tally, k = 1) {
  const names = ['orders', 'payments', 'audit', 'late-1', 'late-2']
  names.forEach((name, i) => {
    const b = tally.bind(name)
    b.success(3 * k + i)
    if (i % 2 === 0) b.error(k + i)
    b.add('bytes', 1500 * (i + 1))
    for (const v of [0.0004, 0.003 * (i + 1), 0.05, 0.7, 2.5 + i]) b.observe('duration', v * k)
    b.observe('size', 99 + 400 * i)
  })
}

async function table () {
  return Tally.create({ capacity: 3, ...SCHEMA, onOverflow: () => {} })
}

test('rows read in place equal snapshot() of the same batch: columns, buckets, counts, sums, the overflow row', async () => {
  const tally = await table()
  fill(tally)
  const batch = tally.openBatch(0, { lazy: true })
  const read = readAll(batch.rows)
  assert.is(Object.keys(read.topics).length, 3)
  assert.ok(read.overflow.success > 0 && read.overflow.duration.count === 10, 'precondition: the overflow row holds two topics')
  tally.releaseBatch(batch) // left pending: snapshot() returns the same batch
  const snap = tally.snapshot()
  assert.is(snap.batch.id, batch.id.id)
  assert.equal(read, plain(snap))
  // Sums compared bit for bit (assert.equal would pass -0 for 0 too).
  for (const [name, row] of snap.topics) assert.ok(Object.is(read.topics[name].duration.sum, row.duration.sum), name)
})

test('the default schema, and the lazy snapshot equals the eager one', async () => {
  const tally = await Tally.create({ capacity: 2, onOverflow: () => {} })
  for (const [t, n] of [['a', 1], ['b', 2], ['c', 3]]) { tally.record(t, 'success', n); tally.record(t, 'error', n + 10) }
  const lazy = tally.openBatch(0, { lazy: true })
  const read = readAll(lazy.rows)
  const built = plain(lazy.snapshot)
  tally.releaseBatch(lazy)
  const eager = tally.openBatch(0)
  assert.equal(read, built)
  assert.equal(plain(eager.snapshot), built)
  assert.equal(read, { topics: { a: { success: 1, error: 11 }, b: { success: 2, error: 12 } }, overflow: { success: 3, error: 13 } })
  tally.ackBatch(eager)
})

test('a name two slots hold (a topic registered twice) comes once, merged, as in snapshot()', async () => {
  const reader = await table()
  const writer = await Tally.attach(reader.share())
  writer.bind('orders') // slot 0
  writer.bind('twin') // slot 1
  // The reader learns slot 1 under the name of slot 0, as a directory that registered "orders" twice would name it.
  reader.names.remember(1, 'orders')
  const b = writer.bind('orders')
  const t = writer.bind('twin')
  b.success(2); b.observe('duration', 0.05); b.observe('size', 5); b.add('bytes', 7)
  t.success(5); t.error(1); t.observe('duration', 0.5); t.observe('duration', 0.0001); t.observe('size', 5000)
  const batch = reader.openBatch(0, { lazy: true })
  const read = readAll(batch.rows)
  assert.ok(reader.names.duplicates, 'precondition: two slots carry one name')
  reader.releaseBatch(batch)
  const snap = reader.snapshot()
  assert.equal([...snap.topics.keys()], ['orders'])
  assert.equal(read, plain(snap))
  assert.is(read.topics.orders.success, 7)
  assert.equal(read.topics.orders.duration.counts, [1, 0, 1, 1, 0])
})

test('after a partial delivery the rest, read in place, equals snapshot() of the rest', async () => {
  const tally = await table()
  fill(tally)
  const first = tally.openBatch(0, { lazy: true })
  const whole = readAll(first.rows)
  const undelivered = { epoch: first.id.sequence, topics: new Map([['payments', { ...whole.topics.payments, success: 1 }]]), overflow: { ...whole.overflow, error: 0 } }
  assert.ok(tally.ackBatch(first, undelivered))
  const rest = tally.openBatch(0, { lazy: true })
  assert.is.not(rest.id.id, first.id.id, 'the rest goes out under a new id')
  const read = readAll(rest.rows)
  assert.equal(Object.keys(read.topics), ['payments'])
  assert.is(read.topics.payments.success, 1)
  assert.equal(read.topics.payments.duration, whole.topics.payments.duration)
  assert.is(read.overflow.error, 0)
  assert.equal(read.overflow.size, whole.overflow.size)
  tally.releaseBatch(rest)
  assert.equal(read, plain(tally.snapshot()))
})

test('a KafkaTally: rows hold the topics only, extra() the failures by cause, as its snapshot', async () => {
  const kt = await KafkaTally.create({ capacity: 4, errorCapacity: 4 })
  kt.success('orders', 3)
  kt.error('orders', 2, Object.assign(new Error('x'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false }))
  kt.error('payments', 1, Object.assign(new Error('y'), { name: 'KafkaJSConnectionError', retriable: true }))
  const batch = kt.openBatch(0, { lazy: true })
  const read = readAll(batch.rows)
  const extra = batch.rows.extra()
  kt.releaseBatch(batch)
  const snap = kt.snapshot()
  assert.equal(read, plain(snap))
  assert.ok(snap.errors.size === 2, 'precondition: failures by cause')
  for (const key of ['errors', 'errorsOverflow', 'processErrors', 'processErrorsOverflow']) assert.equal(extra[key], snap[key], key)
})

test('isEmpty() agrees with the Snapshot: nothing, the overflow row alone, a KafkaTally holding only error kinds', async () => {
  const tally = await Tally.create({ capacity: 1, onOverflow: () => {} })
  const check = (table, expected, what) => {
    const batch = table.openBatch(0, { lazy: true })
    const empty = batch.rows.isEmpty()
    const snap = batch.snapshot
    table.ackBatch(batch)
    const counted = snap.overflow.success + snap.overflow.error + [...snap.topics.values()].reduce((n, r) => n + r.success + r.error, 0)
    assert.is(empty, expected, what)
    assert.is(empty, counted === 0, `${what}: as the Snapshot`)
  }
  check(tally, true, 'nothing counted')
  tally.record('a', 'success')
  tally.record('b', 'error') // the table is full: the overflow row
  tally.snapshot()
  tally.record('b', 'error')
  check(tally, false, 'the overflow row alone')
  const kt = await KafkaTally.create({ capacity: 2, errorCapacity: 2 })
  kt.error('orders', 1, new Error('x'))
  kt.snapshot() // the error and its kind go out together
  // A kind row counted with no error beside it (as when a formation splits the two): hidden, so empty.
  kt.tally.recordRow('!' + 'orders', 'error', 1)
  check(kt, true, 'only a hidden kind row')
})

test('snapshotRows reads a Snapshot the same way', async () => {
  const tally = await table()
  fill(tally, 3)
  const snap = tally.snapshot()
  const rows = snapshotRows(snap, tally.schema)
  assert.equal(readAll(rows), plain(snap))
  assert.is(rows.batch, snap.batch)
  assert.not.ok(rows.isEmpty())
  assert.ok(snapshotRows(tally.snapshot(), tally.schema).isEmpty())
})

test('rows are read only while the batch is open, and only while it is still the pending one', async () => {
  const tally = await table()
  fill(tally)
  const batch = tally.openBatch(0, { lazy: true })
  tally.ackBatch(batch)
  assert.throws(() => batch.rows.forEachRow(() => {}), e => e instanceof BatchClosedError)
  assert.throws(() => batch.snapshot, e => e instanceof BatchClosedError, 'a lazy snapshot never read while open is gone')
  // Another holder moved the batch on mid-read (here: acked behind the reader's back): the walk throws at its end.
  fill(tally)
  const open = tally.openBatch(0, { lazy: true })
  let rowsSeen = 0
  assert.throws(() => open.rows.forEachRow(() => { if (rowsSeen++ === 0) tally.core.batchAck(open.id.sequence) }), e => e instanceof BatchClosedError && /taken over/.test(e.message))
  tally.releaseBatch(open)
})

test('a flusher hands rows to a sink with writeRows(), keeps them on failure and after a partial delivery, and a hung sink reads nothing late', async () => {
  const tally = await table()
  const seen = []
  let mode = 'fail'
  let late
  const sink = {
    name: 'rows',
    write () { throw new Error('write() is not used when writeRows() exists') },
    writeRows (rows) {
      const read = readAll(rows)
      seen.push({ id: rows.batch.id, read })
      if (mode === 'fail') throw new Error('down')
      if (mode === 'partial') {
        const part = { epoch: rows.epoch, topics: new Map([['orders', read.topics.orders]]), overflow: { ...read.overflow } }
        throw new PartialDeliveryError('orders and the overflow row did not go out', part)
      }
      if (mode === 'hang') return new Promise(resolve => { late = () => { try { rows.forEachRow(() => {}) } catch (e) { resolve(); return e } } })
    }
  }
  const flusher = flushEvery(tally, 60_000, sink, { timer: false, sinkTimeoutMs: 50, backoff: { initialMs: 0 } })
  const errors = []
  flusher.on('error', e => errors.push(e))
  const flushed = []
  flusher.on('flush', info => flushed.push(info))
  fill(tally)
  const expected = plain(tally.openBatch(0).snapshot) // the same batch, read eagerly and left pending
  tally.releaseBatch()
  assert.is((await flusher.flush()).delivered, false)
  assert.equal(seen[0].read, expected)
  assert.equal(plain(flusher.pending()), expected, 'the failed batch is kept whole')
  mode = 'partial'
  await flusher.flush()
  assert.is(seen[1].id, seen[0].id, 'retried under the same id')
  assert.equal(Object.keys(plain(flusher.pending()).topics), ['orders'])
  mode = 'ok'
  assert.is((await flusher.flush()).delivered, true)
  assert.is.not(seen[2].id, seen[1].id, 'the undelivered part under a new id')
  assert.equal(seen[2].read, { topics: { orders: expected.topics.orders }, overflow: expected.overflow })
  assert.equal(plain(flushed[0].snapshot), seen[2].read, 'flush listeners get the Snapshot of what the sink read')
  fill(tally)
  mode = 'hang'
  assert.is((await flusher.flush()).delivered, false)
  assert.match(errors.at(-1).message, /did not settle/)
  assert.ok(late() instanceof BatchClosedError, 'a sink that reads after its timeout is refused')
  mode = 'ok'
  assert.is((await flusher.flush()).delivered, true)
  assert.equal(seen.at(-1).id, seen.at(-2).id, 'the hung batch delivered again under its id')
  assert.is(await flusher.stop(), undefined)
})

test.run()
