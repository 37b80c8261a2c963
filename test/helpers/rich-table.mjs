// A KafkaTally whose rows hold every kind of cell a sink writes: the Kafka
// columns (failures by cause), the Kafka durations, a histogram of whole
// units whose sums pass 2^53 units and one of milliseconds (resolution 1e-3),
// topics past the capacity in the overflow row, and topics Kafka refuses in
// /invalid-topic. The sinks' in-place tests flush it round after round.
import { KafkaTally, DURATION_BOUNDS } from '../../dist/kafkajs/index.js'
import { FAILURES } from './kafka-metrics.mjs'

export const RICH_SCHEMA = {
  columns: ['success', 'error', 'bytes', 'consumed', 'processed', 'processErrors', 'consumedBytes'],
  histograms: {
    sendDuration: DURATION_BOUNDS,
    processDuration: DURATION_BOUNDS,
    size: { bounds: [1000, 2 ** 40, 2 ** 52], resolution: 1 },
    wait: { bounds: [0.5, 10, 1000], resolution: 1e-3 }
  }
}

/** capacity 5 topics: from the sixth, topics go to the overflow row. */
export function richTable () {
  return KafkaTally.create({ ...RICH_SCHEMA, capacity: 5, errorCapacity: 4, onOverflow: () => {} })
}

/** Round `round`'s traffic: 3 + 2 * round topics and one quiet one (more than the capacity from round 1), and a refused topic name. */
export function recordRich (kt, round) {
  const t = kt.tally
  for (let i = 0; i < 3 + 2 * round; i++) {
    const topic = `rich.topic-${i}`
    if ((i + round) % 4 !== 3) kt.success(topic, 10 * i + round + 1)
    if (i % 3 === 0) kt.failure(topic, 1 + round, FAILURES.tooLarge.error)
    if (i % 4 === 1) kt.failure(topic, 2, FAILURES.unknownTopic.error)
    if (i % 2 === 0) t.record(topic, 'bytes', 1500 * i + round)
    if (i === 1) { t.record(topic, 'consumed', 4); t.record(topic, 'processed', 3); t.record(topic, 'processErrors', 1) }
    for (const v of [0.001 * (i + 1), 0.02 * (round + 1), 1 / 3]) t.observe(topic, 'sendDuration', v)
    if (i === 2) t.observe(topic, 'sendDuration', 9_000_000.123456789) // two of these pass 2^53 nano-units
    if (i === 2 && round % 2 === 1) t.observe(topic, 'sendDuration', 8_999_999.987654321)
    // Whole units: 2^53 - 1 and 2 make 2^53 + 1, which no double holds; three 2^53 pass it by far.
    if (i % 2 === 1) for (const v of [2 ** 53 - 1, 2, 2 ** 53, 2 ** 53, 2 ** 53, 777 + round]) t.observe(topic, 'size', v)
    if (i !== 1) for (const v of [0.001, 12.345 * (round + 1), 1234.567, 0.1 + 0.2]) t.observe(topic, 'wait', v)
    if (i === 0) t.observe(topic, 'processDuration', 0.3)
  }
  t.observe('rich.quiet', 'wait', 0.25 * (round + 1)) // a row with nothing but its last histogram
  kt.success('not a topic!', 2 + round) // counted in /invalid-topic
  kt.failure(42, 1, FAILURES.tooLarge.error)
  t.bindRow('/invalid-topic').observe('sendDuration', 0.07) // the package's own row: no topic can name it
}
