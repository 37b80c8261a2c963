// Command-line options of `wasm-tally aggregate`.
export interface AggregateArgs {
  brokers: string
  topic: string
  once: boolean
  intervalMs: number
  /** A member of this aggregate group (live), or its checkpoints as the start (--once). */
  group?: string
  checkpointTopic?: string
  checkpointMs: number
}

/** The counts topic of `--sink kafka` and of the reader, unless told otherwise. */
export const DEFAULT_COUNTS_TOPIC = 'wasm-tally-counts'

export const AGGREGATE_HELP = `usage: wasm-tally aggregate --brokers LIST [--topic NAME] [--group NAME] [--once]

Reads the counts topic that the Kafka sink (--sink kafka) of any number of processes
writes to, from the beginning, drops records of batches already counted, and sums
the rest: the exact totals of every process together.

With --group NAME it runs as one member of the Kafka consumer group NAME: each member
totals the partitions it owns and checkpoints them (totals, dedupe state and offset in
one Kafka transaction) to a compacted topic; start as many members as you like, on any
machines. The live table shows the fleet total. --once --group NAME reads the group's
checkpoints plus the records after them, never the whole history.

  --brokers LIST     the Kafka cluster (host:port, comma-separated)
  --topic NAME       the counts topic (default ${DEFAULT_COUNTS_TOPIC})
  --once             read to the end the topic has now, print one JSON object, exit:
                     {"topics":{"<topic>":{"success":n,"error":n}},"overflow":{...},
                      "batches":n,"duplicates":n}
                     without it: keep reading, with a live table (Ctrl-C to stop)
  --interval MS      how often the live table is redrawn (default 1000)
  --group NAME       the aggregate group (a Kafka consumer group) to be a member of,
                     or, with --once, to start from the checkpoints of
  --checkpoint-topic NAME  where the group's checkpoints go (default <topic>-checkpoints)
  --checkpoint-interval MS how often a member checkpoints each partition (default 5000)
  --help             this text`

export function parseAggregateArgs (argv: string[]): AggregateArgs {
  const o: Partial<AggregateArgs> & { topic: string, once: boolean, intervalMs: number, checkpointMs: number } = { topic: DEFAULT_COUNTS_TOPIC, once: false, intervalMs: 1000, checkpointMs: 5000 }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`)
      return v
    }
    switch (flag) {
      case '--brokers': o.brokers = value(); break
      case '--topic': o.topic = value(); break
      case '--once': o.once = true; break
      case '--group': o.group = value(); break
      case '--checkpoint-topic': o.checkpointTopic = value(); break
      case '--checkpoint-interval': {
        const ms = Number(value())
        if (!Number.isFinite(ms) || ms < 10 || ms > 3_600_000) throw new Error('--checkpoint-interval must be a number from 10 to 3600000')
        o.checkpointMs = ms
        break
      }
      case '--interval': {
        const ms = Number(value())
        if (!Number.isFinite(ms) || ms < 10 || ms > 3_600_000) throw new Error('--interval must be a number from 10 to 3600000')
        o.intervalMs = ms
        break
      }
      case '--help': case '-h': console.log(AGGREGATE_HELP); process.exit(0)
      // falls through (exit never returns)
      default: throw new Error(`unknown option ${flag}\n\n${AGGREGATE_HELP}`)
    }
  }
  if (o.brokers === undefined) throw new Error(`wasm-tally aggregate needs --brokers\n\n${AGGREGATE_HELP}`)
  return o as AggregateArgs
}
