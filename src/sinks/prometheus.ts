// Cumulative Prometheus metrics (prom-client) fed by each flush's deltas: the
// default table's counter, or the counter and histogram families a schema's
// rows name (metric-names.ts).
import { Counter, register as defaultRegistry, type Registry } from 'prom-client'
import type { SinkObject } from '../flush/sink.js'
import { serveMetrics as serveRegistry, serveOptions, type MetricsServer, type ServeMetricsOptions } from '../serve/metrics-server.js'
import { clashCheck, metricNaming, type NamingOptions } from './metric-names.js'
import { prometheusSpelling } from './name-clashes.js'
import { addToRegistry, familyFor, RegistryRows, type PrometheusFamily } from './prometheus-families.js'
import { forEachCount, overflowLabel } from '../flush/rows.js'
import { addCollect, everyFamilySnapshot, removeCollect, schemaOfTable, scrapeCollector, type ScrapedTable } from './prometheus-scrape.js'
import { prometheusLabels, prometheusName } from './prometheus-names.js'

export interface PrometheusSinkOptions extends NamingOptions {
  /** The registry to add the metrics to (default prom-client's global one). */
  registry?: Registry
  /** The default table's counter name (default kafka_producer_messages_total). */
  name?: string
  /** The default table's counter help. */
  help?: string
  /**
   * The topic label of the overflow row: "/overflow" by default for the
   * default table; other tables label it otel_metric_overflow="true" unless this is given.
   * It must be a name no topic can hold (a character outside [a-zA-Z0-9._-]).
   */
  overflowTopic?: string
  /**
   * The table (a Tally or a KafkaTally) the sink is fed from. With it, the
   * families are registered at once (a scrape before the first count shows
   * them, empty), and each collection of the registry flushes the table
   * first (see flushOnScrape).
   */
  tally?: ScrapedTable
  /**
   * With `tally`: each scrape (any registry.metrics() call) first takes a
   * batch from the table into the metrics and acknowledges it (default true).
   * Concurrent scrapes stay exact: each holds what was counted before it
   * began. false leaves flushing to flushEvery(tally, ms, sink).
   */
  flushOnScrape?: boolean
}

export interface PrometheusSink extends SinkObject {
  /** The default table's counter, labelled {topic, outcome}; registered on first use. */
  readonly counter: Counter<'topic' | 'outcome'>
  /**
   * With `tally`: scrapes stop flushing the table (the families stay in the
   * registry with the totals they hold, and the table keeps what was counted
   * since, for the next sink). Nothing without `tally`.
   */
  stopScraping (): void
}

export const DEFAULT_METRIC_NAME = 'kafka_producer_messages_total'

function outcomeCounter (registry: Registry, name: string, help: string | undefined, constant: Record<string, string>): Counter<'topic' | 'outcome'> {
  const labelNames = ['topic', 'outcome', ...Object.keys(constant)]
  const existing = registry.getSingleMetric(name)
  if (existing === undefined) {
    return new Counter({
      name,
      help: help ?? 'Kafka producer deliveries by topic and outcome (success or error), as counted by wasm-tally.',
      labelNames,
      registers: [registry]
    })
  }
  if (!(existing instanceof Counter)) throw new TypeError(`the registry already holds a metric named ${name} that is not a Counter`)
  // prom-client refuses a label its counter was not made with: another sink's attributes must match.
  const has = (existing as unknown as { labelNames?: string[] }).labelNames ?? []
  if (has.length !== labelNames.length || !labelNames.every(l => has.includes(l))) {
    throw new TypeError(`the registry's counter ${name} has the labels ${has.join(', ')}; this sink's would be ${labelNames.join(', ')}: give every sink sharing it the same attribute names`)
  }
  return existing as Counter<'topic' | 'outcome'>
}

/**
 * Adds each flush to cumulative metrics in the registry. The default table
 * (success, error) feeds `kafka_producer_messages_total{topic, outcome}`;
 * a KafkaTally's rows feed OpenTelemetry's messaging metrics in Prometheus
 * form (messaging_client_sent_messages_total{messaging_destination_name, error_type, ...},
 * messaging_client_operation_duration_seconds_bucket{le, ...}, ...); other
 * tables feed wasm_tally_<column>_total{topic} and wasm_tally_<histogram>
 * families. Metrics of the same name in the registry are shared, so two sinks
 * add to one series.
 */
