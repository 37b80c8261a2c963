// kafkajs produce throughput to a real broker with and without instrumentProducer.
//   node bench/kafka-overhead.mjs [--brokers 127.0.0.1:9092] [--runs 7] [--messages 20000] [--batch 100] [--in-flight 4]
// Without --brokers (or KAFKA_BROKERS) the broker of scripts/kafka-start.sh is started.
import { parseArgs } from 'node:util'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { median } from './harness.mjs'
import { measureKafkaOverhead } from './kafka-produce.mjs'

const { values: args } = parseArgs({
  options: {
    brokers: { type: 'string' },
    runs: { type: 'string', default: '7' },
    messages: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '100' },
    'in-flight': { type: 'string', default: '4' }
  }
})
const brokers = (args.brokers ?? await ensureBroker()).split(',')
const o = { brokers, runs: Number(args.runs), messages: Number(args.messages), batch: Number(args.batch), inFlight: Number(args['in-flight']) }
const r = await measureKafkaOverhead(o)
const plain = median(r.plainRates)
const withCounts = median(r.countedRates)
const rates = xs => xs.map(x => x.toFixed(0)).join(' ')
console.log(`kafkajs produce to ${brokers.join(',')}: ${o.runs} alternating runs of ${o.messages} messages (batches of ${o.batch}, ${o.inFlight} in flight)`)
console.log(`  plain        median ${plain.toFixed(0)} msg/s   runs ${rates(r.plainRates)}`)
console.log(`  instrumented median ${withCounts.toFixed(0)} msg/s   runs ${rates(r.countedRates)}`)
console.log(`  overhead     ${(((plain - withCounts) / plain) * 100).toFixed(2)} % (median vs median; negative = within noise)`)
console.log(`  counted      ${r.counted} of ${r.expected} instrumented messages${r.counted === r.expected ? '' : '  MISMATCH'}`)
console.log(`  wrapper alone: ${(median(r.wrapper.wrapped) - median(r.wrapper.bare)).toFixed(0)} ns per send added (${median(r.wrapper.bare).toFixed(0)} -> ${median(r.wrapper.wrapped).toFixed(0)} ns per awaited send)`)
process.exitCode = r.counted === r.expected ? 0 : 1
