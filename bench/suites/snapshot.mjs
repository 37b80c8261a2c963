// Suite 4: what a snapshot costs against registered topics and stripes in
// use, with every topic counted on every stripe since the last snapshot (the
// most a snapshot can have to move) and with nothing counted (the scan alone);
// the same for 1024 topics with the Kafka schema (3 columns and a 15-bucket
// histogram), realistic and worst case, with where its time goes; then what
// back-to-back snapshots cost a writer thread.
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

// The Kafka schema, 1024 topics: each shape in a fresh process as above, with
// the profile of its parts (bench/workers/snapshot-cost.mjs says how it is cut).
const KAFKA_TOPICS = 1024
const LOADS = [
  ['kafka-realistic', 'realistic: 3 sends and 3 observations per topic (1-3 buckets), an error on 1 topic in 16'],
  ['kafka-worst', 'worst case: every column and all 15 buckets non-zero']
]
const G_KAFKA = `snapshot(), Kafka schema (3 columns, 15-bucket histogram), ${KAFKA_TOPICS} topics, every topic counted and observed on every stripe in use`
const G_KAFKA_IDLE = `snapshot(), Kafka schema, ${KAFKA_TOPICS} topics, nothing counted since the last one`
const kafkaRows = []
const profileRows = []
for (const [load, what] of LOADS) {
  for (const stripes of [1, 16]) {
    const child = spawnSync(process.execPath, [costRun, ...[KAFKA_TOPICS, stripes, rounds, perRound, warmupCount, warmupMs].map(String), load, 'profile'], { encoding: 'utf8' })
    if (child.status !== 0) throw new Error(`snapshot cost run failed: ${child.stderr}`)
    const res = JSON.parse(child.stdout.trim().split('\n').pop())
    const d = summarize(res.dirty)
    const p = Object.fromEntries(['form', 'read', 'build', 'total'].map(k => [k, summarize(res.profile[k])]))
    const on = `${stripes} stripe${stripes > 1 ? 's' : ''} in use`
    progress(`Kafka schema, ${KAFKA_TOPICS} topics, ${load}, ${on}: ${d.median.toFixed(1)} us (form ${p.form.median.toFixed(0)}, build ${p.build.median.toFixed(0)} us; reading alone ${p.read.median.toFixed(0)} us)`)
    // Ratio: against the default schema's snapshot of the same topics and stripes, all counted.
    kafkaRows.push({ id: `${load}-${KAFKA_TOPICS}-s${stripes}`, label: `${what}, ${on}`, group: G_KAFKA, impl: 'wasm-tally', refersTo: `snapshot/dirty-${KAFKA_TOPICS}-s${stripes}`, ...d })
    if (load === 'kafka-realistic') {
      kafkaRows.push({ id: `kafka-idle-${KAFKA_TOPICS}-s${stripes}`, label: `${on}, nothing counted`, group: G_KAFKA_IDLE, impl: 'wasm-tally', refersTo: `snapshot/idle-${KAFKA_TOPICS}-s${stripes}`, ...summarize(res.idle) })
    }
    const group = `where the time goes: Kafka schema, ${KAFKA_TOPICS} topics, ${load === 'kafka-worst' ? 'worst case' : 'realistic'}, ${on} (${res.profile.cells} non-zero cells)`
    const total = `profile-${load}-s${stripes}-total`
    profileRows.push(
      { id: total, label: 'the parts together (form + build)', group, impl: 'wasm-tally', reference: true, ...p.total },
      { id: `profile-${load}-s${stripes}-form`, label: 'form: batchOpen() in wasm, every stripe\'s counters summed into the stage, the batch written as f64', group, impl: 'wasm-tally', ...p.form },
      { id: `profile-${load}-s${stripes}-build`, label: 'build: readBatch(), the batch region read into the Map and the row objects', group, impl: 'wasm-tally', ...p.build },
      { id: `profile-${load}-s${stripes}-read`, label: 'of which reading: every cell of the batch region read from JS, no object built', group, impl: 'wasm-tally', ...p.read }
    )
  }
}
kafkaRows.sort((a, b) => (a.group > b.group ? -1 : a.group < b.group ? 1 : 0))

// The same realistic load read in place (batch.rows: openBatch(0, { lazy: true }),
// every cell of every row read once through the row view, ackBatch()), with no
// Snapshot built, in PROCESSES fresh processes per shape: each process's median,
// then min, median and max over processes (V8's choices differ between processes).
const PROCESSES = quick ? 3 : 6
const G_ROWS = `batch read in place (batch.rows), Kafka schema, ${KAFKA_TOPICS} topics, realistic load; min-max over ${PROCESSES} processes`
const inPlaceRows = []
// rows: every cell through the view's methods; rows-direct: each row's cells read from row.cells (sums through row.sum()).
const READS = [['rows', 'read in place, a method call per cell'], ['rows-direct', 'read in place, whole rows from row.cells']]
for (const stripes of [1, 16]) {
  for (const [mode, how] of READS) {
    const medians = []
    for (let k = 0; k < PROCESSES; k++) {
      const child = spawnSync(process.execPath, [costRun, ...[KAFKA_TOPICS, stripes, rounds, perRound, warmupCount, warmupMs].map(String), 'kafka-realistic', mode], { encoding: 'utf8' })
      if (child.status !== 0) throw new Error(`batch rows cost run failed: ${child.stderr}`)
      medians.push(median(JSON.parse(child.stdout.trim().split('\n').pop()).dirty))
    }
    const d = summarize(medians)
    const on = `${stripes} stripe${stripes > 1 ? 's' : ''} in use`
    progress(`Kafka schema, ${KAFKA_TOPICS} topics, ${how}, ${on}: ${d.median.toFixed(1)} us (${d.min.toFixed(1)}-${d.max.toFixed(1)} over ${PROCESSES} processes)`)
    // Ratio: against snapshot() of the same load and stripes from this run.
    const id = mode === 'rows' ? `rows-kafka-realistic-${KAFKA_TOPICS}-s${stripes}` : `rows-direct-kafka-realistic-${KAFKA_TOPICS}-s${stripes}`
    inPlaceRows.push({ id, label: `${how}, ${on}`, group: G_ROWS, impl: 'wasm-tally', refersTo: `snapshot/kafka-realistic-${KAFKA_TOPICS}-s${stripes}`, processes: PROCESSES, ...d })
  }
}
rows.push(...kafkaRows, ...inPlaceRows, ...profileRows)

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
  notes: [
    'Snapshot rows: the median of each round\'s snapshots, then median and min-max over rounds. "All counted" means every registered topic was counted on every stripe in use since the previous snapshot (each counter word the snapshot reads has grown).',
    'Read-in-place rows: the same realistic Kafka load delivered through batch.rows, every cell read once through the row view (a method call per cell, or whole rows from row.cells), no Snapshot built; each figure is one process\'s median, and min-max spans the processes; ratio against snapshot() of the same shape.',
    'Kafka schema rows: a row is 20 cells (success, error, bytes, the duration sum\'s two words and 15 buckets); their ratio is against the default schema (2 cells) with the same topics and stripes from the same run. The profile rows time the parts of snapshot() one by one on the same load (ratio: share of the parts together); reading is the part of build that only reads the batch region, measured on the same batch.'
  ],
  rows
})
