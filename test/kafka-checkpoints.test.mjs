// Checkpoints of an aggregate group against the real broker: a restart reads
// only the records after the checkpoint (counted), resends of batches that a
// checkpoint covers are still dropped, records that are not counts are
// counted as invalid and reported without stopping a member, and records that
// expired before a checkpoint covered them are warned about, never silently
// missing; a checkpoint topic whose policy deletes is refused.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Kafka, logLevel } from 'kafkajs'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { settled } from './helpers/group-settled.mjs'

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const num = s => Number(s.replaceAll(',', ''))

/** One batch record of the Kafka sink's shape. */
const rec = (table, sequence, topic, success, error = 0) =>
  JSON.stringify({ topic, success, error, epoch: sequence, time: 1000 + sequence, source: 'test:1', batch: `${table}-${sequence}`, table, sequence })

/** `count` records of table `table` from sequence `first` on, over five rows: [messages, { [row]: success }]. */
function batches (table, first, count) {
  const messages = []
  const totals = {}
  for (let s = first; s < first + count; s++) {
    const row = `row${s % 5}`
    messages.push({ key: row, value: rec(table, s, row, s % 7 + 1, s % 3) })
    const t = totals[row] ??= { success: 0, error: 0 }
    t.success += s % 7 + 1
    t.error += s % 3
  }
  return { messages, totals }
}

const add = (into, more) => {
  for (const [row, c] of Object.entries(more)) {
    const t = into[row] ??= { success: 0, error: 0 }
    t.success += c.success
    t.error += c.error
  }
  return into
}

function once (args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'aggregate', '--once', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`aggregate --once failed (${error.code}): ${stderr}`))
      else resolve({ out: JSON.parse(stdout), stderr })
    })
  })
}

