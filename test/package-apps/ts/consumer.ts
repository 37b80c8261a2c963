// A strict TypeScript consumer (ES module): type-checked under nodenext and
// bundler resolution against the installed package, never run.
import { Tally, flushEvery, type Snapshot, type SharedTally } from 'wasm-tally'
import { callbackSink } from 'wasm-tally/sinks/callback'
import { jsonLinesSink } from 'wasm-tally/sinks/json-lines'

export async function count (): Promise<number> {
  const tally: Tally = await Tally.create({ capacity: 64, stripes: 4 })
  const shared: SharedTally = tally.share()
  const again = await Tally.attach(shared)
  again.record('orders', 'success', 2)
  tally.bind('orders').error()
  const flusher = flushEvery(tally, 1000, callbackSink((snap: Snapshot) => { void snap.topics.get('orders')?.success }))
  await flusher.stop()
  void jsonLinesSink
  const snap: Snapshot = tally.snapshot()
  let total = 0
  for (const [, c] of snap.topics) total += c.success + c.error
  return total
}

// Rows typed by the schema: numbers for columns, { count, sum, counts } for
// histograms; an undeclared name is an error (tsc fails on an unused @ts-expect-error).
export async function typed (): Promise<number> {
  const tally = await Tally.create({ columns: ['success', 'bytes'], histograms: { latency: [0.1, 1] } })
  const other = Tally.attachSync(tally.share())
  other.record('orders', 'bytes', 1)
  // @ts-expect-error 'error' is not a column of the shared table
  other.record('orders', 'error', 1)
  let total = 0
  const flusher = flushEvery(tally, 1000, snap => { total += snap.overflow.bytes + snap.overflow.latency.count })
  await flusher.stop()
  const row = tally.snapshot().topics.get('orders')
  if (row === undefined) return total
  const bytes: number = row.bytes
  const counts: number[] = row.latency.counts
  // @ts-expect-error a histogram is not a number
  const wrong: number = row.latency
  // @ts-expect-error 'error' is not a column of this table
  void row.error
  return total + bytes + counts.length + wrong
}
