// Naming, once per table and name (not per call), what a Tally's schema has
// no room for among the numbers instrumentProducer or instrumentConsumer keep.
import type { AnyTally } from '../engine/tally.js'

// Any table: its columns and histograms are checked when counting, not typed here.
type Tally = AnyTally
import type { RowWriter } from './row-writer.js'

/** Told the columns and histograms a target's table lacks, and a sentence naming them. */
export type OnUnsupported = (missing: string[], message: string) => void

export interface InstrumentOptions {
  /** Called once per table with what its schema cannot hold (default: console.warn of the message). */
  onUnsupported?: OnUnsupported
}

const reported = new WeakMap<Tally, Set<string>>()

export function reportUnsupported (writer: RowWriter, wanted: readonly string[], who: string, options: InstrumentOptions | undefined): void {
  let seen = reported.get(writer.tally)
  if (seen === undefined) reported.set(writer.tally, seen = new Set())
  const missing = wanted.filter(name => !writer.has(name) && !seen.has(name))
  if (missing.length === 0) return
  for (const name of missing) seen.add(name)
  const message = `wasm-tally: ${who} does not count ${missing.join(', ')}: the table's rows have no such column or histogram ` +
    '(KafkaTally.create() holds them all, or create the Tally with KAFKA_SCHEMA)'
  try {
    const tell = options?.onUnsupported
    if (typeof tell === 'function') tell(missing, message)
    else console.warn(message)
  } catch { /* a warning never breaks instrumenting */ }
}
