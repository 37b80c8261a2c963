// The page: starts producer workers over one shared wasm-tally table with the
// Kafka schema (and, beside it, naive shared counters and histograms), flushes
// both on an interval, and shows recorded vs counted for each, deliveries and
// latency observations. window.demoState always holds the current numbers.
import { Tally } from '../src/index.ts'
import { KAFKA_SCHEMA, DURATION_BOUNDS } from '../src/schemas/kafka.ts' // wasm-tally/kafkajs exports the same
import { CONTROL, TOPICS, topicIndicesOf } from './shared-layout.js'
import { createNaiveCounters, naiveSnapshot } from './naive-counters.js'
import { createNaiveHistograms } from './naive-histograms.js'
import { addSnapshot, createLatencyTotals, latencyRows, observationsCounted, readNaive } from './latency-totals.js'
import { compact, drawTimeline, drawTopicBars, number } from './charts.js'
import { drawLatencyCharts } from './latency-chart.js'
import { gap, settled, verdict } from './verdict.js'

const TIMELINE_POINTS = 120
const $ = id => document.getElementById(id)
const ui = {
  workers: $('workers'),
  workersOut: $('workers-out'),
  rate: $('rate'),
  errors: $('errors'),
  errorsOut: $('errors-out'),
  interval: $('interval'),
  start: $('start'),
  stop: $('stop'),
  reset: $('reset'),
  headline: $('headline'),
  subline: $('subline'),
  bars: $('bars'),
  timeline: $('timeline'),
  throughput: $('throughput'),
  snapshots: $('snapshots'),
  tallyRecorded: $('tally-recorded'),
  tallyCounted: $('tally-counted'),
  tallyGap: $('tally-gap'),
  tallyGapLabel: $('tally-gap-label'),
  naiveRecorded: $('naive-recorded'),
  naiveCounted: $('naive-counted'),
  naiveGap: $('naive-gap'),
  naiveGapLabel: $('naive-gap-label'),
  tallyObserved: $('tally-observed'),
  tallyObservations: $('tally-observations'),
  tallyObsGap: $('tally-obs-gap'),
  tallyObsGapLabel: $('tally-obs-gap-label'),
  naiveObserved: $('naive-observed'),
  naiveObservations: $('naive-observations'),
  naiveObsGap: $('naive-obs-gap'),
  naiveObsGapLabel: $('naive-obs-gap-label'),
  latency: $('latency')
}

const cores = navigator.hardwareConcurrency || 2
ui.workers.max = String(cores)
ui.workers.value = String(Math.min(2, cores))

const control = new Int32Array(new SharedArrayBuffer(CONTROL.WORDS * 4))
let table // the wasm-tally table, its totals, and the naive counters: replaced by Reset
let phase = 'idle' // idle | running | stopping | stopped
let crew = [] // running workers
let timer
let lastFlushAt = 0
let throughput = 0
let failure // the first error, shown instead of the verdict

async function freshTable () {
  return {
    tally: await Tally.create({ capacity: 64, columns: KAFKA_SCHEMA.columns, histograms: KAFKA_SCHEMA.histograms }),
    naive: createNaiveCounters(TOPICS.length),
    naiveHistograms: createNaiveHistograms(TOPICS.length, DURATION_BOUNDS),
    latency: createLatencyTotals(TOPICS, DURATION_BOUNDS),
    counted: new Map(TOPICS.map(t => [t, { success: 0, error: 0 }])),
    naiveCounted: new Float64Array(TOPICS.length * 2),
    recordedBefore: 0, // by workers of earlier runs, exact
    observedBefore: 0, // latencies, likewise
    recordedFinal: true,
    workers: 0,
    runMs: 0, // time workers ran, over all runs
    timeline: []
  }
}

function sum (values) { let s = 0; for (const v of values) s += v; return s }
const countedTotal = () => sum([...table.counted.values()].map(c => c.success + c.error))
const naiveTotal = () => sum(table.naiveCounted)

// What the workers have recorded (word 0) or observed (word 1) so far, exact once they have stopped.
function progressNow (word, before) {
  let live = 0
  for (const w of crew) live += Number(Atomics.load(w.progress, word))
  return before + live
}
const recordedNow = () => progressNow(0, table.recordedBefore)
const observedNow = () => progressNow(1, table.observedBefore)

