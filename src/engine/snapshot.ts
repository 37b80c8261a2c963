// Reading a snapshot or a batch out of the batch region into plain JS values.
import type { CoreExports } from './core.js'
import { REGION_BATCH, REGION_BATCH_LIST } from './generated/constants.js'
import { DEFAULT_SCHEMA, type Schema } from './schema.js'
import { rowReader, type RowReader } from './row-reader.js'

export interface Counts { success: number, error: number }

/** A histogram's observations in one snapshot: counts[i] for bounds[i-1] < v <= bounds[i], the last above every bound. */
export interface HistogramCounts {
  /** Observations: the sum of `counts`. */
  count: number
  /** The sum of the observed values, exact to 1e-9 of the unit per observation. */
  sum: number
  counts: number[]
}

/** One row: a number per column, a HistogramCounts per histogram (success and error with the default schema). */
export type Row = Counts & { [name: string]: number | HistogramCounts }

/**
 * The row of a table whose columns are `C` and histograms `H`: a number per
 * column, a HistogramCounts per histogram, no other key. A table whose names
 * are not known to the types (`string`) has the untyped Row.
 */
export type RowOf<C extends string, H extends string> =
  string extends C | H ? Row : { [K in C | H]: K extends H ? HistogramCounts : number }

/** Names a delivery: the same batch, retried, keeps its id. */
export interface BatchId {
  /** The table's random id (16 hex digits), unique across processes and restarts. */
  table: string
  /** The epoch of the formation that made the batch: increases with every batch of the table. */
  sequence: number
  /** `${table}-${sequence}`: the key a deduplicating reader keeps. */
  id: string
}

/** What a snapshot or a batch holds; `R` is the row of the table's schema (RowOf). */
export interface Snapshot<R = Row> {
  /** The epoch of the formation that made this snapshot (every formation's epoch is distinct). */
  epoch: number
  /** Per topic, what was counted since the previous snapshot (topics with nothing counted are left out). */
  topics: Map<string, R>
  /** Counts of topics that found the table full (the same shape as a topic's row). */
  overflow: R
  /** Which delivery this is; absent on snapshots made by hand. */
  batch?: BatchId
}

/** A row of zeros in the schema's shape. */
export function emptyRow (schema: Schema = DEFAULT_SCHEMA): Row {
  if (schema === DEFAULT_SCHEMA) return { success: 0, error: 0 }
  const row: Record<string, number | HistogramCounts> = {}
  for (const c of schema.columns) row[c] = 0
  for (const h of schema.histograms) row[h.name] = { count: 0, sum: 0, counts: new Array<number>(h.bounds.length + 1).fill(0) }
  return row as Row
}

export function emptySnapshot (epoch = 0, schema: Schema = DEFAULT_SCHEMA): Snapshot {
  return { epoch, topics: new Map(), overflow: emptyRow(schema) }
}

export function batchId (table: string, sequence: number): BatchId {
  return { table, sequence, id: `${table}-${sequence}` }
}

/** Names slots from the directory; names never change once published, so they are cached. */
export class SlotNames {
  private readonly names: string[] = []
  private readonly seen = new Set<string>()
  private readonly decoder = new TextDecoder()
  /**
   * True once two slots carry the same name (a claimer stalled mid-claim
   * makes the directory register a topic twice); snapshots then merge rows.
   */
  duplicates = false
  /** Slots 0 to known - 1 are all named (slots are handed out in order, so this is usually every published one). */
  known = 0

  constructor (private readonly core: CoreExports, private readonly memory: WebAssembly.Memory) {}

  remember (slot: number, name: string): void {
    if (this.names[slot] === undefined) this.learn(slot, name)
  }

  private learn (slot: number, name: string): string {
    if (this.seen.has(name)) this.duplicates = true
    this.seen.add(name)
    this.names[slot] = name
    while (this.names[this.known] !== undefined) this.known++
    return name
  }

  name (slot: number): string | undefined {
    const name = this.names[slot]
    if (name !== undefined) return name
    const key = this.core.slotKey(slot) >>> 0 // an address past 2 GiB comes back negative as i32
    if (key === 0) return undefined
    const length = this.core.slotKeyLength(slot)
    // Copy out of shared memory: TextDecoder does not read shared views everywhere.
    return this.learn(slot, this.decoder.decode(new Uint8Array(this.memory.buffer, key, length).slice()))
  }
}

const readers = new WeakMap<Schema, RowReader>()

/** The schema's row reader, made once per schema. */
function readerOf (schema: Schema): RowReader {
  let read = readers.get(schema)
  if (read === undefined) readers.set(schema, read = rowReader(schema))
  return read
}

