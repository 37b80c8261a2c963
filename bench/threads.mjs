// Runs W writer threads (and optionally a snapshotting thread) over one fresh
// table, and checks that every increment (or observation) was counted exactly
// once.
import { Worker } from 'node:worker_threads'
import { Tally } from '../dist/index.js'
import { mustEqual } from './harness.mjs'
import { SCHEMA } from './latency.mjs'
import { once } from '../scripts/lib/worker-message.mjs'

/**
 * topics: one topic name per writer (repeat a name to share it).
 * ownTables: each writer counts into a table of its own (the control: nothing shared).
 * snapshotEveryMs: undefined for no snapshotting thread, 0 for back to back,
 * -1 for a thread that spins without snapshotting (the control for a busy core).
 * op: 'success' counts bind().success() on the default table; 'observe' calls
 * bind().observe('duration', v) on a table with the Kafka schema, and the check
 * counts observations (each snapshot row's duration.count).
 * Returns { perSecond, seconds, total, snapshots, snapshotsPerSecond, snapshotBusyMs }.
 */
export async function runWriters ({ topics, n, warmup, snapshotEveryMs, ownTables = false, capacity = 64, stripes = 16, prepare, op = 'success' }) {
  const tally = await Tally.create({ capacity, stripes, ...(op === 'observe' ? SCHEMA : {}) })
  if (prepare) prepare(tally)
  const shared = tally.share()
  const signal = new SharedArrayBuffer(8)
  const flags = new Int32Array(signal)
  const snapshotter = snapshotEveryMs === undefined
    ? undefined
    : new Worker(new URL('./workers/snapshotter.mjs', import.meta.url), { workerData: { shared, signal, everyMs: snapshotEveryMs, op } })
  const writers = topics.map(topic =>
    new Worker(new URL('./workers/writer.mjs', import.meta.url), { workerData: { shared: ownTables ? null : shared, topic, n, warmup, signal, op } }))
  // Listen before anything can arrive: a message with no listener is lost.
  const ready = [...writers, ...(snapshotter ? [snapshotter] : [])].map(w => once(w, m => m.ready))
  const done = writers.map(w => once(w, m => m.end !== undefined))
  const flushedP = snapshotter ? once(snapshotter, m => m.counted) : Promise.resolve({ counted: {}, snapshots: 0, busyMs: 0, during: 0, windowMs: 0 })
  for (const p of [...done, flushedP]) p.catch(() => {})
  try {
    await Promise.all(ready)
    Atomics.store(flags, 0, 1)
    Atomics.notify(flags, 0)
    const reports = await Promise.all(done)
    Atomics.store(flags, 1, 1)
    Atomics.notify(flags, 1)
    const flushed = await flushedP

    // Writers have stopped: two snapshots take the rest (a pending batch comes out first, alone).
    const counted = { ...flushed.counted }
    for (const snap of [tally.snapshot(), tally.snapshot()]) {
      for (const [topic, c] of snap.topics) counted[topic] = (counted[topic] ?? 0) + (op === 'observe' ? c.duration.count : c.success)
    }
    const expected = {}
    for (const [i, topic] of topics.entries()) {
      if (ownTables) mustEqual(`private table of writer ${i}`, reports[i].counted, reports[i].recorded)
      else expected[topic] = (expected[topic] ?? 0) + reports[i].recorded
    }
    for (const topic of Object.keys({ ...expected, ...counted })) mustEqual(`topic ${topic}`, counted[topic] ?? 0, expected[topic] ?? 0)

    const start = Math.min(...reports.map(r => r.start))
    const end = Math.max(...reports.map(r => r.end))
    const seconds = (end - start) / 1000
    const total = n * topics.length
    const snapshotsPerSecond = flushed.windowMs > 0 ? flushed.during / (flushed.windowMs / 1000) : 0
    return { perSecond: total / seconds, seconds, total, snapshots: flushed.snapshots, snapshotsPerSecond, snapshotBusyMs: flushed.busyMs }
  } finally {
    await Promise.all([...writers, ...(snapshotter ? [snapshotter] : [])].map(w => w.terminate()))
  }
}
