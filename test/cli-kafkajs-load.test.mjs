// The main job's load against a real broker (src/cli/kafkajs-load.ts): worker
// producers count into a given shared Tally; after stop() the counts equal what
// was attempted, exactly.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import kafkajs from 'kafkajs'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { Tally } from '../dist/index.js'
import { startKafkajsLoad } from '../dist/cli/kafkajs-load.js'

test('startKafkajsLoad: 2 workers into a plain Tally, snapshots during the run, totals exact after stop()', async () => {
  const brokers = await ensureBroker()
  const run = `${process.pid}-${Date.now()}`
  const topics = ['x', 'y', 'z'].map(t => `kafkajs-load.${t}.${run}`)
  const tally = await Tally.create({ capacity: 64 })
  const load = await startKafkajsLoad({ brokers, tally, workers: 2, topics, batchSize: 10 })
  const counted = new Map(topics.map(t => [t, { success: 0, error: 0 }]))
  const flush = () => {
    for (const [topic, c] of tally.snapshot().topics) { counted.get(topic).success += c.success; counted.get(topic).error += c.error }
  }
  // Flush until every topic saw a delivery (at least 10 flushes under load), however long the loaded machine takes.
  const giveUp = Date.now() + 180_000
  let flushes = 0
  while (flushes < 10 || [...counted.values()].some(c => c.success === 0)) {
    await new Promise(resolve => setTimeout(resolve, 100))
    flush()
    flushes++
    const waiting = [...counted].filter(([, c]) => c.success === 0).map(([t]) => t)
    if (Date.now() > giveUp) assert.unreachable(`after ${flushes} flushes in 180 s, topics with no delivery yet: ${waiting.join(', ')}`)
  }
  const totals = await load.stop()
  assert.is(await load.stop(), totals, 'stop() is idempotent')
  flush()
  flush()
  for (const topic of topics) {
    const c = counted.get(topic)
    assert.is(c.success + c.error, totals.attempted.get(topic), `${topic}: success + error = attempted`)
  }
  assert.is([...counted.values()].reduce((n, c) => n + c.error, 0), totals.failedSends * 10)
  const admin = new kafkajs.Kafka({ brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.deleteTopics({ topics }).catch(() => {})
  await admin.disconnect()
})

test.run()
