// Cumulative Prometheus counters (prom-client) fed by each flush's deltas.
import { Counter, register as defaultRegistry, type Registry } from 'prom-client'
import type { SinkObject } from '../flush/sink.js'
import { forEachCount, OVERFLOW_TOPIC } from '../flush/rows.js'

export interface PrometheusSinkOptions {
  /** The registry to add the counter to (default prom-client's global one). */
  registry?: Registry
  /** Metric name (default kafka_producer_messages_total). */
  name?: string
  help?: string
  /** The topic label of the overflow row (default "__overflow"). */
  overflowTopic?: string
}

export interface PrometheusSink extends SinkObject {
  /** The counter, labelled {topic, outcome}. */
  readonly counter: Counter<'topic' | 'outcome'>
}

export const DEFAULT_METRIC_NAME = 'kafka_producer_messages_total'

/**
 * Adds each flush to a counter `kafka_producer_messages_total{topic, outcome}`
 * (outcome "success" or "error") in the registry. A counter of that name
 * already registered there is reused, so two sinks add to one series.
 */
export function prometheusSink (options: PrometheusSinkOptions = {}): PrometheusSink {
  const registry = options.registry ?? defaultRegistry
  const name = options.name ?? DEFAULT_METRIC_NAME
  const overflowTopic = options.overflowTopic ?? OVERFLOW_TOPIC
  const existing = registry.getSingleMetric(name)
  let counter: Counter<'topic' | 'outcome'>
  if (existing === undefined) {
    counter = new Counter({
      name,
      help: options.help ?? 'Kafka producer deliveries by topic and outcome (success or error), as counted by wasm-tally.',
      labelNames: ['topic', 'outcome'],
      registers: [registry]
    })
  } else if (existing instanceof Counter) {
    counter = existing as Counter<'topic' | 'outcome'>
  } else {
    throw new TypeError(`the registry already holds a metric named ${name} that is not a Counter`)
  }
  return {
    name: 'prometheus',
    counter,
    write (snap) {
      forEachCount(snap, overflowTopic, (topic, outcome, count) => counter.inc({ topic, outcome }, count))
    }
  }
}

export { serveMetrics, type MetricsServer, type ServeMetricsOptions } from '../serve/metrics-server.js'
