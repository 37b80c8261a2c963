// StatsD / DogStatsD counters through a hot-shots client: the default table's
// counts with topic and outcome as tags, a schema's metrics with their
// attributes as tags (histograms as per-bucket counts, statsd-lines.ts).
import type { StatsD } from 'hot-shots'
import { PartialDeliveryError, type SinkObject } from '../flush/sink.js'
import { emptySnapshot, type Snapshot } from '../engine/snapshot.js'
import type { Outcome } from '../engine/validate.js'
import { clashCheck, metricNaming, type NamingOptions } from './metric-names.js'
import { statsdSpelling } from './name-clashes.js'
import { forEachCount, overflowLabel } from '../flush/rows.js'
import { statsdLines, undeliveredFor, type StatsdLine } from './statsd-lines.js'

export interface StatsdSinkOptions extends NamingOptions {
  /** The default table's metric name (default kafka.producer.messages; the client's prefix applies). */
  name?: string
  /** The topic tag of the overflow row (default "/overflow" for the default table, a name no topic can hold; other tables tag it otel.metric.overflow:true unless this is given). */
  overflowTopic?: string
}

export const DEFAULT_STATSD_NAME = 'kafka.producer.messages'

/**
 * A buffered hot-shots client calls a metric back "once sent or buffered" and
 * sends the shared buffer later, so no callback says whether a given row went
 * out: a failure would have to keep (and send again) rows that were delivered.
 */
function unbufferedOnly (client: StatsD): void {
  const size = (client as { maxBufferSize?: unknown }).maxBufferSize
  if (typeof size === 'number' && size > 0) {
    throw new TypeError(`statsdSink needs an unbuffered hot-shots client (maxBufferSize: 0, got ${size}): ` +
      'a buffered client cannot tell which counts a failed datagram carried. ' +
      'Give the sink its own client with maxBufferSize: 0 (the uds protocol buffers unless told so)')
  }
}

// hot-shots sends a name as given and turns ':', '|', '@' and ',' in a tag
// into '_' (an overflowTopic "orders:x" would tag topic:orders_x, that topic's
// series); '#' starts the tags, and white space splits or ends a line.
const SEPARATORS = /[:|@,#\s]/

/** `value` as given, or a RangeError naming the option and the character the line would not survive. */
function sendable (what: string, value: string): string {
  const found = SEPARATORS.exec(value)
  if (found === null) return value
  throw new RangeError(`statsd: ${what} ${JSON.stringify(value)} holds ${JSON.stringify(found[0])}, one of StatsD's separators (: | @ , # and white space): ` +
    'the client would change it, merging it with another name, or the line would split')
}

/** Adds a failed line back to the undelivered part: to the overflow row by its flag, never by its label. */
function addTo (snap: Snapshot, topic: string, overflow: boolean, outcome: Outcome, count: number): void {
  if (overflow) { snap.overflow[outcome] += count; return }
  const c = snap.topics.get(topic) ?? { success: 0, error: 0 }
  c[outcome] += count
  snap.topics.set(topic, c)
}

/** The default table's rows as lines: kafka.producer.messages{topic, outcome}. */
function outcomeLines (snap: Snapshot, name: string, overflowTopic: string): StatsdLine[] {
  const lines: StatsdLine[] = []
  forEachCount(snap, overflowTopic, (topic, outcome, count, overflow) => {
    lines.push({ name, value: count, tags: { topic, outcome }, undo: u => addTo(u, topic, overflow, outcome, count) })
  })
  return lines
}

/**
 * Sends each flush as counter increments `kafka.producer.messages:N|c|#topic:T,outcome:O`
 * (a schema's rows: its metrics, e.g. `messaging.client.sent.messages:N|c|#messaging.destination.name:T,...`
 * and `messaging.client.operation.duration.bucket:N|c|#...,bucket:0.025`),
 * one datagram each, never sampled (rate 1 whatever the client's sampleRate).
 * Resolves when the client reports every datagram sent; if some fail, rejects
 * with a PartialDeliveryError naming exactly the rows that did not go out.
 * Throws a TypeError for a buffered client (maxBufferSize > 0).
 * UDP itself may drop datagrams silently: use the client's tcp or uds protocol
 * where every count must arrive.
 */
export function statsdSink (client: StatsD, options: StatsdSinkOptions = {}): SinkObject {
  if (client === null || typeof client !== 'object' || typeof client.increment !== 'function') {
    throw new TypeError('statsdSink expects a hot-shots client (new StatsD({...}))')
  }
  unbufferedOnly(client)
  const name = sendable('name', options.name ?? DEFAULT_STATSD_NAME)
  const overflowTopic = overflowLabel(options.overflowTopic)
  if (options.overflowTopic !== undefined) sendable('overflowTopic', overflowTopic)
  if (typeof options.topicAttribute === 'string') sendable('topicAttribute', options.topicAttribute)
  const naming = metricNaming(options)
  const checkNames = clashCheck('statsd', naming, metric => statsdSpelling(metric).map(n => sendable('metric', n)))
  return {
    name: 'statsd',
    // From the batch's own Snapshot, built once while the batch is open (no copy: this sink keeps and changes nothing of it; a partial delivery's undelivered part is a Snapshot of its own).
    writeRows (rows) { return this.write(rows.snapshot()) },
    write (snap) {
      unbufferedOnly(client) // the option may have been changed since
      const outcome = naming.style(snap) === 'outcome'
      if (!outcome) checkNames(snap)
      const lines = outcome ? outcomeLines(snap, name, overflowTopic) : statsdLines(snap, naming.metrics(snap))
      return new Promise<void>((resolve, reject) => {
        const undelivered = outcome ? emptySnapshot(snap.epoch) : undeliveredFor(snap)
        let failure: unknown
        let failed = false
        let waiting = 1
        const fail = (error: unknown, line: StatsdLine): void => {
          if (!failed) { failed = true; failure = error }
          line.undo(undelivered)
        }
        const settle = (): void => {
          if (--waiting !== 0) return
          if (!failed) { resolve(); return }
          const message = failure instanceof Error ? failure.message : String(failure)
          reject(new PartialDeliveryError(`statsd: some increments were not sent: ${message}`, undelivered, { cause: failure }))
        }
        let threw = false
        for (const line of lines) {
          if (threw) { line.undo(undelivered); continue } // never handed over
          let answered = false
          waiting++
          try {
            client.increment(line.name, line.value, 1, line.tags, error => {
              if (answered) return // a client that calls back twice counts once
              answered = true
              if (error) fail(error, line)
              settle()
            })
          } catch (error) {
            // hot-shots throws before sending: this row and the rest stay, the rows before it are in flight.
            threw = true
            if (!answered) { answered = true; fail(error, line); settle() }
          }
        }
        settle()
      })
    }
  }
}