function flush (drain = false) {
  const snap = table.tally.snapshot()
  let size = 0
  for (const [topic, c] of snap.topics) {
    const total = table.counted.get(topic)
    total.success += c.success
    total.error += c.error
    size += c.success + c.error
  }
  addSnapshot(table.latency, snap)
  readNaive(table.latency, table.naiveHistograms)
  const naive = naiveSnapshot(table.naive)
  for (let i = 0; i < naive.length; i++) table.naiveCounted[i] += naive[i]

  const now = performance.now()
  if (lastFlushAt) throughput = size / ((now - lastFlushAt) / 1000)
  lastFlushAt = now
  table.timeline.push({ epoch: snap.epoch, size, drain })
  if (table.timeline.length > 4 * TIMELINE_POINTS) table.timeline.splice(0, table.timeline.length - TIMELINE_POINTS)
  render()
}

function readControls () {
  Atomics.store(control, CONTROL.RATE, Number(ui.rate.value))
  Atomics.store(control, CONTROL.ERROR_PER_MILLE, Math.round(Number(ui.errors.value) * 10))
  ui.workersOut.textContent = ui.workers.value
  ui.errorsOut.textContent = `${ui.errors.value}%`
}

function spawn (index) {
  const worker = new Worker(new URL('./producer.worker.js', import.meta.url), { type: 'module' })
  const progressBuffer = new SharedArrayBuffer(16) // deliveries recorded, latencies observed
  const member = { worker, progress: new BigInt64Array(progressBuffer) }
  member.done = new Promise((resolve, reject) => {
    const failed = error => { reject(error); fail(error) }
    worker.onmessage = ({ data }) => {
      if (data.type === 'done') resolve(data)
      else if (data.type === 'failed') failed(new Error(`worker ${index}: ${data.message}`))
    }
    worker.onerror = e => failed(new Error(`worker ${index}: ${e.message}`))
  })
  member.done.catch(() => {}) // shown by fail() at once; stop() still sees it
  worker.postMessage({ type: 'start', index, shared: table.tally.share(), naiveBuffer: table.naive.buffer, naiveHistogramBuffer: table.naiveHistograms.buffer, controlBuffer: control.buffer, progressBuffer })
  return member
}

async function start () {
  if (phase === 'running' || phase === 'stopping') return
  phase = 'running'
  readControls()
  Atomics.store(control, CONTROL.RUN, 1)
  const n = Number(ui.workers.value)
  table.workers = n
  table.recordedFinal = false
  crew = Array.from({ length: n }, (_, i) => spawn(i))
  table.startedAt = performance.now()
  lastFlushAt = 0
  timer = setInterval(() => flush(), Number(ui.interval.value))
  render()
}

async function stop () {
  if (phase !== 'running') return
  phase = 'stopping'
  render()
  Atomics.store(control, CONTROL.RUN, 0)
  Atomics.notify(control, CONTROL.RUN)
  const ends = await Promise.allSettled(crew.map(w => w.done))
  for (const w of crew) w.worker.terminate()
  let recorded = 0
  let observed = 0
  for (const end of ends) {
    if (end.status === 'fulfilled') { recorded += end.value.recorded; observed += end.value.observed }
  }
  clearInterval(timer)
  table.runMs += performance.now() - table.startedAt
  crew = []
  table.recordedBefore += recorded
  table.observedBefore += observed
  table.recordedFinal = true
  // Writers have stopped: two snapshots drain everything, stragglers included.
  flush(true)
  flush(true)
  throughput = 0
  phase = 'stopped'
  render()
}

async function reset () {
  if (phase === 'running' || phase === 'stopping') return
  table = await freshTable()
  phase = 'idle'
  throughput = 0
  render()
}

