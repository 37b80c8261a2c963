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
