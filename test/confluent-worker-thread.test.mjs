// Confluent's client in worker threads, as it is (1.10.1, Node 20): the
// documented reason its producers and consumers count from one thread only
// (docs/KAFKA-CLIENTS.md). Its addon registers with NODE_MODULE (not context
// aware): a second thread of a process cannot load it while one holds it
// ("Module did not self-register"). A worker that loads it alone connects,
// but the addon dispatches its delivery reports through a uv_async_t on
// uv_default_loop(), the main thread's loop, which calls into the worker's
// isolate from the main thread: the process aborts on the first send's
// report. Upstream: confluentinc/confluent-kafka-javascript#258 and #290.
// When a release fixes this, this test fails: then producers in worker
// threads can count into the shared table, and the docs change.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import kafkajs from 'kafkajs'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'

const PROBE = fileURLToPath(new URL('./workers/confluent-worker-probe.mjs', import.meta.url))
const topic = `confluent-worker-probe.${process.pid}-${Date.now()}`
let brokers, admin

/** Runs the probe in its own process: its stdout, stderr, exit code and signal. */
function probe (...args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PROBE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', d => { out += d })
    child.stderr.on('data', d => { err += d })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`probe ${args[0]} hung: ${out}`)) }, 60_000)
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ out, err, code, signal }) })
  })
}

test.before(async () => {
  brokers = await ensureBroker()
  admin = new kafkajs.Kafka({ brokers: brokers.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })
})
test.after(async () => {
  await admin?.deleteTopics({ topics: [topic] }).catch(() => {})
  await admin?.disconnect().catch(() => {})
})

test('a worker cannot load the addon once the main thread has it', async () => {
  const { out, code } = await probe('main-first', brokers)
  assert.is(code, 0, out)
  assert.match(out, /main: loaded\nworker \d+: require threw: Module did not self-register\n/)
})

test('of two workers alive at once, only one loads the addon', async () => {
  const { out, code } = await probe('two', brokers)
  assert.is(code, 0, out)
  assert.is((out.match(/: loaded\n/g) ?? []).length, 1, out)
  assert.is((out.match(/require threw: Module did not self-register\n/g) ?? []).length, 1, out)
})

test('a worker that loads it alone connects, and its first delivery report aborts the process from the main thread\'s loop', async () => {
  const { out, err, signal } = await probe('send', brokers, topic)
  assert.match(out, /worker \d+: loaded\nworker \d+: connected\n/)
  assert.not.match(out, /: sent|rejected|no outcome|main: done/, 'the send never settles and the process never ends by itself')
  assert.is(signal, 'SIGABRT', `${out}\n${err.slice(0, 2000)}`)
  assert.match(err, 'FATAL ERROR: v8::HandleScope::CreateHandle() Cannot create a handle without a HandleScope')
  assert.match(err, /DeliveryReportDispatcher::Flush[^\n]*\n[^]*uv_run[^]*NodeMainInstance::Run/, 'dispatched from the main thread\'s event loop')
})

test.run()
