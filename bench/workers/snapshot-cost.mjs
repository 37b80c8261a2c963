// One shape of suite 4 in a process of its own: a table with `topics`
// registered and `stripes` instances attached in this thread (one stripe
// each), timed snapshots with every topic counted on every stripe and with
// nothing counted. Prints { dirty, idle }: per round, the median microseconds.
//   node bench/workers/snapshot-cost.mjs topics stripes rounds perRound warmupCount warmupMs [load]
//
// load names the table and what each topic gets on each stripe between snapshots:
//   default          the default schema (success, error): one success
//   kafka-realistic  the Kafka schema (success, error, bytes; a 15-bucket
//                    duration histogram): 3 successes, their bytes, an error on
//                    one topic in 16, and 3 observations of real latencies (so
//                    1 to 3 buckets)
//   kafka-worst      the Kafka schema with every cell non-zero: all 3 columns
//                    and one observation in each of the 15 buckets
// With `profile` after the load, it also times the snapshot's parts (see profile()).
// With `rows` after the load, it times the batch read in place instead of snapshot():
// openBatch(0, { lazy: true }), every cell of every row read once through batch.rows
// (each column, each histogram's sum and buckets), ackBatch(); no Snapshot built.
// With `rows-direct` instead, the same read with each row's columns and buckets
// taken from row.cells (the batch region's Float64Array, from row.at) and the
// sums through row.sum(): no method call per cell.
import { Tally } from '../../dist/index.js'
import { readBatch } from '../../dist/engine/snapshot.js'
import { acquire } from '../../dist/engine/lock.js'
import { LOCK_BUSY } from '../../dist/engine/generated/constants.js'
import { median, mustEqual } from '../harness.mjs'
import { BOUNDS, SCHEMA, latencies } from '../latency.mjs'

const [topics, stripes, rounds, perRound, warmupCount, warmupMs] = process.argv.slice(2, 8).map(Number)
const load = process.argv[8] ?? 'default'
const profiling = process.argv[9] === 'profile'
const direct = process.argv[9] === 'rows-direct'
const inPlace = process.argv[9] === 'rows' || direct
const kafka = load !== 'default'
const names = Array.from({ length: topics }, (_, i) => `bench.topic-${i}`)
const VALUES = latencies(3 * topics)
// One value inside each of the 15 buckets (the last above every bound).
const EVERY_BUCKET = [...BOUNDS.map((b, i) => i === 0 ? b / 2 : (BOUNDS[i - 1] + b) / 2), BOUNDS[BOUNDS.length - 1] * 2]
const perTopic = load === 'kafka-worst' ? EVERY_BUCKET.length : load === 'kafka-realistic' ? 3 : 0

/** A table with `topics` registered and `stripes` instances (one stripe each) attached in this thread. */
async function table (topics, stripes) {
  const first = await Tally.create({ capacity: topics, stripes: 16, ...(kafka ? SCHEMA : {}) })
  const instances = [first]
  for (let s = 1; s < stripes; s++) instances.push(await Tally.attach(first.share()))
  for (const t of instances) for (let i = 0; i < topics; i++) t.record(names[i], 'success', 0)
  const stats = first.stats()
  mustEqual('registered topics', stats.registered, topics)
  mustEqual('stripes in use', stats.stripesInUse, stripes)
  // Each instance's bound handles, for the Kafka loads.
  const handles = kafka ? instances.map(t => names.map(n => t.bind(n))) : []
  return { first, instances, handles }
}

/** What every topic gets on every stripe in use between two snapshots. */
function dirty ({ instances, handles }, topics) {
  for (const [s, t] of instances.entries()) {
    if (load === 'default') {
      for (let i = 0; i < topics; i++) t.record(names[i], 'success')
    } else if (load === 'kafka-realistic') {
      for (let i = 0; i < topics; i++) {
        const h = handles[s][i]
        h.success(3)
        h.add('bytes', 3 * 1500)
        if ((i & 15) === 0) h.error()
        for (let j = 0; j < 3; j++) h.observe('duration', VALUES[3 * i + j])
      }
    } else {
      for (let i = 0; i < topics; i++) {
        const h = handles[s][i]
        h.success(15)
        h.error()
        h.add('bytes', 15 * 1500)
        for (const v of EVERY_BUCKET) h.observe('duration', v)
      }
    }
  }
}

/** Checks a snapshot taken after dirty(): every topic is there with what each stripe gave it. */
function checkDirty (snap) {
  mustEqual(`topics in a snapshot of ${topics}`, snap.topics.size, topics)
  const last = snap.topics.get(names[topics - 1])
  if (load === 'default') mustEqual(`count of ${names[topics - 1]}`, last.success, stripes)
  else {
    mustEqual(`successes of ${names[topics - 1]}`, last.success, (load === 'kafka-worst' ? 15 : 3) * stripes)
    mustEqual(`observations of ${names[topics - 1]}`, last.duration.count, perTopic * stripes)
    if (load === 'kafka-worst') mustEqual('buckets in use', last.duration.counts.filter(n => n > 0).length, BOUNDS.length + 1)
  }
}

