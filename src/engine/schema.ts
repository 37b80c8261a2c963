// The table's schema: which counters a row holds. Columns are plain counters;
// a histogram is a sum (two cells, in whole units of its resolution: see
// assembly/histogram.ts) followed by one counter per bucket. The schema is
// checked here, once, and travels with the table as JSON text.
import { describe } from './validate.js'
import { MAX_ROW_CELLS as CORE_ROW_CELLS, MAX_SCHEMA_BYTES as CORE_SCHEMA_BYTES } from './generated/constants.js'

export const DEFAULT_COLUMNS: readonly string[] = ['success', 'error']
export const MAX_BUCKETS = 64
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
// A histogram keeps its sum in whole units of its resolution: 1e-9 (nano-units,
// for durations in seconds) unless it declares another, down to 1 (whole units,
// for sizes in bytes). An observation is at most 2^53 units, so it reaches the
// core exactly: 9,007,199.254740992 at 1e-9, 9,007,199,254,740,992 at 1.
export const DEFAULT_RESOLUTION = 1e-9
export const NANOS = 1e9
const RESOLUTIONS = [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9]
/** The largest observation of a histogram at the default resolution (2^53 nano-units). */
export const MAX_OBSERVATION = 2 ** 53 / NANOS
/** Histogram bucket bounds: an array, or with the resolution its sum keeps. */
export interface HistogramOptions {
  bounds: readonly number[]
  /** The unit the sum counts in: a power of ten from 1e-9 (the default) to 1. */
  resolution?: number
}
/** The core's limit on a row's cells: one per column, and per histogram 3 + its bounds. */
export const MAX_ROW_CELLS: number = CORE_ROW_CELLS
/** The core's limit on the schema's JSON text, in bytes. */
export const MAX_SCHEMA_BYTES: number = CORE_SCHEMA_BYTES

/**
 * Names a column or histogram may not take: the fields a sink writes beside a
 * row's columns (a Kafka record's topic, overflow flag, epoch, time, source,
 * batch, table and sequence), so no column is ever overwritten by metadata or
 * read back as it.
 */
export const RESERVED_NAMES: readonly string[] = Object.freeze(['topic', 'overflow', 'epoch', 'time', 'source', 'batch', 'table', 'sequence'])

/** What the user declares: counter columns and histograms (name -> ascending bucket upper bounds). */
export interface SchemaOptions {
  columns?: readonly string[]
  histograms?: Readonly<Record<string, readonly number[] | HistogramOptions>>
}

export interface HistogramLayout {
  name: string
  bounds: readonly number[]
  /** The unit of the sum (a power of ten), and its inverse: units per 1 of the value. */
  resolution: number
  scale: number
  /** The largest observation: 2^53 units. */
  max: number
  /** Cell index of the sum (two cells); bucket i is at sumCell + 2 + i. */
  sumCell: number
}

export interface Schema {
  columns: readonly string[]
  histograms: readonly HistogramLayout[]
  /** Cells per row. */
  cells: number
  /** The canonical JSON stored in the table; '' for the default schema. */
  text: string
}

function checkName (what: string, name: unknown, seen: Set<string>): string {
  if (typeof name !== 'string') throw new TypeError(`a ${what} name must be a string, got ${describe(name)}`)
  if (!NAME.test(name)) throw new RangeError(`a ${what} name must be an identifier ([A-Za-z_][A-Za-z0-9_]*), got ${JSON.stringify(name)}`)
  // As a key, __proto__ would set a row object's prototype instead of holding a number.
  if (name === '__proto__') throw new RangeError(`a ${what} name must not be "__proto__" (it names an object's prototype, not a key of its own)`)
  if (RESERVED_NAMES.includes(name)) {
    throw new RangeError(`a ${what} name must not be one of ${RESERVED_NAMES.join(', ')} (the sinks write these fields beside a row's columns), got ${JSON.stringify(name)}`)
  }
  if (seen.has(name)) throw new RangeError(`the name ${JSON.stringify(name)} is declared twice (columns and histograms share one namespace)`)
  seen.add(name)
  return name
}

interface DeclaredHistogram { bounds: number[], resolution: number }

function checkHistogram (name: string, declared: unknown): DeclaredHistogram {
  if (Array.isArray(declared)) return { bounds: checkBounds(name, declared, DEFAULT_RESOLUTION), resolution: DEFAULT_RESOLUTION }
  if (declared === null || typeof declared !== 'object') {
    throw new TypeError(`histogram ${name}: declare an array of bounds or { bounds, resolution }, got ${describe(declared)}`)
  }
  const { bounds, resolution = DEFAULT_RESOLUTION, ...rest } = declared as Record<string, unknown>
  const unknown = Object.keys(rest)
  if (unknown.length > 0) throw new TypeError(`histogram ${name}: unknown option ${JSON.stringify(unknown[0])} (a histogram takes bounds and resolution)`)
  if (typeof resolution !== 'number' || !RESOLUTIONS.includes(resolution)) {
    throw new RangeError(`histogram ${name}: resolution must be a power of ten from 1e-9 to 1 (1, 0.1, ... 1e-9), got ${describe(resolution)}`)
  }
  return { bounds: checkBounds(name, bounds, resolution), resolution }
}

/** The unit count per 1 of the value, exact: 10^k. */
const scaleOf = (resolution: number): number => 10 ** RESOLUTIONS.indexOf(resolution)
/** The largest observation a histogram of this resolution takes. */
export const maxObservation = (resolution: number): number => 2 ** 53 / scaleOf(resolution)

