// One pool worker: attaches to the shared table, connects an instrumented
// producer, and runs the sends the main thread posts.
import { parentPort, workerData } from 'node:worker_threads'
import kafkajs, { type Producer } from 'kafkajs'
import { attachCountsSync } from './attach.js'
import { instrumentProducer } from './instrument.js'
import { toWire } from './wire-error.js'

const { Kafka, Partitioners, logLevel } = kafkajs

// Structured clone turns Buffers into Uint8Arrays; kafkajs wants Buffers or strings.
function asBuffer (value: unknown): unknown {
  return value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value
}

function revive (messages: unknown): unknown {
  if (!Array.isArray(messages)) return messages
  for (const m of messages) {
    if (m !== null && typeof m === 'object') { m.value = asBuffer(m.value); m.key = asBuffer(m.key) }
  }
  return messages
}

const counts = attachCountsSync(workerData.counts)
const kafka = new Kafka({ logLevel: logLevel.NOTHING, ...workerData.kafka })
const quiet = workerData.warn === false ? { onUnsupported: () => {} } : undefined // the pool's first worker warns for all
const producer: Producer = instrumentProducer(kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...workerData.producer }), counts, quiet)

async function run (op: string, arg: any): Promise<unknown> {
  switch (op) {
    case 'connect': return producer.connect()
    case 'send': revive(arg?.messages); return producer.send(arg)
    case 'sendBatch':
      if (Array.isArray(arg?.topicMessages)) for (const t of arg.topicMessages) revive(t?.messages)
      return producer.sendBatch(arg)
    case 'close': return producer.disconnect()
    default: throw new TypeError(`unknown operation ${op}`)
  }
}

parentPort?.on('message', ({ id, op, arg }) => {
  run(op, arg).then(
    value => parentPort?.postMessage({ id, ok: true, value: Array.isArray(value) ? value : undefined }),
    error => parentPort?.postMessage({ id, ok: false, error: toWire(error) })
  )
})
