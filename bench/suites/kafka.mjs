// Suite 6: kafkajs end to end, against the brokers in KAFKA_BROKERS
// (comma-separated host:port; `npm run bench:kafka` starts the project's
// broker and sets it). Without it the suite is skipped with a note.
// Produce throughput with and without instrumentProducer, alternating runs.
import { emit, mustEqual, progress, quick, summarize } from '../harness.mjs'
import { measureKafkaOverhead } from '../kafka-produce.mjs'

const title = 'Suite 6: kafkajs produce throughput to a real broker, with and without instrumentProducer'
const brokers = process.env.KAFKA_BROKERS
if (!brokers) {
  emit({ id: 'kafka', title, skipped: 'no KAFKA_BROKERS set (npm run bench:kafka starts a broker and sets it)' })
} else {
  const r = await measureKafkaOverhead({
    brokers: brokers.split(','),
    runs: quick ? 3 : 15,
    messages: quick ? 5_000 : 40_000,
    onRun: (i, plain, counted) => progress(`run ${i + 1}: plain ${plain.toFixed(0)} msg/s, instrumented ${counted.toFixed(0)} msg/s`)
  })
  mustEqual('instrumented messages', r.counted, r.expected)
  const group = 'kafkajs producer.send, batches of 100, 4 in flight'
  // Each run pair is measured back to back (order alternating), so the ratio
  // within a pair cancels most of the machine's drift between pairs.
  const paired = r.countedRates.map((rate, i) => rate / r.plainRates[i])
  const wrapGroup = 'the wrapper alone: awaited send over a producer that resolves at once'
  emit({
    id: 'kafka',
    title,
    unit: 'msg/s',
    ratio: 'throughput relative to the plain producer (1.00x = no overhead)',
    rows: [
      { id: 'plain', label: 'plain kafkajs producer', group, impl: 'kafkajs', reference: true, ...summarize(r.plainRates) },
      { id: 'instrumented', label: 'instrumentProducer(producer, tally)', group, impl: 'wasm-tally', ...summarize(r.countedRates) },
      { id: 'paired', label: 'instrumented / plain, paired by run', group: 'throughput ratio within each back-to-back pair', impl: 'wasm-tally', unit: 'x', ...summarize(paired) },
      { id: 'wrapper-bare', label: 'bare', group: wrapGroup, impl: 'kafkajs', unit: 'ns/op', reference: true, ...summarize(r.wrapper.bare) },
      { id: 'wrapper-counted', label: 'instrumented', group: wrapGroup, impl: 'wasm-tally', unit: 'ns/op', ...summarize(r.wrapper.wrapped) }
    ]
  })
}