/** Reads a batch in place: every cell of every row through the view; returns what a check needs. */
function readRows (first) {
  const batch = first.openBatch(0, { lazy: true })
  const { columns, histograms } = batch.rows.shape
  const nc = columns.length
  const nh = histograms.length
  const nb = histograms.map(h => h.bounds.length + 1)
  const lastName = names[topics - 1]
  // Totals kept in a typed array: a number variable the callback adds to would be boxed on every add.
  const acc = new Float64Array(5) // rows, total, and the last topic's success, observations, buckets in use
  const firsts = histograms.map(h => h.first)
  const wholeRow = row => {
    if (row.overflow) return
    const cells = row.cells
    const at = row.at
    let total = 0
    for (let i = 0; i < nc; i++) total += cells[at + i]
    for (let h = 0; h < nh; h++) {
      total += row.sum(h)
      const first = at + firsts[h]
      for (let i = 0; i < nb[h]; i++) total += cells[first + i]
    }
    acc[0]++
    acc[1] += total
    if (row.name === lastName) {
      acc[2] = cells[at]
      acc[3] = nh > 0 ? row.count(0) : 0
      for (let i = 0; nh > 0 && i < nb[0]; i++) if (cells[at + firsts[0] + i] > 0) acc[4]++
    }
  }
  const cellByCell = row => {
    if (row.overflow) return
    let total = 0
    for (let i = 0; i < nc; i++) total += row.column(i)
    for (let h = 0; h < nh; h++) {
      total += row.sum(h)
      for (let i = 0; i < nb[h]; i++) total += row.bucket(h, i)
    }
    acc[0]++
    acc[1] += total
    if (row.name === lastName) { // what the checks need, read again for one row only
      acc[2] = row.column(0)
      acc[3] = nh > 0 ? row.count(0) : 0
      for (let i = 0; nh > 0 && i < nb[0]; i++) if (row.bucket(0, i) > 0) acc[4]++
    }
  }
  batch.rows.forEachRow(direct ? wholeRow : cellByCell)
  mustEqual('ack of the batch read in place', first.ackBatch(batch), true)
  // The shape of a snapshot, for the same checks: the last topic's row stands for all.
  const last = { success: acc[2], duration: { count: acc[3], counts: new Array(acc[4]).fill(1) } }
  return { topics: { size: acc[0], get: () => last }, total: acc[1] }
}

/** Median microseconds of `perRound` snapshots, each after `before()` (untimed). */
function timeSnapshots ({ first }, before, check) {
  const samples = []
  for (let k = 0; k < perRound; k++) {
    before()
    const t0 = performance.now()
    const snap = inPlace ? readRows(first) : first.snapshot()
    samples.push((performance.now() - t0) * 1000)
    check(snap)
  }
  return median(samples)
}

// The profile reaches into the instance the way snapshot() does (the same
// calls, in the same order, with the lock held), timing each part:
//   form     batchOpen(): every counter word of every stripe in use summed
//            into the stage, and the batch (stage - base) written as f64
//   build    readBatch(): the batch region read into the Map and one row
//            object per topic with anything in it, as snapshot() does
//   read     the reading alone, on the same data: every cell of every
//            registered row read from the batch region and summed, no object built
function phases (tab) {
  const { first } = tab
  const core = first.core
  const hold = () => mustEqual('profile lock', acquire(core, first.lockWord, first.owner, first.leaseMs, 1000) !== LOCK_BUSY, true)
  const out = { form: 0, build: 0, read: 0, cells: 0 }
  dirty(tab, topics)
  hold()
  let t0 = performance.now()
  const epoch = core.batchOpen(Date.now())
  let t1 = performance.now()
  const snap = readBatch(core, first.memory, first.names, epoch, first.schema)
  const t2 = performance.now()
  out.form = (t1 - t0) * 1000
  out.build = (t2 - t1) * 1000
  checkDirty(snap)
  // The same batch, read again without building anything.
  const width = first.schema.cells
  const cells = new Float64Array(first.memory.buffer, core.address(2 /* REGION_BATCH */), (core.tableCapacity() + 1) * width)
  const n = core.registered() * width
  let sum = 0
  let nonZero = 0
  t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const v = cells[i]
    if (v !== 0) { sum += v; nonZero++ }
  }
  t1 = performance.now()
  mustEqual('profile ack', core.batchAck(epoch), 1)
  core.lockRelease()
  out.read = (t1 - t0) * 1000
  out.cells = nonZero
  if (sum === 0) throw new Error('profile: nothing read')
  return out
}

const t = await table(topics, stripes)
const dirtyValues = []
const idleValues = []
// Warm up for at least `warmupCount` rounds and `warmupMs` (at most twice that):
// readBatch() and its Map building take a few hundred snapshots, about a second,
// to be fully optimised. The snapshots also take what the warm-up counted.
const t0 = performance.now()
for (let k = 0; ; k++) {
  const ms = performance.now() - t0
  if ((k >= warmupCount && ms >= warmupMs) || ms > 2 * warmupMs) break
  dirty(t, topics)
  if (inPlace) { readRows(t.first); readRows(t.first) } else { t.first.snapshot(); t.first.snapshot() }
  // The profile's own code is warmed up alike.
  if (profiling) phases(t)
}
const profile = { form: [], read: [], build: [], total: [], cells: 0 }
for (let r = 0; r < rounds; r++) {
  dirtyValues.push(timeSnapshots(t, () => dirty(t, topics), checkDirty))
  idleValues.push(timeSnapshots(t, () => {}, snap => mustEqual('topics in an idle snapshot', snap.topics.size, 0)))
  if (profiling) {
    const parts = []
    for (let k = 0; k < perRound; k++) parts.push(phases(t))
    for (const key of ['form', 'build', 'read']) profile[key].push(median(parts.map(p => p[key])))
    profile.total.push(median(parts.map(p => p.form + p.build)))
    profile.cells = parts[0].cells
  }
}
process.stdout.write(JSON.stringify({ topics, stripes, load, dirty: dirtyValues, idle: idleValues, ...(profiling ? { profile } : {}) }) + '\n')
