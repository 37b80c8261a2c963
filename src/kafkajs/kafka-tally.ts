// A Tally that also counts why sends and handlers failed: per (topic, error
// kind) rows in the same shared table, under keys no Kafka topic can have. One table means
// one lock and one snapshot for outcomes and error kinds alike: a snapshot or
// a batch holds both or neither.
import { Tally, type SharedTally, type Snapshot, type TallyOptions, type AttachOptions, DEFAULT_CAPACITY, MAX_CAPACITY } from '../engine/tally.js'
import type { Batch } from '../engine/batch.js'
import type { BatchSource } from '../flush/flusher.js'
import { describe } from '../engine/validate.js'
import { classify, kindKey, kindLabel, parseKindKey, topicHash } from './error-kind.js'
import { countedTopic, safeRecord, type Recorder } from './recorder.js'
import { KAFKA_SCHEMA } from '../schemas/kafka.js'

/** Rows set aside for (topic, error kind) pairs by default. */
export const DEFAULT_ERROR_CAPACITY = 256
// Error-kind rows start with '!' (sends) or '?' (consumer handlers), which no Kafka topic name may hold.
const KIND_PREFIX = '!'
const PROCESS_KIND_PREFIX = '?'
// The rows that count failures whose (topic, kind) found the table full; registered first.
const KINDS_OVERFLOW = '!overflow'
const PROCESS_KINDS_OVERFLOW = '?overflow'
const isKindRow = (key: string): boolean => key[0] === KIND_PREFIX || key[0] === PROCESS_KIND_PREFIX

export interface KafkaTallyOptions {
  /** Rows added to `capacity` for (topic, error kind) pairs, of sends and of handlers (default 256); the table holds both. */
  errorCapacity?: number
}

/** The structured-cloneable handle of a KafkaTally: post it to a worker, KafkaTally.attach it there. */
export interface SharedKafkaTally {
  kind: 'wasm-tally/kafkajs'
  tally: SharedTally
}

/** A topic's failed messages by cause. retriable + nonRetriable = the sum of kinds = the messages counted as error (or processErrors). */
export interface TopicErrors {
  retriable: number
  nonRetriable: number
  /** Per kind label ("Top/Root:TYPE"), failed messages. */
  kinds: Map<string, number>
}

export interface KafkaSnapshot extends Snapshot {
  /** Per topic, failed messages by cause, since the previous snapshot. */
  errors: Map<string, TopicErrors>
  /** Failed messages whose (topic, kind) found the reserve full, or whose topic is in the overflow row. */
  errorsOverflow: { retriable: number, nonRetriable: number }
  /** Per topic, consumed messages whose handler threw, by cause, since the previous snapshot. */
  processErrors: Map<string, TopicErrors>
  /** Handler failures whose (topic, kind) found the reserve full, or whose topic is in the overflow row. */
  processErrorsOverflow: { retriable: number, nonRetriable: number }
}

function checkShared (where: string, shared: SharedKafkaTally): void {
  if (shared === null || typeof shared !== 'object' || shared.kind !== 'wasm-tally/kafkajs') {
    throw new TypeError(`${where} expects the object returned by kafkaTally.share(), got ${describe(shared)}`)
  }
}

interface KafkaBatch extends Batch {
  readonly snapshot: KafkaSnapshot
}

export class KafkaTally implements Recorder, BatchSource {
  /** Long topics seen by this thread, by the hash that stands for them in error keys. */
  private readonly hashed = new Map<string, string>()
  // The table's own batch behind each batch handed out (partial acknowledgements map back to rows).
  private readonly rows = new WeakMap<Batch, Batch>()
  private readonly kindsHaveRoom: boolean
  private readonly processKindsHaveRoom: boolean

  private constructor (readonly tally: Tally<string, string>) {
    this.kindsHaveRoom = tally.recordRow(KINDS_OVERFLOW, 'success', 0)
    this.processKindsHaveRoom = tally.recordRow(PROCESS_KINDS_OVERFLOW, 'success', 0)
  }

