// A row read in place written as JSON.stringify writes the row object
// snapshot() would give: each column's number, each histogram's
// {"count","sum","counts"}, in the schema's order. The JSON lines sink and the
// Kafka sink's records write their rows with it. (Cells are finite numbers,
// which String() spells as JSON does.)
import type { RowsShape, RowView } from '../engine/batch-reader.js'

/** A shape's names, quoted once: the text before each column's and each histogram's value. */
export interface QuotedShape {
  /** Column i's `"name":`, after a comma but for the first field. */
  readonly columns: readonly string[]
  /** Histogram h's `"name":{"count":`, after a comma but for the first field. */
  readonly histograms: readonly string[]
  readonly buckets: readonly number[]
}

const quoted = new WeakMap<RowsShape, QuotedShape>()

/** The shape's names quoted, made once per shape. */
export function quotedOf (shape: RowsShape): QuotedShape {
  let q = quoted.get(shape)
  if (q === undefined) {
    q = {
      columns: shape.columns.map((name, i) => (i === 0 ? '' : ',') + JSON.stringify(name) + ':'),
      histograms: shape.histograms.map((h, k) => (k === 0 && shape.columns.length === 0 ? '' : ',') + JSON.stringify(h.name) + ':{"count":'),
      buckets: shape.histograms.map(h => h.bounds.length + 1)
    }
    quoted.set(shape, q)
  }
  return q
}

/** The row's fields, without the braces: what JSON.stringify writes between them. */
export function rowFields (view: RowView, q: QuotedShape): string {
  let out = ''
  for (let i = 0; i < q.columns.length; i++) out += q.columns[i] + String(view.column(i))
  for (let h = 0; h < q.histograms.length; h++) {
    out += q.histograms[h] + String(view.count(h)) + ',"sum":' + String(view.sum(h)) + ',"counts":['
    for (let i = 0; i < q.buckets[h]; i++) out += (i === 0 ? '' : ',') + String(view.bucket(h, i))
    out += ']}'
  }
  return out
}

/** The row as JSON.stringify writes its row object. */
export function rowJson (view: RowView, q: QuotedShape): string {
  return '{' + rowFields(view, q) + '}'
}
