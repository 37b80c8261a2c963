// The Kafka sink's records of a batch read in place: the records toRecords()
// makes of the same batch's Snapshot, value for value (the JSON written
// straight from the rows, as JSON.stringify writes the record object), with
// no Snapshot, row object or record object built on the way. What stays per
// row is the record itself: its value (text) and the message object a
// producer's send() takes; the producer may keep both (kafkajs holds them
// through its retries, an application's producer may queue them), so neither
// is reused from flush to flush.
import type { Message } from 'kafkajs'
import type { BatchRows, RowView } from '../engine/batch-reader.js'
import { overflowLabel } from '../flush/rows.js'
import { quotedOf, rowText } from './row-json.js'

/** True when the row holds nothing, as isEmptyRow() reads its row object: every column 0, every histogram's count and sum 0. */
function isEmptyView (view: RowView, columns: number, histograms: number): boolean {
  for (let i = 0; i < columns; i++) if (view.column(i) !== 0) return false
  for (let h = 0; h < histograms; h++) if (view.count(h) !== 0 || view.sum(h) !== 0) return false
  return true
}

/** toRecords() of the batch `rows` reads: one record per row that holds anything, the overflow row's last. */
export function rowsToRecords (rows: BatchRows, time: number, source: string, overflowTopic?: string): Message[] {
  const messages: Message[] = []
  const overflowKey = overflowLabel(overflowTopic)
  const shape = rows.shape
  const q = quotedOf(shape)
  const columns = shape.columns.length
  const histograms = shape.histograms.length
  const comma = columns === 0 && histograms === 0 ? '' : ',' // no field: no comma after the topic
  const overflowHead = `{"topic":${JSON.stringify(overflowKey)},"overflow":true${comma}`
  // What follows the row in every record of the batch.
  let tail = `,"epoch":${String(rows.epoch)},"time":${String(time)},"source":${JSON.stringify(source)}`
  const batch = rows.batch
  if (batch !== undefined) tail += `,"batch":${JSON.stringify(batch.id)},"table":${JSON.stringify(batch.table)},"sequence":${String(batch.sequence)}`
  tail += '}'
  const timestamp = String(time)
  rows.forEachRow(view => {
    if (isEmptyView(view, columns, histograms)) return
    const key = view.overflow ? overflowKey : view.name
    const head = view.overflow ? overflowHead : `{"topic":${JSON.stringify(key)}${comma}`
    messages.push({ key, value: rowText(view, q, head, tail), timestamp })
  })
  return messages
}