  /**
   * A new table with room for `capacity` topics plus `errorCapacity` (topic,
   * error kind) rows, each row holding the producer's and the consumer's
   * counters and durations (KAFKA_SCHEMA) unless `columns`/`histograms` say otherwise.
   */
  static async create (options: TallyOptions & KafkaTallyOptions = {}): Promise<KafkaTally> {
    if (options === null || typeof options !== 'object') throw new TypeError(`KafkaTally.create takes an options object, got ${describe(options)}`)
    const { errorCapacity = DEFAULT_ERROR_CAPACITY, ...tallyOptions } = options
    if (typeof errorCapacity !== 'number' || !Number.isInteger(errorCapacity) || errorCapacity < 0) {
      throw new RangeError(`errorCapacity must be a whole number from 0 up, got ${describe(errorCapacity)}`)
    }
    const capacity = tallyOptions.capacity ?? DEFAULT_CAPACITY
    const reserved = errorCapacity + 2 // + the two kinds overflow rows
    const total = typeof capacity === 'number' ? capacity + reserved : capacity
    if (typeof total === 'number' && total > MAX_CAPACITY) {
      throw new RangeError(`capacity + errorCapacity + 2 must be at most ${MAX_CAPACITY} rows, got ${capacity} + ${errorCapacity} + 2 = ${total}`)
    }
    const schema = tallyOptions.columns === undefined && tallyOptions.histograms === undefined ? KAFKA_SCHEMA : {}
    // The kinds' rows are a reserve of their own: topics cannot take them, and kinds cannot take a topic's.
    return new KafkaTally(await Tally.create({ ...schema, ...tallyOptions, capacity: total, reservedRows: typeof capacity === 'number' ? reserved : 0 }))
  }

  /** Counts error kinds into an existing Tally's table, beside its topics. */
  static async wrap (tally: Tally<string, string>): Promise<KafkaTally> {
    return new KafkaTally(tally)
  }

  /** Attaches to a KafkaTally created in another thread, from its share() handle. */
  static async attach (shared: SharedKafkaTally, options: AttachOptions = {}): Promise<KafkaTally> {
    checkShared('KafkaTally.attach', shared)
    return new KafkaTally(await Tally.attach(shared.tally, options))
  }

  /** attach(), synchronously (see Tally.attachSync). */
  static attachSync (shared: SharedKafkaTally, options: AttachOptions = {}): KafkaTally {
    checkShared('KafkaTally.attachSync', shared)
    return new KafkaTally(Tally.attachSync(shared.tally, options))
  }

  share (): SharedKafkaTally {
    return { kind: 'wasm-tally/kafkajs', tally: this.tally.share() }
  }

  get leaseMs (): number { return this.tally.leaseMs }

  /** Counts `count` delivered messages for `topic`. Never throws. */
  success (topic: unknown, count: number): void {
    safeRecord(this.tally, topic, 'success', count)
  }

  /** Counts `count` failed messages for `topic`, and why (from the rejection `cause`). Never throws. */
  error (topic: unknown, count: number, cause: unknown): void {
    if (count === 0) return
    safeRecord(this.tally, topic, 'error', count)
    this.countKind(KIND_PREFIX, this.kindsHaveRoom ? KINDS_OVERFLOW : undefined, topic, count, cause)
  }

  /** Counts `count` consumed messages whose handler failed (processErrors), and why. Never throws. */
  processFailure (topic: unknown, count: number, error: unknown): void {
    if (count === 0) return
    if (this.tally.schema.columns.includes('processErrors')) safeRecord(this.tally, topic, 'processErrors', count)
    this.countKind(PROCESS_KIND_PREFIX, this.processKindsHaveRoom ? PROCESS_KINDS_OVERFLOW : undefined, topic, count, error)
  }

  /** Adds to the (topic, kind) row under `prefix` (its success column: retriable, error: not), or to `overflow`. */
  private countKind (prefix: string, overflow: string | undefined, topic: unknown, count: number, cause: unknown): void {
    try {
      const name = countedTopic(topic)
      const kind = classify(cause)
      const outcome = kind.retriable ? 'success' : 'error'
      // A topic without a row of its own (its failures are in the overflow row) keeps no kinds either:
      // they count with the kinds' overflow, so the kinds of every topic add up to its failures.
      if (this.tally.inOverflow(name)) {
        if (overflow !== undefined) this.tally.recordRow(overflow, outcome, count)
        return
      }
      const key = kindKey(name, kind.head)
      if (key[0] === 'h') this.hashed.set(topicHash(name), name)
      if (!this.tally.recordRow(prefix + key, outcome, count) && overflow !== undefined) {
        this.tally.recordRow(overflow, outcome, count)
      }
    } catch { /* counting never breaks a send or a handler */ }
  }

  /** @deprecated The old name of error(), which it calls. */
  failure (topic: unknown, count: number, cause: unknown): void {
    this.error(topic, count, cause)
  }

  /** Everything counted since the last snapshot, by any thread, with failures by cause; resets it. */
  snapshot (options: { waitMs?: number } = {}): KafkaSnapshot {
    return this.split(this.tally.snapshot(options))
  }

