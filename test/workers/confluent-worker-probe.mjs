// Confluent's client in worker threads, as a child process of
// test/confluent-worker-thread.test.mjs (it may abort the process):
//   node confluent-worker-probe.mjs main-first <brokers>       the main thread loads the addon, then a worker requires it
//   node confluent-worker-probe.mjs two <brokers>              two workers require it, both alive at once
//   node confluent-worker-probe.mjs send <brokers> <topic>     one worker (the addon loaded nowhere else) connects a producer and sends
// Prints what each thread saw, one line each.
import { Worker, isMainThread, parentPort, threadId, workerData } from 'node:worker_threads'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function inWorker ({ mode, brokers, topic, loaded }) {
  const say = line => parentPort.postMessage(`worker ${threadId}: ${line}`)
  let client
  try {
    client = require('@confluentinc/kafka-javascript')
    say('loaded')
  } catch (error) {
    say(`require threw: ${error.message.split(':')[0]}`)
    return
  }
  if (mode === 'two') { // hold the addon until both workers have tried
    Atomics.add(loaded, 0, 1)
    while (Atomics.load(loaded, 0) < 2) await sleep(10)
    return
  }
  if (mode !== 'send') return
  const keep = setInterval(() => {}, 1000) // the worker's loop stays alive whatever the addon does
  const { KafkaJS } = client
  const producer = new KafkaJS.Kafka({ kafkaJS: { brokers, logLevel: KafkaJS.logLevel.NOTHING } }).producer()
  await producer.connect()
  say('connected')
  const sent = producer.send({ topic, messages: [{ value: 'x' }] })
  const outcome = await Promise.race([sent.then(() => 'sent', e => `send rejected: ${e.message}`), sleep(10_000).then(() => 'no outcome in 10 s')])
  say(outcome)
  clearInterval(keep)
  await producer.disconnect()
}

if (isMainThread) {
  const [mode, brokers, topic] = process.argv.slice(2)
  if (mode === 'main-first') { require('@confluentinc/kafka-javascript'); console.log('main: loaded') }
  const loaded = new Int32Array(new SharedArrayBuffer(4))
  const workers = Array.from({ length: mode === 'two' ? 2 : 1 }, () => new Worker(new URL(import.meta.url), { workerData: { mode, brokers: brokers.split(','), topic, loaded } }))
  await Promise.all(workers.map(w => new Promise(resolve => {
    w.on('message', line => {
      console.log(line)
      if (/require threw/.test(line)) Atomics.add(loaded, 0, 1) // the other one may go
    })
    w.on('error', error => console.log(`worker error: ${error.message}`))
    w.on('exit', resolve)
  })))
  await sleep(mode === 'send' ? 2000 : 0) // the main thread's loop stays up a while after the worker
  console.log('main: done')
} else {
  await inWorker(workerData)
}
