// Command-line options of the main job.
import { readFileSync } from 'node:fs'
import { checkTopic } from '../engine/validate.js'
import { DEFAULT_COUNTS_TOPIC } from './aggregate-args.js'

export interface JobOptions {
  workers: number
  /** Topics to send to; undefined picks the load's own defaults. */
  topics?: string[]
  rate: number
  errorRate: number
  intervalMs: number
  durationS: number
  brokers?: string
  sink: string
  /** The topic --sink kafka writes to. */
  countsTopic: string
}

const HELP = `usage: wasm-tally [options]      (npx wasm-tally, or npm start -- [options] in the repository)

The main job: producers in worker threads record delivery outcomes into one shared
table; the main thread snapshots on an interval and prints per-topic deltas. Without
--brokers the producers are simulated, so nothing else is needed.

  --workers N        producer threads (default 2)
  --topics a,b,c     topics to send to (default orders,payments,audit.log,user_events;
                     with --brokers: demo.orders,demo.payments,demo.clicks)
  --rate N           deliveries per second per worker (default 200000)
  --error-rate F     fraction of deliveries that fail, 0..1 (default 0.02)
  --interval MS      snapshot interval (default 1000)
  --duration S       stop after S seconds (default: run until Ctrl-C)
  --brokers LIST     send to a real Kafka cluster through kafkajs instead of simulating
  --sink NAME        where snapshots go: console (default), jsonl, prometheus (METRICS_PORT,
                     default 9464), statsd (STATSD_HOST, STATSD_PORT, default 127.0.0.1:8125),
                     kafka (records in a counts topic on --brokers)
  --counts-topic T   the topic of --sink kafka (default wasm-tally-counts); the total of
                     every process: wasm-tally aggregate --brokers LIST --topic T (--help)
  --version          the package version
  --help             this text`

/** The version in the package's own package.json (dist/cli/ is two levels down). */
function version (): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
}

export function parseArgs (argv: string[]): JobOptions {
  const o: JobOptions = {
    workers: 2,
    rate: 200_000,
    errorRate: 0.02,
    intervalMs: 1000,
    durationS: Infinity,
    sink: 'console',
    countsTopic: DEFAULT_COUNTS_TOPIC
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${flag} needs a value`)
      return v
    }
    const number = (min: number, max: number): number => {
      const n = Number(value())
      if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${flag} must be a number from ${min} to ${max}`)
      return n
    }
    switch (flag) {
      case '--workers': o.workers = Math.trunc(number(1, 64)); break
      case '--topics':
        o.topics = value().split(',').filter(Boolean)
        for (const topic of o.topics) checkTopic(topic)
        if (o.topics.length === 0) throw new Error('--topics needs at least one topic')
        break
      case '--rate': o.rate = number(1, 1e9); break
      case '--error-rate': o.errorRate = number(0, 1); break
      case '--interval': o.intervalMs = number(10, 3_600_000); break
      case '--duration': o.durationS = number(0.1, 1e9); break
      case '--brokers': o.brokers = value(); break
      case '--sink': o.sink = value(); break
      case '--counts-topic': o.countsTopic = value(); break
      case '--help': case '-h': console.log(HELP); process.exit(0)
      // falls through (exit never returns)
      case '--version': case '-v': console.log(version()); process.exit(0)
      // falls through
      default: throw new Error(`unknown option ${flag}\n\n${HELP}`)
    }
  }
  return o
}
