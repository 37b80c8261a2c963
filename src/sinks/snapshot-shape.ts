// What a snapshot's rows hold: the columns, and each histogram with its
// bounds. Taken from the table's schema when a sink is given it, else read off
// the snapshot (whose overflow row always has the schema's shape); the bounds
// of KafkaTally's durations are known, others need the schema.
import { DURATION_BOUNDS, KAFKA_HISTOGRAMS } from '../schemas/kafka.js'
import type { HistogramCounts, Snapshot } from '../engine/snapshot.js'
import { own } from './own.js'

/** A table's schema as `tally.schema` holds it, or as declared (`{ columns, histograms: { name: bounds } }`, e.g. KAFKA_SCHEMA). */
export interface SchemaLike {
  columns?: readonly string[]
  histograms?: ReadonlyArray<{ name: string, bounds: readonly number[] }> | Readonly<Record<string, readonly number[]>>
}

export interface RowShape {
  columns: readonly string[]
  /** Histogram name -> bucket bounds (counts has bounds.length + 1 buckets). */
  histograms: ReadonlyMap<string, readonly number[]>
}

export function shapeOfSchema (schema: SchemaLike): RowShape {
  const histograms = new Map<string, readonly number[]>()
  const declared = schema.histograms ?? []
  if (Array.isArray(declared)) for (const h of declared as ReadonlyArray<{ name: string, bounds: readonly number[] }>) histograms.set(h.name, h.bounds)
  else for (const [name, bounds] of Object.entries(declared)) histograms.set(name, bounds as readonly number[])
  return { columns: [...(schema.columns ?? ['success', 'error'])], histograms }
}

const KNOWN_BOUNDS: Readonly<Record<string, readonly number[]>> = Object.fromEntries(Object.keys(KAFKA_HISTOGRAMS).map(name => [name, DURATION_BOUNDS]))

/** The shape of the snapshot's rows; `schema` (when given) supplies the bounds. */
export function shapeOfSnapshot (snap: Snapshot, schema?: RowShape): RowShape {
  if (schema !== undefined) return schema
  const columns: string[] = []
  const histograms = new Map<string, readonly number[]>()
  for (const [name, value] of Object.entries(snap.overflow as Record<string, number | HistogramCounts>)) {
    if (typeof value === 'number') { columns.push(name); continue }
    const known = own(KNOWN_BOUNDS, name)
    if (known === undefined || known.length + 1 !== value.counts.length) {
      throw new TypeError(`histogram ${name}: the snapshot does not carry its bucket bounds; give the sink the table's schema (schema: tally.schema)`)
    }
    histograms.set(name, known)
  }
  return { columns, histograms }
}

/** True for the default schema's row: success and error, nothing else. */
export function isOutcomeShape (shape: RowShape): boolean {
  return shape.histograms.size === 0 && shape.columns.length === 2 && shape.columns.includes('success') && shape.columns.includes('error')
}
