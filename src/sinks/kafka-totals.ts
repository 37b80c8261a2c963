// Summing the Kafka sink's records into exact totals: a record of a batch
// already counted is dropped. Records of one row (keyed by its topic) land in
// one partition in the order they were sent, and a table delivers batch n
// (maybe more than once) before it forms n + 1, so keeping, per table and row,
// the highest sequence counted is enough: anything at or below it is a repeat.

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

function isHistogram (value: unknown): value is HistogramTotal {
  const h = value as Partial<HistogramTotal> | null
  return h !== null && typeof h === 'object' && typeof h.count === 'number' && typeof h.sum === 'number' &&
    Array.isArray(h.counts) && h.counts.every(c => typeof c === 'number')
}

function emptyRow (): RowTotals {
  return { success: 0, error: 0 }
}

/** Adds a record's columns and histograms into a row. */
function addInto (row: RowTotals, value: Record<string, unknown>): void {
  const r = row as Record<string, number | HistogramTotal>
  for (const [key, v] of Object.entries(value)) {
    if (METADATA.has(key) || key === '__proto__') continue // a key, not the prototype
    if (key === 'overflow' && v === true) continue // the overflow row's flag
    if (typeof v === 'number' && Number.isFinite(v)) {
      const had = r[key]
      r[key] = (typeof had === 'number' ? had : 0) + v
    } else if (isHistogram(v)) {
      const had = r[key]
      const h = isHistogram(had) ? had : (r[key] = { count: 0, sum: 0, counts: [] })
      h.count += v.count
      h.sum += v.sum
      v.counts.forEach((c, i) => { h.counts[i] = (h.counts[i] ?? 0) + c })
    }
  }
}

function copyRow (row: RowTotals): RowTotals {
  return Object.fromEntries(Object.entries(row).map(([key, v]) => [key, typeof v === 'number' ? v : { count: v.count, sum: v.sum, counts: [...v.counts] }])) as RowTotals
}

export class TotalsReader {
  private readonly topics = new Map<string, RowTotals>()
  private readonly overflow = emptyRow()
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
    const row = overflow ? this.overflow : this.topics.get(topic) ?? emptyRow()
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
    const topics = Object.fromEntries([...this.topics.keys()].sort().map(name => [name, copyRow(this.topics.get(name) as RowTotals)]))
    return { topics, overflow: copyRow(this.overflow), batches: this.batches, duplicates: this.duplicates }
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
