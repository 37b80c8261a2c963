// The command against a real broker: two main jobs flush into one counts topic
// (--sink kafka) while `wasm-tally aggregate` follows it live; then
// `aggregate --once` prints the total of both as JSON.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFile, spawn } from 'node:child_process'
import { Kafka, logLevel } from 'kafkajs'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'

const CLI = 'dist/cli/main.js'

function job (args) {
  return new Promise(resolve => {
    execFile(process.execPath, [CLI, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr })
    })
  })
}

function recordedOf ({ code, stderr }) {
  assert.is(code, 0, stderr)
  const m = /final: recorded ([\d,]+), counted ([\d,]+): exact/.exec(stderr)
  assert.ok(m, `no exact final line in:\n${stderr}`)
  return Number(m[1].replaceAll(',', ''))
}

/** The total of the last progress line the live table wrote ("total N ok, M errors"). */
function lastTotal (text) {
  const all = [...text.matchAll(/total ([\d,]+) ok, ([\d,]+) errors/g)]
  if (all.length === 0) return undefined
  const m = all.at(-1)
  return Number(m[1].replaceAll(',', '')) + Number(m[2].replaceAll(',', ''))
}

test('two jobs with --sink kafka; aggregate follows them live, and --once prints their total', async () => {
  const brokers = await ensureBroker()
  const topic = `wasm-tally-cli-counts-${process.pid}-${Date.now()}`
  try {
    await jobsAndReaders(brokers, topic)
  } finally {
    const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    await admin.deleteTopics({ topics: [topic] }).catch(() => {})
    await admin.disconnect()
  }
})

async function jobsAndReaders (brokers, topic) {
  const run = ['--brokers', brokers, '--sink', 'kafka', '--counts-topic', topic, '--workers', '1', '--interval', '300', '--duration', '2.5']
  const first = recordedOf(await job(run)) // creates the topic

  const live = spawn(process.execPath, [CLI, 'aggregate', '--brokers', brokers, '--topic', topic, '--interval', '200'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  live.stdout.on('data', d => { out += d })
  live.stderr.on('data', d => { out += d })
  const exited = new Promise(resolve => live.once('exit', code => resolve(code)))
  const more = (await Promise.all([job(run), job(run)])).map(recordedOf)
  const want = first + more[0] + more[1]

  const giveUp = Date.now() + 30_000
  while (lastTotal(out) !== want && Date.now() < giveUp) await new Promise(resolve => setTimeout(resolve, 100))
  assert.is(lastTotal(out), want, `the live table shows the total of the three runs:\n${out}`)
  assert.match(out, /batches, 0 duplicates dropped, lag 0/)
  live.kill('SIGINT')
  assert.is(await exited, 0, 'Ctrl-C ends it cleanly')

  const once = await job(['aggregate', '--brokers', brokers, '--topic', topic, '--once'])
  assert.is(once.code, 0, once.stderr)
  const totals = JSON.parse(once.stdout)
  assert.equal(Object.keys(totals), ['topics', 'overflow', 'batches', 'duplicates'])
  let sum = totals.overflow.success + totals.overflow.error
  for (const c of Object.values(totals.topics)) sum += c.success + c.error
  assert.is(sum, want)
  assert.equal(Object.keys(totals.topics).sort(), ['demo.clicks', 'demo.orders', 'demo.payments'])
  assert.ok(totals.batches >= 3, 'at least one batch per run')
}

test('aggregate and --sink kafka say what they are missing', async () => {
  const noBrokers = await job(['aggregate', '--once'])
  assert.is(noBrokers.code, 2)
  assert.match(noBrokers.stderr, /aggregate needs --brokers/)
  const brokers = await ensureBroker()
  const missing = await job(['aggregate', '--brokers', brokers, '--topic', `wasm-tally-none-${process.pid}`, '--once'])
  assert.is(missing.code, 2)
  assert.match(missing.stderr, /does not exist \(yet\)/)
  const sink = await job(['--sink', 'kafka', '--duration', '1'])
  assert.is(sink.code, 2)
  assert.match(sink.stderr, /--sink kafka needs --brokers/)
  const help = await job(['aggregate', '--help'])
  assert.is(help.code, 0)
  assert.match(help.stdout, /^usage: wasm-tally aggregate --brokers LIST/)
})

test.run()