function checkBounds (name: string, bounds: unknown, resolution: number): number[] {
  if (!Array.isArray(bounds)) throw new TypeError(`histogram ${name}: bounds must be an array of numbers, got ${describe(bounds)}`)
  if (bounds.length === 0) throw new RangeError(`histogram ${name}: bounds must not be empty`)
  if (bounds.length + 1 > MAX_BUCKETS) throw new RangeError(`histogram ${name}: at most ${MAX_BUCKETS} buckets (${MAX_BUCKETS - 1} bounds), got ${bounds.length + 1}`)
  bounds.forEach((b, i) => {
    if (typeof b !== 'number') throw new TypeError(`histogram ${name}: bound ${i} must be a number, got ${describe(b)}`)
    if (!Number.isFinite(b)) throw new RangeError(`histogram ${name}: bounds must be finite, got ${String(b)} at ${i}`)
    if (i > 0 && !(b > bounds[i - 1])) throw new RangeError(`histogram ${name}: bounds must be strictly ascending, got ${bounds[i - 1]} then ${b} at ${i}`)
  })
  const most = maxObservation(resolution)
  const last = bounds[bounds.length - 1] as number
  if (last > most) {
    throw new RangeError(`histogram ${name}: bound ${last} can never be reached: an observation is at most ${most} (2^53 units of resolution ${resolution}); ` +
      'declare { bounds, resolution } with a coarser resolution (1 counts whole units)')
  }
  return [...bounds]
}

function layout (columns: readonly string[], histograms: ReadonlyArray<[string, DeclaredHistogram]>, text: string): Schema {
  let cells = columns.length
  const laid: HistogramLayout[] = []
  for (const [name, { bounds, resolution }] of histograms) {
    laid.push(Object.freeze({ name, bounds: Object.freeze(bounds), resolution, scale: scaleOf(resolution), max: maxObservation(resolution), sumCell: cells }))
    cells += 2 + bounds.length + 1
  }
  return Object.freeze({ columns: Object.freeze([...columns]), histograms: Object.freeze(laid), cells, text })
}

/** Checks a declared schema (every rule named in its error) and lays it out. */
export function makeSchema (options: SchemaOptions): Schema {
  const { columns, histograms } = options
  if (columns === undefined && histograms === undefined) return DEFAULT_SCHEMA
  const seen = new Set<string>()
  if (columns !== undefined && !Array.isArray(columns)) throw new TypeError(`columns must be an array of names, got ${describe(columns)}`)
  const names = (columns ?? DEFAULT_COLUMNS).map(c => checkName('column', c, seen))
  if (histograms !== undefined && (histograms === null || typeof histograms !== 'object' || Array.isArray(histograms))) {
    throw new TypeError(`histograms must be an object of name -> bucket bounds, got ${describe(histograms)}`)
  }
  const hists = Object.entries(histograms ?? {}).map(([name, declared]) => [checkName('histogram', name, seen), checkHistogram(name, declared)] as [string, DeclaredHistogram])
  if (names.length === 0 && hists.length === 0) throw new RangeError('a schema needs at least one column or histogram')
  const isDefault = hists.length === 0 && names.length === 2 && names[0] === 'success' && names[1] === 'error'
  if (isDefault) return DEFAULT_SCHEMA
  // Stored as declared: bounds alone at the default resolution.
  const stored = hists.map(([name, h]) => [name, h.resolution === DEFAULT_RESOLUTION ? h.bounds : h])
  const schema = layout(names, hists, JSON.stringify({ columns: names, histograms: Object.fromEntries(stored) }))
  // The core's limits, checked before any memory is made (the core would refuse the table without saying why).
  if (schema.cells > MAX_ROW_CELLS) {
    throw new RangeError(`a row holds at most ${MAX_ROW_CELLS} cells (a cell per column, and per histogram two for its sum and a cell per bucket), ` +
      `got ${schema.cells} (${names.length} columns, ${hists.length} histograms)`)
  }
  const bytes = new TextEncoder().encode(schema.text).length
  if (bytes > MAX_SCHEMA_BYTES) throw new RangeError(`a schema's JSON text is at most ${MAX_SCHEMA_BYTES} bytes (64 KiB), got ${bytes}`)
  return schema
}

/** The schema a table stores, from its text ('' is the default). */
export function parseSchema (text: string): Schema {
  if (text === '') return DEFAULT_SCHEMA
  const parsed = JSON.parse(text) as SchemaOptions
  return makeSchema(parsed)
}

export const DEFAULT_SCHEMA: Schema = layout(DEFAULT_COLUMNS, [], '')

/** The bucket of `value`: the first i with value <= bounds[i], else the last (bounds.length). */
export function bucketOf (bounds: readonly number[], value: number): number {
  let lo = 0
  let hi = bounds.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (value <= bounds[mid]) hi = mid; else lo = mid + 1
  }
  return lo
}

/** Refuses an observation that is not a finite number from 0 to the histogram's largest, naming both. */
export function checkObservation (h: HistogramLayout, value: unknown): void {
  if (typeof value !== 'number') throw new TypeError(`an observation must be a number, got ${describe(value)}`)
  if (!(value >= 0) || value > h.max) {
    throw new RangeError(`an observation of histogram ${h.name} must be a finite number from 0 to ${h.max} (2^53 units of resolution ${h.resolution}), got ${String(value)}`)
  }
}