function member (brokers, topic, group) {
  const child = spawn(process.execPath, [CLI, 'aggregate', '--brokers', brokers, '--topic', topic, '--group', group, '--checkpoint-interval', '200', '--interval', '100'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const m = { child, out: '', err: '' }
  child.stdout.on('data', d => { m.out += d })
  child.stderr.on('data', d => { m.err += d })
  m.exited = new Promise(resolve => child.once('exit', (code, signal) => resolve(code ?? signal)))
  return m
}

async function until (what, check, ms = 30_000) {
  const giveUp = Date.now() + ms
  while (!check()) {
    if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** Runs `body` with a fresh topic of `partitions` partitions, then deletes it, its checkpoints and the group. */
async function withTopic (name, partitions, body) {
  const brokers = await ensureBroker()
  const kafka = new Kafka({ clientId: 'wasm-tally-checkpoints-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
  const topic = `wasm-tally-${name}-${process.pid}-${Date.now()}`
  const group = `${topic}-group`
  const admin = kafka.admin()
  const producer = kafka.producer()
  await admin.connect()
  await producer.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true })
  const members = []
  try {
    await body({ brokers, topic, group, admin, producer, members })
  } finally {
    for (const m of members) if (m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL')
    await producer.disconnect()
    await admin.deleteTopics({ topics: [topic, `${topic}-checkpoints`] }).catch(() => {})
    await admin.deleteGroups([group]).catch(() => {})
    await admin.disconnect()
  }
}

/** The fleet total of a member's last live line ("total N ok, M errors"). */
function lastTotal (text) {
  const m = [...text.matchAll(/total ([\d,]+) ok, ([\d,]+) errors/g)].at(-1)
  return m === undefined ? undefined : num(m[1]) + num(m[2])
}

/** The member's exit code or signal, killing it when it has not ended within `ms`. */
async function exitedWithin (m, ms) {
  const timer = setTimeout(() => m.child.kill('SIGKILL'), ms)
  try {
    return await m.exited
  } finally {
    clearTimeout(timer)
  }
}

const readOf = m => num(/read ([\d,]+) records of the counts topic/.exec(m.err)?.[1] ?? 'NaN')

test('a restart after a checkpoint reads only the records after it; resends and foreign records after it are handled', async () => {
  await withTopic('resume', 3, async ({ brokers, topic, group, admin, producer, members }) => {
    const first = batches('tA', 1, 300)
    await producer.send({ topic, messages: first.messages })
    const a = member(brokers, topic, group)
    members.push(a)
    const want1 = Object.values(first.totals).reduce((n, c) => n + c.success + c.error, 0)
    await until('the first member to total the first records', () => lastTotal(a.out) === want1)
    a.child.kill('SIGINT')
    assert.is(await a.exited, 0)
    assert.is(readOf(a), 300, 'the first member read every record once')

    // After the checkpoint: new batches, resends of ten batches the checkpoint covers, and three records that are not counts.
    const second = batches('tA', 301, 120)
    const resent = batches('tA', 200, 10)
    const foreign = [{ key: 'row1', value: 'not json' }, { key: 'row2', value: '{"hello":"world"}' }, { key: 'row3', value: '{"topic":"row3","success":1,"error":0,"d":{"count":1,"sum":1e999,"counts":[1]}}' }]
    await producer.send({ topic, messages: [...second.messages, ...resent.messages, ...foreign] })
    const want = add(add({}, first.totals), second.totals)
    add(want, { row3: { success: 1, error: 0 } }) // the third foreign record is a record without a batch id: its columns count, its broken histogram does not

    const { out, stderr } = await once(['--brokers', brokers, '--topic', topic, '--group', group])
    assert.is(out.read, 133, 'only the records after the checkpoints were read')
    const used = (await admin.fetchTopicOffsets(topic)).filter(p => Number(p.high) > 0).length
    assert.is(out.checkpoints, used, 'one per partition that holds records')
    assert.equal(out.topics, want, 'the resends of checkpointed batches were dropped')
    assert.is(out.duplicates, 10)
    assert.match(stderr, /2 records of the topic are not counts records and were left out/)

    const b = member(brokers, topic, group)
    members.push(b)
    await until('the restarted member to take every partition', () => (b.err.match(/taken from the checkpoint/g) ?? []).length === used)
    await until('its checkpoints', () => {
      const m = [...b.out.matchAll(/read ([\d,]+)/g)].at(-1)
      return m !== undefined && num(m[1]) === 133
    })
    await sleep(600) // a checkpoint interval or two
    b.child.kill('SIGINT')
    assert.is(await b.exited, 0, 'records that are not counts never stop a member')
    assert.is(readOf(b), 133, 'the restarted member read only what follows the checkpoints')
    assert.match(b.err, /the record at offset \d+ is not a counts record: counted as invalid/)
    const after = await once(['--brokers', brokers, '--topic', topic, '--group', group])
    assert.is(after.out.read, 0)
    assert.equal(after.out.topics, want)
    assert.match(after.stderr, /2 records of the topic are not counts records/, 'the invalid ones stay counted in the checkpoint')
  })
})

test('records that expired before a checkpoint covered them: a warning naming them; expired after one: nothing missing', async () => {
  await withTopic('expired', 1, async ({ brokers, topic, group, admin, producer, members }) => {
    const all = batches('tE', 1, 50)
    await producer.send({ topic, messages: all.messages })
    // Retention, as the broker does it: the oldest 20 records are gone.
    await admin.fetchTopicMetadata({ topics: [topic] }) // the admin's client learns the partition's leader
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '20' }] })
    const kept = batches('tE', 21, 30).totals

    const plain = await once(['--brokers', brokers, '--topic', topic])
    assert.match(plain.stderr, /WARNING partition 0: records 0 to 19 expired \(retention\) before a checkpoint covered them: 20 records are missing from the totals/)
    assert.equal(plain.out.topics, kept)
    const grouped = await once(['--brokers', brokers, '--topic', topic, '--group', group])
    assert.match(grouped.stderr, /records 0 to 19 expired/, 'no checkpoint yet: the same warning')

    const m = member(brokers, topic, group)
    members.push(m)
    await until('the member to warn and checkpoint', () => /taken without a checkpoint/.test(m.err))
    await sleep(800)
    m.child.kill('SIGINT')
    assert.is(await m.exited, 0)
    assert.match(m.err, /WARNING partition 0: records 0 to 19 expired/)
    assert.is(readOf(m), 30)

    // Expired after the checkpoint: the checkpoint holds them.
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '45' }] })
    const covered = await once(['--brokers', brokers, '--topic', topic, '--group', group])
    assert.not.match(covered.stderr, /expired/)
    assert.equal(covered.out.topics, kept, 'the checkpoint keeps what retention deleted')
    assert.is(covered.out.read, 0)
    const history = await once(['--brokers', brokers, '--topic', topic])
    assert.match(history.stderr, /records 0 to 44 expired/, 'without the group, the history alone is short, and says so')
  })
})

