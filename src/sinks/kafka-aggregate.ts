// Reading the Kafka sink's counts topic back into exact totals: from the
// beginning (or from an aggregate group's checkpoints), dropping repeats of
// batches already counted (see kafka-totals). aggregateCounts() stops at the
// end the topic had when it started; followCounts() keeps reading.
import type { Admin, Batch, Consumer, Kafka } from 'kafkajs'
import { TotalsReader, type CountsTotals, type TotalsOptions } from './kafka-totals.js'
import { CheckpointFollower, defaultCheckpointTopic, randomGroup } from './kafka-checkpoints.js'

export interface AggregateOptions extends TotalsOptions {
  /** The counts topic the Kafka sink writes to. */
  topic: string
  /** A kafkajs client; or give `brokers` and one is made (kafkajs must be installed). */
  kafka?: Pick<Kafka, 'admin' | 'consumer'>
  /** Bootstrap brokers: "host:port" strings or one comma-separated string. */
  brokers?: string | string[]
  /** The consumer group (default a fresh one, deleted when reading ends). Offsets are never committed. */
  groupId?: string
  /** An aggregate group (`wasm-tally aggregate --group NAME`): start from its checkpoints instead of the beginning. */
  group?: string
  /** Where that group's checkpoints are (default "<topic>-checkpoints"). */
  checkpointTopic?: string
}

export interface FollowOptions extends AggregateOptions {
  /** Called after each fetched batch of records has been added. */
  onUpdate?: (totals: CountsTotals) => void
}

/** The totals, and how many records were read. */
export interface AggregateResult extends CountsTotals {
  /** Records behind the totals (checkpointed ones included). */
  records: { counted: number, duplicate: number, invalid: number }
  /** Records this call read from the counts topic (with a group: only those after its checkpoints). */
  read: number
  /** Partitions that started from a checkpoint. */
  checkpoints: number
  /** Records that expired (retention) before they were read or checkpointed: missing from the totals. */
  expired: Array<{ partition: number, from: number, to: number }>
}

export interface CountsFollower {
  /** The totals so far. */
  totals (): AggregateResult
  /** Resolves once every record the topic held at the start has been read. */
  readonly caughtUp: Promise<void>
  /** Records known to be in the topic and not read yet (from the last fetch of each partition). */
  lag (): number
  /** Stops reading; resolves to the totals. */
  stop (): Promise<AggregateResult>
}

async function clientOf (o: AggregateOptions): Promise<Pick<Kafka, 'admin' | 'consumer'>> {
  if (o.kafka !== undefined) return o.kafka
  const list = typeof o.brokers === 'string' ? o.brokers.split(',') : o.brokers ?? []
  const brokers = list.map(b => b.trim()).filter(Boolean)
  if (brokers.length === 0) throw new TypeError('give a kafkajs client (kafka) or the brokers to read the counts from')
  const kafkajs = (await import('kafkajs')).default
  // Silent: failures come back as rejections, and a live table must not be interleaved with log lines.
  return new kafkajs.Kafka({ clientId: 'wasm-tally-aggregate', brokers, logLevel: kafkajs.logLevel.NOTHING })
}

interface Reading {
  follower: CountsFollower
  /** Rejects when the consumer crashes for good. */
  failed: Promise<never>
}