function render () {
  const recorded = recordedNow()
  const counted = countedTotal()
  const naive = naiveTotal()
  const observed = observedNow()
  const observations = observationsCounted(table.latency)
  const final = table.recordedFinal && phase !== 'stopping'
  const running = phase === 'running' || phase === 'stopping'
  const n = running || phase === 'stopped' ? table.workers : Number(ui.workers.value)

  if (phase === 'idle') {
    ui.headline.textContent = `${n} worker${n === 1 ? '' : 's'}, 1 shared table: who loses counts?`
    ui.subline.textContent = 'Each worker records every delivery and its latency twice: once in wasm-tally, once in naive shared counters and histograms. Press Start.'
  } else if (running) {
    ui.headline.textContent = `${n} worker${n === 1 ? '' : 's'}, 1 shared table: ${compact(recorded)} deliveries so far`
    ui.subline.textContent = phase === 'stopping' ? 'Stopping the workers and draining the table…' : 'Both sides flush on the same interval. Press Stop to settle the totals.'
  } else {
    ui.headline.textContent = verdict(n, recorded, counted, naive)
    ui.subline.textContent = settled({ recorded, counted, naive, observed, observations })
  }

  const g1 = gap(recorded, counted, final)
  const g2 = gap(recorded, naive, final)
  ui.tallyRecorded.textContent = number.format(recorded)
  ui.tallyCounted.textContent = number.format(counted)
  ui.tallyGap.textContent = g1.value
  ui.tallyGapLabel.textContent = g1.label
  ui.naiveRecorded.textContent = number.format(recorded)
  ui.naiveCounted.textContent = number.format(naive)
  ui.naiveGap.textContent = g2.value
  ui.naiveGapLabel.textContent = g2.label
  const o1 = gap(observed, observations.tally, final)
  const o2 = gap(observed, observations.naive, final)
  ui.tallyObserved.textContent = number.format(observed)
  ui.tallyObservations.textContent = number.format(observations.tally)
  ui.tallyObsGap.textContent = o1.value
  ui.tallyObsGapLabel.textContent = `observations ${o1.label}`
  ui.naiveObserved.textContent = number.format(observed)
  ui.naiveObservations.textContent = number.format(observations.naive)
  ui.naiveObsGap.textContent = o2.value
  ui.naiveObsGapLabel.textContent = `observations ${o2.label}`
  document.body.dataset.phase = phase
  document.body.dataset.naiveExact = String(final && naive === recorded && observations.naive === observed)

  ui.throughput.textContent = running
    ? `${compact(throughput)} deliveries/s`
    : table.runMs > 0 ? `${compact(recorded / (table.runMs / 1000))} deliveries/s on average` : '—'
  ui.snapshots.textContent = number.format(table.timeline.length ? table.timeline[table.timeline.length - 1].epoch : 0)
  const writers = Array.from({ length: n }, (_, w) => topicIndicesOf(w)).flat()
  const rows = TOPICS.map((topic, i) => ({
    topic,
    ...table.counted.get(topic),
    naive: table.naiveCounted[i * 2] + table.naiveCounted[i * 2 + 1],
    writers: writers.filter(t => t === i).length
  })).filter(row => row.writers > 0 || row.success + row.error + row.naive > 0)
  drawTopicBars(ui.bars, rows)
  const latency = latencyRows(table.latency, rows.map(r => r.topic))
  drawLatencyCharts(ui.latency, latency, DURATION_BOUNDS, final)
  drawTimeline(ui.timeline, table.timeline, TIMELINE_POINTS)

  ui.start.disabled = running
  ui.stop.disabled = phase !== 'running'
  ui.reset.disabled = running
  ui.workers.disabled = running
  ui.interval.disabled = running

  window.demoState = {
    workers: n,
    recorded,
    counted,
    naive: { recorded, counted: naive, observations: { recorded: observed, counted: observations.naive } },
    observations: { recorded: observed, counted: observations.tally },
    snapshots: table.tally.stats().epoch,
    running,
    topics: rows,
    latency: latency.map(({ topic, counts, p50, p99, naiveCount }) => ({ topic, counts, p50, p99, naiveCount }))
  }
  if (failure) showFailure()
}

ui.start.onclick = () => { start().catch(fail) }
ui.stop.onclick = () => { stop().catch(fail) }
ui.reset.onclick = () => { reset().catch(fail) }
for (const input of [ui.workers, ui.rate, ui.errors]) input.oninput = () => { readControls(); if (phase !== 'running') render() }
window.addEventListener('resize', () => { if (table) render() }) // the charts draw at their laid-out widths

function fail (error) {
  console.error(error)
  failure ??= String(error.message || error)
  showFailure()
}

function showFailure () {
  ui.headline.textContent = 'The demo stopped on an error'
  ui.subline.textContent = failure
  window.demoState = { ...window.demoState, error: failure }
}

if (!crossOriginIsolated) {
  ui.headline.textContent = 'This page needs cross-origin isolation'
  ui.subline.textContent = 'Serve it with `npm run demo`: SharedArrayBuffer needs the COOP and COEP headers that server sends.'
  ui.start.disabled = true
  const none = { recorded: 0, counted: 0 }
  window.demoState = { workers: 0, recorded: 0, counted: 0, observations: none, naive: { ...none, observations: none }, snapshots: 0, running: false, topics: [], latency: [], error: 'not cross-origin isolated' }
} else {
  readControls()
  reset().catch(fail)
}
