// A Tally that also counts why sends and handlers failed: per (topic, error
// kind) rows in the same shared table, under keys no Kafka topic can have. One table means
// one lock and one snapshot for outcomes and error kinds alike: a snapshot or
// a batch holds both or neither.
import { Tally, type AnyTally, type Outcome, type SharedTally, type Snapshot, type TallyOptions, type AttachOptions, type RowOf, type Row, DEFAULT_CAPACITY, MAX_CAPACITY } from '../engine/tally.js'
import type { Batch } from '../engine/batch.js'
import type { BatchRows, RegionRows } from '../engine/batch-reader.js'
import type { BatchSource } from '../flush/flusher.js'
import { describe } from '../engine/validate.js'
import { classify, kindKey, kindLabel, parseKindKey, topicHash } from './error-kind.js'
import { countedTopic, INVALID_TOPIC, safeRecord, type Recorder } from './recorder.js'
import { KAFKA_SCHEMA, type KafkaColumn, type KafkaHistogram } from '../schemas/kafka.js'

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
export interface SharedKafkaTally<C extends string = KafkaColumn, H extends string = KafkaHistogram> {
  kind: 'wasm-tally/kafkajs'
  tally: SharedTally<C, H>
}

/** A topic's failed messages by cause. retriable + nonRetriable = the sum of kinds = the messages counted as error (or processErrors). */
export interface TopicErrors {
  retriable: number
  nonRetriable: number
  /** Per kind label ("Top/Root:TYPE"), failed messages. */
  kinds: Map<string, number>
}

/** A KafkaTally's snapshot: rows by topic (`R`: the schema's row, KAFKA_SCHEMA's by default) and failures by cause. */
export interface KafkaSnapshot<R = RowOf<KafkaColumn, KafkaHistogram>> extends Snapshot<R> {
  /** Per topic, failed messages by cause, since the previous snapshot. */
  errors: Map<string, TopicErrors>
  /** Failed messages whose (topic, kind) found the reserve full, or whose topic is in the overflow row. */
  errorsOverflow: { retriable: number, nonRetriable: number }
  /** Per topic, consumed messages whose handler threw, by cause, since the previous snapshot. */
  processErrors: Map<string, TopicErrors>
  /** Handler failures whose (topic, kind) found the reserve full, or whose topic is in the overflow row. */
  processErrorsOverflow: { retriable: number, nonRetriable: number }
}

function checkShared (where: string, shared: SharedKafkaTally<string, string>): void {
  if (shared === null || typeof shared !== 'object' || shared.kind !== 'wasm-tally/kafkajs') {
    throw new TypeError(`${where} expects the object returned by kafkaTally.share(), got ${describe(shared)}`)
  }
}

interface KafkaBatch<R> extends Batch<KafkaSnapshot<R>> {
  readonly snapshot: KafkaSnapshot<R>
}

/** A KafkaTally of any schema (see AnyTally). */
export type AnyKafkaTally = KafkaTally<string, string, any>

/**
 * `C` and `H` are the row's column and histogram names: KAFKA_SCHEMA's
 * (KafkaColumn, KafkaHistogram) unless create() was given others.
 */
export class KafkaTally<C extends string = KafkaColumn, H extends string = KafkaHistogram, R = RowOf<C, H>> implements Recorder, BatchSource<KafkaSnapshot<R>> {
  /** Long topics seen by this thread, by the hash that stands for them in error keys. */
  private readonly hashed = new Map<string, string>()
  // The table's own batch behind each batch handed out (partial acknowledgements map back to rows).
  private readonly rows = new WeakMap<Batch<unknown>, Batch>()
  private readonly kindsHaveRoom: boolean
  private readonly processKindsHaveRoom: boolean

  private constructor (private readonly table: AnyTally) {
    const tally = table
    this.kindsHaveRoom = tally.recordRow(KINDS_OVERFLOW, 'success', 0)
    this.processKindsHaveRoom = tally.recordRow(PROCESS_KINDS_OVERFLOW, 'success', 0)
  }

