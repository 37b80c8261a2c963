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
