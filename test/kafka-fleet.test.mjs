// A fleet total through a Kafka consumer group, against the real broker: three
// writer processes (writer threads, a flusher whose producer fails on purpose
// after sends landed, so batches go out twice) flush into a 6-partition counts
// topic while `wasm-tally aggregate --group G` members total it: three at the
// start, one killed (SIGKILL, mid-run, checkpoints under way) and started
// again, and a fourth joining later. Each move of a partition starts its new
// owner from the partition's last checkpoint. At the end the members' live
// fleet total and `aggregate --once --group G` (checkpoints plus what follows
// them) must equal, per topic and outcome, what the writers recorded.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fork, execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel } from 'kafkajs'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { settled } from './helpers/group-settled.mjs'
import { addRows } from '../scripts/lib/counts.mjs'

const PROCESS = new URL('./workers/totals-process.mjs', import.meta.url)
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const CAPACITY = 8
const TOPICS = 11 // t8, t9 and t10 find the table full: the overflow row
const WRITERS = [
  { source: 'proc-a', failEvery: 3, kills: 0 },
  { source: 'proc-b', failEvery: 4, kills: 0 },
  { source: 'proc-c', failEvery: 5, kills: 0 }
]
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function until (what, check, ms = 90_000) {
  const giveUp = Date.now() + ms
  while (!check()) {
    if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

function startWriter (config) {
  const child = fork(PROCESS, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const state = { flushes: 0, child }
  let started
  state.started = new Promise(resolve => { started = resolve })
  state.done = new Promise((resolve, reject) => {
    child.on('message', m => {
      if (m.kind === 'started') started()
      if (m.kind === 'progress') state.flushes = m.flushes
      if (m.kind === 'done') resolve(m)
    })
    child.once('exit', code => reject(new Error(`${config.source} exited with ${code} before reporting`)))
  })
  state.done.catch(() => {})
  child.send(config)
  return state
}

/** One `aggregate --group` member; `out` gathers its stdout and stderr. */
function startMember (brokers, topic, group) {
  const child = spawn(process.execPath, [CLI, 'aggregate', '--brokers', brokers, '--topic', topic, '--group', group, '--checkpoint-interval', '300', '--interval', '200'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const m = { child, out: '', err: '' }
  child.stdout.on('data', d => { m.out += d })
  child.stderr.on('data', d => { m.err += d })
  m.exited = new Promise(resolve => child.once('exit', (code, signal) => resolve(code ?? signal)))
  return m
}

/** The fleet total of a member's last live line ("total N ok, M errors"). */
function lastTotal (text) {
  const m = [...text.matchAll(/total ([\d,]+) ok, ([\d,]+) errors/g)].at(-1)
  return m === undefined ? undefined : Number(m[1].replaceAll(',', '')) + Number(m[2].replaceAll(',', ''))
}

function once (args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'aggregate', '--once', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`aggregate --once failed (${error.code}): ${stderr}`))
      else resolve({ out: JSON.parse(stdout), stderr })
    })
  })
}

const takenFrom = text => [...text.matchAll(/partition (\d+): taken from the checkpoint at offset (\d+)/g)].map(m => ({ partition: Number(m[1]), offset: Number(m[2]) }))

