// Two metrics exported under one name would be summed into one series (or
// refused at every flush, when their kinds differ). Every metric a table's rows
// can produce is spelled the way a sink writes it, and any name two of them
// share is refused, naming both, before anything is exported.
import type { MetricInfo } from './metric-points.js'
import { prometheusName } from './prometheus-names.js'

/** Each metric, and the columns or histograms that feed it. */
export type MetricSources = ReadonlyMap<MetricInfo, readonly string[]>

/** The names a sink writes for a metric: every series or family name it may take. */
export type Spelling = (metric: MetricInfo) => string[]

/**
 * Prometheus: a counter's family (x_total, and x as OpenMetrics names it), a
 * histogram's family and its x_bucket, x_sum and x_count series.
 */
export const prometheusSpelling: Spelling = metric => {
  const name = prometheusName(metric)
  if (metric.kind === 'counter') return [name, name.replace(/_total$/, '')]
  return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]
}

/** OpenTelemetry: instrument names are case-insensitive. */
export const openTelemetrySpelling: Spelling = metric => [metric.name.toLowerCase()]

/** StatsD: a counter's name; a histogram's <name>.bucket and <name>.sum. */
export const statsdSpelling: Spelling = metric => metric.kind === 'counter' ? [metric.name] : [`${metric.name}.bucket`, `${metric.name}.sum`]

const quoted = (sources: readonly string[]): string => sources.map(s => JSON.stringify(s)).join(' and ')

/** Throws a TypeError when two metrics share a name as `spell` writes it. */
export function refuseClashes (sink: string, metrics: MetricSources, spell: Spelling): void {
  const taken = new Map<string, MetricInfo>()
  for (const metric of metrics.keys()) {
    for (const name of new Set(spell(metric))) {
      const other = taken.get(name)
      if (other === undefined) { taken.set(name, metric); continue }
      if (other === metric) continue
      throw new TypeError(`${sink}: ${metric.kind} ${JSON.stringify(metric.name)} (from ${quoted(metrics.get(metric) ?? [])}) and ` +
        `${other.kind} ${JSON.stringify(other.name)} (from ${quoted(metrics.get(other) ?? [])}) would both be exported as ${name}, ` +
        'one series summing both or a flush refused forever; rename one (the sink option rename, or the column)')
    }
  }
}
