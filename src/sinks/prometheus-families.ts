// Counter and histogram families in a prom-client registry, rendered from
// running totals. prom-client's Histogram takes one observation at a time and
// a snapshot brings bucket counts, so each family is an object of our own
// that the registry takes like one of its metrics: get() returns
// { name, help, type, values, aggregator }. registry.metrics(), serveMetrics
// and prom-client's own metrics in the same registry work side by side.
import type { Metric, Registry } from 'prom-client'
import type { Attributes, CounterPoint } from './metric-names.js'
import type { HistogramPoint, MetricInfo, SnapshotMetrics } from './metric-names.js'
import { PointBuffer } from './point-buffer.js'
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
 * One batch's points read in place (PointBuffer), added to their families in
 * a registry with addToRegistry()'s rules: every family is looked up (made
 * when missing) and every point checked, in the same order, before any is
 * added, so a refused batch changes nothing and the exposition is the one
 * addToRegistry() makes.
 */
export class RegistryRows extends PointBuffer {
  private readonly families = new Map<MetricInfo, PrometheusFamily>()
  private registry: Registry | undefined

  // A point's family, looked up once per metric (made when missing, as familyFor does).
  private readonly plan = (metric: MetricInfo, bounds: readonly number[] | undefined): SeriesTotals => {
    let family = this.families.get(metric)
    if (family === undefined) {
      family = familyFor(this.registry as Registry, prometheusName(metric), (bounds === undefined ? { metric } : { metric, bounds }) as CounterPoint | HistogramPoint)
      this.families.set(metric, family)
    }
    return family.totals
  }

  private readonly refused = (metric: MetricInfo, _totals: SeriesTotals, why: string): Error =>
    new TypeError(`cannot add to ${(this.families.get(metric) as PrometheusFamily).name}: ${why}`)

  /** Adds the points taken to their families in `registry` (all checked first, as addToRegistry does), then forgets them. */
  addToRegistry (registry: Registry, now = Date.now()): void {
    this.registry = registry
    try {
      this.addTo(this.plan, this.refused, now)
    } finally {
      this.families.clear()
      this.registry = undefined
    }
  }
}
