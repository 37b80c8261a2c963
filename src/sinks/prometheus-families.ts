// Counter and histogram families in a prom-client registry, rendered from
// running totals. prom-client's Histogram takes one observation at a time and
// a snapshot brings bucket counts, so each family is an object of our own
// that the registry takes like one of its metrics: get() returns
// { name, help, type, values, aggregator }. registry.metrics(), serveMetrics
// and prom-client's own metrics in the same registry work side by side.
import type { Metric, Registry } from 'prom-client'
import type { HistogramCounts } from '../engine/snapshot.js'
import type { Attributes, CounterPoint } from './metric-names.js'
import type { HistogramPoint, MetricInfo, PointSink, SnapshotMetrics } from './metric-names.js'
import { prometheusLabels, prometheusName } from './prometheus-names.js'
import { SeriesTotals } from './series-totals.js'

// Marks a family made by any copy of this package, so two copies share one family.
const FAMILY = Symbol.for('wasm-tally.prometheus-family')

interface Sample {
  metricName?: string
  labels: Record<string, string>
  /** Labels the registry formats once per series, not once per bucket. */
  sharedLabels?: Record<string, string>
  value: number
}

interface Rendered { name: string, help: string, type: string, values: Sample[], aggregator: string }

// A series' labels, made once per attribute set (the sets are frozen and shared).
const labelCache = new WeakMap<object, Record<string, string>>()
function labelsOf (attributes: Attributes): Record<string, string> {
  let labels = labelCache.get(attributes)
  if (labels === undefined) {
    labels = prometheusLabels(attributes)
    if (Object.isFrozen(attributes)) labelCache.set(attributes, labels)
  }
  return labels
}

export class PrometheusFamily {
  readonly [FAMILY] = true
  /** Mutable: the registry drops a counter's _total when it renders OpenMetrics. */
  name: string
  readonly help: string
  readonly type: 'counter' | 'histogram'
  readonly aggregator = 'sum'
  readonly totals: SeriesTotals
  private readonly les: string[]
  /** Called before the family renders (flush on scrape: prometheus-scrape.ts); families of one collection share it. */
  collect: (() => Promise<void>) | undefined

  constructor (name: string, metric: MetricInfo, bounds?: readonly number[]) {
    this.name = name
    this.help = metric.description
    this.type = metric.kind
    this.totals = new SeriesTotals(metric, bounds)
    this.les = [...(bounds ?? []).map(String), '+Inf']
  }

  private samples (shared: boolean): Sample[] {
    const values: Sample[] = []
    for (const s of this.totals.counters.values()) values.push({ labels: labelsOf(s.attributes), value: s.value })
    for (const s of this.totals.histograms.values()) {
      const labels = labelsOf(s.attributes)
      let cumulative = 0
      s.counts.forEach((n, i) => {
        cumulative += n
        const le = this.les[i]
        values.push(shared
          ? { metricName: `${this.name}_bucket`, labels: { le }, sharedLabels: labels, value: cumulative }
          : { metricName: `${this.name}_bucket`, labels: { ...labels, le }, value: cumulative })
      })
      values.push({ metricName: `${this.name}_sum`, labels, value: s.sum })
      values.push({ metricName: `${this.name}_count`, labels, value: s.count })
    }
    return values
  }

  /** The family's samples with every label on each (registry.getMetricsAsJSON(), cluster aggregation). */
  get (): Rendered | Promise<Rendered> {
    const render = (): Rendered => ({ name: this.name, help: this.help, type: this.type, values: this.samples(false), aggregator: this.aggregator })
    return this.collect === undefined ? render() : this.collect().then(render)
  }

  /** The same for the text exposition: a bucket's series labels are shared, formatted once per series. */
  getForPromString (): Rendered | Promise<Rendered> {
    const render = (): Rendered => ({ name: this.name, help: this.help, type: this.type, values: this.samples(true), aggregator: this.aggregator })
    return this.collect === undefined ? render() : this.collect().then(render)
  }

  /** registry.resetMetrics() empties the family, as it does prom-client's metrics. */
  reset (): void {
    this.totals.clear()
  }
}

function isFamily (metric: unknown): metric is PrometheusFamily {
  return metric !== null && typeof metric === 'object' && (metric as Record<symbol, unknown>)[FAMILY] === true
}

/** The family `name` in the registry, made and registered when missing. */
export function familyFor (registry: Registry, name: string, point: CounterPoint | HistogramPoint): PrometheusFamily {
  const existing = registry.getSingleMetric(name) as unknown
  if (existing === undefined) {
    const family = new PrometheusFamily(name, point.metric, 'bounds' in point ? point.bounds : undefined)
    registry.registerMetric(family as unknown as Metric)
    return family
  }
  if (!isFamily(existing)) throw new TypeError(`the registry already holds a metric named ${name} that wasm-tally did not make`)
  // Sinks share a family by metric; two metrics under one Prometheus name would be summed into one series.
  if (existing.totals.metric.name !== point.metric.name) {
    throw new TypeError(`the registry's ${name} counts ${JSON.stringify(existing.totals.metric.name)}; ${JSON.stringify(point.metric.name)} would be exported under the same name: rename one`)
  }
  return existing
}

