// Summing the Kafka sink's records into exact totals: a record of a batch
// already counted is dropped. Records of one row (keyed by its topic) land in
// one partition in the order they were sent, and a table delivers batch n
// (maybe more than once) before it forms n + 1, so keeping, per table and row,
// the highest sequence counted is enough: anything at or below it is a repeat.
import { fromNanos, toNanos } from './series-totals.js'

/** A histogram column: bucket counts added element-wise. */
export interface HistogramTotal {
  count: number
  sum: number
  counts: number[]
}

/** One row's totals: success and error always, then every other column and histogram seen. */
export type RowTotals = { success: number, error: number } & Record<string, number | HistogramTotal>

export interface CountsTotals {
  topics: Record<string, RowTotals>
  overflow: RowTotals
  /** Distinct batches (table, sequence) with a record counted. */
  batches: number
  /** Records dropped as repeats of a batch already counted. */
  duplicates: number
}

/** What add() did with a record. */
export type Added = 'counted' | 'duplicate' | 'invalid'

export interface TotalsOptions {
  /**
   * The overflow row is the record with `overflow: true`, whatever its topic.
   * Records written before that flag named it by a topic ("__overflow"): give
   * that topic here to count such records (without the flag) as overflow too.
   * Default: none, so a topic named "__overflow" stays a topic.
   */
  overflowTopic?: string
  /** Batches remembered per table for the `batches` figure (default 4096). */
  batchMemory?: number
}

// Numeric fields that describe a record rather than count anything.
const METADATA = new Set(['epoch', 'time', 'sequence'])
// Where a reader keeps the overflow row's highest sequence: no topic can be named so.
const OVERFLOW_ROW = '/overflow'

/** A count as a table writes it: a whole number from 0 to 2^53 - 1. Anything else (1e308 twice makes Infinity, which a checkpoint's JSON cannot hold) is not one. */
function isCount (value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}

function isHistogram (value: unknown): value is HistogramTotal {
  const h = value as Partial<HistogramTotal> | null
  // Finite only: a sum of 1e999 (Infinity once parsed) has no nano-units.
  return h !== null && typeof h === 'object' && isCount(h.count) && Number.isFinite(h.sum) &&
    Array.isArray(h.counts) && h.counts.every(isCount)
}

// A histogram while summing: the sum in whole nano-units (the table's own
// unit), converted to a number once, when the totals are read. Adding each
// record's float sum would drift (ten sums of 0.1 make 0.9999999999999999).
interface HistogramAcc { count: number, nanos: bigint, counts: number[] }
type RowAcc = Record<string, number | HistogramAcc>

/** A record's sum (units, as the sink wrote it) in nano-units, from its decimal (exact at every resolution; sum * 1e9 is not past 2^53). */
const nanosOf = toNanos
/** Nano-units as the nearest number. */
const unitsOf = fromNanos

function emptyAcc (): RowAcc {
  return { success: 0, error: 0 }
}

/** Adds a record's columns and histograms into a row. */
function addInto (row: RowAcc, value: Record<string, unknown>): void {
  for (const key in value) {
    if (METADATA.has(key) || key === '__proto__') continue // a key, not the prototype
    const v = value[key]
    if (key === 'overflow' && v === true) continue // the overflow row's flag
    if (typeof v === 'number') {
      if (!isCount(v)) continue
      const had = row[key]
      row[key] = (typeof had === 'number' ? had : 0) + v
    } else if (isHistogram(v)) {
      const had = row[key]
      const h = typeof had === 'object' ? had : (row[key] = { count: 0, nanos: 0n, counts: [] })
      h.count += v.count
      h.nanos += nanosOf(v.sum)
      v.counts.forEach((c, i) => { h.counts[i] = (h.counts[i] ?? 0) + c })
    }
  }
}

/** The totals of a row: sums converted to units. */
function copyRow (row: RowAcc): RowTotals {
  return Object.fromEntries(Object.entries(row).map(([key, v]) => [key, typeof v === 'number' ? v : { count: v.count, sum: unitsOf(v.nanos), counts: [...v.counts] }])) as RowTotals
}