  /**
   * A new table with room for `capacity` topics plus `errorCapacity` (topic,
   * error kind) rows, each row holding the producer's and the consumer's
   * counters and durations (KAFKA_SCHEMA) unless `columns`/`histograms` say otherwise.
   */
  static async create (options?: Omit<TallyOptions, 'columns' | 'histograms'> & KafkaTallyOptions): Promise<KafkaTally>
  static async create<const C extends string = Outcome, const H extends string = never> (options: TallyOptions<C, H> & KafkaTallyOptions): Promise<KafkaTally<C, H>>
  static async create (options: TallyOptions<string, string> & KafkaTallyOptions = {}): Promise<KafkaTally<string, string>> {
    if (options === null || typeof options !== 'object') throw new TypeError(`KafkaTally.create takes an options object, got ${describe(options)}`)
    const { errorCapacity = DEFAULT_ERROR_CAPACITY, ...tallyOptions } = options
    if (typeof errorCapacity !== 'number' || !Number.isInteger(errorCapacity) || errorCapacity < 0) {
      throw new RangeError(`errorCapacity must be a whole number from 0 up, got ${describe(errorCapacity)}`)
    }
    const capacity = tallyOptions.capacity ?? DEFAULT_CAPACITY
    const reserved = errorCapacity + 3 // + the two kinds overflow rows and INVALID_TOPIC's
    const total = typeof capacity === 'number' ? capacity + reserved : capacity
    if (typeof total === 'number' && total > MAX_CAPACITY) {
      throw new RangeError(`capacity + errorCapacity + 3 must be at most ${MAX_CAPACITY} rows, got ${capacity} + ${errorCapacity} + 3 = ${total}`)
    }
    const schema = tallyOptions.columns === undefined && tallyOptions.histograms === undefined ? KAFKA_SCHEMA : {}
    // The kinds' rows are a reserve of their own: topics cannot take them, and kinds cannot take a topic's.
    const tally = await Tally.create({ ...schema, ...tallyOptions, capacity: total, reservedRows: typeof capacity === 'number' ? reserved : 0 })
    // The row of the topics Kafka refuses is no topic: registered from the reserve now, it never takes one of `capacity`.
    tally.recordRow(INVALID_TOPIC, 'success', 0)
    return new KafkaTally(tally)
  }

  /** Counts error kinds into an existing Tally's table, beside its topics. */
  static async wrap<C extends string, H extends string> (tally: Tally<C, H>): Promise<KafkaTally<C, H>> {
    return new KafkaTally(tally)
  }

  /** Attaches to a KafkaTally created in another thread, from its share() handle. */
  static async attach<C extends string = KafkaColumn, H extends string = KafkaHistogram> (shared: SharedKafkaTally<C, H>, options: AttachOptions = {}): Promise<KafkaTally<C, H>> {
    checkShared('KafkaTally.attach', shared)
    return new KafkaTally(await Tally.attach<C, H>(shared.tally, options))
  }

  /** attach(), synchronously (see Tally.attachSync). */
  static attachSync<C extends string = KafkaColumn, H extends string = KafkaHistogram> (shared: SharedKafkaTally<C, H>, options: AttachOptions = {}): KafkaTally<C, H> {
    checkShared('KafkaTally.attachSync', shared)
    return new KafkaTally(Tally.attachSync<C, H>(shared.tally, options))
  }

  /** The table underneath: its schema, stats() and topics(). */
  get tally (): Tally<C, H, R> { return this.table }

  share (): SharedKafkaTally<C, H> {
    return { kind: 'wasm-tally/kafkajs', tally: this.tally.share() }
  }

  get leaseMs (): number { return this.table.leaseMs }

  /** Counts `count` delivered messages for `topic`. Never throws. */
  success (topic: unknown, count: number): void {
    safeRecord(this.table, topic, 'success', count)
  }

  /** Counts `count` failed messages for `topic`, and why (from the rejection `cause`). Never throws. */
  error (topic: unknown, count: number, cause: unknown): void {
    if (count === 0) return
    safeRecord(this.table, topic, 'error', count)
    this.countKind(KIND_PREFIX, this.kindsHaveRoom ? KINDS_OVERFLOW : undefined, topic, count, cause)
  }

