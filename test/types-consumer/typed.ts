// Snapshots typed by the schema, as a strict consumer sees them: every line
// below must compile, and every @ts-expect-error line must stay an error.
import { Tally, flushEvery, type HistogramCounts, type SharedTally, type Snapshot } from 'wasm-tally'
import { KafkaTally, type KafkaSnapshot, type SharedKafkaTally } from 'wasm-tally/kafkajs'
import { prometheusSink } from 'wasm-tally/sinks/prometheus'
import { jsonLinesSink } from 'wasm-tally/sinks/json-lines'

export async function typed (): Promise<number> {
  const tally = await Tally.create({ columns: ['success', 'bytes'], histograms: { duration: [0.1, 1] } })
  tally.record('orders', 'bytes', 512)
  tally.observe('orders', 'duration', 0.2)

  // Rows: a number per column, { count, sum, counts } per histogram.
  const snap = tally.snapshot()
  const row = snap.topics.get('orders')
  let total = 0
  if (row !== undefined) {
    const bytes: number = row.bytes
    const success: number = row.success
    const duration: HistogramCounts = row.duration
    const counts: number[] = row.duration.counts
    total += bytes + success + duration.count + duration.sum + counts.length
    // @ts-expect-error 'error' is not a column of this table
    void row.error
    // @ts-expect-error a histogram is not a number
    const wrong: number = row.duration
    void wrong
    // @ts-expect-error a column is not a histogram
    void row.bytes.counts
  }
  total += snap.overflow.bytes + snap.overflow.duration.count

  // share() carries the schema's types to attach() and attachSync().
  const shared = tally.share()
  const other = Tally.attachSync(shared)
  other.record('orders', 'bytes', 1)
  other.observe('orders', 'duration', 1)
  // @ts-expect-error 'latency' is not a histogram of the shared table
  other.observe('orders', 'latency', 1)
  const again = await Tally.attach(shared)
  total += (again.snapshot().topics.get('orders')?.bytes ?? 0)
  // A handle received from postMessage is annotated with the table's names.
  const received: unknown = shared
  const annotated = Tally.attachSync(received as SharedTally<'success' | 'bytes', 'duration'>)
  annotated.record('orders', 'bytes', 1)
  // @ts-expect-error 'error' is not a column of the annotated table
  annotated.record('orders', 'error', 1)

  // flushEvery passes the table's own snapshot type to a callback sink.
  const flusher = flushEvery(tally, 1000, s => { total += s.overflow.bytes + s.overflow.duration.sum })
  // @ts-expect-error a plain table's snapshot has no errors by cause
  const wrongSink = flushEvery(tally, 1000, s => s.errors)
  void wrongSink
  // The package's sinks take any table's snapshots.
  flushEvery(tally, 1000, prometheusSink())
  flushEvery(tally, 1000, jsonLinesSink({ write: (_chunk: string, done: (error?: Error | null) => void) => { done(); return true } }))
  await flusher.stop()

  // The default table: success and error.
  const plain = await Tally.create()
  const plainSnap: Snapshot = plain.snapshot()
  const p = plain.snapshot().topics.get('x')
  total += (p?.success ?? 0) + (p?.error ?? 0) + plainSnap.epoch
  // @ts-expect-error the default table has no 'bytes'
  void p?.bytes

  // A KafkaTally: KAFKA_SCHEMA's rows and failures by cause.
  const kafka = await KafkaTally.create({ capacity: 64 })
  const k: KafkaSnapshot = kafka.snapshot()
  const krow = k.topics.get('orders')
  if (krow !== undefined) {
    const sendCount: number = krow.sendDuration.count
    const processed: number = krow.processed
    const bytes: number = krow.bytes
    total += sendCount + processed + bytes
    // @ts-expect-error 'latency' is not in KAFKA_SCHEMA
    void krow.latency
  }
  total += k.errors.get('orders')?.retriable ?? 0
  const kflush = flushEvery(kafka, 1000, s => { total += s.errors.size + (s.topics.get('orders')?.sendDuration.count ?? 0) })
  await kflush.stop()
  const kshared: SharedKafkaTally = kafka.share()
  const kother = KafkaTally.attachSync(kshared)
  total += kother.snapshot().topics.get('orders')?.consumedBytes ?? 0

  // A KafkaTally with its own schema.
  const custom = await KafkaTally.create({ columns: ['success', 'error', 'bytes'] })
  const crow = custom.snapshot().topics.get('orders')
  total += crow?.bytes ?? 0
  // @ts-expect-error this KafkaTally declared no histograms
  void crow?.sendDuration

  // A sink per client, labelled (attributes: strings or booleans), and its scrape flushes stopped.
  const labelled = prometheusSink({ tally: kafka, attributes: { 'messaging.client': 'kafkajs', sampled: true } })
  labelled.stopScraping()
  // @ts-expect-error an attribute is a string or a boolean
  prometheusSink({ attributes: { 'messaging.client': 3 } })

  return total
}
