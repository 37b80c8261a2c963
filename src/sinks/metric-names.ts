// One naming of a snapshot's rows as metrics, shared by the Prometheus,
// OpenTelemetry, StatsD and JSON lines sinks. KafkaTally rows take the
// OpenTelemetry messaging names and attributes; other tables get a generic name
// per column and histogram; the default two-column table is one counter
// kafka.producer.messages{topic, outcome}. Names are OpenTelemetry's (dotted);
// each sink spells them its own way (prometheus-names.ts for Prometheus).
import { KAFKA_COLUMNS } from '../kafkajs/kafka-schema.js'
import type { HistogramCounts, Row, Snapshot } from '../snapshot.js'
import { describe } from '../validate.js'
import { isOutcomeShape, shapeOfSchema, shapeOfSnapshot, type RowShape, type SchemaLike } from './snapshot-shape.js'

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

export interface NamingOptions {
  /**
   * auto (default): outcome for the default schema (success, error), kafka
   * when the rows hold KafkaTally's columns, generic otherwise.
   */
  naming?: 'auto' | NamingStyle
  /** The table's schema (`tally.schema`, or one as declared): the bounds of histograms other than KafkaTally's. */
  schema?: SchemaLike
  /** First part of generic names (default "wasm_tally"). */
  prefix?: string
  /** Other names (dotted) for metrics, keyed by a metric's name or by its column or histogram. */
  rename?: Readonly<Record<string, string>>
  /** Units of generic metrics (UCUM: "s", "By", "ms"), by column or histogram. */
  units?: Readonly<Record<string, string>>
  /** The attribute naming the topic in generic and outcome names (default "topic"). */
  topicAttribute?: string
  /** Names the overflow row as this topic; by default its points carry only otel.metric.overflow=true. */
  overflowTopic?: string
}

export const OVERFLOW_ATTRIBUTES: Readonly<Attributes> = Object.freeze({ 'otel.metric.overflow': true })
/** error.type of failures whose kind is not known (OpenTelemetry's fallback value). */
export const OTHER_ERROR = '_OTHER'
export const DEFAULT_PREFIX = 'wasm_tally'

const counter = (name: string, unit: string, description: string): MetricInfo => ({ name, kind: 'counter', unit, description })
const histogram = (name: string, description: string): MetricInfo => ({ name, kind: 'histogram', unit: 's', description })

/** The metrics of a KafkaTally, by OpenTelemetry's semantic conventions where they have one. */
export const KAFKA_METRICS = Object.freeze({
  sent: counter('messaging.client.sent.messages', '{message}', 'Messages a producer attempted to send; error.type names why a failed one failed.'),
  consumed: counter('messaging.client.consumed.messages', '{message}', 'Messages handed to a consumer\'s handler.'),
  processed: counter('wasm_tally.messaging.processed.messages', '{message}', 'Consumed messages whose handler finished; error.type names why a failed one failed.'),
  sentBytes: counter('wasm_tally.messaging.sent.bytes', 'By', 'Key, value and header bytes of the messages sent.'),
  consumedBytes: counter('wasm_tally.messaging.consumed.bytes', 'By', 'Key, value and header bytes of the messages consumed.'),
  operationDuration: histogram('messaging.client.operation.duration', 'Seconds from a send() or sendBatch() call to its settling, per call and topic.'),
  processDuration: histogram('messaging.process.duration', 'Seconds a consumer\'s handler took, per message (eachMessage) or per batch (eachBatch).')
})

/** The default schema's counter: deliveries by topic and outcome. */
export const OUTCOME_METRIC: MetricInfo = counter('kafka.producer.messages', '{message}', 'Kafka producer deliveries by topic and outcome (success or error), as counted by wasm-tally.')

interface KafkaUse { metric: MetricInfo, operation: string, errors?: 'errors' | 'processErrors' }

const KAFKA_COLUMN_USE: Readonly<Record<string, KafkaUse>> = {
  success: { metric: KAFKA_METRICS.sent, operation: 'send' },
  error: { metric: KAFKA_METRICS.sent, operation: 'send', errors: 'errors' },
  bytes: { metric: KAFKA_METRICS.sentBytes, operation: 'send' },
  consumed: { metric: KAFKA_METRICS.consumed, operation: 'receive' },
  processed: { metric: KAFKA_METRICS.processed, operation: 'process' },
  processErrors: { metric: KAFKA_METRICS.processed, operation: 'process', errors: 'processErrors' },
  consumedBytes: { metric: KAFKA_METRICS.consumedBytes, operation: 'receive' }
}

const KAFKA_HISTOGRAM_USE: Readonly<Record<string, KafkaUse>> = {
  sendDuration: { metric: KAFKA_METRICS.operationDuration, operation: 'send' },
  processDuration: { metric: KAFKA_METRICS.processDuration, operation: 'process' }
}

