// A CommonJS app: require() of the package and its subpaths (run with
// --no-experimental-require-module, as on Node 20.0 to 20.18), two worker
// threads counting into one table, and a stand-in kafkajs producer counted by
// instrumentProducer. Prints the totals, which must be exact.
const { Worker } = require('node:worker_threads')
const { join } = require('node:path')
const { Tally, flushEvery } = require('wasm-tally')
const { KafkaTally, instrumentProducer } = require('wasm-tally/kafkajs')
const { callbackSink } = require('wasm-tally/sinks/callback')

const STEPS = 100_000

async function main () {
  const tally = await Tally.create({ capacity: 16 })
  const totals = {}
  const add = snap => {
    for (const [topic, c] of snap.topics) {
      const row = (totals[topic] ??= { success: 0, error: 0 })
      row.success += c.success
      row.error += c.error
    }
  }
  const flusher = flushEvery(tally, 5, callbackSink(add))
  const workers = [0, 1].map(() => new Worker(join(__dirname, 'worker.cjs'), { workerData: { shared: tally.share(), steps: STEPS } }))
  await Promise.all(workers.map(w => new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject) })))
  await flusher.stop() // the final flush takes what the writers left
  add(tally.snapshot()) // and this the counts that raced the last swap

  const counts = await KafkaTally.create()
  const producer = instrumentProducer({
    send: async record => record.messages.map(() => ({ topicName: record.topic, partition: 0, errorCode: 0 })),
    sendBatch: async () => []
  }, counts)
  await producer.send({ topic: 'audit', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] })
  const kafka = Object.fromEntries([...counts.snapshot().topics].map(([t, c]) => [t, { success: c.success, error: c.error }]))

  const resolved = ['wasm-tally', 'wasm-tally/kafkajs', 'wasm-tally/sinks/callback'].map(id => require.resolve(id))
  console.log('RESULT ' + JSON.stringify({ resolved, steps: STEPS, workers: workers.length, totals, kafka }))
}

main().catch(error => { console.error(error); process.exitCode = 1 })
