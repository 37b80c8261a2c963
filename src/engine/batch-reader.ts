// Reading a batch without building it: a sink walks the rows of the batch
// region through one reused view, reading each cell where the core wrote it,
// instead of first paying for the pinned Snapshot (a Map of row objects,
// histogram objects and count arrays).
//
// The region is the lock holder's: it is only valid while the batch is open.
// Every walk ends by checking that the batch it read is still the pending one
// (the same gate openBatch() applies): a holder that took the lock over and
// moved on would have written another batch there, and the walk then throws
// instead of handing out another batch's counts under this one's id.
// (A Snapshot read the same way, snapshotRows, is in src/sinks/snapshot-rows.ts:
// only sinks need it, and the core bundle stays small.)
import type { CoreExports } from './core.js'
import { REGION_BATCH, REGION_BATCH_LIST } from './generated/constants.js'
import type { Schema } from './schema.js'
import { buildSnapshot, type BatchId, type SlotNames, type Snapshot } from './snapshot.js'

/** The shape of a reader's rows: columns and histograms by index, in the schema's order. */
export interface RowsShape {
  readonly columns: readonly string[]
  /** `first`: the cell of bucket 0 in a row's cells (bucket i is `row.cells[row.at + first + i]`). */
  readonly histograms: ReadonlyArray<{ readonly name: string, readonly bounds: readonly number[], readonly first: number }>
  /** Cells in a row: column i is cell i. */
  readonly width: number
}

/**
 * One row of a batch, as a sink reads it. The reader hands the same object for
 * every row, moved on between calls: read what you need inside the callback,
 * keep nothing of it.
 */
export interface RowView {
  /** The topic (or row key); for the overflow row, '' (a sink labels it itself). */
  readonly name: string
  /** True for the overflow row. */
  readonly overflow: boolean
  /**
   * The row's cells, from `at` (`shape.width` of them): column i at `at + i`,
   * histogram h's bucket i at `at + shape.histograms[h].first + i`. Reading a
   * whole row from here skips a method call per cell; sums need sum(h)
   * (they are kept scaled). Read-only: the batch region belongs to the table.
   */
  readonly cells: Float64Array
  readonly at: number
  /** Column `i` (the shape's order). */
  column (i: number): number
  /** Histogram `h`'s observations: the sum of its buckets. */
  count (h: number): number
  /** Histogram `h`'s sum, in its unit. */
  sum (h: number): number
  /** Histogram `h`'s bucket `i` (bounds[i-1] < v <= bounds[i], the last above every bound). */
  bucket (h: number, i: number): number
  /** True when every column and histogram of the row holds nothing. */
  empty (): boolean
}

/** A batch's rows, read in place. */
export interface BatchRows {
  readonly epoch: number
  /** The delivery's id; absent on snapshots made by hand. */
  readonly batch: BatchId | undefined
  readonly shape: RowsShape
  /**
   * Calls `fn` for every topic row with anything in it (a name held by two
   * slots once, merged), then for the overflow row (always, zero or not).
   */
  forEachRow (fn: (row: RowView) => void): void
  /** True when nothing was counted in any row. */
  isEmpty (): boolean
  /**
   * The pinned Snapshot of the same batch, built once (for a sink that must
   * hand one on, e.g. a partial delivery's undelivered part is made of its rows).
   */
  snapshot (): Snapshot
  /** Fields a layer adds beside the rows, read as the Snapshot would carry them (a KafkaTally's errors by cause); absent when none. */
  extra?: () => Readonly<Record<string, unknown>>
}

/** Thrown by a walk over a batch that is no longer open, or no longer the pending one. */
export class BatchClosedError extends Error {
  override name = 'BatchClosedError'
}

/**
 * The view over the batch region: the row's cells from `at`. A name held by
 * two slots (rare) is first added up into a scratch row.
 */
class RegionRow implements RowView {
  name = ''
  overflow = false
  // The row's cells from `at`: the region, or the scratch row a merged name is added up in.
  cells: Float64Array
  at = 0
  // Per histogram, as plain typed arrays made once per schema (read per cell, so no object is looked into).
  private readonly firsts: Int32Array
  private readonly buckets: Int32Array
  private readonly sums: Int32Array
  private readonly scales: Float64Array
  private readonly width: number
  // Made on the first merge only (a name held by two slots is rare).
  private scratch: Float64Array | undefined
  // A merged row's sums: each slot's share divided, then added (as readBatch() merges rows).
  private mergedSums: Float64Array | undefined
  private merged = false

