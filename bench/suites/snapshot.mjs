// Suite 4: what a snapshot costs against registered topics and stripes in
// use, with every topic counted on every stripe since the last snapshot (the
// most a snapshot can have to move) and with nothing counted (the scan alone);
// then what back-to-back snapshots cost a writer thread.
import { Tally } from '../../dist/index.js'
import { emit, median, mustEqual, progress, quick, summarize } from '../harness.mjs'
import { runWriters } from '../threads.mjs'

const TOPICS = [16, 256, 1024, 4096, 65536]
const STRIPES_IN_USE = [1, 4, 16]
const rounds = quick ? 3 : 5
const perRound = quick ? 5 : 11
const warmupCount = quick ? 15 : 30
const warmupMs = quick ? 50 : 200

const names = Array.from({ length: Math.max(...TOPICS) }, (_, i) => `bench.topic-${i}`)

/** A table with `topics` registered and `stripes` instances (one stripe each) attached in this thread. */
async function table (topics, stripes) {
  const first = await Tally.create({ capacity: topics, stripes: 16 })
  const instances = [first]
  for (let s = 1; s < stripes; s++) instances.push(await Tally.attach(first.share()))
  for (const t of instances) for (let i = 0; i < topics; i++) t.record(names[i], 'success', 0)
  const stats = first.stats()
  mustEqual('registered topics', stats.registered, topics)
  mustEqual('stripes in use', stats.stripesInUse, stripes)
  return { first, instances }
}

function dirty ({ instances }, topics) {
  for (const t of instances) {
    for (let i = 0; i < topics; i++) t.record(names[i], 'success')
  }
}

/** Median microseconds of `perRound` snapshots, each after `before()` (untimed). */
function timeSnapshots ({ first }, before, check) {
  const samples = []
  for (let k = 0; k < perRound; k++) {
    before()
    const t0 = performance.now()
    const snap = first.snapshot()
    samples.push((performance.now() - t0) * 1000)
    check(snap)
  }
  return median(samples)
}

const rows = []
for (const topics of TOPICS) {
  for (const stripes of STRIPES_IN_USE) {
    const t = await table(topics, stripes)
    const dirtyValues = []
    const idleValues = []
    // Warm up (at least `warmupCount` rounds and `warmupMs`, at most 1 s) so the
    // JIT has settled on both paths; the snapshots also drain what it counted.
    const t0 = performance.now()
    for (let k = 0; ; k++) {
      const ms = performance.now() - t0
      if ((k >= warmupCount && ms >= warmupMs) || ms > 1000) break
      dirty(t, topics); t.first.snapshot(); t.first.snapshot()
    }
    for (let r = 0; r < rounds; r++) {
      dirtyValues.push(timeSnapshots(t, () => dirty(t, topics), snap => {
        // Every topic was counted once per stripe since the previous snapshot.
        mustEqual(`topics in a snapshot of ${topics}`, snap.topics.size, topics)
        mustEqual(`count of ${names[topics - 1]}`, snap.topics.get(names[topics - 1]).success, stripes)
      }))
      idleValues.push(timeSnapshots(t, () => {}, snap => mustEqual('topics in an idle snapshot', snap.topics.size, 0)))
    }
    const d = summarize(dirtyValues)
    const i = summarize(idleValues)
    progress(`${topics} topics, ${stripes} stripe${stripes > 1 ? 's' : ''} in use: ${d.median.toFixed(1)} us with every topic counted, ${i.median.toFixed(1)} us idle`)
    rows.push({ id: `dirty-${topics}-s${stripes}`, label: `${topics} topics, ${stripes} stripe${stripes > 1 ? 's' : ''} in use, all counted`, group: `snapshot(), every topic counted on every stripe in use`, impl: 'wasm-tally', reference: topics === 16 && stripes === 1, ...d })
    rows.push({ id: `idle-${topics}-s${stripes}`, label: `${topics} topics, ${stripes} stripe${stripes > 1 ? 's' : ''} in use, nothing counted`, group: 'snapshot(), nothing counted since the last one', impl: 'wasm-tally', reference: topics === 16 && stripes === 1, ...i })
  }
}
rows.sort((a, b) => (a.group > b.group ? -1 : a.group < b.group ? 1 : 0))

// A writer thread's throughput while another thread snapshots back to back.
const n = quick ? 4e6 : 4e7
const warmup = quick ? 2e5 : 2e6
for (const registered of [16, 1024]) {
  const prepare = tally => { for (let i = 0; i < registered; i++) tally.bind(names[i]) }
  const idle = []
  const spin = []
  const busy = []
  const rates = []
  for (let r = 0; r < rounds; r++) {
    idle.push((await runWriters({ topics: [names[0]], n, warmup, capacity: registered, prepare })).perSecond)
    spin.push((await runWriters({ topics: [names[0]], n, warmup, capacity: registered, prepare, snapshotEveryMs: -1 })).perSecond)
    const res = await runWriters({ topics: [names[0]], n, warmup, capacity: registered, prepare, snapshotEveryMs: 0 })
    busy.push(res.perSecond)
    rates.push(res.snapshotsPerSecond)
  }
  const group = `1 writer thread (bind().success()), ${registered} topics registered`
  const a = summarize(idle)
  const c = summarize(spin)
  const b = summarize(busy)
  progress(`${group}: ${(a.median / 1e6).toFixed(1)} M/s alone, ${(c.median / 1e6).toFixed(1)} M/s beside a spinning thread, ${(b.median / 1e6).toFixed(1)} M/s beside back-to-back snapshots (${median(rates).toFixed(0)} snapshots/s)`)
  rows.push({ id: `writer-${registered}-alone`, label: 'no snapshots', group, impl: 'wasm-tally', unit: 'ops/s', reference: true, ...a })
  rows.push({ id: `writer-${registered}-spin`, label: 'control: another thread spinning, not snapshotting', group, impl: 'wasm-tally', unit: 'ops/s', ...c })
  rows.push({ id: `writer-${registered}-busy`, label: `snapshots back to back in another thread (~${median(rates).toFixed(0)}/s)`, group, impl: 'wasm-tally', unit: 'ops/s', snapshotsPerSecond: median(rates), ...b })
}

emit({
  id: 'snapshot',
  title: 'Suite 4: snapshot cost, and writers beside back-to-back snapshots',
  unit: 'us',
  ratio: 'relative to the first row of the group (16 topics, 1 stripe; or the writer alone)',
  params: { rounds, snapshotsPerRound: perRound, writerIncrements: n },
  notes: ['Snapshot rows: the median of each round\'s snapshots, then median and min-max over rounds. "All counted" means every registered topic was counted on every stripe in use since the previous snapshot (each counter word the snapshot drains is non-zero).'],
  rows
})