test('a checkpoint topic that deletes (made by hand, or auto-created after it was deleted) is refused with the policy named', async () => {
  await withTopic('policy', 1, async ({ brokers, topic, group, admin, producer, members }) => {
    await producer.send({ topic, messages: batches('tP', 1, 5).messages })
    const checkpoints = `${topic}-checkpoints`
    await admin.createTopics({ topics: [{ topic: checkpoints, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'delete' }] }], waitForLeaders: true })
    for (const policy of ['delete', 'compact,delete']) {
      // 2: ConfigResourceTypes.TOPIC
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: checkpoints, configEntries: [{ name: 'cleanup.policy', value: policy }] }] })
      const m = member(brokers, topic, group)
      members.push(m)
      const exit = await exitedWithin(m, 30_000)
      assert.is.not(exit, 0, `a member on a checkpoint topic with cleanup.policy=${policy} must not run: ${m.err}`)
      assert.ok(m.err.includes(`has cleanup.policy=${policy}: checkpoints must be compacted and never deleted`), m.err)
      assert.not.match(m.err, /taken (from|without)/, 'no partition was taken')
    }
  })
})

test('a damaged or forged checkpoint (a state restore() cannot take) is passed over, never a partition that can no longer start', async () => {
  await withTopic('forged', 1, async ({ brokers, topic, group, admin, producer, members }) => {
    const sent = batches('tF', 1, 40)
    await producer.send({ topic, messages: sent.messages })
    const want = add({}, sent.totals)
    const checkpoints = `${topic}-checkpoints`
    await admin.createTopics({ topics: [{ topic: checkpoints, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true })
    const forged = (offset, state) => ({ key: JSON.stringify([group, 0]), value: JSON.stringify({ v: 1, group, topic, partition: 0, offset, time: 0, member: 'forged', state }) })
    await producer.send({ topic: checkpoints, messages: [forged(30, { topics: 5 }), forged(31, {}), forged(32, { topics: [['row1', { success: null }]], overflow: {}, highest: [], batches: 0, duplicates: 0, records: { counted: 0, duplicate: 0, invalid: 0 } })] })
    const before = await once(['--brokers', brokers, '--topic', topic, '--group', group])
    assert.equal(before.out.topics, want)
    assert.is(before.out.checkpoints, 0, 'no forged checkpoint was taken')
    assert.is(before.out.read, 40)
    const m = member(brokers, topic, group)
    members.push(m)
    const total = Object.values(want).reduce((n, c) => n + c.success + c.error, 0)
    await until('the member to total every record', () => lastTotal(m.out) === total)
    await sleep(600)
    m.child.kill('SIGINT')
    assert.is(await exitedWithin(m, 30_000), 0, m.err)
    const after = await once(['--brokers', brokers, '--topic', topic, '--group', group])
    assert.equal(after.out.topics, want)
    assert.is(after.out.read, 0, 'the member\'s own checkpoint covers every record')
  })
})

test('a late checkpoint of an earlier offset (a former owner\'s) never replaces a newer one', async () => {
  await withTopic('late', 1, async ({ brokers, topic, group, producer }) => {
    const all = batches('tL', 1, 20)
    await producer.send({ topic, messages: all.messages })
    const state = (success) => ({ topics: [['row0', { success, error: 0 }]], overflow: { success: 0, error: 0 }, highest: [['tL', [['row0', 20]]]], batches: 1, duplicates: 0, records: { counted: 1, duplicate: 0, invalid: 0 } })
    const checkpoint = (offset, success) => ({ key: JSON.stringify([group, 0]), value: JSON.stringify({ v: 1, group, topic, partition: 0, offset, time: Date.now(), member: 'test', state: state(success) }) })
    // The newer one first, then one an older owner wrote late.
    await producer.send({ topic: `${topic}-checkpoints`, messages: [checkpoint(20, 1000), checkpoint(10, 500)] })
    const { out } = await once(['--brokers', brokers, '--topic', topic, '--group', group])
    assert.is(out.read, 0, 'started from offset 20')
    assert.equal(out.topics, { row0: { success: 1000, error: 0 } })
  })
})

test('a paused member (SIGSTOP past its session) is replaced and, resumed, fenced or reassigned: the totals stay exact', async () => {
  await withTopic('paused', 2, async ({ brokers, topic, group, admin, producer, members }) => {
    let sequence = 0
    const want = {}
    const write = async (count) => {
      const b = batches('tP', sequence + 1, count)
      // Every batch once, and the first five again (resends).
      await producer.send({ topic, messages: [...b.messages, ...b.messages.slice(0, 5)] })
      sequence += count
      add(want, b.totals)
    }
    const total = () => Object.values(want).reduce((n, c) => n + c.success + c.error, 0)
    await write(100)
    const a = member(brokers, topic, group)
    members.push(a)
    await until('the first member to total the first records', () => lastTotal(a.out) === total())
    await sleep(500) // a checkpoint
    a.child.kill('SIGSTOP') // alive, silent: its session runs out on the broker
    const b = member(brokers, topic, group)
    members.push(b)
    await write(100)
    await until('the second member to own the partitions, after the first one\'s session ran out', () => /partition \d+: taken from the checkpoint/.test(b.err))
    await write(100)
    await until('the second member to total everything', () => lastTotal(b.out) === total())
    await sleep(500)
    a.child.kill('SIGCONT')
    await write(100)
    await until('the resumed member to let its old partitions go', () => /partition \d+: (taken over by another member|assigned to another member)/.test(a.err))
    await write(100)
    for (const m of [a, b]) {
      await until('the fleet total', () => lastTotal(m.out) === total(), 30_000).catch(() => {})
      assert.is(lastTotal(m.out), total(), 'each member\'s live fleet total')
    }
    // One at a time (see kafka-fleet.test.mjs): b owns both partitions and checkpointed them to their ends before it goes.
    a.child.kill('SIGINT')
    assert.is(await exitedWithin(a, 20_000), 0, `the member stops cleanly on Ctrl-C:\n${a.err}`)
    await settled(admin, topic, group, 1)
    b.child.kill('SIGINT')
    assert.is(await exitedWithin(b, 20_000), 0, `the member stops cleanly on Ctrl-C:\n${b.err}`)
    const { out } = await once(['--brokers', brokers, '--topic', topic, '--group', group])
    assert.equal(out.topics, want, 'every batch once, whoever owned its partition')
    assert.is(out.duplicates, 25, 'the five resends of each write dropped')
    assert.is(out.read, 0)
    console.log(`  the resumed member: ${/taken over by another member \(fenced\)/.test(a.err) ? 'fenced on its next checkpoint' : 'reassigned before it wrote one'}`)
  })
})

test.run()
