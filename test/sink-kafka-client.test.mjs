// kafkaSink({ kafka, topic }) against a real broker: the sink makes its own
// idempotent producer, connects it on the first flush, and close() disconnects
// it. The client is the real kafkajs one, watched through a thin wrapper.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Kafka, logLevel } from 'kafkajs'
import { Tally, flushEvery } from '../dist/index.js'
import { kafkaSink } from '../dist/sinks/kafka.js'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'

/** The real client, noting the producer configs asked for and the connects and disconnects. */
function watched (kafka) {
  const seen = { configs: [], connects: 0, disconnects: 0 }
  const client = {
    producer (config) {
      seen.configs.push(config)
      const real = kafka.producer(config)
      return {
        connect: () => { seen.connects++; return real.connect() },
        disconnect: () => { seen.disconnects++; return real.disconnect() },
        send: record => real.send(record)
      }
    }
  }
  return { client, seen }
}

test('kafkaSink({ kafka }) makes an idempotent producer, connects it on the first flush, close() ends it', async () => {
  const brokers = await ensureBroker()
  const kafka = new Kafka({ clientId: 'wasm-tally-sink-client-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
  const topic = `wasm-tally-client-${process.pid}-${Date.now()}`
  const admin = kafka.admin()
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })
    const { client, seen } = watched(kafka)
    const sink = kafkaSink({ kafka: client, topic, source: 'client-test' })
    assert.equal(seen.configs, [{ idempotent: true, maxInFlightRequests: 1 }])
    assert.is(seen.connects, 0, 'nothing connects before the first flush')

    const tally = await Tally.create({ capacity: 8 })
    const flusher = flushEvery(tally, 60_000, sink, { timer: false })
    tally.record('orders', 'success', 5)
    assert.is((await flusher.flush()).delivered, true)
    tally.record('orders', 'error', 2)
    assert.is(await flusher.stop(), undefined)
    assert.is(seen.connects, 1, 'connected once, on the first flush')
    await sink.close()
    assert.is(seen.disconnects, 1)
    await sink.close()
    assert.is(seen.disconnects, 1, 'a second close does nothing')
    try {
      await sink.write({ epoch: 2, topics: new Map([['orders', { success: 1, error: 0 }]]), overflow: { success: 0, error: 0 } })
      assert.unreachable('a closed sink refuses to send')
    } catch (error) {
      assert.match(error.message, /closed/)
    }

    const ends = await admin.fetchTopicOffsets(topic)
    assert.is(Number(ends[0].high), 2, 'two flushes, one record each')
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {})
    await admin.disconnect()
  }
})

test('kafkaSink({ kafka }) refuses acks other than -1 and a client without producer()', () => {
  const kafka = new Kafka({ brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING })
  assert.throws(() => kafkaSink({ kafka, topic: 'counts', acks: 1 }), /needs acks -1, got 1/)
  assert.throws(() => kafkaSink({ kafka: {}, topic: 'counts' }), /expects a kafkajs Kafka client/)
  assert.throws(() => kafkaSink({ kafka }), /needs options\.topic/)
})

test.run()
