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

// The three Kafka clients' entries, with no client installed: their types stand alone.
import { KafkaTally, instrumentProducer as countPlatformatic, instrumentConsumer as countPlatformaticConsumer } from 'wasm-tally/platformatic'
import { instrumentProducer as countConfluent, instrumentConsumer as countConfluentConsumer } from 'wasm-tally/confluent'

export async function countClients (): Promise<number> {
  const counts = await KafkaTally.create({ capacity: 8 })
  const platformatic = countPlatformatic({ send: async (options: { messages: Array<{ topic: string, value: string }> }) => ({ offsets: options.messages.length }) }, counts)
  await platformatic.send({ messages: [{ topic: 'orders', value: 'a' }] })
  const consumer = countPlatformaticConsumer({ consume: async () => ({}) }, counts)
  void consumer.consume
  const confluent = countConfluent({ send: async (record: { topic: string, messages: Array<{ value: string }> }) => record.messages.length }, counts)
  const sent: number = await confluent.send({ topic: 'orders', messages: [{ value: 'b' }] })
  void countConfluentConsumer({ run: async () => {} }, counts).run
  return sent + (counts.snapshot().topics.get('orders')?.success ?? 0)
}
