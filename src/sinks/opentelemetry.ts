// Snapshots handed to OpenTelemetry. The SDK's instruments cannot take
// pre-aggregated histograms, so the sink keeps the totals itself and is a
// MetricProducer: a MetricReader given it in `metricProducers` (the reader of
// a MeterProvider) collects its sums and explicit-bucket histograms beside the
// SDK's own instruments, and the reader's exporter (OTLP, Prometheus, console)
// carries them. A flush read in place (writeRows) allocates no point object:
// its points go into arrays kept from flush to flush (point-buffer.ts); the
// data point objects the SDK takes are made at collection, once per series.
import { ValueType } from '@opentelemetry/api'
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type MetricData,
  type MetricProducer,
  type ResourceMetrics,
  type ScopeMetrics
} from '@opentelemetry/sdk-metrics'
import type { SinkObject } from '../flush/sink.js'
import { openTelemetrySpelling } from './name-clashes.js'
import { clashCheck, metricNaming, type CounterPoint, type HistogramPoint, type MetricInfo, type NamingOptions } from './metric-names.js'
import { SeriesTotals } from './series-totals.js'
import { PointBuffer } from './point-buffer.js'

type Resource = ResourceMetrics['resource']
type Scope = ScopeMetrics['scope']
type HrTime = [number, number]

export interface OpenTelemetrySinkOptions extends NamingOptions {
  /** The instrumentation scope of the metrics (default { name: "wasm-tally" }). */
  scope?: Scope
  /**
   * cumulative (default): every collection holds the totals since the sink
   * began. delta: each collection holds what came since the previous one;
   * give such a sink to one reader only, since a collection takes what it returns.
   */
  temporality?: 'cumulative' | 'delta'
  /** The resource of a collect() called directly; a MetricReader keeps its MeterProvider's own. */
  resource?: Resource
  /** The clock (ms since the epoch; default Date.now). */
  now?: () => number
}

/** A sink (flushEvery(tally, ms, sink)) and a MetricProducer (new PeriodicExportingMetricReader({ exporter, metricProducers: [sink] })). */
export interface OpenTelemetrySink extends SinkObject, MetricProducer {}

const EMPTY_RESOURCE: Resource = {
  attributes: {},
  merge (other) { return other ?? EMPTY_RESOURCE },
  getRawAttributes () { return [] }
}

const hrTime = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)]

function descriptor (metric: MetricInfo): MetricData['descriptor'] {
  return {
    name: metric.name,
    description: metric.description,
    unit: metric.unit,
    valueType: metric.kind === 'histogram' ? ValueType.DOUBLE : ValueType.INT
  }
}

function metricData (totals: SeriesTotals, temporality: AggregationTemporality, start: (s: { start: number }) => number, end: HrTime): MetricData {
  if (totals.metric.kind === 'counter') {
    const dataPoints: Array<DataPoint<number>> = [...totals.counters.values()].map(s => ({
      startTime: hrTime(start(s)), endTime: end, attributes: { ...s.attributes }, value: s.value
    }))
    return { descriptor: descriptor(totals.metric), aggregationTemporality: temporality, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints }
  }
  const boundaries = [...(totals.bounds ?? [])]
  const dataPoints: Array<DataPoint<Histogram>> = [...totals.histograms.values()].map(s => ({
    startTime: hrTime(start(s)),
    endTime: end,
    attributes: { ...s.attributes },
    value: { buckets: { boundaries: [...boundaries], counts: [...s.counts] }, sum: s.sum, count: s.count }
  }))
  return { descriptor: descriptor(totals.metric), aggregationTemporality: temporality, dataPointType: DataPointType.HISTOGRAM, dataPoints }
}

/**
 * Keeps each flush's deltas as running totals, named as metric-names.ts names
 * them (a KafkaTally's rows as OpenTelemetry's messaging metrics, the overflow
 * row as otel.metric.overflow=true), and hands them to every collection:
 * counters as monotonic sums, histograms as explicit-bucket histograms with
 * the table's bounds.
 */
export function openTelemetrySink (options: OpenTelemetrySinkOptions = {}): OpenTelemetrySink {
  const naming = metricNaming(options)
  const checkNames = clashCheck('opentelemetry', naming, openTelemetrySpelling)
  const now = options.now ?? Date.now
  const delta = options.temporality === 'delta'
  if (options.temporality !== undefined && !delta && options.temporality !== 'cumulative') {
    throw new RangeError(`temporality must be "cumulative" or "delta", got ${JSON.stringify(options.temporality)}`)
  }
  const scope: Scope = options.scope ?? { name: 'wasm-tally' }
  const resource = options.resource ?? EMPTY_RESOURCE
  const metrics = new Map<string, SeriesTotals>()
  let lastCollect = now()
  // The in-place path's points, and the totals it makes for a batch (kept only once every point is checked).
  let inPlace: PointBuffer | undefined
  const fresh = new Map<string, SeriesTotals>()
  const plan = (metric: MetricInfo, bounds: readonly number[] | undefined): SeriesTotals => {
    let totals = metrics.get(metric.name) ?? fresh.get(metric.name)
    if (totals === undefined) fresh.set(metric.name, totals = new SeriesTotals(metric, bounds))
    return totals
  }
  const refused = (_metric: MetricInfo, _totals: SeriesTotals, why: string): Error => new TypeError(`opentelemetry: ${why}`)
  const commit = (): void => { for (const [name, totals] of fresh) metrics.set(name, totals) }
  return {
    name: 'opentelemetry',
    // The batch read in place: the points write() makes of its Snapshot, taken into reused arrays, checked, then added.
    writeRows (rows) {
      checkNames(naming.shaped(rows))
      const points = inPlace ??= new PointBuffer()
      points.clear()
      naming.rowPoints(rows, points)
      const at = now()
      fresh.clear()
      try {
        points.addTo(plan, refused, at, commit)
      } finally {
        fresh.clear()
      }
    },
    write (snap) {
      checkNames(snap)
      const m = naming.metrics(snap)
      const at = now()
      const planned: Array<[SeriesTotals, CounterPoint | HistogramPoint]> = []
      const made = new Map<string, SeriesTotals>()
      for (const point of [...m.counters, ...m.histograms]) {
        let totals = metrics.get(point.metric.name) ?? made.get(point.metric.name)
        if (totals === undefined) made.set(point.metric.name, totals = new SeriesTotals(point.metric, 'bounds' in point ? point.bounds : undefined))
        const refused = totals.refuses(point)
        if (refused !== undefined) throw new TypeError(`opentelemetry: ${refused}`)
        planned.push([totals, point])
      }
      for (const [name, totals] of made) metrics.set(name, totals)
      for (const [totals, point] of planned) {
        if ('counts' in point) totals.addHistogram(point, at); else totals.addCounter(point, at)
      }
    },
    async collect (): Promise<CollectionResult> {
      const at = now()
      const end = hrTime(at)
      const since = lastCollect
      lastCollect = at
      const data: MetricData[] = []
      for (const totals of metrics.values()) {
        if (totals.counters.size === 0 && totals.histograms.size === 0) continue
        data.push(delta
          ? metricData(totals, AggregationTemporality.DELTA, () => since, end)
          : metricData(totals, AggregationTemporality.CUMULATIVE, s => s.start, end))
        if (delta) totals.clear()
      }
      return { resourceMetrics: { resource, scopeMetrics: [{ scope, metrics: data }] }, errors: [] }
    }
  }
}
