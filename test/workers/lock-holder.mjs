// A flusher that stops mid-snapshot: it takes the lock, forms a batch (it is
// now pending), then hangs (until terminated) before acknowledging it. mode "loop" instead snapshots back to back forever.
import { workerData, parentPort } from 'node:worker_threads'
import { instantiateCore } from '../../dist/engine/core.js'
import { LOCK_TAKEN } from '../../dist/engine/generated/constants.js'
import { Tally } from '../../dist/index.js'

const { shared, mode } = workerData
if (mode === 'loop') {
  const tally = await Tally.attach(shared)
  parentPort.postMessage({ looping: true })
  for (;;) tally.snapshot()
} else {
  const core = await instantiateCore(shared.module, shared.memory)
  core.attach(shared.memory.buffer.byteLength)
  const owner = core.takeTicket() + 1
  if (core.lockTry(owner, Date.now(), shared.leaseMs) !== LOCK_TAKEN) throw new Error('lock was not free')
  core.batchOpen(Date.now())
  parentPort.postMessage({ holding: true })
  for (;;) { /* hold the lock until terminated */ }
}
