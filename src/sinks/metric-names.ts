// One naming of a snapshot's rows as metrics, shared by the Prometheus,
// OpenTelemetry, StatsD and JSON lines sinks. KafkaTally rows take the
// OpenTelemetry messaging names and attributes; other tables get a generic name
// per column and histogram; the default two-column table is one counter
// kafka.producer.messages{topic, outcome}. Names are OpenTelemetry's (dotted);
// each sink spells them its own way (prometheus-names.ts for Prometheus).
import { KAFKA_COLUMNS } from '../schemas/kafka.js'
import type { HistogramCounts, Row, Snapshot } from '../engine/snapshot.js'
import { describe } from '../engine/validate.js'
import { overflowLabel } from '../flush/rows.js'
import { kafkaRow } from './kafka-metric-names.js'
import type { BatchRows } from '../engine/batch-reader.js'
import { AttributeSets, ForwardingTarget, histogramList, MetricCache, OVERFLOW_ATTRIBUTES, PointBuilder, type Attributes, type PointSink, type PointTarget, type MetricInfo, type NamingStyle, type RowNamer, type SnapshotMetrics } from './metric-points.js'
import { isOutcomeShape, shapeOfSchema, shapeOfSnapshot, type RowShape, type SchemaLike } from './snapshot-shape.js'
import { refuseClashes, type MetricSources, type Spelling } from './name-clashes.js'
import { prometheusLabel } from './prometheus-names.js'
import { reusedRow } from './reused-row.js'

export type { Attributes, PointSink, CounterPoint, HistogramPoint, MetricInfo, NamingStyle, SnapshotMetrics } from './metric-points.js'
export { DEFAULT_PREFIX, OVERFLOW_ATTRIBUTES, snakeCase } from './metric-points.js'
export { KAFKA_METRICS, OTHER_ERROR, splitByKind } from './kafka-metric-names.js'

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
  /** Names the overflow row as this topic (a name no topic can hold, such as "/overflow"); by default its points carry only otel.metric.overflow=true. */
  overflowTopic?: string
  /**
   * Attributes every point carries (labels in Prometheus, tags in StatsD),
   * e.g. `{ 'messaging.client': 'confluent' }` on the sink of a table one
   * client counts into: the client is not an attribute unless given here.
   * Names the sinks set themselves (the topic's attribute, the messaging.*
   * and error.type attributes, outcome, le, bucket, otel.metric.overflow) are refused.
   */
  attributes?: Readonly<Record<string, string | boolean>>
}

/** The default schema's counter: deliveries by topic and outcome. */
export const OUTCOME_METRIC: MetricInfo = { name: 'kafka.producer.messages', kind: 'counter', unit: '{message}', description: 'Kafka producer deliveries by topic and outcome (success or error), as counted by wasm-tally.' }

export function styleOf (naming: NamingOptions['naming'], shape: RowShape): NamingStyle {
  if (naming !== undefined && naming !== 'auto') return naming
  if (isOutcomeShape(shape)) return 'outcome'
  return KAFKA_COLUMNS.every(c => shape.columns.includes(c)) ? 'kafka' : 'generic'
}

const TAKEN_ATTRIBUTES = ['otel_metric_overflow', 'outcome', 'le']

function checkOptions (o: NamingOptions): Readonly<Attributes> {
  if (o === null || typeof o !== 'object') throw new TypeError(`sink options must be an object, got ${describe(o)}`)
  if (o.naming !== undefined && !['auto', 'kafka', 'generic', 'outcome'].includes(o.naming)) {
    throw new RangeError(`naming must be "auto", "kafka", "generic" or "outcome", got ${describe(o.naming)}`)
  }
  overflowLabel(o.overflowTopic) // a name no topic can hold, or the row would merge with that topic's
  for (const key of ['prefix', 'topicAttribute'] as const) {
    const v = o[key]
    if (v !== undefined && (typeof v !== 'string' || v === '')) throw new TypeError(`${key} must be a non-empty string, got ${describe(v)}`)
  }
  // The topic's attribute must not be one the sinks set beside it (in any sink's spelling).
  if (o.topicAttribute !== undefined && TAKEN_ATTRIBUTES.includes(prometheusLabel(o.topicAttribute))) {
    throw new RangeError(`topicAttribute must not be otel.metric.overflow, outcome or le (the sinks set these beside the topic), got ${JSON.stringify(o.topicAttribute)}`)
  }
  return checkAttributes(o.attributes, o.topicAttribute ?? 'topic')
}

