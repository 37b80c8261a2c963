// StatsD / DogStatsD counters through a hot-shots client: the default table's
// counts with topic and outcome as tags, a schema's metrics with their
// attributes as tags (histograms as per-bucket counts, statsd-lines.ts).
import type { StatsD } from 'hot-shots'
import type { SinkObject } from '../flush/sink.js'
import { emptySnapshot, type Snapshot } from '../engine/snapshot.js'
import type { Outcome } from '../engine/validate.js'
import { clashCheck, metricNaming, type NamingOptions } from './metric-names.js'
import { statsdSpelling } from './name-clashes.js'
import { forEachCount, overflowLabel } from '../flush/rows.js'
import { linesOf, statsdLines, undeliveredFor, type StatsdLine } from './statsd-lines.js'
import { StatsdRows } from './statsd-rows.js'
import { sendLines } from './statsd-send.js'

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
function outcomeLines (snap: Snapshot, name: string, overflowTopic: string, constant: Record<string, string>): StatsdLine[] {
  const lines: StatsdLine[] = []
  forEachCount(snap, overflowTopic, (topic, outcome, count, overflow) => {
    lines.push({ name, value: count, tags: { ...constant, topic, outcome }, undo: u => addTo(u, topic, overflow, outcome, count) })
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
  // The default table's lines carry the constant attributes too (the namings add them to every other line).
  const constantTags: Record<string, string> = Object.fromEntries(Object.entries(naming.attributes).map(([k, v]) => [k, String(v)]))
  // Tags too: hot-shots would change a separator in one (merging two clients' series) and a line break would split the line.
  for (const [k, v] of Object.entries(constantTags)) { sendable('attribute name', k); sendable(`attributes.${k} value`, v) }
  const checkNames = clashCheck('statsd', naming, metric => statsdSpelling(metric).map(n => sendable('metric', n)))
  let spare: StatsdRows | undefined
  return {
    name: 'statsd',
    // The batch read in place: the lines write() makes of its Snapshot, kept in reused arrays (read before anything awaits).
    writeRows (rows) {
      unbufferedOnly(client) // the option may have been changed since
      const shaped = naming.shaped(rows)
      const outcome = naming.style(shaped) === 'outcome'
      const columns = rows.shape.columns
      const success = columns.indexOf('success')
      const error = columns.indexOf('error')
      if (outcome && (success < 0 || error < 0)) return this.write(rows.snapshot()) // naming 'outcome' forced on rows without both: as write() does it
      if (!outcome) checkNames(shaped)
      // A flush whose datagrams are still unanswered (its sink timed out) keeps its lines: this one makes others.
      const lines = spare ?? new StatsdRows()
      spare = undefined
      lines.start(rows, outcome)
      try {
        if (outcome) lines.outcomeRows(rows, name, overflowTopic, success, error, constantTags); else naming.rowPoints(rows, lines)
      } catch (refused) {
        spare = lines
        throw refused
      }
      return sendLines(client, lines, () => lines.undelivered(), () => { spare = lines })
    },
    write (snap) {
      unbufferedOnly(client) // the option may have been changed since
      const outcome = naming.style(snap) === 'outcome'
      if (!outcome) checkNames(snap)
      const lines = outcome ? outcomeLines(snap, name, overflowTopic, constantTags) : statsdLines(snap, naming.metrics(snap))
      return sendLines(client, linesOf(lines), () => outcome ? emptySnapshot(snap.epoch) : undeliveredFor(snap))
    }
  }
}
