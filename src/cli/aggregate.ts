// `wasm-tally aggregate`: the total of every process that flushes into a
// counts topic. --once prints it as JSON; otherwise a live table follows it.
import { aggregateCounts, followCounts, type AggregateResult } from '../sinks/kafka-aggregate.js'
import { consoleTableSink } from '../sinks/console-table.js'
import type { Counts, Row, Snapshot } from '../engine/snapshot.js'
import { parseAggregateArgs, type AggregateArgs } from './aggregate-args.js'

const n = (x: number): string => x.toLocaleString('en-US')

/** kafkajs is an optional peer: say how to get it instead of a resolution stack. */
function needKafkajs (error: NodeJS.ErrnoException): never {
  if (error.code === 'ERR_MODULE_NOT_FOUND' && /'kafkajs'/.test(error.message)) throw new Error('aggregate needs kafkajs: npm install kafkajs')
  throw error
}

function warnInvalid (result: AggregateResult): void {
  const bad = result.records.invalid
  if (bad > 0) console.error(`wasm-tally: ${n(bad)} records of the topic are not counts records and were left out`)
}

/** The counts added since `shown`, as a snapshot for the console table; `shown` moves on. */
function delta (result: AggregateResult, shown: Map<string, Counts>): Snapshot {
  const step = (key: string, now: Counts): Row => {
    const was = shown.get(key) ?? { success: 0, error: 0 }
    shown.set(key, { success: now.success, error: now.error })
    return { success: now.success - was.success, error: now.error - was.error }
  }
  const topics = new Map<string, Row>()
  for (const [topic, row] of Object.entries(result.topics)) topics.set(topic, step(`topic:${topic}`, row))
  return { epoch: 0, topics, overflow: step('overflow', result.overflow) }
}

async function follow (o: AggregateArgs): Promise<number> {
  const follower = await followCounts({ brokers: o.brokers, topic: o.topic })
  let caughtUp = false
  follower.caughtUp.then(() => { caughtUp = true }, () => {})
  const status = (): string => {
    const t = follower.totals()
    const reading = caughtUp ? `lag ${n(follower.lag())}` : 'reading the topic from the beginning'
    return `${n(t.batches)} batches, ${n(t.duplicates)} duplicates dropped, ${reading}`
  }
  const table = consoleTableSink(process.stdout, { status })
  const shown = new Map<string, Counts>()
  console.error(`wasm-tally aggregate: ${o.topic} on ${o.brokers}, every ${o.intervalMs} ms (Ctrl-C to stop)`)
  const timer = setInterval(() => { Promise.resolve(table.write(delta(follower.totals(), shown))).catch(() => {}) }, o.intervalMs)
  try {
    await Promise.race([
      follower.failed,
      new Promise<void>(resolve => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
    ])
  } finally {
    clearInterval(timer)
    warnInvalid(await follower.stop())
  }
  return 0
}

export async function aggregateCommand (argv: string[]): Promise<number> {
  const o = parseAggregateArgs(argv)
  try {
    if (!o.once) return await follow(o)
    const result = await aggregateCounts({ brokers: o.brokers, topic: o.topic })
    warnInvalid(result)
    const { topics, overflow, batches, duplicates } = result
    process.stdout.write(JSON.stringify({ topics, overflow, batches, duplicates }) + '\n')
    return 0
  } catch (error) {
    return needKafkajs(error as NodeJS.ErrnoException)
  }
}