// What the namings set on points (kafka-metric-names.ts, the generic and outcome namers) and StatsD's bucket tag.
const SET_BY_SINKS = ['otel.metric.overflow', 'outcome', 'le', 'bucket', 'messaging.system', 'messaging.destination.name', 'messaging.operation.name', 'error.type']

/** The attributes as checked: a frozen copy, each value read once (a later change to the caller's object, e.g. reused for the next sink, changes nothing). */
function checkAttributes (attributes: NamingOptions['attributes'], topicAttribute: string): Readonly<Attributes> {
  if (attributes === undefined) return Object.freeze({})
  const copy: Array<[string, string | boolean]> = []
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) throw new TypeError(`attributes must be an object of name -> string or boolean, got ${describe(attributes)}`)
  // topic too whatever topicAttribute says: the default table's counter labels its rows topic in Prometheus and StatsD.
  const taken = new Map([...SET_BY_SINKS, 'topic', topicAttribute].map(name => [prometheusLabel(name), name]))
  const seen = new Map<string, string>()
  for (const key of Object.keys(attributes)) {
    const value = attributes[key]
    if (typeof value !== 'string' && typeof value !== 'boolean') throw new TypeError(`attributes.${key} must be a string or boolean, got ${describe(value)}`)
    // Prometheus reads an empty label value as no label: its series would be the one of a sink without this attribute.
    if (value === '') throw new RangeError(`attributes.${key} must not be empty: in Prometheus ${key}="" is no label at all, the series of a sink without it`)
    if (key === '' || !/^[a-zA-Z_]/.test(key)) throw new RangeError(`attribute names must start with a letter or _, got ${JSON.stringify(key)}`)
    // Compared as Prometheus spells them (dots as underscores): the spelling in which most names meet.
    const spelled = prometheusLabel(key)
    const clash = taken.get(spelled)
    if (clash !== undefined) throw new RangeError(`attributes must not name ${JSON.stringify(key)}: the sinks set ${JSON.stringify(clash)} on points themselves (${spelled} in Prometheus)`)
    const twin = seen.get(spelled)
    if (twin !== undefined) throw new RangeError(`attributes ${JSON.stringify(twin)} and ${JSON.stringify(key)} are both ${spelled} in Prometheus: give them names that differ there too`)
    seen.set(spelled, key)
    copy.push([key, value])
  }
  return Object.freeze(Object.fromEntries(copy)) // (fromEntries: a key __proto__ stays a key)
}

// Made apart from the namer: a closure in the namer's body would give every call a context of its own.
const topicSet = (b: PointTarget, name: string, topicAttribute: string): Attributes => b.sets.get(name, 'g', () => ({ [topicAttribute]: name }))

const genericRow = (topicAttribute: string): RowNamer => (b, _snap, shape, topic, name, row) => {
  const cells = row as Record<string, number | HistogramCounts>
  const attributes: Attributes = name === undefined ? b.sets.overflow() : b.sets.find(name, 'g') ?? topicSet(b, name, topicAttribute)
  const columns = shape.columns
  for (let i = 0; i < columns.length; i++) b.count(b.generic(columns[i], 'counter'), attributes, cells[columns[i]] as number, topic, columns[i])
  const histograms = histogramList(shape)
  for (let k = 0; k < histograms.length; k++) {
    const histogram = histograms[k][0] // (indexed: destructuring would take an iterator per row)
    b.observe(b.generic(histogram, 'histogram'), attributes, cells[histogram] as HistogramCounts, histograms[k][1], topic, histogram)
  }
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
  /** The `attributes` option as checked, copied when the naming was made (every sink path reads these). */
  readonly attributes: Readonly<Attributes>
  /** The naming a snapshot gets (cheap: sinks with a path of their own for the default table ask first). */
  style (snap: Snapshot): NamingStyle
  /** The snapshot's points: counters (deltas) and histograms (bucket counts), each with its metric, attributes and row. */
  metrics (snap: Snapshot): SnapshotMetrics
  /**
   * The same points for a batch read in place, handed to `into` one by one
   * (no Snapshot, row or point object is built; a histogram's counts are valid
   * only during the call). Returns the naming used.
   */
  rowPoints (rows: BatchRows, into: PointSink): NamingStyle
  /** What metrics() and style() ask of a snapshot's shape, for a batch read in place (its rows are not read). */
  shaped (rows: BatchRows): Snapshot
  /**
   * Every metric rows of the snapshot's shape (or, without one, of the
   * declared schema's) can produce, with the columns and histograms feeding
   * each; undefined when neither is known.
   */
  everyMetric (snap?: Snapshot): MetricSources | undefined
}