  /** Counts `count` consumed messages whose handler failed (processErrors), and why. Never throws. */
  processFailure (topic: unknown, count: number, error: unknown): void {
    if (count === 0) return
    if (this.table.schema.columns.includes('processErrors')) safeRecord(this.table, topic, 'processErrors', count)
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
      if (this.table.inOverflow(name)) {
        if (overflow !== undefined) this.table.recordRow(overflow, outcome, count)
        return
      }
      const key = kindKey(name, kind.head)
      if (key[0] === 'h') this.hashed.set(topicHash(name), name)
      if (!this.table.recordRow(prefix + key, outcome, count) && overflow !== undefined) {
        this.table.recordRow(overflow, outcome, count)
      }
    } catch { /* counting never breaks a send or a handler */ }
  }

  /** @deprecated The old name of error(), which it calls. */
  failure (topic: unknown, count: number, cause: unknown): void {
    this.error(topic, count, cause)
  }

  /** Everything counted since the last snapshot, by any thread, with failures by cause; resets it. */
  snapshot (options: { waitMs?: number } = {}): KafkaSnapshot<R> {
    return this.split(this.table.snapshot(options))
  }

  /** Like snapshot(), but undefined when another flusher holds the lock longer than waitMs. */
  trySnapshot (waitMs = 0): KafkaSnapshot<R> | undefined {
    const snap = this.table.trySnapshot(waitMs)
    return snap === undefined ? undefined : this.split(snap)
  }

  /** Opens a batch (see Tally.openBatch); its `rows` hold the topics, and `rows.extra()` the failures by cause. */
  openBatch (waitMs = 0, options?: { lazy?: boolean }): KafkaBatch<R> | undefined {
    const lazy = options?.lazy === true
    const batch = this.table.openBatch(waitMs, { lazy, hide: isKindRow })
    if (batch === undefined) return undefined
    const inner = batch.rows as RegionRows
    let split: KafkaSnapshot<R> | undefined = lazy ? undefined : this.split(batch.snapshot)
    const snapshot = (): KafkaSnapshot<R> => (split ??= this.split(batch.snapshot))
    const rows: BatchRows = {
      epoch: inner.epoch,
      batch: inner.batch,
      shape: inner.shape,
      forEachRow: fn => inner.forEachRow(fn),
      isEmpty: () => inner.isEmpty(),
      snapshot: snapshot as () => Snapshot,
      // The error kinds' rows are few (errorCapacity at most): read into their maps.
      extra: () => split ?? this.kindsOf(inner)
    }
    const out: KafkaBatch<R> = { id: batch.id, rows, get snapshot () { return snapshot() } }
    this.rows.set(out as Batch<unknown>, batch)
    return out
  }

  /** A batch's failures by cause, read from its hidden rows. */
  private kindsOf (inner: RegionRows): Omit<KafkaSnapshot, keyof Snapshot> {
    const out = this.emptyKinds()
    const success = inner.shape.columns.indexOf('success')
    const error = inner.shape.columns.indexOf('error')
    inner.forEachHidden(row => { this.addKind(out, row.name, row.column(success), row.column(error)) })
    return out
  }

  private emptyKinds (): Omit<KafkaSnapshot, keyof Snapshot> {
    return { errors: new Map(), errorsOverflow: { retriable: 0, nonRetriable: 0 }, processErrors: new Map(), processErrorsOverflow: { retriable: 0, nonRetriable: 0 } }
  }

  renewBatch (): boolean { return this.table.renewBatch() }

  /**
   * Acknowledges a batch. With `undelivered`, its topics and overflow are kept
   * as given, and a topic's error kinds are kept whole when `undelivered.errors`
   * names the topic (the sinks deliver a topic's kinds together), else removed.
   */
  ackBatch (batch: Batch<unknown>, undelivered?: Snapshot<unknown>): boolean {
    const rows = (this.rows.get(batch as Batch) ?? batch) as Batch
    if (undelivered === undefined) return this.table.ackBatch(rows)
    const kept: Snapshot = { epoch: rows.snapshot.epoch, topics: new Map(), overflow: (undelivered as Snapshot).overflow }
    if (undelivered.topics instanceof Map) for (const [topic, c] of (undelivered as Snapshot).topics) kept.topics.set(topic, c)
    const given = undelivered as Partial<KafkaSnapshot>
    for (const [key, c] of rows.snapshot.topics) {
      if (!isKindRow(key)) continue
      const sends = key[0] === KIND_PREFIX
      const errors = sends ? given.errors : given.processErrors
      const overflow = sends ? given.errorsOverflow : given.processErrorsOverflow
      const topic = key === KINDS_OVERFLOW || key === PROCESS_KINDS_OVERFLOW ? undefined : this.topicOfKey(key.slice(1))
      if (errors instanceof Map && (topic === undefined ? overflow !== undefined : errors.has(topic))) kept.topics.set(key, c)
    }
    return this.table.ackBatch(rows, kept)
  }

  releaseBatch (batch?: Batch<unknown>): void { this.table.releaseBatch(batch) }

  claimFlush (intervalMs: number): boolean { return this.table.claimFlush(intervalMs) }

  /** Splits a table snapshot into topics, send error kinds and handler error kinds. */
  private split (rows: Snapshot): KafkaSnapshot<R> {
    const topics = new Map<string, Snapshot['overflow']>()
    const out: KafkaSnapshot<Row> = { epoch: rows.epoch, topics, overflow: rows.overflow, ...this.emptyKinds() }
    for (const [key, counts] of rows.topics) {
      if (!isKindRow(key)) { topics.set(key, counts); continue }
      this.addKind(out, key, counts.success, counts.error)
    }
    if (rows.batch !== undefined) out.batch = rows.batch
    return out as unknown as KafkaSnapshot<R>
  }

  /** Adds a kind row (its success column: retriable, error: not) to the failures by cause. */
  private addKind (out: Omit<KafkaSnapshot, keyof Snapshot>, key: string, retriable: number, nonRetriable: number): void {
    const sends = key[0] === KIND_PREFIX
    if (key === KINDS_OVERFLOW || key === PROCESS_KINDS_OVERFLOW) {
      const overflow = sends ? out.errorsOverflow : out.processErrorsOverflow
      overflow.retriable += retriable
      overflow.nonRetriable += nonRetriable
      return
    }
    const parsed = parseKindKey(key.slice(1))
    if (parsed === undefined) return
    const errors = sends ? out.errors : out.processErrors
    const topic = this.topicOfKey(key.slice(1))
    let row = errors.get(topic)
    if (row === undefined) errors.set(topic, row = { retriable: 0, nonRetriable: 0, kinds: new Map() })
    row.retriable += retriable
    row.nonRetriable += nonRetriable
    const label = kindLabel(parsed.head)
    row.kinds.set(label, (row.kinds.get(label) ?? 0) + retriable + nonRetriable)
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
    for (const topic of this.table.topics()) if (topic.length > 100) out.set(topicHash(topic), topic)
    return out
  }
}
