// The shape every sink reads: a snapshot's rows as metric points (a counter's
// delta, a histogram's bucket counts), each with its metric, its attributes
// and the row it came from; and the builder the namings fill.
import type { HistogramCounts, Row, Snapshot } from '../engine/snapshot.js'
import type { RowShape } from './snapshot-shape.js'
import { own } from './own.js'

export type Attributes = Record<string, string | boolean>

export interface MetricInfo {
  /** The OpenTelemetry name, dotted (messaging.client.sent.messages). */
  name: string
  kind: 'counter' | 'histogram'
  /** UCUM, as OpenTelemetry writes it: "s", "By", "{message}", or "" for none. */
  unit: string
  description: string
}

/** Where a point's value came from: a sink that fails part of a flush hands back exactly that part. */
interface PointSource {
  /** The row's topic; undefined for the overflow row. */
  topic: string | undefined
}

export interface CounterPoint extends PointSource {
  metric: MetricInfo
  attributes: Attributes
  /** What this snapshot adds (a delta). */
  value: number
  column: string
}

export interface HistogramPoint extends PointSource {
  metric: MetricInfo
  attributes: Attributes
  bounds: readonly number[]
  /** counts[i] for bounds[i-1] < v <= bounds[i]; the last bucket is above every bound. */
  counts: readonly number[]
  sum: number
  count: number
  histogram: string
}

export type NamingStyle = 'kafka' | 'generic' | 'outcome'

export interface SnapshotMetrics {
  style: NamingStyle
  counters: CounterPoint[]
  histograms: HistogramPoint[]
}

export const OVERFLOW_ATTRIBUTES: Readonly<Attributes> = Object.freeze({ 'otel.metric.overflow': true })
export const DEFAULT_PREFIX = 'wasm_tally'

/** processErrors -> process_errors: the generic names' spelling of a column. */
export function snakeCase (name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()
}

/** What the builder needs of the options. */
export interface BuilderOptions {
  prefix?: string
  rename?: Readonly<Record<string, string>>
  units?: Readonly<Record<string, string>>
}

/**
 * One frozen attributes object per distinct set, kept across snapshots: a
 * series' points share it (sinks key their totals by it) and no point
 * allocates one. Keyed by the row's name and a variant naming the rest.
 */
export class AttributeSets {
  private readonly rows = new Map<string, Map<string, Attributes>>()
  private readonly overflowSet: Attributes

  /** `constant`: attributes every set carries (a sink's `attributes` option, e.g. the Kafka client). */
  constructor (private readonly constant: Readonly<Attributes> = {}) {
    this.overflowSet = Object.keys(constant).length === 0 ? OVERFLOW_ATTRIBUTES : Object.freeze({ ...constant, ...OVERFLOW_ATTRIBUTES })
  }

  /** The overflow row's set when no overflowTopic names it: otel.metric.overflow=true (and the constant attributes). */
  overflow (): Attributes {
    return this.overflowSet
  }

  /** The set already made for (name, variant), if any (asking first spares a caller its `make` closure). */
  find (name: string, variant: string): Attributes | undefined {
    return this.rows.get(name)?.get(variant)
  }

  get (name: string, variant: string, make: () => Attributes): Attributes {
    let variants = this.rows.get(name)
    if (variants === undefined) this.rows.set(name, variants = new Map())
    let set = variants.get(variant)
    if (set === undefined) variants.set(variant, set = Object.freeze({ ...this.constant, ...make() }))
    return set
  }
}

/**
 * What a naming hands a row's points to: PointBuilder collects them as point
 * objects; a sink reading a batch in place may take them into its own buffers.
 */
export interface PointTarget extends PointSink {
  readonly sets: AttributeSets
  metric (key: string, make: () => MetricInfo): MetricInfo
  generic (column: string, kind: 'counter' | 'histogram'): MetricInfo
}

/** Where a row's points go: a counter's delta, a histogram's counts. */
export interface PointSink {
  count (metric: MetricInfo, attributes: Attributes, value: number, topic: string | undefined, column: string): void
  /** `h` is valid only during the call (a reused object when the rows are read in place): copy what is kept. */
  observe (metric: MetricInfo, attributes: Attributes, h: HistogramCounts, bounds: readonly number[], topic: string | undefined, histogram: string): void
}

