// Exact totals through Kafka, against the real broker: three OS processes,
// each with writer threads counting a known mix into its own table and a
// flusher thread flushing every few ms into the Kafka sink. Every producer
// fails on purpose after some sends landed (so batches really go out twice),
// and one process's flusher thread is terminated mid-send and replaced three
// times. The reader's totals (wasm-tally aggregate --once, and the function)
// must equal, per topic and outcome, what the three processes recorded; the
// second run restarts the broker while they flush.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fork, execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel } from 'kafkajs'
import { aggregateCounts } from '../dist/sinks/kafka.js'
import { ensureBroker, restartBroker } from '../scripts/lib/kafka-broker.mjs'
import { addRows } from '../scripts/lib/counts.mjs'

const PROCESS = new URL('./workers/totals-process.mjs', import.meta.url)
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const CAPACITY = 8
const TOPICS = 11 // t8, t9 and t10 find the table full: the overflow row
const PROCESSES = [
  { source: 'proc-a', failEvery: 3, kills: 3 },
  { source: 'proc-b', failEvery: 4, kills: 0 },
  { source: 'proc-c', failEvery: 5, kills: 0 }
]

/** Forks one process; `progress` follows its flushes and kills, `done` resolves to its report. */
function startProcess (config) {
  const child = fork(PROCESS, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const state = { flushes: 0, kills: 0, child }
  state.exited = new Promise(resolve => child.once('exit', resolve))
  let started
  state.started = new Promise(resolve => { started = resolve })
  state.done = new Promise((resolve, reject) => {
    child.on('message', m => {
      if (m.kind === 'started') started()
      if (m.kind === 'progress') Object.assign(state, { flushes: m.flushes, kills: m.kills })
      if (m.kind === 'done') resolve(m)
    })
    child.once('exit', code => reject(new Error(`${config.source} exited with ${code} before reporting`)))
  })
  state.done.catch(() => {})
  child.send(config)
  return state
}

async function until (what, check, ms = 60_000) {
  const giveUp = Date.now() + ms
  while (!check()) {
    if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/** wasm-tally aggregate --brokers B --topic T --once, parsed. */
function aggregateCli (brokers, topic) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'aggregate', '--brokers', brokers, '--topic', topic, '--once'], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`aggregate failed (${error.code}): ${stderr}`))
      else resolve({ out: JSON.parse(stdout), stdout, stderr })
    })
  })
}

async function run ({ restart }) {
  const brokers = await ensureBroker()
  const kafka = new Kafka({ clientId: 'wasm-tally-totals-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
  const topic = `wasm-tally-totals-${restart ? 'restart' : 'plain'}-${process.pid}-${Date.now()}`
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })
  await admin.disconnect()

  const procs = PROCESSES.map(p => startProcess({ ...p, brokers, topic, capacity: CAPACITY, topics: TOPICS, writers: 2, intervalMs: 40, leaseMs: 250 }))
  try {
    await check(procs, { brokers, kafka, topic, restart })
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill() // left running by a failure
    const cleanup = kafka.admin()
    await cleanup.connect()
    await cleanup.deleteTopics({ topics: [topic] }).catch(() => {})
    await cleanup.disconnect()
  }
}

async function check (procs, { brokers, kafka, topic, restart }) {
  await Promise.all(procs.map(p => p.started))
  await until('a few flushes by every process', () => procs.every(p => p.flushes >= 8))
  if (restart) {
    const before = procs.map(p => p.flushes)
    await restartBroker({ downMs: 500 })
    await until('flushes after the restart', () => procs.every((p, i) => p.flushes >= before[i] + 8))
  }
  await until('the flusher kills', () => procs.every((p, i) => p.kills >= PROCESSES[i].kills))
  for (const p of procs) p.child.send({ kind: 'stop' })
  const reports = await Promise.all(procs.map(p => p.done))
  assert.equal(await Promise.all(procs.map(p => p.exited)), [0, 0, 0], 'each process ends by itself')

  const expected = { topics: {}, overflow: { success: 0, error: 0 } }
  for (const r of reports) {
    assert.ok(r.delivered, 'each process delivered everything in its final flush')
    assert.is(r.pending, 0, 'no batch left pending in any table')
    addRows(expected.topics, r.recorded.topics)
    expected.overflow.success += r.recorded.overflow.success
    expected.overflow.error += r.recorded.overflow.error
  }
  assert.ok(reports.every(r => r.injected > 0), 'every producer failed on purpose after sends landed')
  assert.is(reports[0].kills, 3, 'one process lost its flusher thread three times')
  assert.ok(expected.overflow.success > 0 && Object.keys(expected.topics).length === CAPACITY, 'the mix fills the table and overflows')

  const totals = await aggregateCounts({ kafka, topic })
  const cli = await aggregateCli(brokers, topic)
  assert.equal(Object.keys(cli.out), ['topics', 'overflow', 'batches', 'duplicates'])
  assert.equal(cli.out, { topics: totals.topics, overflow: totals.overflow, batches: totals.batches, duplicates: totals.duplicates }, 'the command and the function agree')
  assert.equal(totals.topics, expected.topics, 'per topic and outcome, exactly what the processes recorded')
  assert.equal(totals.overflow, expected.overflow)
  assert.ok(totals.duplicates > 0, 'repeats were dropped')
  assert.is(totals.records.invalid, 0)
  const acknowledged = reports.reduce((n, r) => n + r.batches, 0)
  const kills = reports.reduce((n, r) => n + r.kills, 0)
  // A kill between acknowledging a batch and reporting it hides it from `acknowledged`.
  assert.ok(totals.batches >= acknowledged && totals.batches <= acknowledged + kills, `batches ${totals.batches}, acknowledged ${acknowledged}`)

  const recordedTotal = Object.values(expected.topics).reduce((n, c) => n + c.success + c.error, expected.overflow.success + expected.overflow.error)
  console.log(`  ${restart ? 'broker restarted' : 'no restart'}: ${recordedTotal} counts recorded; ${totals.records.counted + totals.records.duplicate} records read, ` +
    `${totals.records.duplicate} duplicates dropped, ${totals.batches} batches; sends ${reports.map(r => r.sends).join('/')}, ` +
    `injected failures ${reports.map(r => r.injected).join('/')}, flusher kills ${kills}`)
}

test('three processes, failing sends and killed flusher threads: the reader\'s totals are exact', async () => {
  await run({ restart: false })
})

test('the same with the broker restarted while the processes flush', async () => {
  await run({ restart: true })
})

test.run()