/** A row as checkpoint JSON: sums as decimal strings of nano-units. */
function rowState (row: RowAcc): RowState {
  return Object.fromEntries(Object.entries(row).map(([key, v]) => [key, typeof v === 'number' ? v : { count: v.count, nanos: v.nanos.toString(), counts: [...v.counts] }]))
}

function rowFromState (state: RowState): RowAcc {
  const row = emptyAcc()
  for (const [key, v] of Object.entries(state)) {
    if (key === '__proto__') continue
    row[key] = typeof v === 'number' ? v : { count: v.count, nanos: BigInt(v.nanos), counts: [...v.counts] }
  }
  return row
}

/** Adds one row into another (used to combine partitions). */
function addAcc (into: RowAcc, row: RowAcc): void {
  for (const [key, v] of Object.entries(row)) {
    const had = into[key]
    if (typeof v === 'number') into[key] = (typeof had === 'number' ? had : 0) + v
    else {
      const h = typeof had === 'object' ? had : (into[key] = { count: 0, nanos: 0n, counts: [] })
      h.count += v.count
      h.nanos += v.nanos
      v.counts.forEach((c, i) => { h.counts[i] = (h.counts[i] ?? 0) + c })
    }
  }
}

/** A row in a checkpoint: columns as numbers, histograms with their sum in nano-units as a decimal string. */
export type RowState = Record<string, number | { count: number, nanos: string, counts: number[] }>

/** Everything a reader knows, as JSON: what a checkpoint stores. */
export interface ReaderState {
  topics: Array<[string, RowState]>
  overflow: RowState
  /** Per table: per row, the highest sequence counted. */
  highest: Array<[string, Array<[string, number]>]>
  batches: number
  duplicates: number
  records: { counted: number, duplicate: number, invalid: number }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
// A total, unlike one record's count, may pass 2^53 (and stay a number a checkpoint's JSON holds).
const isTotal = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0
const isRowState = (row: unknown): boolean => isObject(row) && Object.values(row).every(v => isTotal(v) ||
  (isObject(v) && isTotal(v.count) && typeof v.nanos === 'string' && /^-?\d+$/.test(v.nanos) && Array.isArray(v.counts) && v.counts.every(isTotal)))
const isPairs = (list: unknown, value: (v: unknown) => boolean): boolean =>
  Array.isArray(list) && list.every(e => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && value(e[1]))

/** A state of state() as read back from JSON: anything else (a foreign or damaged checkpoint) would make restore() throw or count garbage. */
export function isReaderState (state: unknown): state is ReaderState {
  if (!isObject(state) || !isRowState(state.overflow) || !isPairs(state.topics, isRowState)) return false
  if (!isPairs(state.highest, rows => isPairs(rows, seq => Number.isSafeInteger(seq)))) return false
  const r = state.records
  return isTotal(state.batches) && isTotal(state.duplicates) && isObject(r) && isTotal(r.counted) && isTotal(r.duplicate) && isTotal(r.invalid)
}

export class TotalsReader {
  private readonly topics = new Map<string, RowAcc>()
  private overflow = emptyAcc()
  private readonly overflowTopic: string | undefined
  private readonly batchMemory: number
  // Per table: per row, the highest sequence counted.
  private readonly highest = new Map<string, Map<string, number>>()
  // Per table: the sequences counted lately (for `batches` only, not for dropping).
  private readonly recent = new Map<string, Set<number>>()
  private batches = 0
  private duplicates = 0
  /** Records counted, dropped and not understood. */
  readonly records = { counted: 0, duplicate: 0, invalid: 0 }

  constructor (options: TotalsOptions = {}) {
    this.overflowTopic = options.overflowTopic
    this.batchMemory = options.batchMemory ?? 4096
    if (!Number.isSafeInteger(this.batchMemory) || this.batchMemory < 1) throw new RangeError(`batchMemory must be a whole number of at least 1, got ${String(options.batchMemory)}`)
  }

  /** Adds one record's value (the parsed JSON, or its text or bytes). */
  add (value: unknown): Added {
    const record = parse(value)
    const outcome = record === undefined ? 'invalid' : this.count(record)
    this.records[outcome]++
    return outcome
  }