/** The metrics of each key, renamed as the options say (made once per builder). */
export class MetricCache {
  private readonly metrics = new Map<string, MetricInfo>()
  constructor (private readonly o: BuilderOptions) {}

  metric (key: string, make: () => MetricInfo): MetricInfo {
    let m = this.metrics.get(key)
    if (m === undefined) {
      m = make()
      const to = own(this.o.rename, m.name) ?? own(this.o.rename, key)
      if (to !== undefined) m = { ...m, name: to }
      this.metrics.set(key, m)
    }
    return m
  }

  generic (column: string, kind: 'counter' | 'histogram'): MetricInfo {
    const made = this.metrics.get(column)
    if (made !== undefined) return made
    return this.metric(column, () => ({
      name: `${this.o.prefix ?? DEFAULT_PREFIX}.${snakeCase(column)}`,
      kind,
      unit: own(this.o.units, column) ?? '',
      description: `The ${kind === 'counter' ? 'column' : 'histogram'} ${column} of a wasm-tally table, per topic.`
    }))
  }
}

/** Hands the points to `into`, with the metrics and attribute sets a naming keeps across flushes. */
export class ForwardingTarget implements PointTarget {
  constructor (readonly sets: AttributeSets, private readonly metrics: MetricCache, private readonly into: PointSink) {}
  metric (key: string, make: () => MetricInfo): MetricInfo { return this.metrics.metric(key, make) }
  generic (column: string, kind: 'counter' | 'histogram'): MetricInfo { return this.metrics.generic(column, kind) }
  count (metric: MetricInfo, attributes: Attributes, value: number, topic: string | undefined, column: string): void {
    this.into.count(metric, attributes, value, topic, column)
  }

  observe (metric: MetricInfo, attributes: Attributes, h: HistogramCounts, bounds: readonly number[], topic: string | undefined, histogram: string): void {
    this.into.observe(metric, attributes, h, bounds, topic, histogram)
  }
}

/** Builds the points of one snapshot; `metrics` caches the (renamed) metric of each key. */
export class PointBuilder implements PointTarget {
  readonly counters: CounterPoint[] = []
  readonly histograms: HistogramPoint[] = []
  private readonly metrics: MetricCache

  constructor (o: BuilderOptions, readonly sets: AttributeSets) {
    this.metrics = new MetricCache(o)
  }

  metric (key: string, make: () => MetricInfo): MetricInfo { return this.metrics.metric(key, make) }

  generic (column: string, kind: 'counter' | 'histogram'): MetricInfo { return this.metrics.generic(column, kind) }

  count (metric: MetricInfo, attributes: Attributes, value: number, topic: string | undefined, column: string): void {
    if (value !== 0) this.counters.push({ metric, attributes, value, topic, column })
  }

  observe (metric: MetricInfo, attributes: Attributes, h: HistogramCounts, bounds: readonly number[], topic: string | undefined, histogram: string): void {
    if (h.count === 0 && h.sum === 0) return
    if (h.counts.length !== bounds.length + 1) {
      throw new RangeError(`histogram ${histogram}: ${h.counts.length} buckets do not fit ${bounds.length} bounds`)
    }
    this.histograms.push({ metric, attributes, bounds, counts: h.counts, sum: h.sum, count: h.count, topic, histogram })
  }
}

const histogramLists = new WeakMap<RowShape, Array<[string, readonly number[]]>>()

/** A shape's histograms as an array of [name, bounds], made once per shape (a namer reads it per row: no Map iterator). */
export function histogramList (shape: RowShape): ReadonlyArray<[string, readonly number[]]> {
  let list = histogramLists.get(shape)
  if (list === undefined) histogramLists.set(shape, list = [...shape.histograms])
  return list
}

export type RowNamer = (b: PointTarget, snap: Snapshot, shape: RowShape, topic: string | undefined, name: string | undefined, row: Row) => void