/**
 * Adds one snapshot's points to their families in the registry. Every point is
 * checked before any is added: a refused snapshot (a name taken by another
 * metric, other histogram bounds) changes nothing and can be retried whole.
 */
export function addToRegistry (registry: Registry, metrics: SnapshotMetrics, now = Date.now()): void {
  const planned: Array<[PrometheusFamily, CounterPoint | HistogramPoint]> = []
  const seen = new Map<MetricInfo, PrometheusFamily>()
  for (const point of [...metrics.counters, ...metrics.histograms]) {
    let family = seen.get(point.metric)
    if (family === undefined) {
      family = familyFor(registry, prometheusName(point.metric), point)
      seen.set(point.metric, family)
    }
    const refused = family.totals.refuses(point)
    if (refused !== undefined) throw new TypeError(`cannot add to ${family.name}: ${refused}`)
    planned.push([family, point])
  }
  for (const [family, point] of planned) {
    if ('counts' in point) family.totals.addHistogram(point, now)
    else family.totals.addCounter(point, now)
  }
}

/**
 * One batch's points read in place, kept in flat arrays reused from flush to
 * flush (no point object, no count array), then added to their families with
 * addToRegistry()'s rules: every family is looked up (made when missing) and
 * every point checked, in the same order, before any is added, so a refused
 * batch changes nothing and the exposition is the one addToRegistry() makes.
 */
export class RegistryRows implements PointSink {
  // Counters: metric, attribute set and delta of point i.
  private counterMetrics: MetricInfo[] = []
  private counterSets: Attributes[] = []
  private counterValues: number[] = []
  private counters = 0
  // Histograms: metric, attribute set, bounds, sum and count of point i; its counts from cells[starts[i]].
  private histogramMetrics: MetricInfo[] = []
  private histogramSets: Attributes[] = []
  private histogramBounds: Array<readonly number[]> = []
  private sums: number[] = []
  private counts: number[] = []
  private starts: number[] = []
  private cells: number[] = []
  private histograms = 0
  private used = 0
  private readonly families = new Map<MetricInfo, PrometheusFamily>()

  /** Forgets the points taken so far (the arrays keep their room). */
  clear (): void {
    this.counters = 0
    this.histograms = 0
    this.used = 0
  }

  count (metric: MetricInfo, attributes: Attributes, value: number): void {
    if (value === 0) return
    const i = this.counters++
    this.counterMetrics[i] = metric
    this.counterSets[i] = attributes
    this.counterValues[i] = value
  }

  observe (metric: MetricInfo, attributes: Attributes, h: HistogramCounts, bounds: readonly number[], _topic: string | undefined, histogram: string): void {
    if (h.count === 0 && h.sum === 0) return
    const n = h.counts.length
    if (n !== bounds.length + 1) throw new RangeError(`histogram ${histogram}: ${n} buckets do not fit ${bounds.length} bounds`)
    const i = this.histograms++
    this.histogramMetrics[i] = metric
    this.histogramSets[i] = attributes
    this.histogramBounds[i] = bounds
    this.sums[i] = h.sum
    this.counts[i] = h.count
    const start = this.used
    this.starts[i] = start
    const cells = this.cells
    for (let k = 0; k < n; k++) cells[start + k] = h.counts[k]
    this.used = start + n
  }

  /** Adds the points taken to their families in `registry` (all checked first, as addToRegistry does), then forgets them. */
  addTo (registry: Registry, now = Date.now()): void {
    const families = this.families
    families.clear()
    try {
      for (let i = 0; i < this.counters; i++) this.plan(registry, this.counterMetrics[i], undefined)
      for (let i = 0; i < this.histograms; i++) this.plan(registry, this.histogramMetrics[i], this.histogramBounds[i])
      for (let i = 0; i < this.counters; i++) {
        (families.get(this.counterMetrics[i]) as PrometheusFamily).totals.addValue(this.counterSets[i], this.counterValues[i], now)
      }
      for (let i = 0; i < this.histograms; i++) {
        const start = this.starts[i]
        const n = (i + 1 < this.histograms ? this.starts[i + 1] : this.used) - start
        ;(families.get(this.histogramMetrics[i]) as PrometheusFamily).totals.addCounts(this.histogramSets[i], this.cells, start, n, this.sums[i], this.counts[i], now)
      }
    } finally {
      families.clear()
      this.clear()
    }
  }

  /** A point's family, looked up once per metric (made when missing, as familyFor does), and its refusal. */
  private plan (registry: Registry, metric: MetricInfo, bounds: readonly number[] | undefined): void {
    let family = this.families.get(metric)
    if (family === undefined) {
      family = familyFor(registry, prometheusName(metric), (bounds === undefined ? { metric } : { metric, bounds }) as CounterPoint | HistogramPoint)
      this.families.set(metric, family)
    }
    const refused = family.totals.refusesAs(metric, bounds)
    if (refused !== undefined) throw new TypeError(`cannot add to ${family.name}: ${refused}`)
  }
}
