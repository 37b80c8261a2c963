// The flusher thread of one process in the Kafka totals test: attaches to the
// process's table and flushes it every few ms into the Kafka sink, whose
// producer fails on purpose after some sends landed. Posts 'sending' as each
// send starts, 'injected' for each failure made on purpose, 'flush' (with the
// batch id) as each batch is acknowledged, and
// on 'stop' takes the final flush and posts what it left undelivered.
import { workerData, parentPort } from 'node:worker_threads'
import { Kafka, logLevel } from 'kafkajs'
import { Tally, flushEvery } from '../../dist/index.js'
import { kafkaSink } from '../../dist/sinks/kafka.js'
import { flakyKafka } from '../helpers/flaky-kafka.mjs'

const { shared, brokers, topic, source, failEvery, intervalMs } = workerData
const tally = await Tally.attach(shared)
const kafka = new Kafka({ clientId: `totals-${source}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING })
const flaky = flakyKafka(kafka, {
  failEvery,
  onSend: () => parentPort.postMessage({ kind: 'sending' }),
  onInjected: () => parentPort.postMessage({ kind: 'injected' })
})
const sink = kafkaSink({ kafka: flaky.client, topic, source })
const flusher = flushEvery(tally, intervalMs, sink, {
  backoff: { initialMs: 20, maxMs: 500 },
  sinkTimeoutMs: 5000,
  onError: () => {} // the injected failures, and the broker's absence in the restart run
})
flusher.on('flush', info => parentPort.postMessage({ kind: 'flush', id: info.batch.id }))

parentPort.on('message', async m => {
  if (m.kind !== 'stop') return
  let undelivered = await flusher.stop()
  // The broker may still be coming back: the final flush gets a few more tries.
  for (let i = 0; i < 10 && undelivered !== undefined; i++) {
    await new Promise(resolve => setTimeout(resolve, 1000))
    undelivered = await flushEvery(tally, intervalMs, sink, { timer: false, onError: () => {} }).stop()
  }
  await sink.close()
  parentPort.postMessage({ kind: 'stopped', delivered: undelivered === undefined })
})
parentPort.postMessage({ kind: 'ready' })
