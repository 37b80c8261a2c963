// Suite 4: what a snapshot costs against registered topics and stripes in
// use, with every topic counted on every stripe since the last snapshot (the
// most a snapshot can have to move) and with nothing counted (the scan alone);
// then what back-to-back snapshots cost a writer thread.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { emit, median, progress, quick, summarize } from '../harness.mjs'
import { runWriters } from '../threads.mjs'

const TOPICS = [16, 256, 1024, 4096, 65536]
const STRIPES_IN_USE = [1, 4, 16]
const rounds = quick ? 3 : 5
const perRound = quick ? 5 : 11
const warmupCount = quick ? 200 : 400
const warmupMs = quick ? 300 : 1000

const names = Array.from({ length: 1024 }, (_, i) => `bench.topic-${i}`)
const costRun = fileURLToPath(new URL('../workers/snapshot-cost.mjs', import.meta.url))

// Each shape is measured in a fresh process, as a flusher thread with one table
// would run: one process's JIT state never colours another shape's numbers.
const rows = []
for (const topics of TOPICS) {
  for (const stripes of STRIPES_IN_USE) {
    const child = spawnSync(process.execPath, [costRun, ...[topics, stripes, rounds, perRound, warmupCount, warmupMs].map(String)], { encoding: 'utf8' })
    if (child.status !== 0) throw new Error(`snapshot cost run failed: ${child.stderr}`)
    const res = JSON.parse(child.stdout.trim().split('\n').pop())
    const d = summarize(res.dirty)
    const i = summarize(res.idle)
    progress(`${topics} topics, ${stripes} stripe${stripes > 1 ? 's' : ''} in use: ${d.median.toFixed(1)} us with every topic counted, ${i.median.toFixed(1)} us idle`)
    rows.push({ id: `dirty-${topics}-s${stripes}`, label: `${topics} topics, ${stripes} stripe${stripes > 1 ? 's' : ''} in use, all counted`, group: 'snapshot(), every topic counted on every stripe in use', impl: 'wasm-tally', reference: topics === 16 && stripes === 1, ...d })
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