/** Starts reading from the beginning; with `untilEnd`, only records below the ends the topic had at the start are added. */
async function startReading (o: FollowOptions, untilEnd: boolean): Promise<Reading> {
  if (o === null || typeof o !== 'object' || typeof o.topic !== 'string' || o.topic === '') throw new TypeError('aggregateCounts needs options.topic, the counts topic')
  const kafka = await clientOf(o)
  const reader = new TotalsReader(o)
  const groupId = o.groupId ?? randomGroup('wasm-tally-aggregate')
  const admin: Admin = kafka.admin()
  await admin.connect()
  let consumer: Consumer | undefined
  try {
    if (!(await admin.listTopics()).includes(o.topic)) throw new Error(`the counts topic ${JSON.stringify(o.topic)} does not exist (yet): nothing has flushed into it`)
    // Offsets are strings; counts topics stay far below 2^53 records.
    // Where each partition starts: its checkpoint, or its beginning.
    const from = o.group === undefined ? new Map<number, number>() : await fromCheckpoints(kafka, admin, o, reader)
    const ends = new Map<number, number>()
    const position = new Map<number, number>()
    const high = new Map<number, number>()
    const expired: AggregateResult['expired'] = []
    for (const p of await admin.fetchTopicOffsets(o.topic)) {
      ends.set(p.partition, Number(p.high))
      high.set(p.partition, Number(p.high))
      const start = from.get(p.partition) ?? 0
      // Retention deleted records no checkpoint covers: say so, never silently.
      if (Number(p.low) > start) expired.push({ partition: p.partition, from: start, to: Number(p.low) - 1 })
      position.set(p.partition, Math.max(start, Number(p.low)))
    }
    const checkpoints = from.size
    let read = 0
    const starts = new Map(position)
    const reached = (): boolean => [...ends].every(([p, end]) => (position.get(p) ?? 0) >= end)
    let caught = (): void => {}
    const caughtUp = new Promise<void>(resolve => { caught = resolve })
    if (reached()) caught()
    let fail = (_error: unknown): void => {}
    const failed = new Promise<never>((_resolve, reject) => { fail = reject })
    failed.catch(() => {}) // surfaced by whoever awaits it

    // Read to the end, a fetch that waits long for more only delays disconnect().
    const c = consumer = kafka.consumer({ groupId, maxBytes: 64 << 20, maxBytesPerPartition: 16 << 20, maxWaitTimeInMs: untilEnd ? 100 : 1000 })
    c.on(c.events.CRASH, event => { if (!event.payload.restart) fail(event.payload.error) })
    await c.connect()
    await c.subscribe({ topics: [o.topic], fromBeginning: true })
    const take = (batch: Batch): void => {
      const end = untilEnd ? ends.get(batch.partition) ?? 0 : Infinity
      const start = starts.get(batch.partition) ?? 0
      for (const m of batch.messages) {
        const offset = Number(m.offset)
        if (offset < end && offset >= start) {
          reader.add(m.value)
          read++
        }
      }
      position.set(batch.partition, Number(batch.lastOffset()) + 1)
      high.set(batch.partition, Number(batch.highWatermark))
    }
    await c.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        take(batch)
        o.onUpdate?.(reader.totals())
        if (reached()) caught()
      }
    })
    // From the checkpoints: kafkajs drops what a fetch returns for a partition with a seek pending.
    if (from.size > 0) for (const [partition, offset] of starts) c.seek({ topic: o.topic, partition, offset: String(offset) })

    const totals = (): AggregateResult => ({ ...reader.totals(), records: { ...reader.records }, read, checkpoints, expired })
    let stopping: Promise<AggregateResult> | undefined
    const follower: CountsFollower = {
      totals,
      caughtUp,
      lag: () => [...high].reduce((sum, [p, h]) => sum + Math.max(0, h - (position.get(p) ?? 0)), 0),
      stop: () => {
        stopping ??= (async () => {
          await c.disconnect()
          // The group was ours alone, and it committed nothing: leave no trace of it.
          if (o.groupId === undefined) await admin.deleteGroups([groupId]).catch(() => {})
          await admin.disconnect()
          return totals()
        })()
        return stopping
      }
    }
    return { follower, failed }
  } catch (error) {
    await consumer?.disconnect().catch(() => {})
    await admin.disconnect().catch(() => {})
    throw error
  }
}

/**
 * Reads the counts topic from the beginning to the end it had at the call,
 * drops records of batches already counted, and resolves to the totals:
 * `{ topics: { [topic]: { success, error, ...columns } }, overflow, batches,
 * duplicates, records }`.
 */
export async function aggregateCounts (options: AggregateOptions): Promise<AggregateResult> {
  const { follower, failed } = await startReading(options, true)
  try {
    await Promise.race([follower.caughtUp, failed])
  } finally {
    await follower.stop().catch(() => {})
  }
  return follower.totals()
}

/** Reads the counts topic from the beginning and keeps reading until stop(). */
export async function followCounts (options: FollowOptions): Promise<CountsFollower & { readonly failed: Promise<never> }> {
  const { follower, failed } = await startReading(options, false)
  return { ...follower, failed }
}

/** Restores the group's newest checkpoints into the reader; resolves to the offset each covers, per partition. */
async function fromCheckpoints (kafka: Pick<Kafka, 'admin' | 'consumer'>, admin: Admin, o: AggregateOptions, into: TotalsReader): Promise<Map<number, number>> {
  const checkpointTopic = o.checkpointTopic ?? defaultCheckpointTopic(o.topic)
  const from = new Map<number, number>()
  if (!(await admin.listTopics()).includes(checkpointTopic)) return from
  const follower = new CheckpointFollower(kafka, admin, checkpointTopic, o.group as string, o.topic)
  try {
    await follower.start()
    await follower.caughtUp()
  } finally {
    await follower.stop()
  }
  for (const [partition, c] of follower.latest) {
    const r = new TotalsReader(o)
    r.restore(c.state)
    into.merge(r)
    from.set(partition, c.offset)
  }
  return from
}

export type { CountsTotals, RowTotals, HistogramTotal, TotalsOptions } from './kafka-totals.js'