export function prometheusSink (options: PrometheusSinkOptions = {}): PrometheusSink {
  const registry = options.registry ?? defaultRegistry
  const name = options.name ?? DEFAULT_METRIC_NAME
  const help = options.help
  const overflowTopic = overflowLabel(options.overflowTopic)
  const table = options.tally
  const schema = table === undefined ? undefined : schemaOfTable(table)
  const naming = metricNaming(schema === undefined || options.schema !== undefined ? options : { ...options, schema })
  // Two columns under one exported name are refused here when the schema is given, else at the first flush.
  const checkNames = clashCheck('prometheus', naming, prometheusSpelling)
  let collect: (() => Promise<void>) | undefined
  let inPlace: RegistryRows | undefined
  let counter: Counter<'topic' | 'outcome'> | undefined
  // The default table's counter carries the constant attributes as labels too (the namings add them to every other series).
  const constant = prometheusLabels(naming.attributes)
  const constantNone = Object.keys(constant).length === 0
  const outcomes = (): Counter<'topic' | 'outcome'> => (counter ??= outcomeCounter(registry, name, help, constant))
  const outcomeLabels = (topic: string, outcome: string): Record<string, string> => constantNone ? { topic, outcome } : { ...constant, topic, outcome }
  let scraped: object[] = []
  const sink: PrometheusSink = {
    name: 'prometheus',
    get counter () { return outcomes() },
    stopScraping () {
      if (collect !== undefined) for (const metric of scraped) removeCollect(metric, collect)
      scraped = []
    },
    // The batch read in place: the same points write() makes of its Snapshot, taken into reused arrays, checked, then added.
    writeRows (rows) {
      const shaped = naming.shaped(rows)
      if (naming.style(shaped) !== 'outcome') {
        checkNames(shaped)
        const points = inPlace ??= new RegistryRows()
        points.clear()
        naming.rowPoints(rows, points)
        points.addToRegistry(registry)
        return
      }
      const c = outcomes()
      const columns = rows.shape.columns
      const success = columns.indexOf('success')
      const error = columns.indexOf('error')
      if (success < 0 || error < 0) { this.write(rows.snapshot()); return } // naming 'outcome' forced on rows without both: as write() does it
      // forEachCount's order: each topic's success then error, the overflow row last.
      rows.forEachRow(row => {
        const topic = row.overflow ? overflowTopic : row.name
        const s = row.column(success)
        const e = row.column(error)
        if (s !== 0) c.inc(outcomeLabels(topic, 'success'), s)
        if (e !== 0) c.inc(outcomeLabels(topic, 'error'), e)
      })
    },
    write (snap) {
      if (naming.style(snap) !== 'outcome') {
        checkNames(snap)
        addToRegistry(registry, naming.metrics(snap))
        return
      }
      const c = outcomes()
      forEachCount(snap, overflowTopic, (topic, outcome, count) => c.inc(outcomeLabels(topic, outcome), count))
    }
  }
  if (table !== undefined && (options.flushOnScrape ?? true)) collect = scrapeCollector(table, sink)
  // With the schema known (the table's, or given), the families exist before the first flush.
  const known = options.schema ?? schema
  if (known !== undefined) scraped = registerFamilies(registry, naming.metrics(everyFamilySnapshot(known)), collect, outcomes)
  return sink
}

/** Registers, empty, every family a snapshot of the table's shape fills; with `collect`, each flushes the table before it renders. */
/** Returns the metrics `collect` was added to. */
function registerFamilies (registry: Registry, metrics: ReturnType<ReturnType<typeof metricNaming>['metrics']>, collect: (() => Promise<void>) | undefined, outcomes: () => Counter<'topic' | 'outcome'>): object[] {
  if (metrics.style === 'outcome') {
    const counter = outcomes()
    // prom-client's own counter: its collect() runs before it renders (one made earlier in the registry, or by another table's sink, gets it too).
    if (collect === undefined) return []
    addCollect(counter, collect)
    return [counter]
  }
  const families = new Set<PrometheusFamily>()
  for (const point of [...metrics.counters, ...metrics.histograms]) families.add(familyFor(registry, prometheusName(point.metric), point))
  if (collect === undefined) return []
  for (const family of families) addCollect(family, collect)
  return [...families]
}

export interface ServeTableOptions extends ServeMetricsOptions, Omit<PrometheusSinkOptions, 'registry'> {}

export interface TableMetricsServer extends MetricsServer {
  /** The sink made for `tally` (flushed at each scrape), when one was given. */
  readonly sink: PrometheusSink | undefined
}

/**
 * Serves a registry at /metrics: `serveMetrics({ tally, port, host })` makes
 * the Prometheus sink of the table (families registered at once) and flushes
 * the table at each scrape, so every scrape shows everything counted before
 * it. Without `tally`, serves the registry as it is. close() stops listening
 * and stops the table's flushes (as does a failed listen).
 */
export function serveMetrics (options?: ServeTableOptions): Promise<TableMetricsServer>
/** @deprecated Pass one options object: serveMetrics({ registry, port, host }). */
export function serveMetrics (registry: Registry | undefined, options?: Omit<ServeMetricsOptions, 'registry'>): Promise<TableMetricsServer>
export async function serveMetrics (first?: unknown, second?: unknown): Promise<TableMetricsServer> {
  const options = serveOptions(first, second) as ServeTableOptions
  const registry = options.registry ?? defaultRegistry
  const sink = options.tally === undefined ? undefined : prometheusSink({ ...options, registry })
  let server: MetricsServer
  try {
    server = await serveRegistry({ registry, port: options.port, host: options.host, path: options.path })
  } catch (error) {
    sink?.stopScraping() // nothing serves it: later collections of a shared registry must not take the table's batches
    throw error
  }
  return {
    ...server,
    server: server.server,
    sink,
    close: () => { sink?.stopScraping(); return server.close() }
  }
}

export type { MetricsServer, ServeMetricsOptions }
