// A Snapshot read through the BatchRows interface a flusher hands a sink with
// writeRows(), so a sink has one way to read both (its write(snapshot) is its
// writeRows over snapshotRows(snapshot)); and a row view back as a row object.
import type { BatchRows, RowsShape, RowView } from '../engine/batch-reader.js'
import type { HistogramCounts, Row, Snapshot } from '../engine/snapshot.js'

/** The view over a Snapshot's row objects. */
class ObjectRow implements RowView {
  name = ''
  overflow = false
  row: Record<string, number | HistogramCounts> = {}
  constructor (private readonly shape: RowsShape) {}
  column (i: number): number { return this.row[this.shape.columns[i]] as number }
  private h (h: number): HistogramCounts { return this.row[this.shape.histograms[h].name] as HistogramCounts }
  count (h: number): number { return this.h(h).count }
  sum (h: number): number { return this.h(h).sum }
  bucket (h: number, i: number): number { return this.h(h).counts[i] }
  empty (): boolean {
    for (let i = 0; i < this.shape.columns.length; i++) if (this.column(i) !== 0) return false
    for (let h = 0; h < this.shape.histograms.length; h++) if (this.count(h) !== 0 || this.sum(h) !== 0) return false
    return true
  }
}

/** A snapshot's shape, read off its overflow row (which always has the schema's shape). */
export function shapeOf (snap: Snapshot): RowsShape {
  const columns: string[] = []
  const histograms: Array<{ name: string, bounds: readonly number[] }> = []
  for (const [name, v] of Object.entries(snap.overflow as Record<string, number | HistogramCounts>)) {
    if (typeof v === 'number') columns.push(name)
    else histograms.push({ name, bounds: new Array<number>(v.counts.length - 1).fill(NaN) }) // bounds unknown: only their number
  }
  return { columns, histograms }
}

/** A Snapshot read through the BatchRows interface (`shape` names the columns and histograms; default: read off the snapshot). */
export function snapshotRows (snap: Snapshot, shape: RowsShape = shapeOf(snap)): BatchRows {
  const view = new ObjectRow(shape)
  const rows: BatchRows = {
    epoch: snap.epoch,
    batch: snap.batch,
    shape,
    forEachRow (fn) {
      view.overflow = false
      for (const [name, row] of snap.topics) {
        view.name = name
        view.row = row as Record<string, number | HistogramCounts>
        fn(view)
      }
      view.name = ''
      view.overflow = true
      view.row = snap.overflow as Record<string, number | HistogramCounts>
      fn(view)
      view.overflow = false
    },
    isEmpty () {
      let empty = true
      rows.forEachRow(row => { if (empty && !row.empty()) empty = false })
      return empty
    },
    snapshot: () => snap,
    extra: () => snap as unknown as Readonly<Record<string, unknown>>
  }
  return rows
}

/** A row of `rows` as the Row object snapshot() gives (for the rare path that must hand one on). */
export function rowObject (row: RowView, shape: RowsShape): Row {
  const out: Record<string, number | HistogramCounts> = {}
  shape.columns.forEach((name, i) => { out[name] = row.column(i) })
  shape.histograms.forEach((h, k) => {
    const counts = Array.from({ length: h.bounds.length + 1 }, (_, i) => row.bucket(k, i))
    out[h.name] = { count: row.count(k), sum: row.sum(k), counts }
  })
  return out as Row
}
