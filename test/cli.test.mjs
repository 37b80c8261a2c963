// The main job (npm start): on its embedded default (simulated producers in
// worker threads), with another sink, and against a real broker.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFile, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'

function job (args, env = {}) {
  return new Promise(resolve => {
    execFile(process.execPath, ['dist/cli/main.js', ...args], { timeout: 120_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr })
    })
  })
}

function finalLine (stderr) {
  const m = /final: recorded ([\d,]+), counted ([\d,]+): exact/.exec(stderr)
  assert.ok(m, `no exact final line in:\n${stderr}`)
  assert.is(m[1], m[2])
  const recorded = Number(m[1].replaceAll(',', ''))
  assert.ok(recorded > 0, 'producers recorded something')
  return recorded
}

test('the default job counts exactly what its producers recorded', async () => {
  const { code, stdout, stderr } = await job(['--duration', '2.5', '--interval', '500', '--workers', '3'])
  assert.is(code, 0, stderr)
  finalLine(stderr)
  assert.ok((stdout.match(/^flush \d+ .* last flush/gm) ?? []).length >= 4, `a progress line per flush:\n${stdout}`)
})

test('--sink jsonl: the lines sum to what was recorded', async () => {
  const { code, stdout, stderr } = await job(['--duration', '1.5', '--interval', '300', '--sink', 'jsonl'])
  assert.is(code, 0, stderr)
  let sum = 0
  for (const line of stdout.trim().split('\n')) {
    const { topics, overflow } = JSON.parse(line)
    for (const c of Object.values(topics)) sum += c.success + c.error
    sum += overflow.success + overflow.error
  }
  assert.is(sum, finalLine(stderr))
})

test('--version prints the package version, --help the usage', async () => {
  const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'))
  const v = await job(['--version'])
  assert.is(v.code, 0, v.stderr)
  assert.is(v.stdout.trim(), version)
  const help = await job(['--help'])
  assert.is(help.code, 0, help.stderr)
  assert.match(help.stdout, /^usage: wasm-tally \[options\]/)
  assert.match(help.stdout, /--brokers LIST/)
})

test('a bad option is a clear error, exit code 2', async () => {
  const bad = await job(['--workers', 'many'])
  assert.is(bad.code, 2)
  assert.match(bad.stderr, /--workers must be a number/)
  const sink = await job(['--sink', 'carrier-pigeon', '--duration', '1'])
  assert.is(sink.code, 2)
  assert.match(sink.stderr, /unknown sink "carrier-pigeon"/)
  const topic = await job(['--topics', 'orders,bad topic', '--duration', '1'])
  assert.is(topic.code, 2)
  assert.match(topic.stderr, /topic "bad topic" may only contain/)
})

test('SIGINT stops the job cleanly with a final flush', async () => {
  const child = spawn(process.execPath, ['dist/cli/main.js', '--interval', '200'])
  let out = ''
  let err = ''
  let sent = false
  child.stderr.on('data', d => { err += d })
  child.stdout.on('data', d => {
    out += d
    if (!sent && /flush 2 /.test(out)) { sent = true; child.kill('SIGINT') }
  })
  const code = await new Promise(resolve => child.on('close', resolve))
  assert.is(code, 0, err)
  finalLine(err)
})

test('--brokers: real kafkajs producers in worker threads, every attempted message counted', async () => {
  const brokers = await ensureBroker()
  const { code, stderr } = await job(['--brokers', brokers, '--duration', '4', '--interval', '500', '--sink', 'jsonl'])
  assert.is(code, 0, stderr)
  assert.match(stderr, /kafkajs producer threads/)
  // The command's table holds what instrumentProducer counts: no warning about its own setup.
  assert.not.match(stderr, /does not count/)
  finalLine(stderr)
})

test('--brokers with 4 topics (a number that divides the batch size): every topic gets sends, broker offsets match, the check is per topic', async () => {
  const brokers = await ensureBroker()
  const run = `${process.pid}-${Date.now()}`
  const topics = ['a', 'b', 'c', 'd'].map(t => `cli-spread.${t}.${run}`)
  const { code, stderr } = await job(['--brokers', brokers, '--topics', topics.join(','), '--duration', '3', '--interval', '500', '--sink', 'jsonl'])
  assert.is(code, 0, stderr)
  finalLine(stderr)
  const kafkajs = (await import('kafkajs')).default
  const admin = new kafkajs.Kafka({ brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    for (const topic of topics) {
      // The CLI's own per-topic line, and the broker's count of what arrived.
      const m = new RegExp(`${topic.replaceAll('.', '\\.')}: sent ([\\d,]+), counted ([\\d,]+)\n`).exec(stderr)
      assert.ok(m, `a per-topic line for ${topic} in:\n${stderr}`)
      const sent = Number(m[1].replaceAll(',', ''))
      assert.is(m[1], m[2], `${topic}: counted = sent`)
      const offsets = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0)
      assert.ok(offsets > 0, `${topic}: the broker holds messages (offsets ${offsets})`)
      assert.is(offsets, sent, `${topic}: broker offsets = what the CLI says it sent`)
    }
    console.log(`  4 topics: ${topics.length} per-topic lines, every topic's broker offsets = sent`)
  } finally {
    await admin.deleteTopics({ topics }).catch(() => {})
    await admin.disconnect()
  }
})

test.run()
