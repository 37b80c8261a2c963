// A KafkaTally fed by hand with known traffic (deliveries, failures of two
// kinds, bytes, send durations), and what the sinks must show for it, kept
// independently of the sinks' own naming code.
import { DURATION_BOUNDS } from '../../dist/kafkajs/index.js'

/** Rejections as kafkajs makes them, and the error.type each must become. */
export const FAILURES = {
  tooLarge: {
    error: { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false },
    label: 'KafkaJSProtocolError:MESSAGE_TOO_LARGE'
  },
  unknownTopic: {
    error: { name: 'KafkaJSNumberOfRetriesExceeded', cause: { name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true } },
    label: 'KafkaJSNumberOfRetriesExceeded/KafkaJSProtocolError:UNKNOWN_TOPIC_OR_PARTITION'
  }
}

/** The key of the overflow row in the expectations. */
export const OVERFLOW = '(overflow)'

/** The bucket of a duration: the first bound it does not exceed, else the last. */
export function bucketOf (seconds) {
  const i = DURATION_BOUNDS.findIndex(b => seconds <= b)
  return i === -1 ? DURATION_BOUNDS.length : i
}

function entry (expected, key) {
  let e = expected.get(key)
  if (e === undefined) {
    e = { ok: 0, failed: {}, bytes: 0, durations: { counts: new Array(DURATION_BOUNDS.length + 1).fill(0), count: 0, values: [] } }
    expected.set(key, e)
  }
  return e
}

/**
 * Records one topic's traffic in `kafkaTally` and notes what it should show in
 * `expected` (a Map: topic, or OVERFLOW for topics that found the table full).
 * failed: [[kind, n], ...] with kind a key of FAILURES; the overflow row's
 * failures are noted as kind 'overflow' (their kinds are not kept).
 */
export function recordTraffic (kafkaTally, expected, topic, { ok = 0, failed = [], bytes = 0, durations = [] } = {}) {
  if (ok > 0) kafkaTally.success(topic, ok)
  for (const [kind, n] of failed) kafkaTally.failure(topic, n, FAILURES[kind].error)
  if (bytes > 0) kafkaTally.tally.record(topic, 'bytes', bytes)
  for (const d of durations) kafkaTally.tally.observe(topic, 'sendDuration', d)
  const key = kafkaTally.tally.topics().includes(topic) ? topic : OVERFLOW
  const e = entry(expected, key)
  e.ok += ok
  for (const [kind, n] of failed) {
    const label = key === OVERFLOW ? 'overflow' : FAILURES[kind].label
    e.failed[label] = (e.failed[label] ?? 0) + n
  }
  e.bytes += bytes
  for (const d of durations) {
    e.durations.counts[bucketOf(d)]++
    e.durations.count++
    e.durations.values.push(d)
  }
}

/** A workload over `topics` topics, `rounds` times, with every kind of count; returns nothing, notes into `expected`. */
export function recordRound (kafkaTally, expected, topics, round) {
  for (let i = 0; i < topics; i++) {
    const failed = []
    if (i % 3 === 0) failed.push(['tooLarge', 1 + round])
    if (i % 4 === 1) failed.push(['unknownTopic', 2])
    recordTraffic(kafkaTally, expected, `metrics.topic-${i}`, {
      ok: 10 * (i + 1) + round,
      failed,
      bytes: 100 * (i + 1) + round,
      durations: [0.001 * (i + 1), 0.02 * (round + 1), 0.3 + 0.1 * i, i === 0 ? 12 : 0.004]
    })
  }
}
