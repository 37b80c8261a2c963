// The lease floor (leaseMs at least 1 ms per 20,000 counter words, 50 ns a
// word) keeps a formation inside its lease even with the cores busy: here
// three threads spin beside the writer and two flushers forming back to back
// on 12.8 million words, at the least lease attach allows, and nothing may be
// lost. (At a floor of 1 ms per 200,000 words this lost counts in every run
// on a 2-core machine.) A flusher descheduled for longer than its lease
// while it forms is the design's one assumption (docs/ARCHITECTURE.md).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { Tally } from '../dist/index.js'
import { instantiateCore } from '../dist/engine/core.js'
import { addRows, addSnapshot, differences, sum, OVERFLOW_ROW } from '../scripts/lib/counts.mjs'
import { once } from '../scripts/lib/worker-message.mjs'

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

/** Waits until `done()`; fails naming `what` (and `status()`) after `ms`. */
async function until (what, done, status, ms = 120_000) {
  for (const end = Date.now() + ms; !done();) {
    if (Date.now() > end) throw new Error(`gave up after ${ms} ms waiting for ${what}: ${status()}`)
    await sleep(20)
  }
}

test('at the least lease allowed, with the cores busy with other work, two flushers forming back to back lose nothing', async () => {
  const CAP = 100_000
  const STRIPES = 64
  const tally = await Tally.create({ capacity: CAP, stripes: STRIPES, leaseMs: 60_000, onOverflow: () => {} })
  const shared = tally.share()
  const raw = await instantiateCore(shared.module, shared.memory)
  raw.attach(shared.memory.buffer.byteLength)
  while (tally.stats().stripesInUse < STRIPES) raw.takeTicket()
  for (let i = 0; i < CAP; i++) tally.bind(`t${i}`)
  let least
  try {
    await Tally.attach(shared, { leaseMs: 1 })
  } catch (e) {
    least = Number(/leaseMs must be at least (\d+) ms/.exec(e.message)?.[1])
  }
  assert.ok(least > 1, 'precondition: the table has a lease floor')

  const busy = [0, 1, 2].map(() => new Worker('for (;;) {}', { eval: true })) // the other work
  const stop = new SharedArrayBuffer(4)
  const writer = new Worker(new URL('./workers/tail-writer.mjs', import.meta.url), { workerData: { shared, stop, topics: [`t${CAP - 1}`, `t${CAP - 2}`, 'beyond-capacity'] } })
  await once(writer, m => m.ready)
  const seen = new Set()
  const counted = {}
  let batches = 0
  const flushers = [0, 1].map(() => new Worker(new URL('./workers/batch-flusher.mjs', import.meta.url), { workerData: { shared, stop, mode: 'snapshot', leaseMs: least, waitMs: 100 } }))
  for (const f of flushers) {
    f.on('message', m => {
      if (m.kind !== 'batch') return
      batches++
      if (!seen.has(m.id)) { seen.add(m.id); addRows(counted, m.counted) }
    })
  }
  await Promise.all(flushers.map(w => once(w, m => m.kind === 'ready')))
  // At least 6 s of formations, and as long as it takes (however loaded the machine) for 21 batches.
  await sleep(6000)
  await until('21 batches', () => batches > 20, () => `${batches} batches`)
  Atomics.store(new Int32Array(stop), 0, 1)
  const [{ recorded: rec }] = await Promise.all([once(writer, m => m.recorded), ...flushers.map(w => once(w, m => m.kind === 'stopped'))])
  await Promise.all([writer, ...flushers, ...busy].map(w => w.terminate()))
  for (let i = 0; i < 2; i++) addSnapshot(counted, tally.snapshot({ waitMs: 2000 }))

  const recorded = addRows({}, rec)
  recorded[OVERFLOW_ROW] = recorded['beyond-capacity']
  delete recorded['beyond-capacity']
  assert.ok(batches > 20, `the flushers took ${batches} batches`)
  assert.equal(differences(recorded, counted), [], `${sum(recorded)} recorded at a ${least} ms lease`)
})

test.run()