/** The row at `at` of the batch region; undefined when every cell is zero. */
function readRow (cells: Float64Array, at: number, width: number, read: RowReader): Row | undefined {
  let c = 0
  while (c < width && cells[at + c] === 0) c++
  return c === width ? undefined : read(cells, at)
}

/** Adds `b` into `a`, column by column and bucket by bucket (a topic registered twice is merged by name). */
export function addRow (a: Row, b: Row): void {
  const into = a as Record<string, number | HistogramCounts>
  for (const [name, v] of Object.entries(b)) {
    const have = into[name]
    if (typeof v === 'number') into[name] = (have as number ?? 0) + v
    else if (have === undefined) into[name] = { count: v.count, sum: v.sum, counts: [...v.counts] }
    else {
      const h = have as HistogramCounts
      h.count += v.count
      h.sum += v.sum
      v.counts.forEach((n, i) => { h.counts[i] += n })
    }
  }
}

/**
 * A count cell past 2^53 - 1 in one batch (rare) is held to 2^53 - 1 so it
 * reaches the reader exactly; the rest stays for the next batch. A histogram's
 * sum (two cells, whole units) goes out whole instead, as the nearest number:
 * held back, a sum that grows faster than 2^53 units an interval would never catch up.
 */
function deferBigCounts (core: CoreExports, cells: Float64Array, list: Uint32Array, epoch: number, schema: Schema): void {
  const sums = new Set(schema.histograms.flatMap(h => [h.sumCell, h.sumCell + 1]))
  const width = schema.cells
  const rows = [...list, core.tableCapacity()]
  for (const slot of rows) {
    for (let c = 0; c < width; c++) {
      if (!sums.has(c) && cells[slot * width + c] > Number.MAX_SAFE_INTEGER) core.defer(epoch, slot, c)
    }
  }
}

/**
 * Reads the batch batchOpen() wrote (lock held) into a Snapshot: the batch
 * region holds one f64 per cell, row after row, the overflow row at
 * `capacity`, and the list holds the slots of the rows with anything in them.
 * Plain reads: only the lock holder writes those regions.
 */
export function readBatch (core: CoreExports, memory: WebAssembly.Memory, names: SlotNames, epoch: number, schema: Schema = DEFAULT_SCHEMA): Snapshot {
  deferIfBig(core, memory, epoch, schema)
  return buildSnapshot(core, memory, names, epoch, schema)
}

/** The first step of reading a batch (lock held, right after batchOpen()): cells past 2^53 - 1 are held to it. */
export function deferIfBig (core: CoreExports, memory: WebAssembly.Memory, epoch: number, schema: Schema = DEFAULT_SCHEMA): void {
  if (core.batchBig() === 0) return
  const width = schema.cells
  const cells = new Float64Array(memory.buffer, core.address(REGION_BATCH) >>> 0, (core.tableCapacity() + 1) * width)
  const list = new Uint32Array(memory.buffer, core.address(REGION_BATCH_LIST) >>> 0, core.batchRows())
  deferBigCounts(core, cells, list, epoch, schema)
}

/** The Snapshot of a batch whose big counts are already deferred (see readBatch). */
export function buildSnapshot (core: CoreExports, memory: WebAssembly.Memory, names: SlotNames, epoch: number, schema: Schema = DEFAULT_SCHEMA): Snapshot {
  const snap = emptySnapshot(epoch, schema)
  const capacity = core.tableCapacity()
  const width = schema.cells
  // Addresses come back from wasm as i32: past 2 GiB they read negative without >>> 0.
  const cells = new Float64Array(memory.buffer, core.address(REGION_BATCH) >>> 0, (capacity + 1) * width)
  const list = new Uint32Array(memory.buffer, core.address(REGION_BATCH_LIST) >>> 0, core.batchRows())
  if (schema === DEFAULT_SCHEMA) { // the two-counter row: the common case, kept fast
    for (let i = 0; i < list.length; i++) {
      const slot = list[i]
      const success = cells[2 * slot]
      const error = cells[2 * slot + 1]
      // A slot with counts is published: its writer resolved it first.
      const name = names.name(slot) ?? `#slot-${slot}`
      const seen = names.duplicates ? snap.topics.get(name) : undefined
      if (seen) { seen.success += success; seen.error += error } else snap.topics.set(name, { success, error })
    }
    snap.overflow.success = cells[2 * capacity]
    snap.overflow.error = cells[2 * capacity + 1]
    return snap
  }
  const read = readerOf(schema)
  for (let i = 0; i < list.length; i++) {
    const slot = list[i]
    const row = read(cells, slot * width)
    const name = names.name(slot) ?? `#slot-${slot}`
    const seen = names.duplicates ? snap.topics.get(name) : undefined
    if (seen) addRow(seen, row); else snap.topics.set(name, row)
  }
  snap.overflow = readRow(cells, capacity * width, width, read) ?? snap.overflow
  return snap
}
