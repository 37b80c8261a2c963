// One member of an aggregate group (`wasm-tally aggregate --group NAME`): a
// consumer in the Kafka consumer group NAME that totals the partitions of the
// counts topic it owns. Every `checkpointMs` it stores, per partition, its
// totals and dedupe state (a checkpoint) together with the offset they cover,
// in one Kafka transaction: the checkpoint record and the group's offset commit
// land together or not at all. A member that takes a partition over (start,
// restart, rebalance) first fences whoever wrote that partition's checkpoints
// before (one transactional id per partition: the broker aborts the old
// owner's open transaction and refuses its next one), then starts from the
// newest checkpoint. So a partition's records are in exactly one checkpoint
// chain, each counted once.
import type { Admin, Batch, Consumer, Kafka, Producer } from 'kafkajs'
import { TotalsReader, type CountsTotals, type TotalsOptions } from './kafka-totals.js'
import { CHECKPOINT_VERSION, CheckpointFollower, checkpointKey, defaultCheckpointTopic, ensureCheckpointTopic, type Checkpoint } from './kafka-checkpoints.js'

export interface MemberOptions extends TotalsOptions {
  kafka: Pick<Kafka, 'admin' | 'consumer' | 'producer'>
  /** The counts topic. */
  topic: string
  /** The consumer group: every member of one fleet total gives the same name. */
  group: string
  /** Where checkpoints go (default "<topic>-checkpoints", made compacted when missing). */
  checkpointTopic?: string
  /** How often each owned partition is checkpointed (ms, default 5000). */
  checkpointMs?: number
  /** Names this member in its checkpoints (default "<pid>"). */
  member?: string
  /** Broker session time-out of the member (ms, default 10000): how soon a dead member's partitions move. */
  sessionTimeout?: number
  /** What the member has to say: takeovers, checkpoints, expired records, invalid records. */
  log?: (line: string) => void
}

/** The fleet total: checkpoints of partitions owned elsewhere, the live totals of those owned here. */
export interface FleetTotals extends CountsTotals {
  records: { counted: number, duplicate: number, invalid: number }
  /** Counts partitions owned by this member now. */
  owned: number[]
  /** Counts partitions with a checkpoint or owned here: the ones the total covers. */
  partitions: number
  /** Records this member read from the counts topic since it started. */
  read: number
}

export interface Member {
  totals (): FleetTotals
  /** Rejects when the consumer crashes for good. */
  readonly failed: Promise<never>
  /** Checkpoints every owned partition, leaves the group; resolves to the fleet total. */
  stop (): Promise<FleetTotals>
}

interface Owned {
  reader: TotalsReader
  producer: Producer
  /** The next offset to add. */
  position: number
  /** The offset of the last checkpoint written. */
  checkpointed: number
  checkpointAt: number
  /** The first invalid record's offset was reported. */
  reportedInvalid: boolean
  /** The checkpoint under way: one transaction at a time per producer. */
  busy: Promise<void>
}

/** The transactional id of a partition's checkpoints: whoever takes the partition fences the one before. */
function transactionalId (group: string, topic: string, partition: number): string {
  return `wasm-tally-aggregate:${JSON.stringify([group, topic, partition])}`
}

/** A transactional write lost to a newer owner of the partition. */
function isFenced (error: unknown): boolean {
  const e = error as { type?: string, name?: string, message?: string } | null
  const text = `${e?.type ?? ''} ${e?.name ?? ''} ${e?.message ?? ''}`
  return /FENCED|INVALID_PRODUCER_EPOCH|PRODUCER_FENCED|ProducerFenced|INVALID_TXN_STATE|has been fenced/i.test(text)
}