/** processErrors -> process_errors: the generic names' spelling of a column. */
export function snakeCase (name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()
}

/**
 * Splits `total` failures by kind: each kind as counted, capped so the parts
 * sum to `total`, the rest as _OTHER. (A failure is counted in its topic's row
 * before its kind; a snapshot between the two carries the failure without its
 * kind, which goes out as _OTHER, and the next carries the kind without the
 * failure, which is then dropped: every failure is counted once.)
 */
export function splitByKind (total: number, kinds: ReadonlyMap<string, number> | undefined): Array<[string, number]> {
  const parts: Array<[string, number]> = []
  let left = total
  if (kinds !== undefined) {
    for (const [kind, n] of [...kinds].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
      const take = Math.min(n, left)
      if (take > 0) { parts.push([kind, take]); left -= take }
    }
  }
  if (left > 0) parts.push([OTHER_ERROR, left])
  return parts
}

function kindsOf (snap: Snapshot, field: 'errors' | 'processErrors', topic: string): ReadonlyMap<string, number> | undefined {
  const byTopic = (snap as unknown as Record<string, unknown>)[field]
  if (!(byTopic instanceof Map)) return undefined
  const kinds = (byTopic.get(topic) as { kinds?: unknown } | undefined)?.kinds
  return kinds instanceof Map ? kinds as ReadonlyMap<string, number> : undefined
}

export function styleOf (naming: NamingOptions['naming'], shape: RowShape): NamingStyle {
  if (naming !== undefined && naming !== 'auto') return naming
  if (isOutcomeShape(shape)) return 'outcome'
  return KAFKA_COLUMNS.every(c => shape.columns.includes(c)) ? 'kafka' : 'generic'
}

function checkOptions (o: NamingOptions): void {
  if (o === null || typeof o !== 'object') throw new TypeError(`sink options must be an object, got ${describe(o)}`)
  if (o.naming !== undefined && !['auto', 'kafka', 'generic', 'outcome'].includes(o.naming)) {
    throw new RangeError(`naming must be "auto", "kafka", "generic" or "outcome", got ${describe(o.naming)}`)
  }
  for (const key of ['prefix', 'topicAttribute', 'overflowTopic'] as const) {
    const v = o[key]
    if (v !== undefined && (typeof v !== 'string' || v === '')) throw new TypeError(`${key} must be a non-empty string, got ${describe(v)}`)
  }
}

/**
 * One frozen attributes object per distinct set, kept across snapshots: a
 * series' points share it (sinks key their totals by it) and no point
 * allocates one. Keyed by the row's name and a variant naming the rest.
 */
class AttributeSets {
  private readonly rows = new Map<string, Map<string, Attributes>>()

  get (name: string, variant: string, make: () => Attributes): Attributes {
    let variants = this.rows.get(name)
    if (variants === undefined) this.rows.set(name, variants = new Map())
    let set = variants.get(variant)
    if (set === undefined) variants.set(variant, set = Object.freeze(make()))
    return set
  }
}

/** Builds the points of one snapshot; `metrics` caches the (renamed) metric of each key. */
class PointBuilder {
  readonly counters: CounterPoint[] = []
  readonly histograms: HistogramPoint[] = []
  private readonly metrics = new Map<string, MetricInfo>()

  constructor (private readonly o: NamingOptions, readonly sets: AttributeSets) {}

  metric (key: string, make: () => MetricInfo): MetricInfo {
    let m = this.metrics.get(key)
    if (m === undefined) {
      m = make()
      const to = this.o.rename?.[m.name] ?? this.o.rename?.[key]
      if (to !== undefined) m = { ...m, name: to }
      this.metrics.set(key, m)
    }
    return m
  }

