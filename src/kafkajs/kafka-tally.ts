// A Tally for producer outcomes plus a second shared table for why sends failed.
// Both live in shared memory, so every thread that attaches counts into the same rows.
import { Tally, type SharedTally, type Snapshot, type TallyOptions, type AttachOptions } from '../index.js'
import { classify, kindKey, kindLabel, parseKindKey, topicHash } from './error-kind.js'
import { countedTopic, safeRecord, type Recorder } from './recorder.js'

export const DEFAULT_ERROR_CAPACITY = 1024

export interface KafkaTallyOptions {
  /** Rows of the error-kinds table, one per (topic, kind) met (default 1024); more go to its overflow. */
  errorCapacity?: number
  /** Options of the error-kinds table (stripes, leaseMs, module); its capacity is errorCapacity. */
  errorTable?: Omit<TallyOptions, 'capacity'>
}

/** The structured-cloneable handle of a KafkaTally: post it to a worker, KafkaTally.attach it there. */
export interface SharedKafkaTally {
  kind: 'wasm-tally/kafkajs'
  tally: SharedTally
  errors: SharedTally
}

/** A topic's failed messages by cause. retriable + nonRetriable = the sum of kinds = the messages counted as error. */
export interface TopicErrors {
  retriable: number
  nonRetriable: number
  /** Per kind label ("Top/Root:TYPE"), failed messages. */
  kinds: Map<string, number>
}

export interface KafkaSnapshot extends Snapshot {
  /** Per topic, failed messages by cause, since the previous snapshot. */
  errors: Map<string, TopicErrors>
  /** Failed messages whose (topic, kind) found the error-kinds table full. */
  errorsOverflow: { retriable: number, nonRetriable: number }
}

export class KafkaTally implements Recorder {
  /** Long topics seen by this thread, by the hash that stands for them in error keys. */
  private readonly hashed = new Map<string, string>()

  private constructor (readonly tally: Tally, readonly errorTable: Tally) {}

  /** A new outcome table (Tally options) and its error-kinds table. */
  static async create (options: TallyOptions & KafkaTallyOptions = {}): Promise<KafkaTally> {
    const { errorCapacity, errorTable, ...tallyOptions } = options
    return KafkaTally.wrap(await Tally.create(tallyOptions), { errorCapacity, errorTable })
  }

  /** Adds an error-kinds table to an existing Tally (which keeps counting success and error per topic). */
  static async wrap (tally: Tally, options: KafkaTallyOptions = {}): Promise<KafkaTally> {
    const errors = await Tally.create({ ...options.errorTable, capacity: options.errorCapacity ?? DEFAULT_ERROR_CAPACITY })
    return new KafkaTally(tally, errors)
  }

  /** Attaches to a KafkaTally created in another thread, from its share() handle. */
  static async attach (shared: SharedKafkaTally, options: AttachOptions = {}): Promise<KafkaTally> {
    if (shared === null || typeof shared !== 'object' || shared.kind !== 'wasm-tally/kafkajs') {
      throw new TypeError('KafkaTally.attach expects the object returned by kafkaTally.share()')
    }
    return new KafkaTally(await Tally.attach(shared.tally, options), await Tally.attach(shared.errors, options))
  }

  share (): SharedKafkaTally {
    return { kind: 'wasm-tally/kafkajs', tally: this.tally.share(), errors: this.errorTable.share() }
  }

  /** Counts `count` delivered messages for `topic`. Never throws. */
  success (topic: unknown, count: number): void {
    safeRecord(this.tally, topic, 'success', count)
  }

  /** Counts `count` failed messages for `topic`, and why (from the rejection). Never throws. */
  failure (topic: unknown, count: number, error: unknown): void {
    if (count === 0) return
    safeRecord(this.tally, topic, 'error', count)
    try {
      const name = countedTopic(topic)
      const kind = classify(error)
      const key = kindKey(name, kind.head)
      if (key[0] === 'h') this.hashed.set(topicHash(name), name)
      safeRecord(this.errorTable, key, kind.retriable ? 'success' : 'error', count)
    } catch { /* counting never breaks a send */ }
  }

  /** Everything counted since the last snapshot, by any thread, with failures by cause; resets it. */
  snapshot (options: { waitMs?: number } = {}): KafkaSnapshot {
    const outcomes = this.tally.snapshot(options)
    return this.withErrors(outcomes, this.errorTable.snapshot(options))
  }

  /** Like snapshot(), but undefined when another flusher holds either lock longer than waitMs. */
  trySnapshot (waitMs = 0): KafkaSnapshot | undefined {
    const outcomes = this.tally.trySnapshot(waitMs)
    if (outcomes === undefined) return undefined
    // The outcomes are taken: wait as long as needed for the kinds rather than lose them.
    return this.withErrors(outcomes, this.errorTable.snapshot())
  }

  private withErrors (outcomes: Snapshot, kinds: Snapshot): KafkaSnapshot {
    const errors = new Map<string, TopicErrors>()
    let unhashed: Map<string, string> | undefined
    for (const [key, counts] of kinds.topics) {
      const parsed = parseKindKey(key)
      if (parsed === undefined) continue
      let topic = parsed.rest
      if (parsed.hashed) {
        topic = this.hashed.get(parsed.rest) ?? (unhashed ??= this.longTopics()).get(parsed.rest) ?? `#${parsed.rest}`
      }
      let row = errors.get(topic)
      if (row === undefined) errors.set(topic, row = { retriable: 0, nonRetriable: 0, kinds: new Map() })
      row.retriable += counts.success
      row.nonRetriable += counts.error
      const label = kindLabel(parsed.head)
      row.kinds.set(label, (row.kinds.get(label) ?? 0) + counts.success + counts.error)
    }
    return {
      ...outcomes,
      errors,
      errorsOverflow: { retriable: kinds.overflow.success, nonRetriable: kinds.overflow.error }
    }
  }

  /** Hashes of the outcome table's long topics (registered by any thread). */
  private longTopics (): Map<string, string> {
    const out = new Map<string, string>()
    for (const topic of this.tally.topics()) if (topic.length > 100) out.set(topicHash(topic), topic)
    return out
  }
}