export async function startMember (o: MemberOptions): Promise<Member> {
  if (typeof o.group !== 'string' || o.group === '') throw new TypeError('an aggregate member needs a group name')
  if (typeof o.topic !== 'string' || o.topic === '') throw new TypeError('an aggregate member needs the counts topic')
  const checkpointMs = o.checkpointMs ?? 5000
  if (!Number.isFinite(checkpointMs) || checkpointMs < 10) throw new RangeError(`checkpointMs must be at least 10, got ${String(o.checkpointMs)}`)
  const log = o.log ?? (() => {})
  const member = o.member ?? String(process.pid)
  const checkpointTopic = o.checkpointTopic ?? defaultCheckpointTopic(o.topic)
  const kafka = o.kafka
  const admin: Admin = kafka.admin()
  await admin.connect()
  const owned = new Map<number, Owned>()
  /** The partitions of the last assignment (undefined before the first). */
  let assigned: Set<number> | undefined
  let read = 0
  let fail = (_error: unknown): void => {}
  const failed = new Promise<never>((_resolve, reject) => { fail = reject })
  failed.catch(() => {})
  let consumer: Consumer | undefined
  let follower: CheckpointFollower | undefined
  /** The member id of the last join: a new one means the session ran out and others may have owned our partitions since. */
  let memberId: string | undefined
  let leaving = false

  /** Forgets a partition (the one owned now, or only `own` when given). */
  const drop = async (partition: number, why: string, own?: Owned): Promise<void> => {
    const o = owned.get(partition)
    if (o === undefined || (own !== undefined && o !== own)) return
    owned.delete(partition)
    log(`partition ${partition}: ${why}`)
    await o.producer.disconnect().catch(() => {})
  }

  /** Gives a partition up: checkpoints what was read of it first (fenced if a new owner took it already), then forgets it. */
  const release = async (partition: number, why: string): Promise<void> => {
    const own = owned.get(partition)
    if (own === undefined) return
    await checkpoint(partition, own).catch(() => {})
    await drop(partition, why, own)
  }

  /**
   * Takes a partition still assigned here again after it was dropped (fenced by
   * a member that held it while this one's session had run out): from its
   * newest checkpoint, reading on from there at once, not only when new records come.
   */
  const retake = (partition: number): void => {
    if (leaving || assigned?.has(partition) !== true || owned.has(partition)) return
    take(partition).then(own => {
      if (owned.get(partition) === own) consumer?.seek({ topic: o.topic, partition, offset: String(own.position) })
    }, error => log(`partition ${partition}: taking it again failed, tried again when its records come: ${(error as Error).message}`))
  }

  /** Checkpoints a partition after any checkpoint of it under way (from a batch, the timer or stop). */
  const checkpoint = (partition: number, own: Owned): Promise<void> => {
    own.busy = own.busy.then(() => owned.get(partition) === own ? writeCheckpoint(partition, own) : undefined)
    return own.busy
  }

  const writeCheckpoint = async (partition: number, own: Owned): Promise<void> => {
    if (own.position === own.checkpointed) return
    // State and offset taken together, synchronously: they describe the same records.
    const value: Checkpoint = { v: CHECKPOINT_VERSION, group: o.group, topic: o.topic, partition, offset: own.position, time: Date.now(), member, state: own.reader.state() }
    const tx = await own.producer.transaction()
    try {
      // gzip (kafkajs CompressionTypes.GZIP = 1): the dedupe state is many repeated table ids.
      await tx.send({ topic: checkpointTopic, compression: 1, messages: [{ key: checkpointKey(o.group, partition), value: JSON.stringify(value) }] })
      await tx.sendOffsets({ consumerGroupId: o.group, topics: [{ topic: o.topic, partitions: [{ partition, offset: String(own.position) }] }] })
      await tx.commit()
      own.checkpointed = own.position
      own.checkpointAt = Date.now()
    } catch (error) {
      await tx.abort().catch(() => {})
      if (isFenced(error)) {
        await drop(partition, 'taken over by another member (fenced); its checkpoint goes on there', own)
        retake(partition) // only when the group still assigns it here
      } else log(`partition ${partition}: checkpoint at offset ${own.position} failed, tried again later: ${(error as Error).message}`)
    }
  }

  /** Becomes the partition's owner: fences the one before, then starts from its newest checkpoint. */
  const taking = new Map<number, Promise<Owned>>()
  const take = (partition: number): Promise<Owned> => {
    let t = taking.get(partition)
    if (t === undefined) {
      t = takeOver(partition).finally(() => taking.delete(partition))
      taking.set(partition, t)
    }
    return t
  }
  const takeOver = async (partition: number): Promise<Owned> => {
    const producer = kafka.producer({ transactionalId: transactionalId(o.group, o.topic, partition), maxInFlightRequests: 1, idempotent: true, transactionTimeout: 10000 })
    try {
      await producer.connect() // initProducerId: the fence
      await (follower as CheckpointFollower).caughtUp()
      return await startFrom(partition, producer)
    } catch (error) {
      await producer.disconnect().catch(() => {}) // a connected producer keeps the process alive
      throw error
    }
  }

  const startFrom = async (partition: number, producer: Producer): Promise<Owned> => {
    const c = (follower as CheckpointFollower).latest.get(partition)
    const reader = new TotalsReader(o)
    if (c !== undefined) reader.restore(c.state)
    let start = c?.offset ?? 0
    const low = Number((await admin.fetchTopicOffsets(o.topic)).find(p => p.partition === partition)?.low ?? 0)
    if (low > start) {
      log(`WARNING partition ${partition}: records ${start} to ${low - 1} expired (retention) before a checkpoint covered them: ${low - start} records are missing from the totals`)
      start = low
    }
    log(`partition ${partition}: taken ${c === undefined ? 'without a checkpoint, from offset ' + String(start) : `from the checkpoint at offset ${c.offset} (${c.member}, ${new Date(c.time).toISOString()})`}`)
    const own: Owned = { reader, producer, position: start, checkpointed: c?.offset ?? 0, checkpointAt: Date.now(), reportedInvalid: false, busy: Promise.resolve() }
    owned.set(partition, own)
    // A rebalance while this was under way may have given the partition to another member.
    if (assigned !== undefined && !assigned.has(partition)) await drop(partition, 'assigned to another member while being taken')
    return own
  }

  try {
    if (!(await admin.listTopics()).includes(o.topic)) throw new Error(`the counts topic ${JSON.stringify(o.topic)} does not exist (yet): nothing has flushed into it`)
    await ensureCheckpointTopic(admin, checkpointTopic)
    follower = new CheckpointFollower(kafka, admin, checkpointTopic, o.group, o.topic)
    await follower.start()

    const c = consumer = kafka.consumer({
      groupId: o.group,
      sessionTimeout: o.sessionTimeout ?? 10000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 500, // stop() waits for the fetch under way
      maxBytes: 64 << 20,
      maxBytesPerPartition: 16 << 20,
      readUncommitted: false
    })
    c.on(c.events.CRASH, event => { if (!event.payload.restart) fail(event.payload.error) })
    // A rebalance begins: checkpoint what was read before the partitions move (their next owner starts there).
    c.on(c.events.REBALANCING, () => {
      for (const [p, own] of owned) checkpoint(p, own).catch(() => {})
    })
    // A rebalance: partitions not assigned any more are checkpointed and given up (their new owner starts from their checkpoint).
    c.on(c.events.GROUP_JOIN, event => {
      const mine = assigned = new Set(event.payload.memberAssignment[o.topic] ?? [])
      const rejoined = memberId !== undefined && memberId !== event.payload.memberId
      memberId = event.payload.memberId
      for (const p of [...owned.keys()]) {
        if (!mine.has(p)) release(p, 'assigned to another member').catch(() => {})
        // Our session ran out: another member may have held the partition since (and fenced us); start again from its newest checkpoint.
        else if (rejoined) release(p, 'taken again after this member\'s session ran out').then(() => retake(p)).catch(() => {})
      }
      // Take the new ones all at once (fence, checkpoint), not one by one as their first records come.
      for (const p of mine) if (!owned.has(p)) take(p).catch(() => {}) // a failure shows again when its records come
    })
    await c.connect()
    await c.subscribe({ topics: [o.topic], fromBeginning: true })
    const add = async (batch: Batch, isStale: () => boolean, heartbeat: () => Promise<void>): Promise<void> => {
      const p = batch.partition
      const own = owned.get(p) ?? await take(p)
      const first = Number(batch.firstOffset() ?? own.position)
      if (first > own.position) {
        // The committed offset ran ahead of the checkpoint read (a commit between the two): go back to the checkpoint.
        c.seek({ topic: o.topic, partition: p, offset: String(own.position) })
        return
      }
      for (const m of batch.messages) {
        const offset = Number(m.offset)
        if (offset < own.position) continue // already in the checkpoint
        if (isStale()) return
        if (own.reader.add(m.value) === 'invalid' && !own.reportedInvalid) {
          own.reportedInvalid = true
          log(`partition ${p}: the record at offset ${offset} is not a counts record: counted as invalid and left out (further ones are only counted)`)
        }
        own.position = offset + 1
        read++
      }
      own.position = Math.max(own.position, Number(batch.lastOffset()) + 1)
      if (Date.now() - own.checkpointAt >= checkpointMs) await checkpoint(p, own)
      await heartbeat()
    }
    await c.run({
      autoCommit: false,
      eachBatch: async ({ batch, isStale, heartbeat }) => {
        try {
          await add(batch, isStale, heartbeat)
        } catch (error) {
          // Never abort on one partition's trouble: forget it and read it again from its checkpoint.
          log(`partition ${batch.partition}: ${(error as Error).message}; starting it again from its checkpoint`)
          await drop(batch.partition, 'dropped after an error')
          throw error // kafkajs fetches the batch again from the committed offset
        }
      }
    })
  } catch (error) {
    await consumer?.disconnect().catch(() => {})
    await follower?.stop()
    await admin.disconnect().catch(() => {})
    throw error
  }

  const totals = (): FleetTotals => {
    const all = new TotalsReader(o)
    const partitions = new Set<number>()
    for (const [p, c] of (follower as CheckpointFollower).latest) {
      // A checkpoint past what this member has read means another member owns the partition now.
      if ((owned.get(p)?.position ?? -1) >= c.offset) continue
      const r = new TotalsReader(o)
      r.restore(c.state)
      all.merge(r)
      partitions.add(p)
    }
    for (const [p, own] of owned) {
      if (partitions.has(p)) continue
      all.merge(own.reader)
      partitions.add(p)
    }
    return { ...all.totals(), records: { ...all.records }, owned: [...owned.keys()].sort((a, b) => a - b), partitions: partitions.size, read }
  }

  // Partitions with nothing new to fetch still get their last records checkpointed.
  const timer = setInterval(() => {
    for (const [p, own] of owned) if (Date.now() - own.checkpointAt >= checkpointMs) checkpoint(p, own).catch(() => {})
  }, Math.max(10, checkpointMs / 2))
  timer.unref()

  let stopping: Promise<FleetTotals> | undefined
  const stop = (): Promise<FleetTotals> => {
    stopping ??= (async () => {
      clearInterval(timer)
      leaving = true
      await (consumer as Consumer).stop()
      await Promise.allSettled([...taking.values()]) // takeovers under way finish, then are checkpointed and dropped below
      for (const [p, own] of [...owned]) await checkpoint(p, own)
      const last = totals()
      await (consumer as Consumer).disconnect()
      for (const p of [...owned.keys()]) await drop(p, 'checkpointed; member leaving')
      await (follower as CheckpointFollower).stop()
      await admin.disconnect()
      return last
    })()
    return stopping
  }
  return { totals, failed, stop }
}