  /** Like snapshot(), but undefined when another flusher holds the lock longer than waitMs. */
  trySnapshot (waitMs = 0): KafkaSnapshot | undefined {
    const snap = this.tally.trySnapshot(waitMs)
    return snap === undefined ? undefined : this.split(snap)
  }

  openBatch (waitMs = 0): KafkaBatch | undefined {
    const batch = this.tally.openBatch(waitMs)
    if (batch === undefined) return undefined
    const out: KafkaBatch = { id: batch.id, snapshot: this.split(batch.snapshot) }
    this.rows.set(out, batch)
    return out
  }

  renewBatch (): boolean { return this.tally.renewBatch() }

  /**
   * Acknowledges a batch. With `undelivered`, its topics and overflow are kept
   * as given, and a topic's error kinds are kept whole when `undelivered.errors`
   * names the topic (the sinks deliver a topic's kinds together), else removed.
   */
  ackBatch (batch: Batch, undelivered?: Snapshot): boolean {
    const rows = this.rows.get(batch) ?? batch
    if (undelivered === undefined) return this.tally.ackBatch(rows)
    const kept: Snapshot = { epoch: rows.snapshot.epoch, topics: new Map(), overflow: undelivered.overflow }
    if (undelivered.topics instanceof Map) for (const [topic, c] of undelivered.topics) kept.topics.set(topic, c)
    const given = undelivered as Partial<KafkaSnapshot>
    for (const [key, c] of rows.snapshot.topics) {
      if (!isKindRow(key)) continue
      const sends = key[0] === KIND_PREFIX
      const errors = sends ? given.errors : given.processErrors
      const overflow = sends ? given.errorsOverflow : given.processErrorsOverflow
      const topic = key === KINDS_OVERFLOW || key === PROCESS_KINDS_OVERFLOW ? undefined : this.topicOfKey(key.slice(1))
      if (errors instanceof Map && (topic === undefined ? overflow !== undefined : errors.has(topic))) kept.topics.set(key, c)
    }
    return this.tally.ackBatch(rows, kept)
  }

  releaseBatch (batch?: Batch): void { this.tally.releaseBatch(batch) }

  claimFlush (intervalMs: number): boolean { return this.tally.claimFlush(intervalMs) }

  /** Splits a table snapshot into topics, send error kinds and handler error kinds. */
  private split (rows: Snapshot): KafkaSnapshot {
    const topics = new Map<string, Snapshot['overflow']>()
    const out: KafkaSnapshot = {
      epoch: rows.epoch,
      topics,
      overflow: rows.overflow,
      errors: new Map(),
      errorsOverflow: { retriable: 0, nonRetriable: 0 },
      processErrors: new Map(),
      processErrorsOverflow: { retriable: 0, nonRetriable: 0 }
    }
    for (const [key, counts] of rows.topics) {
      if (!isKindRow(key)) { topics.set(key, counts); continue }
      const sends = key[0] === KIND_PREFIX
      if (key === KINDS_OVERFLOW || key === PROCESS_KINDS_OVERFLOW) {
        const overflow = sends ? out.errorsOverflow : out.processErrorsOverflow
        overflow.retriable += counts.success
        overflow.nonRetriable += counts.error
        continue
      }
      const parsed = parseKindKey(key.slice(1))
      if (parsed === undefined) continue
      const errors = sends ? out.errors : out.processErrors
      const topic = this.topicOfKey(key.slice(1))
      let row = errors.get(topic)
      if (row === undefined) errors.set(topic, row = { retriable: 0, nonRetriable: 0, kinds: new Map() })
      row.retriable += counts.success
      row.nonRetriable += counts.error
      const label = kindLabel(parsed.head)
      row.kinds.set(label, (row.kinds.get(label) ?? 0) + counts.success + counts.error)
    }
    if (rows.batch !== undefined) out.batch = rows.batch
    return out
  }

  private topicOfKey (key: string): string {
    const parsed = parseKindKey(key)
    if (parsed === undefined) return key
    if (!parsed.hashed) return parsed.rest
    return this.hashed.get(parsed.rest) ?? this.longTopics().get(parsed.rest) ?? `#${parsed.rest}`
  }

  /** Hashes of the table's long topics (registered by any thread). */
  private longTopics (): Map<string, string> {
    const out = new Map<string, string>()
    for (const topic of this.tally.topics()) if (topic.length > 100) out.set(topicHash(topic), topic)
    return out
  }
}
