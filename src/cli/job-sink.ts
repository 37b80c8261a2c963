// The sink the main job flushes to (--sink), with what it needs set up and
// torn down, and the wrapper that keeps the job's totals. Sink modules load on demand, so the default pulls in no
// optional dependency.
import type { SinkObject } from '../flush/sink.js'
import type { Snapshot } from '../engine/snapshot.js'
import { snapshotTotals } from '../flush/snapshot-ops.js'
import { needPeer } from './peers.js'

export interface JobSink {
  sink: SinkObject
  /** One line saying where the counts go. */
  describe: string
  close (): Promise<void>
}

export const SINK_NAMES = ['console', 'jsonl', 'prometheus', 'statsd', 'kafka']

/** `status` is a line for live displays, such as recorded against counted; `kafka` is where --sink kafka writes. */
export async function openSink (name: string, status: () => string, kafka?: { brokers?: string, topic: string }): Promise<JobSink> {
  switch (name) {
    case 'console': {
      const { consoleTableSink } = await import('../sinks/console-table.js')
      return { sink: consoleTableSink(process.stdout, { status }), describe: 'a live per-topic table on stdout', close: async () => {} }
    }
    case 'jsonl': {
      const { jsonLinesSink } = await import('../sinks/json-lines.js')
      return { sink: jsonLinesSink(process.stdout), describe: 'JSON lines on stdout', close: async () => {} }
    }
    case 'prometheus': {
      const { Registry } = await import('prom-client').catch(needPeer('prom-client', '--sink prometheus'))
      const { prometheusSink } = await import('../sinks/prometheus.js')
      const { serveMetrics } = await import('../serve/metrics-server.js')
      const registry = new Registry()
      const server = await serveMetrics({ registry, port: Number(process.env.METRICS_PORT ?? 9464) })
      return { sink: prometheusSink({ registry }), describe: `Prometheus counters at ${server.url}`, close: () => server.close() }
    }
    case 'statsd': {
      const { StatsD } = await import('hot-shots').catch(needPeer('hot-shots', '--sink statsd'))
      const { statsdSink } = await import('../sinks/statsd.js')
      const host = process.env.STATSD_HOST ?? '127.0.0.1'
      const port = Number(process.env.STATSD_PORT ?? 8125)
      const client = new StatsD({ host, port, errorHandler: () => {} })
      return {
        sink: statsdSink(client),
        describe: `StatsD counters to udp://${host}:${port}`,
        close: () => new Promise(resolve => client.close(() => resolve()))
      }
    }
    case 'kafka': {
      if (kafka?.brokers === undefined) throw new Error('--sink kafka needs --brokers')
      const { openKafkaCounts } = await import('./kafka-counts.js').catch(needPeer('kafkajs', '--sink kafka'))
      return await openKafkaCounts(kafka.brokers, kafka.topic)
    }
    default:
      throw new Error(`unknown sink ${JSON.stringify(name)}: use one of ${SINK_NAMES.join(', ')}`)
  }
}

/** What the job's sink has taken so far. */
export interface SinkTotals {
  /** Deliveries the inner sink accepted. */
  counted: number
  /** Deliveries being handed over while the inner sink runs. */
  flushing: number
  /** Per topic, deliveries the inner sink accepted. */
  byTopic: Map<string, number>
}

/** Wraps a sink to add what it accepted to `totals` (recorded vs counted at the end). */
export function countingSink (inner: SinkObject, totals: SinkTotals): SinkObject {
  return {
    name: inner.name,
    async write (snap: Snapshot) {
      const { success, error } = snapshotTotals(snap)
      const count = success + error
      totals.flushing = count
      try {
        await inner.write(snap)
        totals.counted += count
        for (const [topic, row] of snap.topics) totals.byTopic.set(topic, (totals.byTopic.get(topic) ?? 0) + row.success + row.error)
      } finally {
        totals.flushing = 0
      }
    }
  }
}
