// Tables near the 4 GiB a wasm32 memory holds: Tally.create accepts any shape
// up to 2^32 bytes and names the largest that fits, so a user asking for "the
// most" gets exactly such a table. Every row of it must be delivered, and a
// snapshot must be readable, wherever the regions land.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally } from '../dist/index.js'
import { instantiateCore } from '../dist/engine/core.js'
import { H_TOTAL_BYTES, TABLE_BASE } from '../dist/engine/generated/constants.js'

const columns = n => Array.from({ length: n }, (_, i) => `c${i}`)

/** The largest capacity Tally.create names for this shape. */
async function largest (stripes, cells) {
  try {
    await Tally.create({ capacity: 1 << 20, stripes, columns: columns(cells) })
  } catch (e) {
    return Number(/has capacity (\d+)/.exec(e.message)[1])
  }
  throw new Error('the shape fits at the largest capacity')
}

test('the largest table for 256 stripes, every stripe in use: rows in the last stripe\'s top addresses are delivered', async () => {
  const CELLS = 1024
  const capacity = await largest(256, CELLS)
  const tally = await Tally.create({ capacity, stripes: 256, columns: columns(CELLS), leaseMs: 60_000 }) // a table this large needs a lease past the 5 s default
  const { memory, module } = tally.share()
  // 256 threads attached over the table's life (a pool that recycles workers does this): every stripe is in use.
  const raw = await instantiateCore(module, memory)
  raw.attach(memory.buffer.byteLength)
  while (tally.stats().stripesInUse < 256) raw.takeTicket()

  const totalBytes = Number(new BigUint64Array(memory.buffer, TABLE_BASE + H_TOTAL_BYTES, 1)[0])
  // A formation sums a word over the stripes up to countersBase + at + stripes * stripeBytes = totalBytes + at:
  // at 2^32 or past it for the words of every row from about this slot on.
  const firstPast = Math.floor((2 ** 32 - totalBytes) / (CELLS * 8))
  const TOPICS = firstPast + 16
  assert.ok(TOPICS < capacity, `precondition: slot ${firstPast} of ${capacity} is where the sum's end passes 2^32`)
  for (let i = 0; i < TOPICS; i++) tally.record(`t${i}`, 'c1023', i + 1)
  const snap = tally.snapshot()
  const missing = []
  for (let i = 0; i < TOPICS; i++) if (snap.topics.get(`t${i}`)?.c1023 !== i + 1) missing.push(`t${i}`)
  assert.equal(missing, [], `${missing.length} of ${TOPICS} topics not delivered (from ${missing[0]})`)
})

test('a table whose batch region lies past 2 GiB: snapshot() reads it', async () => {
  // One stripe, 1000 columns: the two totals regions put the batch region past
  // byte 2^31, and the module returns its address as a (signed) i32.
  const CELLS = 1000
  const capacity = await largest(1, CELLS)
  const tally = await Tally.create({ capacity, stripes: 1, columns: columns(CELLS), leaseMs: 60_000 })
  tally.record('orders', 'c0', 5)
  let row
  try {
    row = tally.snapshot().topics.get('orders')
  } catch (e) {
    assert.unreachable(`snapshot() threw ${e.name}: ${e.message}`)
  }
  assert.is(row.c0, 5)
})

test.run()