  private count (record: Record<string, unknown>): Added {
    const overflow = record.overflow === true || (record.overflow === undefined && record.topic === this.overflowTopic)
    // The overflow row is told by its flag: a topic of any name stays a topic.
    const topic = overflow ? OVERFLOW_ROW : record.topic as string
    const { table, sequence } = record
    const batched = table !== undefined || sequence !== undefined
    if (batched) {
      if (typeof table !== 'string' || typeof sequence !== 'number' || !Number.isSafeInteger(sequence)) return 'invalid'
      const rows = this.highest.get(table) ?? new Map<string, number>()
      this.highest.set(table, rows)
      const high = rows.get(topic)
      if (high !== undefined && sequence <= high) {
        this.duplicates++
        return 'duplicate'
      }
      rows.set(topic, sequence)
      this.noteBatch(table, sequence)
    } // else: a record of a version without batch ids, summed as it is
    const row = overflow ? this.overflow : this.topics.get(topic) ?? emptyAcc()
    if (row !== this.overflow) this.topics.set(topic, row)
    addInto(row, record)
    return 'counted'
  }

  private noteBatch (table: string, sequence: number): void {
    const seen = this.recent.get(table) ?? new Set<number>()
    this.recent.set(table, seen)
    if (seen.has(sequence)) return
    seen.add(sequence)
    this.batches++
    // Oldest first out: sequences arrive in about increasing order.
    if (seen.size > this.batchMemory) seen.delete(seen.values().next().value as number)
  }

  /** A copy of the totals so far. */
  totals (): CountsTotals {
    // fromEntries: a topic named "__proto__" stays a topic.
    const topics = Object.fromEntries([...this.topics.keys()].sort().map(name => [name, copyRow(this.topics.get(name) as RowAcc)]))
    return { topics, overflow: copyRow(this.overflow), batches: this.batches, duplicates: this.duplicates }
  }

  /** Everything this reader knows, as JSON (a checkpoint). The `batches` memory of recent sequences is not kept: only its count. */
  state (): ReaderState {
    return {
      topics: [...this.topics].map(([name, row]) => [name, rowState(row)]),
      overflow: rowState(this.overflow),
      highest: [...this.highest].map(([table, rows]) => [table, [...rows]]),
      batches: this.batches,
      duplicates: this.duplicates,
      records: { ...this.records }
    }
  }

  /** Goes on from a state of state(): totals, repeats dropped and records as they were. */
  restore (state: ReaderState): void {
    this.topics.clear()
    this.highest.clear()
    this.recent.clear()
    for (const [name, row] of state.topics) this.topics.set(name, rowFromState(row))
    this.overflow = rowFromState(state.overflow)
    for (const [table, rows] of state.highest) this.highest.set(table, new Map(rows))
    this.batches = state.batches
    this.duplicates = state.duplicates
    Object.assign(this.records, state.records)
  }

  /** Adds the totals and dedupe state of another reader (of other partitions: rows apart) into this one. */
  merge (other: TotalsReader): void {
    for (const [name, row] of other.topics) {
      const into = this.topics.get(name) ?? emptyAcc()
      this.topics.set(name, into)
      addAcc(into, row)
    }
    addAcc(this.overflow, other.overflow)
    for (const [table, rows] of other.highest) {
      const into = this.highest.get(table) ?? new Map<string, number>()
      this.highest.set(table, into)
      for (const [row, seq] of rows) into.set(row, Math.max(seq, into.get(row) ?? seq))
    }
    this.batches += other.batches
    this.duplicates += other.duplicates
    for (const k of ['counted', 'duplicate', 'invalid'] as const) this.records[k] += other.records[k]
  }
}

const decoder = new TextDecoder()

/** The record as an object with a string topic, or undefined. */
function parse (value: unknown): Record<string, unknown> | undefined {
  let v = value
  try {
    if (v instanceof Uint8Array) v = decoder.decode(v)
    if (typeof v === 'string') v = JSON.parse(v)
  } catch {
    return undefined
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined
  const record = v as Record<string, unknown>
  return typeof record.topic === 'string' ? record : undefined
}
