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
  readonly at = 0
  // The row's cells laid out as the batch region's, filled when asked for.
  private readonly scratch: Float64Array
  constructor (private readonly shape: RowsShape) {
    this.scratch = new Float64Array(shape.width)
  }

  get cells (): Float64Array {
    const { scratch, shape } = this
    scratch.fill(0)
    for (let i = 0; i < shape.columns.length; i++) scratch[i] = this.column(i)
    for (let h = 0; h < shape.histograms.length; h++) {
      const { first } = shape.histograms[h]
      const counts = this.h(h).counts
      for (let i = 0; i < counts.length; i++) scratch[first + i] = counts[i]
    }
    return scratch
  }

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
  const found: Array<{ name: string, buckets: number }> = []
  for (const [name, v] of Object.entries(snap.overflow as Record<string, number | HistogramCounts>)) {
    if (typeof v === 'number') columns.push(name)
    else found.push({ name, buckets: v.counts.length })
  }
  // Bounds unknown: only their number.
  return laidOut({ columns, histograms: found.map(({ name, buckets }) => ({ name, bounds: new Array<number>(buckets - 1).fill(NaN) })) })
}

/** The columns and histograms a shape names. */
export interface ShapeNames {
  readonly columns: readonly string[]
  readonly histograms: ReadonlyArray<{ readonly name: string, readonly bounds: readonly number[] }>
}

/** A shape's cells laid out as a schema lays them out: the columns, then per histogram its sum (two cells) and buckets. */
export function laidOut ({ columns, histograms }: ShapeNames): RowsShape {
  let width = columns.length
  const laid = histograms.map(({ name, bounds }) => {
    const h = { name, bounds, first: width + 2 }
    width += 2 + bounds.length + 1
    return h
  })
  return { columns, histograms: laid, width }
}

/** A Snapshot read through the BatchRows interface (`names` names the columns and histograms; default: read off the snapshot). */
export function snapshotRows (snap: Snapshot, names?: ShapeNames): BatchRows {
  const shape = names === undefined ? shapeOf(snap) : laidOut(names)
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
