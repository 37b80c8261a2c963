// `wasm-tally aggregate`: the total of every process that flushes into a
// counts topic. --once prints it as JSON; otherwise a live table follows it.
import { aggregateCounts, followCounts, type AggregateResult } from '../sinks/kafka-aggregate.js'
import { startMember } from '../sinks/kafka-member.js'
import { consoleTableSink } from '../sinks/console-table.js'
import type { Counts, Row, Snapshot } from '../engine/snapshot.js'
import { parseAggregateArgs, type AggregateArgs } from './aggregate-args.js'
import { needPeer } from './peers.js'

const n = (x: number): string => x.toLocaleString('en-US')

const needKafkajs = needPeer('kafkajs', 'wasm-tally aggregate')

function warnInvalid (result: Pick<AggregateResult, 'records'>): void {
  const bad = result.records.invalid
  if (bad > 0) console.error(`wasm-tally: ${n(bad)} records of the topic are not counts records and were left out`)
}

function warnExpired (result: AggregateResult): void {
  for (const e of result.expired) {
    console.error(`wasm-tally: WARNING partition ${e.partition}: records ${n(e.from)} to ${n(e.to)} expired (retention) before a checkpoint covered them: ${n(e.to - e.from + 1)} records are missing from the totals`)
  }
}

/** The counts added since `shown`, as a snapshot for the console table; `shown` moves on. */
function delta (result: Pick<AggregateResult, 'topics' | 'overflow'>, shown: Map<string, Counts>): Snapshot {
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
  follower.caughtUp.then(() => { caughtUp = true; warnExpired(follower.totals()) }, () => {})
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
    await untilStopped(follower.failed)
  } finally {
    clearInterval(timer)
    warnInvalid(await follower.stop())
  }
  return 0
}

/** Until Ctrl-C (or SIGTERM), or the promise rejects. */
async function untilStopped (failed: Promise<never>): Promise<void> {
  await Promise.race([
    failed,
    new Promise<void>(resolve => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
  ])
}

/** One member of an aggregate group, with a live table of the fleet total. */
async function member (o: AggregateArgs & { group: string }): Promise<number> {
  const kafkajs = (await import('kafkajs')).default
  const kafka = new kafkajs.Kafka({ clientId: 'wasm-tally-aggregate', brokers: o.brokers.split(',').map(b => b.trim()).filter(Boolean), logLevel: kafkajs.logLevel.NOTHING })
  const log = (line: string): void => { console.error(`wasm-tally aggregate: ${line}`) }
  const m = await startMember({ kafka, topic: o.topic, group: o.group, checkpointTopic: o.checkpointTopic, checkpointMs: o.checkpointMs, log })
  const status = (): string => {
    const t = m.totals()
    return `fleet of ${n(t.partitions)} partitions, ${t.owned.length} owned here; ${n(t.batches)} batches, ${n(t.duplicates)} duplicates dropped, ${n(t.records.invalid)} invalid; read ${n(t.read)}`
  }
  const table = consoleTableSink(process.stdout, { status })
  const shown = new Map<string, Counts>()
  log(`member of group ${o.group} on ${o.topic} at ${o.brokers}, checkpoints every ${o.checkpointMs} ms (Ctrl-C to stop)`)
  const timer = setInterval(() => { Promise.resolve(table.write(delta(m.totals(), shown))).catch(() => {}) }, o.intervalMs)
  try {
    await untilStopped(m.failed)
  } finally {
    clearInterval(timer)
    const last = await m.stop()
    warnInvalid(last)
    log(`left the group; read ${n(last.read)} records of the counts topic`)
  }
  return 0
}

export async function aggregateCommand (argv: string[]): Promise<number> {
  const o = parseAggregateArgs(argv)
  try {
    if (!o.once) return o.group === undefined ? await follow(o) : await member({ ...o, group: o.group })
    const result = await aggregateCounts({ brokers: o.brokers, topic: o.topic, group: o.group, checkpointTopic: o.checkpointTopic })
    warnInvalid(result)
    warnExpired(result)
    const { topics, overflow, batches, duplicates, read, checkpoints } = result
    // With a group, also how much came from checkpoints and how much was read after them.
    const out = o.group === undefined ? { topics, overflow, batches, duplicates } : { topics, overflow, batches, duplicates, checkpoints, read }
    process.stdout.write(JSON.stringify(out) + '\n')
    return 0
  } catch (error) {
    return needKafkajs(error as NodeJS.ErrnoException)
  }
}