  constructor (private readonly region: Float64Array, schema: Schema) {
    const l = layoutOf(schema)
    this.cells = region
    this.firsts = l.firsts
    this.buckets = l.buckets
    this.sums = l.sums
    this.scales = l.scales
    this.width = schema.cells
  }

  /** Points the view at the row at `at` of the region. */
  point (at: number): void {
    this.cells = this.region
    this.at = at
    this.merged = false
  }

  /** Points the view at the rows at `ats` added up. */
  merge (ats: readonly number[]): void {
    if (ats.length === 1) { this.point(ats[0]); return }
    const { region, width } = this
    const scratch = this.scratch ??= new Float64Array(width)
    const mergedSums = this.mergedSums ??= new Float64Array(this.sums.length)
    scratch.fill(0)
    for (const at of ats) for (let c = 0; c < width; c++) scratch[c] += region[at + c]
    for (let h = 0; h < this.sums.length; h++) {
      let v = 0
      for (const at of ats) v += region[at + this.sums[h]] / this.scales[h]
      mergedSums[h] = v
    }
    this.cells = scratch
    this.at = 0
    this.merged = true
  }

  column (i: number): number { return this.cells[this.at + i] }

  count (h: number): number {
    const cells = this.cells
    const at = this.at + this.firsts[h]
    const n = this.buckets[h]
    let total = 0
    for (let i = 0; i < n; i++) total += cells[at + i]
    return total
  }

  sum (h: number): number {
    return this.merged ? (this.mergedSums as Float64Array)[h] : this.cells[this.at + this.sums[h]] / this.scales[h]
  }

  bucket (h: number, i: number): number { return this.cells[this.at + this.firsts[h] + i] }

  empty (): boolean {
    const cells = this.cells
    for (let c = 0; c < this.width; c++) if (cells[this.at + c] !== 0) return false
    return true
  }
}

/**
 * The open batch's rows in the batch region (lock held, batchOpen() done and
 * its big counts deferred). `hide` leaves out rows a layer keeps for itself
 * (KafkaTally's error kinds), which it reads with forEachHidden().
 */
export class RegionRows implements BatchRows {
  readonly shape: RowsShape
  private open = true
  private built: Snapshot | undefined
  private readonly cells: Float64Array
  private readonly list: Uint32Array
  private readonly row: RegionRow
  private readonly width: number

  constructor (
    private readonly core: CoreExports,
    private readonly memory: WebAssembly.Memory,
    private readonly names: SlotNames,
    readonly epoch: number,
    private readonly schema: Schema,
    public batch: BatchId | undefined,
    private readonly hide?: (name: string) => boolean
  ) {
    this.shape = shapeOfSchema(schema)
    this.width = schema.cells
    // Addresses come back from wasm as i32: past 2 GiB they read negative without >>> 0.
    this.cells = new Float64Array(memory.buffer, core.address(REGION_BATCH) >>> 0, (core.tableCapacity() + 1) * this.width)
    this.list = new Uint32Array(memory.buffer, core.address(REGION_BATCH_LIST) >>> 0, core.batchRows())
    this.row = new RegionRow(this.cells, schema)
  }

  /** Ends the reader: the batch was acknowledged or released, and its region may hold another batch. */
  close (): void {
    this.open = false
  }

  private check (): void {
    if (!this.open) throw new BatchClosedError(`batch ${this.batch?.id ?? this.epoch} was read after it was acknowledged or released`)
  }

  /** The gate, after a walk: the region still held this batch throughout (the only writer of another batch there acks this one first). */
  private still (): void {
    if (this.batch !== undefined && this.core.pendingBatch() !== this.batch.sequence) {
      throw new BatchClosedError(`batch ${this.batch.id} was taken over by another flusher while it was read; that flusher delivers it`)
    }
  }

  forEachRow (fn: (row: RowView) => void): void {
    this.walk(fn, false)
  }

  /** Calls `fn` for the rows `hide` leaves out (never the overflow row). */
  forEachHidden (fn: (row: RowView) => void): void {
    this.walk(fn, true)
  }

