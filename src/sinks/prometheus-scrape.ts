// Flush on scrape: a Prometheus sink given its table registers its families at
// once and, at each collection of the registry (a scrape, or any
// registry.metrics() call), first takes a batch from the table into the
// families, acknowledges it, and only then lets them render. Prometheus pulls:
// a scrape shows everything counted before it began, never a flush behind.
import { Flusher, type BatchSource } from '../flush/flusher.js'
import type { SinkObject } from '../flush/sink.js'
import type { Snapshot } from '../engine/snapshot.js'
import type { SchemaLike } from './snapshot-shape.js'
import { shapeOfSchema } from './snapshot-shape.js'
import { describe } from '../engine/validate.js'

/** A Tally or a KafkaTally: a batch source that knows its schema. */
export type ScrapedTable = BatchSource<any> & ({ readonly schema: SchemaLike } | { readonly tally: { readonly schema: SchemaLike } })

/** The table's schema (a KafkaTally's is its Tally's). */
export function schemaOfTable (table: ScrapedTable): SchemaLike {
  const t = table as { schema?: SchemaLike, tally?: { schema?: SchemaLike } }
  const schema = t.schema ?? t.tally?.schema
  if (schema === undefined || typeof table.openBatch !== 'function') {
    throw new TypeError(`tally must be a Tally or a KafkaTally (the table to flush on scrape), got ${describe(table)}`)
  }
  return schema
}

/** A snapshot with one topic whose every column and histogram holds one, in the schema's shape: it names every family the sink can fill. */
export function everyFamilySnapshot (schema: SchemaLike): Snapshot {
  const shape = shapeOfSchema(schema)
  const row: Record<string, unknown> = {}
  for (const c of shape.columns) row[c] = 1
  for (const [name, bounds] of shape.histograms) row[name] = { count: 1, sum: 1, counts: [1, ...new Array<number>(bounds.length).fill(0)] }
  return { epoch: 0, topics: new Map([['_', row]]), overflow: row } as unknown as Snapshot
}

/**
 * The collect step: `collect()` flushes one batch of `table` into `sink`.
 * Families rendered in one registry collection call it in the same turn of the
 * event loop and share one flush; a collection that starts while a flush is
 * under way gets a flush of its own after it (the Flusher runs them one after
 * another), so every scrape holds what was counted before it began. Each
 * collect flushes twice: a batch left pending before the scrape goes first,
 * the counts made since follow in the second (empty, and not written, when
 * there are none).
 */
export function scrapeCollector (table: BatchSource<any>, sink: SinkObject<any>): () => Promise<void> {
  const flusher = new Flusher(table, 60_000, sink, { timer: false })
  let failure: Error | undefined
  flusher.on('error', error => { failure = error })
  let sameTurn: Promise<void> | undefined
  return () => {
    if (sameTurn === undefined) {
      failure = undefined
      // The first flush may deliver a batch formed before (left pending by a failed flush, or by a dead
      // flusher whose lease ran out): a second one then takes what was counted since, before this scrape.
      const flushed = flusher.flush().then(first => first.delivered ? flusher.flush() : first).then(result => {
        // What was not delivered stays in the table; the scrape fails rather than show stale totals as current.
        if (!result.delivered) throw new Error(`wasm-tally: the flush before this scrape was not delivered, its counts are kept in the table for the next scrape (${failure?.message ?? 'a batch left pending'})`)
      })
      sameTurn = flushed
      queueMicrotask(() => { if (sameTurn === flushed) sameTurn = undefined })
    }
    return sameTurn
  }
}

// The collect steps added to one metric: two sinks flushing their own tables into one family (or one counter) both flush before it renders.
const COLLECTORS = Symbol.for('wasm-tally.prometheus-collectors')
type Collected = { collect?: (() => unknown) | undefined, [COLLECTORS]?: Set<() => unknown> }

/** Adds `collect` to the steps the metric runs before it renders, keeping those already there (another sink's table, or the user's own). */
export function addCollect (metric: object, collect: () => Promise<void>): void {
  const target = metric as Collected
  let steps = target[COLLECTORS]
  if (steps === undefined) {
    steps = new Set()
    const own = target.collect
    if (own !== undefined) steps.add(own.bind(metric))
    const all = steps
    target[COLLECTORS] = all
    target.collect = () => Promise.all([...all].map(step => step())).then(() => undefined)
  }
  steps.add(collect)
}

/** Takes `collect` out of the steps the metric runs before it renders (the others stay). */
export function removeCollect (metric: object, collect: () => Promise<void>): void {
  (metric as Collected)[COLLECTORS]?.delete(collect)
}
