// One JSON line per flush on a writable stream (stdout, a file, a socket).
import type { SinkObject } from '../flush/sink.js'
import type { Row, Snapshot } from '../engine/snapshot.js'
import type { BatchRows } from '../engine/batch-reader.js'
import { rowObject } from './snapshot-rows.js'
import { quotedOf, rowJson } from './row-json.js'
import { errorsAsJson, type JsonErrors } from './json-errors.js'
import { histogramBounds } from './metric-names.js'
import type { SchemaLike } from './snapshot-shape.js'

/** The part of a Node Writable (or anything alike) this sink uses. */
export interface LineStream {
  write (chunk: string, callback: (error?: Error | null) => void): boolean
  on?: (event: 'error', listener: (error: Error) => void) => unknown
}

export interface JsonLinesOptions {
  /** Added to every line as "source" (e.g. a host or process name). */
  source?: string
  /** The clock for "time" (default Date.now). */
  now?: () => number
  /** The table's schema (tally.schema): gives "bounds" for histograms other than KafkaTally's. */
  schema?: SchemaLike
}

/** The shape of one line. */
export interface JsonLine extends JsonErrors {
  time: string
  epoch: number
  /** The batch id: a retried batch carries the same one, so a reader can drop repeats. */
  batch?: string
  source?: string
  /** Per topic, its row: each column's count, each histogram's { count, sum, counts }. */
  topics: Record<string, Row>
  overflow: Row
  /** Each histogram's bucket bounds (counts[i] for bounds[i-1] < v <= bounds[i], the last above every bound). */
  bounds?: Record<string, readonly number[]>
}

export function toJsonLine (snap: Snapshot, time: number, source?: string, schema?: SchemaLike): string {
  const line: JsonLine = { time: new Date(time).toISOString(), epoch: snap.epoch, topics: Object.fromEntries(snap.topics), overflow: snap.overflow }
  if (snap.batch !== undefined) line.batch = snap.batch.id
  if (source !== undefined) line.source = source
  const bounds = histogramBounds(snap, schema)
  if (bounds !== undefined) line.bounds = bounds
  Object.assign(line, errorsAsJson(snap))
  return JSON.stringify(line) + '\n'
}

/**
 * The line toJsonLine() writes for the same batch, read in place: no row
 * object is built but the overflow row's (one a flush, for the bounds). A
 * topic whose name is an integer comes where the batch has it, where
 * toJsonLine's object puts such keys first; parsed, the lines are the same.
 */
export function rowsJsonLine (rows: BatchRows, time: number, source?: string, schema?: SchemaLike): string {
  const shape = rows.shape
  const q = quotedOf(shape)
  let topics = ''
  let overflow = ''
  let overflowRow: Row | undefined
  rows.forEachRow(view => {
    if (view.overflow) {
      overflow = rowJson(view, q)
      overflowRow = rowObject(view, shape)
      return
    }
    topics += (topics === '' ? '' : ',') + JSON.stringify(view.name) + ':' + rowJson(view, q)
  })
  const tail: Omit<JsonLine, 'time' | 'epoch' | 'topics' | 'overflow'> = {}
  if (rows.batch !== undefined) tail.batch = rows.batch.id
  if (source !== undefined) tail.source = source
  const bounds = histogramBounds({ epoch: rows.epoch, topics: new Map(), overflow: overflowRow as Row }, schema)
  if (bounds !== undefined) tail.bounds = bounds
  const extra = rows.extra?.()
  if (extra !== undefined) Object.assign(tail, errorsAsJson(extra as unknown as Snapshot))
  const rest = JSON.stringify(tail)
  return `{"time":${JSON.stringify(new Date(time).toISOString())},"epoch":${String(rows.epoch)},"topics":{${topics}},"overflow":${overflow}${rest === '{}' ? '' : ',' + rest.slice(1, -1)}}\n`
}

/** Writes `line` to the stream; resolves when the stream has taken it. */
function writeLine (stream: LineStream, line: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    try {
      stream.write(line, error => { if (error) reject(error); else resolve() })
    } catch (error) {
      reject(error)
    }
  })
}

/**
 * Writes each flush as one line, `{"time","epoch","topics":{name:{success,error}},"overflow","batch"}`
 * (a schema's rows hold its columns and histograms, `{count,sum,counts}`, with
 * the histograms' "bounds"; a KafkaTally's lines add "errors" by topic and cause),
 * and resolves when the stream has taken it. A write error rejects (the counts
 * are kept for the next flush); the sink listens for the stream's 'error' event
 * so a broken stream does not crash the process.
 */
export function jsonLinesSink (stream: LineStream, options: JsonLinesOptions = {}): SinkObject {
  if (stream === null || typeof stream !== 'object' || typeof stream.write !== 'function') {
    throw new TypeError('jsonLinesSink expects a writable stream (process.stdout, fs.createWriteStream(...))')
  }
  const now = options.now ?? Date.now
  let broken: Error | undefined
  stream.on?.('error', error => { broken = error })
  return {
    name: 'json-lines',
    write (snap) {
      if (broken !== undefined) return Promise.reject(broken)
      return writeLine(stream, toJsonLine(snap, now(), options.source, options.schema))
    },
    // What a flusher calls: the same line, read in place.
    writeRows (rows) {
      if (broken !== undefined) return Promise.reject(broken)
      return writeLine(stream, rowsJsonLine(rows, now(), options.source, options.schema))
    }
  }
}