test('three members, one killed and restarted, one joining: the fleet total equals what the writers recorded, exactly', async () => {
  const brokers = await ensureBroker()
  const kafka = new Kafka({ clientId: 'wasm-tally-fleet-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
  const topic = `wasm-tally-fleet-${process.pid}-${Date.now()}`
  const group = `${topic}-group`
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true })
  const writers = WRITERS.map(w => startWriter({ ...w, brokers, topic, capacity: CAPACITY, topics: TOPICS, writers: 2, intervalMs: 40, leaseMs: 250 }))
  const members = []
  try {
    await Promise.all(writers.map(w => w.started))
    members.push(startMember(brokers, topic, group), startMember(brokers, topic, group), startMember(brokers, topic, group))
    await until('every member owning partitions and checkpointing', () => members.every(m => /partition \d+: taken/.test(m.err)))
    await until('more flushes', () => writers.every(w => w.flushes >= 30))

    // Killed mid-run: whatever it had not checkpointed is read again by the partitions' next owners.
    const victim = members[1]
    victim.child.kill('SIGKILL')
    assert.is(await victim.exited, 'SIGKILL')
    const before = writers.map(w => w.flushes)
    const again = startMember(brokers, topic, group)
    members[1] = again
    await until('the restarted member takes partitions from their checkpoints', () => takenFrom(again.err).length > 0)
    await until('flushes after the restart', () => writers.every((w, i) => w.flushes >= before[i] + 20))

    const joining = startMember(brokers, topic, group)
    members.push(joining)
    await until('the new member takes partitions', () => /partition \d+: taken/.test(joining.err))
    await until('flushes after the join', () => writers.every((w, i) => w.flushes >= before[i] + 40))

    for (const w of writers) w.child.send({ kind: 'stop' })
    const reports = await Promise.all(writers.map(w => w.done))
    const expected = { topics: {}, overflow: { success: 0, error: 0 } }
    for (const r of reports) {
      assert.ok(r.delivered, 'each writer delivered everything in its final flush')
      addRows(expected.topics, r.recorded.topics)
      expected.overflow.success += r.recorded.overflow.success
      expected.overflow.error += r.recorded.overflow.error
    }
    assert.ok(reports.every(r => r.injected > 0), 'every producer failed on purpose after sends landed: batches were sent twice')
    const want = Object.values(expected.topics).reduce((n, c) => n + c.success + c.error, expected.overflow.success + expected.overflow.error)

    // The live mode shows the fleet total: its own partitions, the checkpoints of the others.
    for (const m of members) {
      await until('the live fleet total', () => lastTotal(m.out) === want, 30_000).catch(() => {})
      assert.is(lastTotal(m.out), want, 'a member\'s live fleet total')
    }

    // One at a time (members leaving at the same moment hand partitions to members that are leaving
    // too, which promises no last checkpoint of what follows: docs/SINKS.md): after each one left, the
    // others own its partitions and have checkpointed them to their ends before the next one goes.
    for (const [i, m] of members.entries()) {
      m.child.kill('SIGINT')
      assert.is(await m.exited, 0, 'Ctrl-C ends each member cleanly (a last checkpoint, then it leaves)')
      if (i < members.length - 1) await settled(admin, topic, group, members.length - 1 - i)
    }
    const all = members.map(m => m.err).join('')
    assert.not.match(all, /WARNING|not a counts record/)

    const { out } = await once(['--brokers', brokers, '--topic', topic, '--group', group])
    assert.equal(out.topics, expected.topics, 'per topic and outcome, exactly what the writers recorded')
    assert.equal(out.overflow, expected.overflow)
    assert.ok(out.duplicates > 0, 'resends were dropped')
    const used = (await admin.fetchTopicOffsets(topic)).filter(p => Number(p.high) > 0).length
    assert.ok(used >= 4, `the rows spread over the partitions (${used} of 6 hold records)`)
    assert.is(out.checkpoints, used, 'every partition that holds records has a checkpoint')
    assert.is(out.read, 0, 'the members checkpointed everything as they left: nothing to read after the checkpoints')
    const plain = await once(['--brokers', brokers, '--topic', topic])
    assert.equal(plain.out.topics, expected.topics, 'reading the whole history agrees')
    console.log(`  ${want} counts recorded by 3 writers; ${out.duplicates} repeats dropped; ${takenFrom(all).length} takeovers from a checkpoint; members: ${members.map(m => (/read ([\d,]+) records/.exec(m.err) ?? [])[1]).join(', ')} records read`)
  } finally {
    for (const w of writers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill()
    for (const m of members) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL')
    await admin.deleteTopics({ topics: [topic, `${topic}-checkpoints`] }).catch(() => {})
    await admin.deleteGroups([group]).catch(() => {})
    await admin.disconnect()
  }
})

test.run()
