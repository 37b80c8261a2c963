// A batch read in place, for the code written against row objects (the
// namings of metric-names.ts): one Row object per shape, refilled from each
// row's cells, so the namers run unchanged and nothing is allocated per row.
// A namer must keep nothing of it past its call (PointTarget.observe copies).
import type { BatchRows, RowsShape, RowView } from '../engine/batch-reader.js'
import type { HistogramCounts, Row, Snapshot } from '../engine/snapshot.js'

export class ReusedRow {
  /** The row object the namers read: a number per column, a HistogramCounts per histogram, in the schema's order. */
  readonly row: Row
  private readonly histograms: HistogramCounts[]
  private readonly firsts: number[]
  private readonly columns: readonly string[]
  /**
   * A Snapshot with no topics whose overflow row is `row`: what the namings ask
   * of a snapshot's shape (its keys, its histograms' bucket counts) without a build.
   */
  readonly shaped: Snapshot

  constructor (shape: RowsShape) {
    const row: Record<string, number | HistogramCounts> = {}
    for (const c of shape.columns) row[c] = 0
    this.histograms = shape.histograms.map(h => (row[h.name] = { count: 0, sum: 0, counts: new Array<number>(h.bounds.length + 1).fill(0) }))
    this.firsts = shape.histograms.map(h => h.first)
    this.columns = shape.columns
    this.row = row as Row
    this.shaped = { epoch: 0, topics: new Map(), overflow: this.row }
  }

  /** Refills `row` from the view's cells (counts as snapshot() gives them: a histogram's count is the sum of its buckets). */
  fill (view: RowView): Row {
    const cells = view.cells
    const at = view.at
    const row = this.row as Record<string, number | HistogramCounts>
    const columns = this.columns
    for (let i = 0; i < columns.length; i++) row[columns[i]] = cells[at + i]
    for (let h = 0; h < this.histograms.length; h++) {
      const out = this.histograms[h]
      const counts = out.counts
      const first = at + this.firsts[h]
      let total = 0
      for (let i = 0; i < counts.length; i++) { const n = cells[first + i]; counts[i] = n; total += n }
      out.count = total
      out.sum = view.sum(h)
    }
    return this.row
  }
}

const reused = new WeakMap<RowsShape, ReusedRow>()

/** The reused row of a shape (a batch's shape is made once per schema, so is this). */
export function reusedRow (rows: BatchRows): ReusedRow {
  let r = reused.get(rows.shape)
  if (r === undefined) reused.set(rows.shape, r = new ReusedRow(rows.shape))
  return r
}
