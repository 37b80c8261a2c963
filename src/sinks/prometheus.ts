// Cumulative Prometheus metrics (prom-client) fed by each flush's deltas: the
// default table's counter, or the counter and histogram families a schema's
// rows name (metric-names.ts).
import { Counter, register as defaultRegistry, type Registry } from 'prom-client'
import type { SinkObject } from '../flush/sink.js'
import { clashCheck, metricNaming, type NamingOptions } from './metric-names.js'
import { prometheusSpelling } from './name-clashes.js'
import { addToRegistry } from './prometheus-families.js'
import { forEachCount, overflowLabel } from '../flush/rows.js'

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
}

export interface PrometheusSink extends SinkObject {
  /** The default table's counter, labelled {topic, outcome}; registered on first use. */
  readonly counter: Counter<'topic' | 'outcome'>
}

export const DEFAULT_METRIC_NAME = 'kafka_producer_messages_total'

function outcomeCounter (registry: Registry, name: string, help: string | undefined): Counter<'topic' | 'outcome'> {
  const existing = registry.getSingleMetric(name)
  if (existing === undefined) {
    return new Counter({
      name,
      help: help ?? 'Kafka producer deliveries by topic and outcome (success or error), as counted by wasm-tally.',
      labelNames: ['topic', 'outcome'],
      registers: [registry]
    })
  }
  if (existing instanceof Counter) return existing as Counter<'topic' | 'outcome'>
  throw new TypeError(`the registry already holds a metric named ${name} that is not a Counter`)
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
  const overflowTopic = overflowLabel(options.overflowTopic)
  const naming = metricNaming(options)
  // Two columns under one exported name are refused here when the schema is given, else at the first flush.
  const checkNames = clashCheck('prometheus', naming, prometheusSpelling)
  let counter: Counter<'topic' | 'outcome'> | undefined
  const outcomes = (): Counter<'topic' | 'outcome'> => (counter ??= outcomeCounter(registry, name, options.help))
  return {
    name: 'prometheus',
    get counter () { return outcomes() },
    write (snap) {
      if (naming.style(snap) !== 'outcome') {
        checkNames(snap)
        addToRegistry(registry, naming.metrics(snap))
        return
      }
      const c = outcomes()
      forEachCount(snap, overflowTopic, (topic, outcome, count) => c.inc({ topic, outcome }, count))
    }
  }
}

export { serveMetrics, type MetricsServer, type ServeMetricsOptions } from '../serve/metrics-server.js'
