// The main job's --sink kafka: each flush as records in a counts topic, which
// `wasm-tally aggregate` (on any machine) sums with every other process's.
import kafkajs from 'kafkajs'
import { kafkaSink } from '../sinks/kafka.js'
import type { JobSink } from './job-sink.js'

/** Creates the counts topic (3 partitions) when missing and opens a sink with its own idempotent producer. */
export async function openKafkaCounts (brokerList: string, topic: string): Promise<JobSink> {
  const brokers = brokerList.split(',').map(b => b.trim()).filter(Boolean)
  const kafka = new kafkajs.Kafka({ clientId: 'wasm-tally-counts', brokers, logLevel: kafkajs.logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  try {
    if (!(await admin.listTopics()).includes(topic)) await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })
  } finally {
    await admin.disconnect()
  }
  const sink = kafkaSink({ kafka, topic })
  return {
    sink,
    describe: `records in the Kafka topic ${topic} (sum them with: wasm-tally aggregate --brokers ${brokerList} --topic ${topic})`,
    close: () => sink.close()
  }
}
