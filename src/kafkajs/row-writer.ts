// Writing a producer's or a consumer's numbers into a Tally's rows without
// ever throwing into a send or a handler: a topic the engine refuses counts
// under INVALID_TOPIC, and a column or histogram the table's schema lacks is
// skipped (instrumentProducer and instrumentConsumer name those once).
import type { Tally } from '../index.js'
import { INVALID_TOPIC, safeRecord } from './recorder.js'

export class RowWriter {
  private readonly names: Set<string>

  constructor (readonly tally: Tally) {
    this.names = new Set([...tally.schema.columns, ...tally.schema.histograms.map(h => h.name)])
  }

  /** Whether the table's rows hold a column or histogram of this name. */
  has (name: string): boolean {
    return this.names.has(name)
  }

  /** Adds `count` to a column; nothing when the schema has no such column. */
  add (topic: unknown, column: string, count: number): void {
    if (count !== 0 && this.names.has(column)) safeRecord(this.tally, topic, column, count)
  }

  /** One observation (seconds) of a histogram; nothing when the schema has no such histogram. */
  observe (topic: unknown, histogram: string, seconds: number): void {
    if (!this.names.has(histogram)) return
    try {
      this.tally.observe(topic as string, histogram, seconds)
    } catch {
      try { this.tally.observe(INVALID_TOPIC, histogram, seconds) } catch { /* counting never breaks a send */ }
    }
  }
}

/** Seconds since an arbitrary origin, from the monotonic clock. */
export function seconds (): number {
  return performance.now() / 1000
}
