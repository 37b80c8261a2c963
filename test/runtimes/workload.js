// The workload every runtime runs, in plain ESM with no runtime APIs: threads
// record a known mix of topics, outcomes and counts, snapshots are summed, and
// the totals must match expected() exactly.
import { addOutcome, addSnapshot, normalise } from '../../scripts/lib/counts.mjs'

export const TOPICS = ['orders', 'payments', 'audit.log', 'user-events', 'x_1']

/** What writer `writer` records at step `k`. */
export function step (writer, k) {
  return {
    topic: TOPICS[(writer * 3 + k) % TOPICS.length],
    outcome: (writer + k) % 3 === 0 ? 'error' : 'success',
    count: 1 + (k % 4),
    viaBind: k % 2 === 0
  }
}

/** Records writer `writer`'s steps from..from+steps into `tally` (bindings and record() alternate). */
export function write (tally, writer, steps, from = 0) {
  const bound = new Map(TOPICS.map(t => [t, tally.bind(t)]))
  for (let k = from; k < from + steps; k++) {
    const { topic, outcome, count, viaBind } = step(writer, k)
    if (viaBind) bound.get(topic)[outcome](count)
    else tally.record(topic, outcome, count)
  }
}

/** The exact totals of writers firstWriter.. (`writers` of them), steps from..from+steps. */
export function expected (writers, steps, from = 0, firstWriter = 0) {
  const totals = {}
  for (let w = firstWriter; w < firstWriter + writers; w++) {
    for (let k = from; k < from + steps; k++) {
      const { topic, outcome, count } = step(w, k)
      addOutcome(totals, topic, outcome, count)
    }
  }
  return totals
}

/** The totals of one snapshot, comparable with expected(). */
export function snapshotTotals (tally) {
  return normalise(addSnapshot({}, tally.snapshot()))
}

function check (what, got, want) {
  const a = JSON.stringify(got)
  const b = JSON.stringify(normalise(want))
  if (a !== b) throw new Error(`${what}: counted ${a}, expected ${b}`)
}

/** One thread: the main thread records in chunks and snapshots between them. */
export function runSingleThread (tally, { steps, chunks = 10 }) {
  const totals = {}
  const per = Math.ceil(steps / chunks)
  let snapshots = 0
  for (let done = 0; done < steps; done += per) {
    const part = Math.min(per, steps - done)
    write(tally, 0, part, done)
    addSnapshot(totals, tally.snapshot())
    snapshots++
  }
  check('single thread', normalise(totals), expected(1, steps))
  return { counted: normalise(totals), snapshots }
}

/**
 * Threads, run from the main thread. `start()` starts a worker and returns
 * { send(message), next(): Promise<message>, stop() }. Two checks:
 * - handoff: what the main thread's wasm writes a worker's snapshot sees
 *   exactly, and the reverse (no concurrency: any miss is a visibility bug);
 * - concurrent: `writers` workers record while the main thread snapshots
 *   continuously; two final snapshots drain the stragglers; totals are exact.
 */
export async function runThreads (tally, start, { writers, steps }) {
  const shared = tally.share()
  const threads = []
  for (let i = 0; i < writers; i++) threads.push(start())
  try {
    threads.forEach(t => t.send({ shared }))
    for (const t of threads) await answer(t, 'ready')

    // Handoff, main -> worker: the main thread writes as writer `writers`, a worker snapshots.
    write(tally, writers, steps)
    threads[0].send('snapshot')
    check('main thread writes, worker snapshot', (await answer(threads[0], 'snapshot')).snapshot, expected(1, steps, 0, writers))
    // Handoff, worker -> main.
    threads[0].send({ write: 0, steps })
    await answer(threads[0], 'done')
    check('worker writes, main thread snapshot', snapshotTotals(tally), expected(1, steps))

    // Concurrent writers, continuous snapshots.
    const totals = {}
    let snapshots = 0
    let running = true
    const flusher = (async () => {
      while (running) {
        addSnapshot(totals, tally.snapshot())
        snapshots++
        await new Promise(resolve => setTimeout(resolve, 0))
      }
    })()
    threads.forEach((t, i) => t.send({ write: i, steps }))
    try {
      for (const t of threads) await answer(t, 'done')
    } finally {
      running = false
      await flusher
    }
    addSnapshot(totals, tally.snapshot())
    addSnapshot(totals, tally.snapshot())
    check(`${writers} worker writers, continuous snapshots`, normalise(totals), expected(writers, steps))
    return { counted: normalise(totals), snapshots: snapshots + 2, writers, steps }
  } finally {
    threads.forEach(t => t.stop())
  }
}

