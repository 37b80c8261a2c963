// Attaching checks the header: another layout, another version, or no table
// at all gives a clear error. The module keeps the table out of data segments.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readFile } from 'node:fs/promises'
import { Tally, TallyLayoutError } from '../dist/index.js'
import { H_VERSION, TABLE_BASE } from '../dist/engine/generated/constants.js'

async function attachError (shared) {
  try {
    await Tally.attach(shared)
  } catch (e) {
    return e
  }
  assert.unreachable('attach should have failed')
}

test('attaching to a memory with no table is a TallyLayoutError', async () => {
  const { module } = (await Tally.create()).share()
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true })
  const e = await attachError({ kind: 'wasm-tally', memory, module, leaseMs: 100 })
  assert.instance(e, TallyLayoutError)
  assert.match(e.message, /no wasm-tally table/)
})

test('attaching to a table of another layout version is a TallyLayoutError, and its counts survive', async () => {
  const tally = await Tally.create()
  tally.record('orders', 'success', 9)
  const shared = tally.share()
  const view = new Uint32Array(shared.memory.buffer)
  const version = view[(TABLE_BASE + H_VERSION) / 4]
  view[(TABLE_BASE + H_VERSION) / 4] = version + 1
  const e = await attachError(shared)
  assert.instance(e, TallyLayoutError)
  assert.match(e.message, /another layout version/)
  view[(TABLE_BASE + H_VERSION) / 4] = version
  assert.equal(tally.snapshot().topics.get('orders'), { success: 9, error: 0 })
})

test('a memory that is not shared is refused', async () => {
  const { module } = (await Tally.create()).share()
  const e = await attachError({ kind: 'wasm-tally', memory: new WebAssembly.Memory({ initial: 1 }), module, leaseMs: 100 })
  assert.instance(e, TallyLayoutError)
  assert.match(e.message, /not shared/)
})

test('attach refuses anything but a share() handle', async () => {
  for (const bad of [undefined, null, {}, { memory: 1, module: 2 }]) {
    const e = await attachError(bad)
    assert.instance(e, TypeError)
  }
})

test('two tables in two memories are independent', async () => {
  const a = await Tally.create()
  const b = await Tally.create()
  a.record('x', 'success', 2)
  b.record('x', 'success', 5)
  assert.is(a.snapshot().topics.get('x').success, 2)
  assert.is(b.snapshot().topics.get('x').success, 5)
})

test('the memory is fixed at creation: initial equals maximum, no growth with traffic', async () => {
  const tally = await Tally.create({ capacity: 1024, stripes: 16 })
  const before = tally.stats().bytes
  for (let i = 0; i < 5000; i++) tally.record(`topic-${i}`, 'success')
  assert.is(tally.stats().bytes, before)
  assert.throws(() => tally.share().memory.grow(1))
})

test('the module has no data segment and imports only its memory', async () => {
  const wasm = await readFile(new URL('../build/tally.wasm', import.meta.url))
  const module = await WebAssembly.compile(wasm)
  assert.equal(WebAssembly.Module.imports(module).map(i => `${i.module}.${i.name}:${i.kind}`), ['env.memory:memory'])
  const wat = await readFile(new URL('../build/tally.wat', import.meta.url), 'utf8')
  assert.not.match(wat, /\(data\b/)
  assert.ok(wasm.byteLength < 4608, `tally.wasm is ${wasm.byteLength} bytes`)
})

test('re-instantiating the module over a live table leaves its counts alone', async () => {
  const tally = await Tally.create()
  tally.record('orders', 'error', 3)
  for (let i = 0; i < 3; i++) await Tally.attach(tally.share())
  assert.equal(tally.snapshot().topics.get('orders'), { success: 0, error: 3 })
})

test('a shape past 4 GiB is refused before any memory is made, naming the largest that fits', async () => {
  try {
    await Tally.create({ capacity: 1048576, stripes: 256 })
    assert.unreachable('accepted a 4.3 GiB table')
  } catch (e) {
    assert.instance(e, RangeError)
    assert.match(e.message, /capacity 1048576 with 256 stripes needs 4\.\d\d GiB, over the 4 GiB a wasm32 memory holds; the largest table with 256 stripes has capacity \d+/)
    const largest = Number(/has capacity (\d+)/.exec(e.message)[1])
    assert.ok(largest > 100_000 && largest < 1048576, `largest ${largest}`)
  }
})

test('the largest capacity at one stripe is accepted and works: sizes are summed in 64 bits', async () => {
  // Sizes are summed in 64 bits: a shape just past the limit is refused, never wrapped to a small memory.
  const just = await Tally.create({ capacity: 1 << 20, stripes: 1 })
  just.record('orders', 'success', 3)
  assert.equal(just.snapshot().topics.get('orders'), { success: 3, error: 0 })
  assert.ok(just.stats().bytes > 300 * 2 ** 20, `${just.stats().bytes} bytes`)
})

test.run()
