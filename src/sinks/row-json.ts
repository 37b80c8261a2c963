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
  /** The pieces of a row's text, reused row after row (as many for every row of the shape): joined, a row is one flat string. */
  readonly parts: string[]
}

const quoted = new WeakMap<RowsShape, QuotedShape>()

/** The shape's names quoted, made once per shape. */
export function quotedOf (shape: RowsShape): QuotedShape {
  let q = quoted.get(shape)
  if (q === undefined) {
    const buckets = shape.histograms.map(h => h.bounds.length + 1)
    // A head, two per column, six and two per bucket per histogram, a tail.
    const pieces = 2 + 2 * shape.columns.length + buckets.reduce((n, b) => n + 6 + 2 * b, 0)
    q = {
      columns: shape.columns.map((name, i) => (i === 0 ? '' : ',') + JSON.stringify(name) + ':'),
      histograms: shape.histograms.map((h, k) => (k === 0 && shape.columns.length === 0 ? '' : ',') + JSON.stringify(h.name) + ':{"count":'),
      buckets,
      parts: new Array<string>(pieces).fill('')
    }
    quoted.set(shape, q)
  }
  return q
}

/**
 * `head`, the row's fields (what JSON.stringify writes between the braces of
 * its row object) and `tail`, as one flat string: the pieces are set in the
 * shape's reused array and joined once (adding them up would make a rope of
 * two strings per cell).
 */
export function rowText (view: RowView, q: QuotedShape, head: string, tail: string): string {
  const parts = q.parts
  let k = 0
  parts[k++] = head
  for (let i = 0; i < q.columns.length; i++) {
    parts[k++] = q.columns[i]
    parts[k++] = String(view.column(i))
  }
  for (let h = 0; h < q.histograms.length; h++) {
    parts[k++] = q.histograms[h]
    parts[k++] = String(view.count(h))
    parts[k++] = ',"sum":'
    parts[k++] = String(view.sum(h))
    parts[k++] = ',"counts":['
    for (let i = 0; i < q.buckets[h]; i++) {
      parts[k++] = i === 0 ? '' : ','
      parts[k++] = String(view.bucket(h, i))
    }
    parts[k++] = ']}'
  }
  parts[k] = tail
  return parts.join('')
}

/** The row as JSON.stringify writes its row object. */
export function rowJson (view: RowView, q: QuotedShape): string {
  return rowText(view, q, '{', '}')
}