/** A row of that shape with every cell counted: it produces every metric the shape can. */
function fullRow (shape: RowShape): Row {
  const row: Record<string, number | HistogramCounts> = {}
  for (const c of shape.columns) row[c] = 1
  for (const [h, bounds] of shape.histograms) row[h] = { count: bounds.length + 1, sum: 1, counts: new Array<number>(bounds.length + 1).fill(1) }
  return row as Row
}

/**
 * The naming the options describe. Both methods throw a TypeError for a
 * histogram whose bounds neither the schema nor the snapshot gives.
 */
export function metricNaming (given: NamingOptions = {}): MetricNaming {
  const attributes = checkOptions(given)
  // Read once, here: a caller may change its options object (reused for the next sink) and this naming must not follow.
  const options: NamingOptions = { ...given, rename: given.rename && { ...given.rename }, units: given.units && { ...given.units } }
  const declared = options.schema === undefined ? undefined : shapeOfSchema(options.schema)
  const topicAttribute = options.topicAttribute ?? 'topic'
  const namers: Record<NamingStyle, RowNamer> = { kafka: kafkaRow, generic: genericRow(topicAttribute), outcome: outcomeRow(topicAttribute) }
  const sets = new AttributeSets(attributes)
  // Metrics made once for the in-place path (metrics() makes its own each call, as before).
  const cache = new MetricCache(options)
  return {
    attributes,
    style: snap => styleOf(options.naming, shapeOfSnapshot(snap, declared)),
    metrics (snap) {
      const shape = shapeOfSnapshot(snap, declared)
      const style = styleOf(options.naming, shape)
      const namer = namers[style]
      const b = new PointBuilder(options, sets)
      for (const [topic, row] of snap.topics) namer(b, snap, shape, topic, topic, row)
      namer(b, snap, shape, undefined, options.overflowTopic, snap.overflow)
      return { style, counters: b.counters, histograms: b.histograms }
    },
    rowPoints (rows, into) {
      const r = reusedRow(rows)
      const shape = shapeOfSnapshot(r.shaped, declared)
      const style = styleOf(options.naming, shape)
      const namer = namers[style]
      const b = new ForwardingTarget(sets, cache, into)
      // A KafkaTally's failures by cause, read (from its hidden rows) only when a row has failures to split.
      let extra: Readonly<Record<string, unknown>> | undefined
      const kinds = (): Readonly<Record<string, unknown>> => (extra ??= rows.extra?.() ?? {})
      const snap = { get errors () { return kinds().errors }, get processErrors () { return kinds().processErrors } } as unknown as Snapshot
      const overflowName = options.overflowTopic
      rows.forEachRow(view => {
        const row = r.fill(view)
        if (view.overflow) namer(b, snap, shape, undefined, overflowName, row)
        else namer(b, snap, shape, view.name, view.name, row)
      })
      return style
    },
    shaped: rows => reusedRow(rows).shaped,
    everyMetric (snap) {
      const shape = snap === undefined ? declared : shapeOfSnapshot(snap, declared)
      if (shape === undefined) return undefined
      const row = fullRow(shape)
      const full: Snapshot = { epoch: 0, topics: new Map([['t', row]]), overflow: row }
      const m = this.metrics(full)
      const sources = new Map<MetricInfo, string[]>()
      for (const p of m.counters) addSource(sources, p.metric, p.column)
      for (const p of m.histograms) addSource(sources, p.metric, p.histogram)
      return sources
    }
  }
}

function addSource (sources: Map<MetricInfo, string[]>, metric: MetricInfo, source: string): void {
  const list = sources.get(metric) ?? []
  if (!list.includes(source)) list.push(source)
  sources.set(metric, list)
}

/**
 * A check of a sink's exported names, once per row shape: at once when the
 * options give the schema, else at the first snapshot of each shape. Throws
 * the refusal (refuseClashes) every time it applies.
 */
export function clashCheck (sink: string, naming: MetricNaming, spell: Spelling): (snap: Snapshot) => void {
  refuseIfAny(sink, naming.everyMetric(), spell)
  let checked = ''
  return snap => {
    const key = Object.keys(snap.overflow).join(',')
    if (key === checked) return
    refuseIfAny(sink, naming.everyMetric(snap), spell)
    checked = key
  }
}

function refuseIfAny (sink: string, metrics: MetricSources | undefined, spell: Spelling): void {
  if (metrics !== undefined) refuseClashes(sink, metrics, spell)
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