  private walk (fn: (row: RowView) => void, hidden: boolean): void {
    this.check()
    const { list, names, row, width, hide } = this
    row.overflow = false
    // Names first: learning a slot's name is what reveals a name held twice. Every listed slot holds a
    // ticket below registered(); when the names below it are all known already, there is nothing to learn.
    if (!names.duplicates && names.known < this.core.registered()) for (let i = 0; i < list.length; i++) names.name(list[i])
    if (names.duplicates) {
      for (const [name, ats] of this.groups()) {
        if (hide !== undefined && hide(name) !== hidden) continue
        if (hide === undefined && hidden) continue
        row.name = name
        row.merge(ats)
        fn(row)
      }
    } else if (hide === undefined) {
      // Every row shown, each in the region: the view's cells are set once, then only its row moves.
      if (!hidden) {
        row.point(0)
        for (let i = 0; i < list.length; i++) {
          const slot = list[i]
          row.name = names.name(slot) ?? `#slot-${slot}`
          row.at = slot * width
          fn(row)
        }
      }
    } else {
      for (let i = 0; i < list.length; i++) {
        const slot = list[i]
        // A slot with counts is published: its writer resolved it first.
        const name = names.name(slot) ?? `#slot-${slot}`
        if (hide !== undefined ? hide(name) !== hidden : hidden) continue
        row.name = name
        row.point(slot * width)
        fn(row)
      }
    }
    if (!hidden) {
      row.name = ''
      row.overflow = true
      row.point(this.core.tableCapacity() * width)
      fn(row)
      row.overflow = false
    }
    this.check()
    this.still()
  }

  /** Row offsets by name, in the order snapshot() meets the names (only when two slots share one). */
  private groups (): Map<string, number[]> {
    const out = new Map<string, number[]>()
    for (let i = 0; i < this.list.length; i++) {
      const slot = this.list[i]
      const name = this.names.name(slot) ?? `#slot-${slot}`
      const ats = out.get(name)
      if (ats === undefined) out.set(name, [slot * this.width]); else ats.push(slot * this.width)
    }
    return out
  }

  isEmpty (): boolean {
    this.check()
    const { list, names, hide } = this
    // The core lists only rows that hold something: any row shown makes the batch non-empty.
    for (let i = 0; i < list.length; i++) {
      if (hide === undefined || !hide(names.name(list[i]) ?? `#slot-${list[i]}`)) return false
    }
    const row = this.row
    row.point(this.core.tableCapacity() * this.width)
    const empty = row.empty()
    this.still()
    return empty
  }

  snapshot (): Snapshot {
    if (this.built === undefined) {
      this.check()
      this.build()
      this.still()
    }
    return this.built as Snapshot
  }

  /** Builds the Snapshot now, for openBatch(), which applies the gate itself after it. @internal */
  build (): void {
    const snap = buildSnapshot(this.core, this.memory, this.names, this.epoch, this.schema)
    if (this.batch !== undefined) snap.batch = this.batch
    this.built = snap
  }
}

interface Layout { firsts: Int32Array, buckets: Int32Array, sums: Int32Array, scales: Float64Array }
const layouts = new WeakMap<Schema, Layout>()

/** A schema's histogram offsets as typed arrays, made once per schema (a batch is opened every flush). */
function layoutOf (schema: Schema): Layout {
  let l = layouts.get(schema)
  if (l === undefined) {
    const hs = schema.histograms
    l = {
      firsts: Int32Array.from(hs, h => h.sumCell + 2),
      buckets: Int32Array.from(hs, h => h.bounds.length + 1),
      sums: Int32Array.from(hs, h => h.sumCell),
      scales: Float64Array.from(hs, h => h.scale)
    }
    layouts.set(schema, l)
  }
  return l
}

const shapes = new WeakMap<Schema, RowsShape>()

/**
 * The schema's shape as plain, unfrozen copies, made once per schema: a sink
 * reads `histograms[h].bounds.length` in its inner loop, and V8 reads the
 * frozen schema's arrays there several times slower.
 */
function shapeOfSchema (schema: Schema): RowsShape {
  let shape = shapes.get(schema)
  if (shape === undefined) {
    shape = {
      columns: [...schema.columns],
      histograms: schema.histograms.map(h => ({ name: h.name, bounds: [...h.bounds], first: h.sumCell + 2 })),
      width: schema.cells
    }
    shapes.set(schema, shape)
  }
  return shape
}
