// A KafkaTally's rows as OpenTelemetry's messaging metrics, with the
// attributes its kafkajs instrumentation gives them; failures split by
// error.type from the snapshot's failures by cause.
import type { HistogramCounts, Snapshot } from '../engine/snapshot.js'
import { histogramList, type Attributes, type MetricInfo, type PointTarget, type RowNamer } from './metric-points.js'
import { own } from './own.js'

/** error.type of failures whose kind is not known (OpenTelemetry's fallback value). */
export const OTHER_ERROR = '_OTHER'

const counter = (name: string, unit: string, description: string): MetricInfo => ({ name, kind: 'counter', unit, description })
const histogram = (name: string, description: string): MetricInfo => ({ name, kind: 'histogram', unit: 's', description })

/**
 * The metrics of a KafkaTally, by OpenTelemetry's semantic conventions where
 * they have one. One name means something else here: operationDuration
 * (messaging.client.operation.duration) times a whole send()/sendBatch() call,
 * kafkajs's retries, metadata and connection waits included, where
 * @opentelemetry/instrumentation-kafkajs times each request to a broker under
 * the same name. An application running both should rename one family with the
 * sinks' `rename` option, e.g.
 * `rename: { 'messaging.client.operation.duration': 'wasm_tally.messaging.send.duration' }`.
 */
export const KAFKA_METRICS = Object.freeze({
  sent: counter('messaging.client.sent.messages', '{message}', 'Messages a producer attempted to send; error.type names why a failed one failed.'),
  consumed: counter('messaging.client.consumed.messages', '{message}', 'Messages handed to a consumer\'s handler.'),
  processed: counter('wasm_tally.messaging.processed.messages', '{message}', 'Consumed messages whose handler finished; error.type names why a failed one failed.'),
  sentBytes: counter('wasm_tally.messaging.sent.bytes', 'By', 'Key, value and header bytes of the messages sent.'),
  consumedBytes: counter('wasm_tally.messaging.consumed.bytes', 'By', 'Key, value and header bytes of the messages consumed.'),
  operationDuration: histogram('messaging.client.operation.duration', 'Seconds from a send() or sendBatch() call to its settling, per call and topic: the whole call with kafkajs\'s retries, not one broker request.'),
  processDuration: histogram('messaging.process.duration', 'Seconds a consumer\'s handler took, per message (eachMessage) or per batch (eachBatch).')
})

interface KafkaUse {
  metric: MetricInfo
  operation: string
  errors?: 'errors' | 'processErrors'
  /** The attribute set's variant (AttributeSets) of the row's (topic, operation). */
  variant: string
  /** Hands the metric to PointTarget.metric (made once, not per row). */
  make: () => MetricInfo
}

const kafkaUse = (metric: MetricInfo, operation: string, errors?: 'errors' | 'processErrors'): KafkaUse =>
  ({ metric, operation, errors, variant: `k:${operation}`, make: () => metric })

const KAFKA_COLUMN_USE: Readonly<Record<string, KafkaUse>> = {
  success: kafkaUse(KAFKA_METRICS.sent, 'send'),
  error: kafkaUse(KAFKA_METRICS.sent, 'send', 'errors'),
  bytes: kafkaUse(KAFKA_METRICS.sentBytes, 'send'),
  consumed: kafkaUse(KAFKA_METRICS.consumed, 'receive'),
  processed: kafkaUse(KAFKA_METRICS.processed, 'process'),
  processErrors: kafkaUse(KAFKA_METRICS.processed, 'process', 'processErrors'),
  consumedBytes: kafkaUse(KAFKA_METRICS.consumedBytes, 'receive')
}

const KAFKA_HISTOGRAM_USE: Readonly<Record<string, KafkaUse>> = {
  sendDuration: kafkaUse(KAFKA_METRICS.operationDuration, 'send'),
  processDuration: kafkaUse(KAFKA_METRICS.processDuration, 'process')
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

// The row's attribute sets, found in the naming's AttributeSets (made on a miss only). Apart from the
// namer, and each make apart from its finder: a closure in a function's body gives every call a context.
function makeBase (b: PointTarget, name: string): Attributes {
  return b.sets.get(name, 'k', () => ({ 'messaging.system': 'kafka', 'messaging.destination.name': name }))
}

/** The row's topic attributes (the overflow row's: otel.metric.overflow=true only). */
function baseSet (b: PointTarget, name: string | undefined): Attributes {
  return name === undefined ? b.sets.overflow() : b.sets.find(name, 'k') ?? makeBase(b, name)
}

function makeOperation (b: PointTarget, name: string, use: KafkaUse): Attributes {
  return b.sets.get(name, use.variant, () => ({ ...baseSet(b, name), 'messaging.operation.name': use.operation }))
}

/** The topic attributes with messaging.operation.name. */
function operationSet (b: PointTarget, name: string | undefined, use: KafkaUse): Attributes {
  return name === undefined ? b.sets.overflow() : b.sets.find(name, use.variant) ?? makeOperation(b, name, use)
}

/** A failed column's points: one per error.type (a row with failures only). */
function countFailures (b: PointTarget, snap: Snapshot, metric: MetricInfo, use: KafkaUse, name: string, value: number, topic: string | undefined, column: string): void {
  for (const [kind, n] of splitByKind(value, kindsOf(snap, use.errors as 'errors' | 'processErrors', name))) {
    const attributes = b.sets.get(name, `${use.variant}:${kind}`, () => ({ ...operationSet(b, name, use), 'error.type': kind }))
    b.count(metric, attributes, n, topic, column)
  }
}

export const kafkaRow: RowNamer = (b, snap, shape, topic, name, row) => {
  const cells = row as Record<string, number | HistogramCounts>
  const columns = shape.columns
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]
    const value = cells[column] as number
    if (value === 0) continue
    const use = own(KAFKA_COLUMN_USE, column)
    if (use === undefined) { b.count(b.generic(column, 'counter'), baseSet(b, name), value, topic, column); continue }
    const metric = b.metric(use.metric.name, use.make)
    if (use.errors === undefined || name === undefined) b.count(metric, operationSet(b, name, use), value, topic, column)
    else countFailures(b, snap, metric, use, name, value, topic, column)
  }
  const histograms = histogramList(shape)
  for (let k = 0; k < histograms.length; k++) {
    const histogram = histograms[k][0] // (indexed: destructuring would take an iterator per row)
    const h = cells[histogram] as HistogramCounts
    if (h.count === 0 && h.sum === 0) continue
    const use = own(KAFKA_HISTOGRAM_USE, histogram)
    const metric = use === undefined ? b.generic(histogram, 'histogram') : b.metric(use.metric.name, use.make)
    b.observe(metric, use === undefined ? baseSet(b, name) : operationSet(b, name, use), h, histograms[k][1], topic, histogram)
  }
}
