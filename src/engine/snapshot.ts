// Reading a snapshot or a batch out of the staging rows into plain JS values.
import type { CoreExports } from './core.js'
import { DEFAULT_SCHEMA, NANOS, type Schema } from './schema.js'

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

/** Names a delivery: the same batch, retried, keeps its id. */
export interface BatchId {
  /** The table's random id (16 hex digits), unique across processes and restarts. */
  table: string
  /** The epoch of the flip that formed the batch: increases with every batch of the table. */
  sequence: number
  /** `${table}-${sequence}`: the key a deduplicating reader keeps. */
  id: string
}

export interface Snapshot {
  /** The epoch of the flip that formed this snapshot (every flip's epoch is distinct). */
  epoch: number
  /** Per topic, what was counted since the previous snapshot (topics with nothing counted are left out). */
  topics: Map<string, Row>
  /** Counts of topics that found the table full (the same shape as a topic's row). */
  overflow: Row
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

  constructor (private readonly core: CoreExports, private readonly memory: WebAssembly.Memory) {}

  remember (slot: number, name: string): void {
    if (this.names[slot] === undefined) this.learn(slot, name)
  }

  private learn (slot: number, name: string): string {
    if (this.seen.has(name)) this.duplicates = true
    this.seen.add(name)
    this.names[slot] = name
    return name
  }

  name (slot: number): string | undefined {
    const name = this.names[slot]
    if (name !== undefined) return name
    const key = this.core.slotKey(slot)
    if (key === 0) return undefined
    const length = this.core.slotKeyLength(slot)
    // Copy out of shared memory: TextDecoder does not read shared views everywhere.
    return this.learn(slot, this.decoder.decode(new Uint8Array(this.memory.buffer, key, length).slice()))
  }
}

type ReadWord = (slot: number, cell: number) => number

/** A row read cell by cell, only the cells that hold anything; undefined when none does. */
function readRow (core: CoreExports, schema: Schema, slot: number, read: ReadWord): Row | undefined {
  const masks: number[] = []
  let any = 0
  for (let from = 0; from < schema.cells; from += 32) {
    const mask = core.nonZero(slot, from)
    masks.push(mask)
    any |= mask
  }
  if (any === 0) return undefined
  const cell = (c: number): number => (masks[c >>> 5] >>> (c & 31)) & 1 ? read(slot, c) : 0
  const row: Record<string, number | HistogramCounts> = {}
  const columns = schema.columns
  for (let c = 0; c < columns.length; c++) row[columns[c]] = cell(c)
  for (const h of schema.histograms) {
    const counts = new Array<number>(h.bounds.length + 1)
    let count = 0
    for (let i = 0; i < counts.length; i++) count += counts[i] = cell(h.sumCell + 1 + i)
    row[h.name] = { count, sum: cell(h.sumCell) / NANOS, counts }
  }
  return row as Row
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

function readRows (core: CoreExports, names: SlotNames, epoch: number, read: ReadWord, schema: Schema): Snapshot {
  const snap = emptySnapshot(epoch, schema)
  const registered = core.registered()
  const capacity = core.tableCapacity()
  if (schema === DEFAULT_SCHEMA) { // the two-counter row, read without masks: the common case, kept fast
    for (let slot = 0; slot < registered; slot++) {
      const success = read(slot, 0)
      const error = read(slot, 1)
      if (success === 0 && error === 0) continue
      // A slot with counts in staging is published: its writer resolved it first.
      const name = names.name(slot) ?? `#slot-${slot}`
      const seen = names.duplicates ? snap.topics.get(name) : undefined
      if (seen) { seen.success += success; seen.error += error } else snap.topics.set(name, { success, error })
    }
    snap.overflow.success = read(capacity, 0)
    snap.overflow.error = read(capacity, 1)
    return snap
  }
  for (let slot = 0; slot < registered; slot++) {
    const row = readRow(core, schema, slot, read)
    if (row === undefined) continue
    const name = names.name(slot) ?? `#slot-${slot}`
    const seen = names.duplicates ? snap.topics.get(name) : undefined
    if (seen) addRow(seen, row); else snap.topics.set(name, row)
  }
  snap.overflow = readRow(core, schema, capacity, read) ?? snap.overflow
  return snap
}

/** Takes every staging row out (each word by one atomic exchange). */
export function collect (core: CoreExports, names: SlotNames, epoch: number, schema: Schema = DEFAULT_SCHEMA): Snapshot {
  return readRows(core, names, epoch, core.take, schema)
}

/** Reads the pending batch without moving it: it stays in staging until acknowledged. */
export function peekBatch (core: CoreExports, names: SlotNames, epoch: number, schema: Schema = DEFAULT_SCHEMA): Snapshot {
  return readRows(core, names, epoch, core.peek, schema)
}
