// A KafkaTally's rows as OpenTelemetry's messaging metrics, with the
// attributes its kafkajs instrumentation gives them; failures split by
// error.type from the snapshot's failures by cause.
import type { HistogramCounts, Snapshot } from '../engine/snapshot.js'
import { OVERFLOW_ATTRIBUTES, type Attributes, type MetricInfo, type RowNamer } from './metric-points.js'
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

export const kafkaRow: RowNamer = (b, snap, shape, topic, name, row) => {
  const cells = row as Record<string, number | HistogramCounts>
  const base = (): Attributes => name === undefined ? OVERFLOW_ATTRIBUTES : b.sets.get(name, 'k', () => ({ 'messaging.system': 'kafka', 'messaging.destination.name': name }))
  const withOperation = (operation: string): Attributes => name === undefined
    ? OVERFLOW_ATTRIBUTES
    : b.sets.get(name, `k:${operation}`, () => ({ ...base(), 'messaging.operation.name': operation }))
  for (const column of shape.columns) {
    const value = cells[column] as number
    if (value === 0) continue
    const use = own(KAFKA_COLUMN_USE, column)
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
    const use = own(KAFKA_HISTOGRAM_USE, histogram)
    const metric = use === undefined ? b.generic(histogram, 'histogram') : b.metric(use.metric.name, () => use.metric)
    b.observe(metric, use === undefined ? base() : withOperation(use.operation), h, bounds, topic, histogram)
  }
}