async function answer (thread, want) {
  const msg = await thread.next()
  if (msg !== want && !(msg !== null && typeof msg === 'object' && want in msg)) {
    throw new Error(`a worker answered ${JSON.stringify(msg)} instead of ${want}`)
  }
  return msg
}

/** Worker side: serves the main thread's messages with the bundle's Tally. */
export async function serveWorker (loadTally, send, nextMessage) {
  try {
    const first = await nextMessage()
    const Tally = await loadTally(first)
    const tally = await Tally.attach(first.shared)
    send('ready')
    for (;;) {
      const msg = await nextMessage()
      if (msg === 'snapshot') send({ snapshot: snapshotTotals(tally) })
      else if (msg && typeof msg.write === 'number') { write(tally, msg.write, msg.steps); send('done') } else throw new Error(`unexpected message ${JSON.stringify(msg)}`)
    }
  } catch (error) {
    send({ error: String(error && error.stack ? error.stack : error) })
  }
}

/** Queues messages so a thread can await them one by one. */
export function inbox () {
  const queue = []
  const waiting = []
  return {
    push (msg) { const w = waiting.shift(); if (w) w(msg); else queue.push(msg) },
    next () { return queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise(resolve => waiting.push(resolve)) }
  }
}

// Histograms: a known multiset of observations (values on every bound, between
// bounds, above the last) into a table with the Kafka schema, snapshots between
// chunks; bucket counts, sums (nano-units) and bytes compared exactly.
export const HISTOGRAM_SCHEMA = { columns: ['success', 'error', 'bytes'], histograms: { duration: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] } }
const OBSERVED = [0, 0.005, 0.0049, 0.0123, 0.025, 0.1, 0.3, 1, 2.5, 4.2, 10, 12]

/** What the histogram workload observes, counted by hand: { topic: { bytes, nanos, counts } }. */
export function expectedHistograms (steps) {
  const bounds = HISTOGRAM_SCHEMA.histograms.duration
  const out = {}
  for (let k = 0; k < steps; k++) {
    const topic = TOPICS[k % TOPICS.length]
    const v = OBSERVED[k % OBSERVED.length]
    const row = out[topic] ??= { bytes: 0, nanos: 0, counts: new Array(bounds.length + 1).fill(0) }
    row.bytes += k % 9
    row.nanos += Math.round(v * 1e9)
    const i = bounds.findIndex(b => v <= b)
    row.counts[i < 0 ? bounds.length : i]++
  }
  return out
}

/** Observes steps from..from+steps (bindings and observe() by name alternate). */
export function observeSteps (tally, steps, from = 0) {
  const bound = new Map(TOPICS.map(t => [t, tally.bind(t)]))
  for (let k = from; k < from + steps; k++) {
    const topic = TOPICS[k % TOPICS.length]
    const v = OBSERVED[k % OBSERVED.length]
    if (k & 1) { bound.get(topic).observe('duration', v); bound.get(topic).add('bytes', k % 9) } else { tally.observe(topic, 'duration', v); tally.record(topic, 'bytes', k % 9) }
  }
}

/** Adds a snapshot's histogram rows into running totals of the expectedHistograms() shape. */
export function addHistograms (totals, snapshot) {
  for (const [topic, row] of snapshot.topics) {
    const t = totals[topic] ??= { bytes: 0, nanos: 0, counts: row.duration.counts.map(() => 0) }
    t.bytes += row.bytes
    t.nanos += Math.round(row.duration.sum * 1e9)
    row.duration.counts.forEach((n, i) => { t.counts[i] += n })
    if (row.duration.count !== row.duration.counts.reduce((a, b) => a + b, 0)) throw new Error('count is not the sum of the bucket counts')
  }
  return totals
}

/** One thread observes in chunks and snapshots between them; throws on any miss. */
export function runHistograms (tally, { steps, chunks = 10 }) {
  const totals = {}
  const per = Math.ceil(steps / chunks)
  let snapshots = 0
  for (let done = 0; done < steps; done += per) {
    observeSteps(tally, Math.min(per, steps - done), done)
    addHistograms(totals, tally.snapshot())
    snapshots++
  }
  const counted = byTopic(totals)
  const want = JSON.stringify(byTopic(expectedHistograms(steps)))
  if (JSON.stringify(counted) !== want) throw new Error(`histograms: counted ${JSON.stringify(counted)}, expected ${want}`)
  return { observations: steps, snapshots, counted }
}

/** The same rows, keys sorted: comparable as JSON. */
export function byTopic (totals) {
  return Object.fromEntries(Object.keys(totals).sort().map(topic => [topic, totals[topic]]))
}
