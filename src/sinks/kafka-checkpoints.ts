// Checkpoints of an aggregate group: one record per (group, counts partition)
// in a compacted topic, holding the totals and the dedupe state of that
// partition up to an offset. A member writes it in the same Kafka transaction
// that commits that offset for the group (kafka-member), so the two never
// disagree. CheckpointFollower reads them back (read_committed: a checkpoint
// of an aborted transaction is never seen).
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs'
import { isReaderState, type ReaderState } from './kafka-totals.js'

export const CHECKPOINT_VERSION = 1

/** The value of a checkpoint record, as JSON. */
export interface Checkpoint {
  v: typeof CHECKPOINT_VERSION
  group: string
  /** The counts topic and its partition. */
  topic: string
  partition: number
  /** The next offset to read: every record below it is in `state`. */
  offset: number
  time: number
  /** The member that wrote it. */
  member: string
  state: ReaderState
}

/** The checkpoint topic of a counts topic, unless told otherwise. */
export function defaultCheckpointTopic (topic: string): string {
  return `${topic}-checkpoints`
}

export function checkpointKey (group: string, partition: number): string {
  return JSON.stringify([group, partition])
}

/** The checkpoint in a record, or undefined for anything else (another group's, another topic's, or not one). */
export function parseCheckpoint (m: Pick<KafkaMessage, 'value'>, group: string, topic: string): Checkpoint | undefined {
  if (m.value === null) return undefined
  try {
    const c = JSON.parse(m.value.toString()) as Checkpoint
    if (c === null || typeof c !== 'object' || c.v !== CHECKPOINT_VERSION || c.group !== group || c.topic !== topic) return undefined
    // A damaged or forged state would make every restore of it throw: the partition's next owner, and aggregate --once, could never start.
    if (!Number.isSafeInteger(c.partition) || !Number.isSafeInteger(c.offset) || c.offset < 0 || !isReaderState(c.state)) return undefined
    return c
  } catch {
    return undefined
  }
}

/**
 * Creates the checkpoint topic when it is missing: compacted (only the newest
 * checkpoint per key is kept), one partition, rolled and cleaned often so
 * reading it stays short.
 */
export async function ensureCheckpointTopic (admin: Admin, topic: string): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) return await refuseDeleting(admin, topic)
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{
        topic,
        numPartitions: 1,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'segment.ms', value: '60000' },
          { name: 'min.cleanable.dirty.ratio', value: '0.1' },
          { name: 'delete.retention.ms', value: '60000' }
        ]
      }]
    })
  } catch (error) {
    // Another member made it first.
    if (!(await admin.listTopics()).includes(topic)) throw error
    await refuseDeleting(admin, topic)
  }
}

/**
 * A checkpoint topic that exists already (made by hand, or by the broker's
 * auto-creation after it was deleted) must be compacted only: with a policy
 * that deletes, a partition's newest checkpoint expires once it is older than
 * retention.ms, and its next owner starts again from what is left of history.
 */
async function refuseDeleting (admin: Admin, topic: string): Promise<void> {
  // 2: kafkajs ConfigResourceTypes.TOPIC (a value, and kafkajs is imported here for its types only).
  const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['cleanup.policy'] }] })
  const policy = described.resources[0]?.configEntries.find(e => e.configName === 'cleanup.policy')?.configValue ?? ''
  const policies = policy.split(',').map(p => p.trim())
  if (!policies.includes('compact') || policies.includes('delete')) {
    throw new Error(`the checkpoint topic ${JSON.stringify(topic)} has cleanup.policy=${policy}: checkpoints must be compacted and never deleted (cleanup.policy=compact), or a partition's newest checkpoint expires with retention.ms; change its policy (kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config cleanup.policy=compact) or give another --checkpoint-topic`)
  }
}

/** A random group id, for readers that commit nothing. */
export function randomGroup (prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  return `${prefix}-${[...bytes].map(b => b.toString(16).padStart(2, '0')).join('')}`
}

/**
 * Follows the checkpoint topic from its beginning in a group of its own and
 * keeps the newest checkpoint of each partition of one group's counts topic.
 */
export class CheckpointFollower {
  /** Per counts partition, the newest checkpoint read. */
  readonly latest = new Map<number, Checkpoint>()
  private readonly positions = new Map<number, number>()
  private consumer?: Consumer
  private readonly groupId = randomGroup('wasm-tally-checkpoints')
  private waiters: Array<() => void> = []
  private failure?: unknown

  constructor (
    private readonly kafka: Pick<Kafka, 'consumer'>,
    private readonly admin: Admin,
    private readonly checkpointTopic: string,
    private readonly group: string,
    private readonly topic: string,
    private readonly onCheckpoint?: (c: Checkpoint) => void
  ) {}

  async start (): Promise<void> {
    const c = this.consumer = this.kafka.consumer({
      groupId: this.groupId,
      maxBytesPerPartition: 16 << 20,
      readUncommitted: false,
      // A fetch at the end waits this long for more: disconnect() waits for it to return.
      maxWaitTimeInMs: 200
    })
    // Control-only batches (transaction markers) never reach eachBatch: the position comes from here.
    c.on(c.events.END_BATCH_PROCESS, e => {
      this.positions.set(e.payload.partition, Number(e.payload.lastOffset) + 1)
      this.wake()
    })
    c.on(c.events.CRASH, e => { if (!e.payload.restart) { this.failure = e.payload.error; this.wake() } })
    await c.connect()
    await c.subscribe({ topics: [this.checkpointTopic], fromBeginning: true })
    await c.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const checkpoint = parseCheckpoint(m, this.group, this.topic)
          if (checkpoint === undefined) continue
          const had = this.latest.get(checkpoint.partition)
          // A member that lost a partition may have written one last checkpoint before it knew: never go back.
          if (had !== undefined && had.offset > checkpoint.offset) continue
          this.latest.set(checkpoint.partition, checkpoint)
          this.onCheckpoint?.(checkpoint)
        }
      }
    })
  }

  private wake (): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  /** Resolves once every checkpoint committed before the call has been read. */
  async caughtUp (): Promise<void> {
    const ends = (await this.admin.fetchTopicOffsets(this.checkpointTopic)).map(p => ({ partition: p.partition, high: Number(p.high) }))
    for (;;) {
      if (this.failure !== undefined) throw this.failure
      if (ends.every(e => e.high === 0 || (this.positions.get(e.partition) ?? 0) >= e.high)) return
      await new Promise<void>(resolve => {
        this.waiters.push(resolve)
        setTimeout(resolve, 200) // the markers of a transaction still open show up later
      })
    }
  }

  async stop (): Promise<void> {
    await this.consumer?.disconnect().catch(() => {})
    await this.admin.deleteGroups([this.groupId]).catch(() => {})
  }
}
