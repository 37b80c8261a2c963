// Writing a producer's or a consumer's numbers into a Tally's rows without
// ever throwing into a send or a handler: a topic the engine refuses counts
// under INVALID_TOPIC, and a column or histogram the table's schema lacks is
// skipped (instrumentProducer and instrumentConsumer name those once). Each
// topic's row is bound once, so a count is a cell address and an atomic add.
import type { AnyTally, Binding as TypedBinding, RowOutcome } from '../engine/tally.js'

// Any table: its columns and histograms are checked when counting, not typed here.
type Tally = AnyTally
type Binding = TypedBinding<string, string>
import { INVALID_TOPIC } from './recorder.js'

const nothing: Binding = { topic: INVALID_TOPIC, success () {}, error () {}, add () {}, observe () {} }
// What no caller can pass as a topic: the last-row cache starts out matching nothing.
const NO_TOPIC = {}
// Topics bound and kept per writer, at most: past it a topic is bound at each
// count (the table's own lookup), so sends to ever new topic names (past the
// capacity, or refused by Kafka's rule) do not grow the writer without bound.
const MAX_KEPT = 8192

export class RowWriter {
  private readonly names: Set<string>
  private readonly rows = new Map<string, Binding>()
  // The last topic's row: a producer mostly sends to one topic, or to a few in runs, so most lookups skip the Map.
  private lastTopic: unknown = NO_TOPIC
  private lastRow: Binding = nothing

  constructor (readonly tally: Tally) {
    this.names = new Set([...tally.schema.columns, ...tally.schema.histograms.map(h => h.name)])
  }

  /** Whether the table's rows hold a column or histogram of this name. */
  has (name: string): boolean {
    return this.names.has(name)
  }

  /** The topic's row, bound once; INVALID_TOPIC's for a topic the engine refuses. Never throws. */
  row (topic: unknown): Binding {
    if (topic === this.lastTopic) return this.lastRow
    const known = typeof topic === 'string' ? this.rows.get(topic) : undefined
    if (known !== undefined) {
      this.lastTopic = topic
      this.lastRow = known
      return known
    }
    let row: Binding
    try {
      row = this.tally.bind(topic as string)
    } catch {
      try { row = this.tally.bindRow(INVALID_TOPIC) } catch { return nothing }
      if (typeof topic !== 'string') return row // not kept: any value could come this way
    }
    if (this.rows.size < MAX_KEPT) this.rows.set(topic as string, row)
    this.lastTopic = topic
    this.lastRow = row
    return row
  }

  /**
   * Each topic's count of one kind of outcome: `first` and `second` columns
   * and a `histogram`, each left out where the schema lacks it (see
   * Tally.outcome: one function per topic, no name looked up per call).
   */
  outcomes (first: string, second: string, histogram: string): Outcomes {
    const known = (name: string): string | undefined => this.names.has(name) ? name : undefined
    return new Outcomes(this.tally, known(first), known(second), known(histogram))
  }

  /** Adds `count` to a column; nothing when the schema has no such column. Never throws. */
  add (topic: unknown, column: string, count: number): void {
    if (count === 0 || !this.names.has(column)) return
    try { this.row(topic).add(column, count) } catch { /* counting never breaks a send */ }
  }

  /** One observation (seconds) of a histogram; nothing when the schema has no such histogram. Never throws. */
  observe (topic: unknown, histogram: string, seconds: number): void {
    if (!this.names.has(histogram)) return
    try { this.row(topic).observe(histogram, seconds) } catch { /* counting never breaks a send */ }
  }
}

const uncounted: RowOutcome = () => {}

/**
 * One kind of outcome's count per topic, bound once per topic as RowWriter
 * binds rows: Tally.outcome's one core call where the schema has the
 * histogram, else the row's binding adding to each column.
 */
export class Outcomes {
  private readonly rows = new Map<string, RowOutcome>()
  private lastTopic: unknown = NO_TOPIC
  private lastRow: RowOutcome = uncounted

  constructor (private readonly tally: Tally, private readonly first: string | undefined, private readonly second: string | undefined, private readonly histogram: string | undefined) {}

  private make (key: string, isTopic: boolean): RowOutcome {
    const { first, second, histogram } = this
    if (histogram !== undefined) return this.tally.outcome(key, isTopic, first, second, histogram)
    const row = isTopic ? this.tally.bind(key) : this.tally.bindRow(key)
    return (a, b) => {
      if (first !== undefined && a !== 0) row.add(first, a)
      if (second !== undefined && b !== 0) row.add(second, b)
    }
  }

  /**
   * The topic's count; INVALID_TOPIC's for a topic the engine refuses. Never throws.
   * RowWriter.row's lookup, written again on purpose: one generic class serving
   * both made every send slower (suite 10, kafkajs alone: 2.04-2.06x the floor
   * became 2.13-2.17x, two runs each).
   */
  of (topic: unknown): RowOutcome {
    if (topic === this.lastTopic) return this.lastRow
    const known = typeof topic === 'string' ? this.rows.get(topic) : undefined
    if (known !== undefined) {
      this.lastTopic = topic
      this.lastRow = known
      return known
    }
    let row: RowOutcome
    try {
      row = this.make(topic as string, true)
    } catch {
      try { row = this.make(INVALID_TOPIC, false) } catch { return uncounted }
      if (typeof topic !== 'string') return row // not kept: any value could come this way
    }
    if (this.rows.size < MAX_KEPT) this.rows.set(topic as string, row)
    this.lastTopic = topic
    this.lastRow = row
    return row
  }
}

// Read once: in Node the global `performance` is a getter, and each read costs more than the clock.
const clock = (globalThis as { performance?: { now?: () => number } }).performance
/** Milliseconds since an arbitrary origin, from the monotonic clock (seconds() is it / 1000). */
export const now: () => number = typeof clock?.now === 'function' ? clock.now.bind(clock) : Date.now

/** Seconds since an arbitrary origin, from the monotonic clock. */
export function seconds (): number {
  return now() / 1000
}
