// A table of the old layout (version 2), attached from another thread. The
// handle an older copy of the package makes carries its own (old) module, and
// attach instantiates whatever module the handle carries: the layout check
// must not be left to that module, which of course accepts its own layout.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { Tally } from '../dist/index.js'
import { H_VERSION, TABLE_BASE } from '../dist/engine/generated/constants.js'
import { CORE_LAYOUT2_BASE64 } from './fixtures/core-layout2.mjs'
import { once } from '../scripts/lib/worker-message.mjs'

const ATTACH_IN_WORKER = `
  import { workerData, parentPort } from 'node:worker_threads'
  const { Tally, TallyLayoutError } = await import(workerData.index)
  const out = {}
  for (const how of ['attach', 'attachSync']) {
    try {
      const tally = await Tally[how](workerData.shared)
      out[how] = { attached: true, stats: tally.stats() }
      try { tally.snapshot({ waitMs: 100 }); out[how].snapshot = 'ok' } catch (e) { out[how].snapshot = e.name + ': ' + e.message }
    } catch (e) {
      out[how] = { layoutError: e instanceof TallyLayoutError, name: e.name, message: e.message }
    }
  }
  parentPort.postMessage(out)
`

async function attachInWorker (shared) {
  const worker = new Worker(ATTACH_IN_WORKER, { eval: true, workerData: { shared, index: new URL('../dist/index.js', import.meta.url).href } })
  try { return await once(worker) } finally { await worker.terminate() }
}

/** A layout-2 table, made by the layout-2 module, and the handle an older copy of the package would share. */
async function layout2Table () {
  const module = await WebAssembly.compile(Buffer.from(CORE_LAYOUT2_BASE64, 'base64'))
  const probe = new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }) } }).exports
  const pages = Math.ceil(probe.bytesFor(64, 4, 2, 0) / 65536)
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true })
  const core = new WebAssembly.Instance(module, { env: { memory } }).exports
  assert.ok(core.create(64, 4, 2, 0, 1, 2), 'the old module creates its table')
  assert.is(new Uint32Array(memory.buffer)[(TABLE_BASE + H_VERSION) / 4], 2, 'a table of layout version 2')
  return { kind: 'wasm-tally', memory, module, leaseMs: 5000, schema: '' }
}

test('a layout-2 table attached from another thread with the current module: TallyLayoutError', async () => {
  const old = await layout2Table()
  const { module } = (await Tally.create()).share()
  const out = await attachInWorker({ ...old, module })
  for (const how of ['attach', 'attachSync']) {
    assert.ok(out[how].layoutError, `${how}: ${JSON.stringify(out[how])}`)
    assert.match(out[how].message, /another layout version/)
  }
})

test('a table whose version word was changed, attached from another thread: TallyLayoutError', async () => {
  const tally = await Tally.create()
  const shared = tally.share()
  const view = new Uint32Array(shared.memory.buffer)
  view[(TABLE_BASE + H_VERSION) / 4] = 2
  const out = await attachInWorker(shared)
  for (const how of ['attach', 'attachSync']) assert.ok(out[how].layoutError, `${how}: ${JSON.stringify(out[how])}`)
})

test('an older copy of the package\'s handle (layout-2 table, layout-2 module) attached from another thread: TallyLayoutError, not a table that fails later', async () => {
  const out = await attachInWorker(await layout2Table())
  for (const how of ['attach', 'attachSync']) {
    assert.ok(out[how].layoutError, `${how} accepted the layout-2 handle: ${JSON.stringify(out[how])}`)
  }
})

test.run()