  generic (column: string, kind: 'counter' | 'histogram'): MetricInfo {
    return this.metric(column, () => ({
      name: `${this.o.prefix ?? DEFAULT_PREFIX}.${snakeCase(column)}`,
      kind,
      unit: this.o.units?.[column] ?? '',
      description: `The ${kind === 'counter' ? 'column' : 'histogram'} ${column} of a wasm-tally table, per topic.`
    }))
  }

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

type RowNamer = (b: PointBuilder, snap: Snapshot, shape: RowShape, topic: string | undefined, name: string | undefined, row: Row) => void

const kafkaRow: RowNamer = (b, snap, shape, topic, name, row) => {
  const cells = row as Record<string, number | HistogramCounts>
  const base = (): Attributes => name === undefined ? OVERFLOW_ATTRIBUTES : b.sets.get(name, 'k', () => ({ 'messaging.system': 'kafka', 'messaging.destination.name': name }))
  const withOperation = (operation: string): Attributes => name === undefined
    ? OVERFLOW_ATTRIBUTES
    : b.sets.get(name, `k:${operation}`, () => ({ ...base(), 'messaging.operation.name': operation }))
  for (const column of shape.columns) {
    const value = cells[column] as number
    if (value === 0) continue
    const use = KAFKA_COLUMN_USE[column]
    if (use === undefined) { b.count(b.generic(column, 'counter'), base(), value, topic, column); continue }
    const metric = b.metric(use.metric.name, () => use.metric)
    if (use.errors === undefined || name === undefined) { b.count(metric, withOperation(use.operation), value, topic, column); continue }
    for (const [kind, n] of splitByKind(value, kindsOf(snap, use.errors, name))) {
      const attributes = b.sets.get(name, `k:${use.operation}:${kind}`, () => ({ ...withOperation(use.operation), 'error.type': kind }))
      b.count(metric, attributes, n, topic, column)
    }
  }
  for (const [histogram, bounds] of shape.histograms) {
    const h = cells[histogram] as HistogramCounts
    if (h.count === 0 && h.sum === 0) continue
    const use = KAFKA_HISTOGRAM_USE[histogram]
    const metric = use === undefined ? b.generic(histogram, 'histogram') : b.metric(use.metric.name, () => use.metric)
    b.observe(metric, use === undefined ? base() : withOperation(use.operation), h, bounds, topic, histogram)
  }
}

const genericRow = (topicAttribute: string): RowNamer => (b, _snap, shape, topic, name, row) => {
  const cells = row as Record<string, number | HistogramCounts>
  const attributes: Attributes = name === undefined ? OVERFLOW_ATTRIBUTES : b.sets.get(name, 'g', () => ({ [topicAttribute]: name }))
  for (const column of shape.columns) b.count(b.generic(column, 'counter'), attributes, cells[column] as number, topic, column)
  for (const [histogram, bounds] of shape.histograms) b.observe(b.generic(histogram, 'histogram'), attributes, cells[histogram] as HistogramCounts, bounds, topic, histogram)
}

const outcomeRow = (topicAttribute: string): RowNamer => (b, _snap, _shape, topic, name, row) => {
  const metric = b.metric(OUTCOME_METRIC.name, () => OUTCOME_METRIC)
  for (const outcome of ['success', 'error'] as const) {
    const attributes = b.sets.get(name ?? '', `o:${name === undefined ? 'overflow' : ''}:${outcome}`,
      () => name === undefined ? { ...OVERFLOW_ATTRIBUTES, outcome } : { [topicAttribute]: name, outcome })
    b.count(metric, attributes, row[outcome], topic, outcome)
  }
}

export interface MetricNaming {
  /** The naming a snapshot gets (cheap: sinks with a path of their own for the default table ask first). */
  style (snap: Snapshot): NamingStyle
  /** The snapshot's points: counters (deltas) and histograms (bucket counts), each with its metric, attributes and row. */
  metrics (snap: Snapshot): SnapshotMetrics
}

/**
 * The naming the options describe. Both methods throw a TypeError for a
 * histogram whose bounds neither the schema nor the snapshot gives.
 */
export function metricNaming (options: NamingOptions = {}): MetricNaming {
  checkOptions(options)
  const declared = options.schema === undefined ? undefined : shapeOfSchema(options.schema)
  const topicAttribute = options.topicAttribute ?? 'topic'
  const namers: Record<NamingStyle, RowNamer> = { kafka: kafkaRow, generic: genericRow(topicAttribute), outcome: outcomeRow(topicAttribute) }
  const sets = new AttributeSets()
  return {
    style: snap => styleOf(options.naming, shapeOfSnapshot(snap, declared)),
    metrics (snap) {
      const shape = shapeOfSnapshot(snap, declared)
      const style = styleOf(options.naming, shape)
      const namer = namers[style]
      const b = new PointBuilder(options, sets)
      for (const [topic, row] of snap.topics) namer(b, snap, shape, topic, topic, row)
      namer(b, snap, shape, undefined, options.overflowTopic, snap.overflow)
      return { style, counters: b.counters, histograms: b.histograms }
    }
  }
}

/** Histogram name -> bounds of the snapshot's rows, or undefined where no bounds are known (JSON lines adds them to each line). */
export function histogramBounds (snap: Snapshot, schema?: SchemaLike): Record<string, readonly number[]> | undefined {
  try {
    const shape = shapeOfSnapshot(snap, schema === undefined ? undefined : shapeOfSchema(schema))
    return shape.histograms.size === 0 ? undefined : Object.fromEntries(shape.histograms)
  } catch {
    return undefined
  }
}
