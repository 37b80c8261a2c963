// The Tally: one thread's handle on a shared counter table.
import { ATTACH_ERRORS, coreModule, exportedAs, instantiateCore, instantiateCoreSync, type CoreExports } from './core.js'
import { TallyBusyError, TallyLayoutError } from './errors.js'
import { assertSharedMemory } from './runtime-check.js'
import { acquire } from './lock.js'
import { batchId, deferIfBig, readBatch, SlotNames, type BatchId, type Counts, type HistogramCounts, type Row, type RowOf, type Snapshot } from './snapshot.js'
import { deliveredPart, type Batch } from './batch.js'
import { RegionRows } from './batch-reader.js'
import { checkObservation, DEFAULT_SCHEMA, makeSchema, parseSchema, type HistogramLayout, type Schema, type SchemaOptions } from './schema.js'
import { descriptorAddresses, histogramIndex } from './histogram-index.js'
import { checkCount, checkOptions, checkTopic, checkWait, checkWholeInRange, describe, outcomeOffset, type Outcome } from './validate.js'
import { ATTACH_OK, CELL_BYTES, H_VERSION, LOCK_BUSY, MAX_KEY, MAX_TABLE_BYTES, OUTCOME_SUCCESS, REGION_BATCH, REGION_HIST, REGION_SCHEMA, TABLE_BASE, VERSION } from './generated/constants.js'

export const DEFAULT_CAPACITY = 1024
export const DEFAULT_STRIPES = 16
export const DEFAULT_LEASE_MS = 5000
export const MAX_CAPACITY = 1 << 20
export const MAX_STRIPES = 256
const PAGE = 65536
// How long a thread may hold a scratch buffer while it registers a topic; a
// thread terminated mid-registration frees it when this runs out.
const SCRATCH_LEASE_MS = 2000
// Keys that found the table full are cached up to this many; past it each is
// looked up in the directory again: a producer sending to ever new topic names
// must not grow this thread's cache without bound (admitted keys are bounded
// by the capacity).
const MAX_OVERFLOW_CACHED = 4096

/**
 * Options of Tally.create. `C` are the column names and `H` the histogram
 * names, inferred from `columns` and `histograms`, so that record(), observe()
 * and bindings accept exactly the declared names.
 */
export interface TallyOptions<C extends string = Outcome, H extends string = never> {
  /** Topics with a row of their own (default 1024); more go to the overflow row. */
  capacity?: number
  /** Writer stripes (default 16): threads beyond this share stripes. */
  stripes?: number
  /** How long a flusher may hold the snapshot lock before another may take it over (ms, default 5000). */
  leaseMs?: number
  /** Called once per Tally when a topic finds the table full (default: console.warn). */
  onOverflow?: (topic: string) => void
  /** A compiled core module to use instead of the embedded one (runtimes that import .wasm as a module). */
  module?: WebAssembly.Module
  /** Counter columns of every row (default ['success', 'error']). */
  columns?: readonly C[]
  /** Histograms of every row: name -> ascending finite bucket upper bounds (at most 63 bounds). */
  histograms?: { readonly [name in H]: readonly number[] }
  /**
   * Of `capacity`, rows only the package's own rows (recordRow) may take, and
   * topics never: a KafkaTally's error kinds. Default 0: one pool for all.
   * @internal
   */
  reservedRows?: number
}

export type AttachOptions = Pick<TallyOptions<string, string>, 'leaseMs' | 'onOverflow'>

// Types only: the key under which a handle's type carries the table's names (never set at run time).
declare const schemaNames: unique symbol

/**
 * A structured-cloneable handle: post it to a worker and call Tally.attach
 * there. `C` and `H` are the table's column and histogram names, carried by
 * the type from share() to attach() (a handle received from postMessage is
 * untyped: annotate it, e.g. `workerData as SharedTally<'bytes', 'latency'>`).
 */
export interface SharedTally<C extends string = string, H extends string = string> {
  kind: 'wasm-tally'
  memory: WebAssembly.Memory
  module: WebAssembly.Module
  leaseMs: number
  /** The table's schema as stored in it ('' for the default); attach checks it against the table. */
  schema: string
  /** Types only, never present: the table's names (a method, so handles of tables with other names stay assignable). */
  [schemaNames]? (names: { columns: C, histograms: H }): void
}

export interface OpenBatchOptions {
  /**
   * Build `batch.snapshot` only if it is read, while the batch is open (a sink
   * that reads `batch.rows` never pays for it); default false: built at once.
   */
  lazy?: boolean
  /** Rows `batch.rows.forEachRow` leaves out, by name (a layer's own rows, read with forEachHidden). @internal */
  hide?: (name: string) => boolean
}

export interface SnapshotOptions {
  /** How long to wait for another flusher's lock (ms, default: its lease). */
  waitMs?: number
}

/** A topic bound once: the fastest way to count. */
export interface Binding<C extends string = Outcome, H extends string = never> {
  readonly topic: string
  /** Adds to the 'success' column (a TypeError if the schema has none). */
  success (count?: number): void
  /** Adds to the 'error' column (a TypeError if the schema has none). */
  error (count?: number): void
  /** Adds `count` to any declared column. */
  add (column: C, count: number): void
  /** Records one observation of a declared histogram. */
  observe (histogram: H, value: number): void
}

/**
 * What Tally.outcome() returns: adds `a` and `b` to a row's two columns and
 * observes `value` (seconds) in its histogram, in one call.
 * @internal
 */
export type RowOutcome = (a: number, b: number, value: number) => void

/** A histogram as observe() uses it: its sum's byte offset in a row, its descriptor's address in the index. */
interface HistogramSlot { sumCell: number, descriptor: number, layout: HistogramLayout }

export interface TallyStats {
  capacity: number
  stripes: number
  stripesInUse: number
  registered: number
  /** Distinct topics, table-wide, that found the table full. */
  overflowTopics: number
  epoch: number
  bytes: number
  /** The epoch of the batch waiting for a sink's acknowledgement, 0 when none. */
  pendingBatch: number
}

// The exports a module must have to be wasm-tally's core (a foreign module is refused up front).
const CORE_EXPORTS = ['bytesFor', 'create', 'attach', 'resolve', 'inc', 'add', 'batchOpen', 'batchAck', 'lockTry'] as const

function defaultOverflow (topic: string): void {
  console.warn(`wasm-tally: the table is full; counts for ${JSON.stringify(topic)} and later new topics go to the overflow row`)
}

function checkModule (name: string, module: unknown): WebAssembly.Module {
  if (!(module instanceof WebAssembly.Module)) throw new TypeError(`${name} must be a WebAssembly.Module (wasm-tally's core), got ${describe(module)}`)
  const exported = new Set(WebAssembly.Module.exports(module).map(e => e.name))
  const missing = CORE_EXPORTS.filter(name => !exported.has(exportedAs(name)))
  // Cores built before the short export names (layout 3 and older) export the long ones.
  if (missing.length > 0 && CORE_EXPORTS.every(name => exported.has(name))) {
    throw new TallyLayoutError(`${name} is an older wasm-tally core (layout 3 or before, with long export names); this wasm-tally reads layout ${VERSION}: use the module of the same package version`)
  }
  if (missing.length > 0) throw new TypeError(`${name} is not wasm-tally's core module: it lacks the exports ${missing.join(', ')}`)
  return module
}

function checkOnOverflow (value: unknown): ((topic: string) => void) | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`onOverflow must be a function (topic) => void, got ${describe(value)}`)
  return value as ((topic: string) => void) | undefined
}

/**
 * Counter words a batch formation may read per millisecond of lease: 50 ns a
 * word, where a formation on a 2-core machine takes about 1 ns a word, and
 * 4 to 5 ns with both cores oversubscribed (a flusher that forms for longer
 * than its lease is overtaken in the middle, which the design's one
 * assumption rules out: docs/ARCHITECTURE.md).
 */
const WORDS_PER_LEASE_MS = 20_000

function checkLeaseFits (core: CoreExports, leaseMs: number): void {
  const capacity = core.tableCapacity()
  const cells = core.tableRowCells()
  const stripes = core.tableStripes()
  const least = Math.ceil((capacity + 1) * cells * stripes / WORDS_PER_LEASE_MS)
  if (leaseMs < least) {
    throw new RangeError(`leaseMs must be at least ${least} ms for this table (1 ms per ${WORDS_PER_LEASE_MS} counter words: ${capacity + 1} rows x ${cells} cells x ${stripes} stripes), got ${leaseMs}`)
  }
}

function readSchemaText (core: CoreExports, memory: WebAssembly.Memory): string {
  const length = core.schemaLength()
  if (length === 0) return ''
  // Copy out of shared memory: TextDecoder does not read shared views everywhere.
  return new TextDecoder().decode(new Uint8Array(memory.buffer, core.address(REGION_SCHEMA), length).slice())
}

/** A share() handle's parts, checked: what attach and attachSync instantiate. */
function checkShared (where: string, shared: SharedTally, options: unknown): { module: WebAssembly.Module, memory: WebAssembly.Memory, options: AttachOptions } {
  if (shared === null || typeof shared !== 'object' || !(shared.memory instanceof WebAssembly.Memory)) {
    throw new TypeError(`${where} expects the object returned by tally.share(): { memory, module }, got ${describe(shared)}`)
  }
  const module = checkModule('shared.module', shared.module)
  const o = checkOptions<AttachOptions>(where, options)
  if (!(shared.memory.buffer instanceof SharedArrayBuffer)) {
    throw new TallyLayoutError('the memory is not shared: create it with Tally.create() and pass tally.share()')
  }
  return { module, memory: shared.memory, options: { leaseMs: shared.leaseMs, ...o } }
}

function linkError (cause: unknown): TallyLayoutError {
  return new TallyLayoutError(`the module does not link against this memory: ${(cause as Error).message}`)
}

function randomWord (): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]
}

const GIB = 2 ** 30

/** The sizing rule: refuses, before any memory is made, a shape a wasm32 memory cannot hold. */
function checkFits (probe: CoreExports, capacity: number, stripes: number, cells: number, schemaBytes: number, histBytes: number): number {
  const bytes = probe.bytesFor(capacity, stripes, cells, schemaBytes, histBytes)
  const most = MAX_TABLE_BYTES
  if (bytes <= most) return bytes
  let lo = 1
  let hi = capacity
  while (lo < hi) { // the largest capacity that fits with these stripes and this schema
    const mid = Math.ceil((lo + hi) / 2)
    if (probe.bytesFor(mid, stripes, cells, schemaBytes, histBytes) <= most) lo = mid; else hi = mid - 1
  }
  const row = cells === 2 ? '' : ` and ${cells} cells a row`
  throw new RangeError(`capacity ${capacity} with ${stripes} stripes${row} needs ${(bytes / GIB).toFixed(2)} GiB, over the ${most / GIB} GiB a wasm32 memory holds; ` +
    `the largest table with ${stripes} stripes${row} has capacity ${lo}`)
}

/** A Tally of any schema: what code that counts into any table takes. */
export type AnyTally = Tally<string, string, any>

/**
 * `C` and `H` are the table's column and histogram names (inferred by
 * create()); `R` is the row they make (RowOf), what snapshots hold.
 */
export class Tally<C extends string = Outcome, H extends string = never, R = RowOf<C, H>> {
  private readonly cache = new Map<string, number>()
  // The package's own rows (bindRow, recordRow): apart, so a topic spelled like one ("!overflow") is checked, not found.
  private readonly rowCache = new Map<string, number>()
  // Keys cached with the overflow row's cell (see MAX_OVERFLOW_CACHED).
  private overflowCached = 0
  private readonly names: SlotNames
  private readonly lockWord: Int32Array
  private readonly stripe: number
  private readonly owner: number
  readonly leaseMs: number
  private readonly onOverflow: (topic: string) => void
  private readonly tableId: string
  /** The row's shape: columns and histograms. */
  readonly schema: Schema
  // Histograms by name (with their sum cell's byte offset from a row's first cell).
  // The columns' names and offsets side by side: a scan with === beats a Map lookup for a handful.
  private readonly columnNames: readonly string[]
  private readonly columnBytes: readonly number[]
  // Histograms by name, side by side with their slots: found by a === scan, as columns are.
  private readonly histogramNames: readonly string[]
  private readonly histogramCells: readonly HistogramSlot[]
  // The first cell of each histogram's sum: a partial delivery moves its two cells together.
  private readonly sumCells: ReadonlySet<number>
  private warnedOverflow = false
  // The rows of the batch this instance has open (openBatch to ackBatch or releaseBatch).
  private openRows: RegionRows | undefined
  // The hot path calls these directly.
  private readonly inc: (cell: number) => void
  private readonly add: (cell: number, count: number) => void

  private constructor (
    private readonly core: CoreExports,
    private readonly memory: WebAssembly.Memory,
    private readonly module: WebAssembly.Module,
    options: AttachOptions
  ) {
    this.leaseMs = checkWholeInRange('leaseMs', options.leaseMs ?? DEFAULT_LEASE_MS, 1, 2 ** 31)
    this.onOverflow = checkOnOverflow(options.onOverflow) ?? defaultOverflow
    this.names = new SlotNames(core, memory)
    this.lockWord = new Int32Array(memory.buffer)
    const ticket = core.takeTicket()
    this.stripe = ticket % core.tableStripes()
    this.owner = (ticket % 0xffff) + 1
    this.tableId = [core.tableId(1), core.tableId(0)].map(w => (w >>> 0).toString(16).padStart(8, '0')).join('')
    this.inc = core.inc
    this.add = core.add
    this.schema = parseSchema(readSchemaText(core, memory))
    this.columnNames = [...this.schema.columns]
    this.columnBytes = this.columnNames.map((_, c) => c * CELL_BYTES)
    const descriptors = descriptorAddresses(memory, core.address(REGION_HIST) >>> 0, this.schema.histograms.length)
    this.histogramNames = this.schema.histograms.map(h => h.name)
    this.histogramCells = this.schema.histograms.map((h, j) => ({ sumCell: h.sumCell * CELL_BYTES, descriptor: descriptors[j], layout: h }))
    this.sumCells = new Set(this.schema.histograms.map(h => h.sumCell))
  }

  /** Creates a table in a new shared memory of fixed size. */
  static async create<const C extends string = Outcome, const H extends string = never> (options?: TallyOptions<C, H>): Promise<Tally<C, H>> {
    assertSharedMemory()
    const o = checkOptions<TallyOptions<C, H>>('Tally.create', options)
    const capacity = checkWholeInRange('capacity', o.capacity ?? DEFAULT_CAPACITY, 1, MAX_CAPACITY)
    const stripes = checkWholeInRange('stripes', o.stripes ?? DEFAULT_STRIPES, 1, MAX_STRIPES)
    if (o.leaseMs !== undefined) checkWholeInRange('leaseMs', o.leaseMs, 1, 2 ** 31)
    const reserved = checkWholeInRange('reservedRows', o.reservedRows ?? 0, 0, capacity - 1)
    checkOnOverflow(o.onOverflow)
    const schema = makeSchema({ columns: o.columns, histograms: o.histograms })
    const schemaText = new TextEncoder().encode(schema.text)
    const index = histogramIndex(schema)
    const module = o.module === undefined ? await coreModule() : checkModule('module', o.module)
    // The sizing rule is the module's (bytesFor): ask a throwaway instance over one page, made synchronously.
    const probe = instantiateCoreSync(module, new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }))
    const pages = Math.ceil(checkFits(probe, capacity, stripes, schema.cells, schemaText.length, index.length) / PAGE)
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true })
    const core = await instantiateCore(module, memory)
    core.bytesFor(capacity, stripes, schema.cells, schemaText.length, index.length) // lays the table out: the regions' addresses are known
    new Uint8Array(memory.buffer, core.address(REGION_SCHEMA), schemaText.length).set(schemaText)
    new Uint8Array(memory.buffer, core.address(REGION_HIST), index.length).set(index)
    if (!core.create(capacity, stripes, schema.cells, schemaText.length, index.length, randomWord(), randomWord(), reserved)) {
      throw new TallyLayoutError(`the core refused a table of capacity ${capacity}, ${stripes} stripes, ${schema.cells} cells a row and ${schemaText.length} bytes of schema`)
    }
    return Tally.adopt(core, memory, module, o) as unknown as Tally<C, H>
  }

  /** Attaches to a table created elsewhere (another thread), from its share() handle. */
  /** `C` and `H` name the table's columns and histograms for the types; attach checks the table's schema, not these. */
  static async attach<C extends string = string, H extends string = string> (shared: SharedTally<C, H>, options?: AttachOptions): Promise<Tally<C, H>> {
    const { module, memory, options: o } = checkShared('Tally.attach', shared, options)
    let core: CoreExports
    try {
      core = await instantiateCore(module, memory)
    } catch (cause) {
      throw linkError(cause)
    }
    return Tally.checkSchema(Tally.adopt(core, memory, module, o), shared) as unknown as Tally<C, H>
  }

  /**
   * attach(), synchronously: the handle carries the compiled module, so a
   * worker needs no top-level await. Throws what attach() would reject with.
   */
  static attachSync<C extends string = string, H extends string = string> (shared: SharedTally<C, H>, options?: AttachOptions): Tally<C, H> {
    const { module, memory, options: o } = checkShared('Tally.attachSync', shared, options)
    let core: CoreExports
    try {
      core = instantiateCoreSync(module, memory)
    } catch (cause) {
      throw linkError(cause)
    }
    return Tally.checkSchema(Tally.adopt(core, memory, module, o), shared) as unknown as Tally<C, H>
  }

  /** A handle that names a schema must name the table's. */
  private static checkSchema (tally: Tally, shared: SharedTally): Tally {
    if (typeof shared.schema === 'string' && shared.schema !== tally.schema.text) {
      throw new TallyLayoutError(`the handle's schema ${shared.schema || '(default)'} is not the table's ${tally.schema.text || '(default)'}`)
    }
    return tally
  }

  private static adopt (core: CoreExports, memory: WebAssembly.Memory, module: WebAssembly.Module, options: AttachOptions): Tally {
    const status = core.attach(memory.buffer.byteLength)
    if (status !== ATTACH_OK) throw new TallyLayoutError(`cannot attach: ${ATTACH_ERRORS[status] ?? `status ${status}`}`)
    // A handle may carry the module of an older release with its own table:
    // that module accepts its table, but this host speaks only its own layout.
    const version = new Uint32Array(memory.buffer, TABLE_BASE + H_VERSION, 1)[0]
    if (version !== VERSION) throw new TallyLayoutError(`cannot attach: the table has layout version ${version}, this wasm-tally reads ${VERSION}`)
    checkLeaseFits(core, checkWholeInRange('leaseMs', options.leaseMs ?? DEFAULT_LEASE_MS, 1, 2 ** 31))
    try {
      return new Tally(core, memory, module, options)
    } catch (cause) {
      if (cause instanceof SyntaxError || cause instanceof RangeError) throw new TallyLayoutError(`cannot attach: the table's schema is unreadable (${cause.message})`)
      throw cause
    }
  }

  /** The handle to post to a worker: the shared memory and the compiled module. */
  share (): SharedTally<C, H> {
    return { kind: 'wasm-tally', memory: this.memory, module: this.module, leaseMs: this.leaseMs, schema: this.schema.text }
  }

  /** Adds `count` (default 1) to a column of `topic`'s row: 'success' or 'error', or any column the schema declares. */
  record (topic: string, column: C, count = 1): void {
    const cached = this.cache.get(topic)
    if (cached !== undefined) return this.count(cached + this.offsetOf(column), count)
    const offset = this.offsetOf(column) // checked before the topic takes a slot
    if (count !== 1) checkCount(count)
    this.count(this.resolve(topic) + offset, count)
  }

  /** Records one observation of a declared histogram for `topic`. */
  observe (topic: string, histogram: H, value: number): void {
    const h = this.histogramOf(histogram)
    let row = this.cache.get(topic)
    if (row === undefined) {
      checkObservation(h.layout, value) // before the topic takes a slot
      row = this.resolve(topic)
    }
    // The core finds the bucket and refuses a value out of range (counting nothing): then say why.
    if (typeof value !== 'number' || this.core.observe(row + h.sumCell, h.descriptor, value) === 0) checkObservation(h.layout, value)
  }

  private count (cell: number, count: number): void {
    if (count === 1) this.inc(cell)
    else {
      checkCount(count)
      if (count !== 0) this.add(cell, count)
    }
  }

  /** Byte offset of a column from a row's first cell; the default schema's two are compared, not looked up. */
  private offsetOf (column: unknown): number {
    if (this.schema === DEFAULT_SCHEMA) return outcomeOffset(column)
    const names = this.columnNames
    for (let c = 0; c < names.length; c++) if (names[c] === column) return this.columnBytes[c]
    throw new TypeError(`column ${describe(column)} is not declared; the columns are ${this.schema.columns.join(', ')}`)
  }

  private histogramOf (name: unknown): HistogramSlot {
    const names = this.histogramNames
    for (let k = 0; k < names.length; k++) if (names[k] === name) return this.histogramCells[k]
    throw new TypeError(`histogram ${describe(name)} is not declared; the histograms are ${names.join(', ') || 'none'}`)
  }

  /** Resolves the topic's slot once; the returned binding counts with one atomic add. */
  bind (topic: string): Binding<C, H> {
    return this.binding(topic, this.cache.get(topic) ?? this.resolve(topic))
  }

  /**
   * A binding for a row named by any key of 1 to 255 UTF-8 bytes, Kafka's topic
   * rule aside (a layer's own rows, under names no topic can have). For the
   * package's own layers.
   * @internal
   */
  bindRow (key: string): Binding<C, H> {
    if (typeof key !== 'string' || key.length === 0) throw new TypeError(`a row key must be a non-empty string, got ${describe(key)}`)
    return this.binding(key, this.rowCache.get(key) ?? this.resolve(key, false))
  }

  /**
   * One row's count of an outcome, for the package's counters: a function
   * that adds `a` to column `first`, `b` to column `second` (nothing when 0)
   * and observes `value` in `histogram`, in one call into the core, with no
   * name looked up per call. A column left undefined is not counted. The
   * counts are the caller's to keep whole and non-negative (they are not
   * checked); a value the histogram refuses throws as observe() does, after
   * the adds. `isTopic` false takes any row key (bindRow's rule), as the
   * package's own layers do.
   * @internal
   */
  outcome (key: string, isTopic: boolean, first: C | undefined, second: C | undefined, histogram: H): RowOutcome {
    const h = this.histogramOf(histogram)
    const cell = (isTopic ? this.cache : this.rowCache).get(key) ?? this.resolve(key, isTopic)
    // A column left out counts 0, at the row's first cell (an add of 0 is skipped).
    const a0 = first === undefined ? -1 : cell + this.offsetOf(first)
    const b0 = second === undefined ? -1 : cell + this.offsetOf(second)
    const addObserve = this.core.addObserve
    const sum0 = cell + h.sumCell
    return (a, b, value) => {
      if (addObserve(a0 < 0 ? cell : a0, a0 < 0 ? 0 : a, b0 < 0 ? cell : b0, b0 < 0 ? 0 : b, sum0, h.descriptor, value) === 0) checkObservation(h.layout, value)
    }
  }

  private binding (topic: string, cell: number): Binding<C, H> {
    const inc = this.inc
    const add = this.add
    const observe = this.core.observe
    const successCell = this.columnNames.includes('success') ? cell + this.offsetOf('success') : -1
    const errorCell = this.columnNames.includes('error') ? cell + this.offsetOf('error') : -1
    // The last column this binding added to, kept: most bindings add to one (a producer's bytes).
    let lastColumn: unknown
    let lastCell = -1
    const columnCell = (column: string): number => {
      if (column !== lastColumn || lastCell < 0) { lastCell = cell + this.offsetOf(column); lastColumn = column }
      return lastCell
    }
    // The last histogram this binding observed, kept: most bindings observe one.
    let lastName: unknown
    let last: HistogramSlot | undefined
    const histogramOf = (name: string): HistogramSlot => {
      if (name !== lastName || last === undefined) { last = this.histogramOf(name); lastName = name }
      return last
    }
    const missing = (name: string): never => { throw new TypeError(`column '${name}' is not declared; the columns are ${this.schema.columns.join(', ')}`) }
    return {
      topic,
      success (count = 1) {
        if (successCell < 0) missing('success')
        if (count === 1) inc(successCell)
        else { checkCount(count); if (count !== 0) add(successCell, count) }
      },
      error (count = 1) {
        if (errorCell < 0) missing('error')
        if (count === 1) inc(errorCell)
        else { checkCount(count); if (count !== 0) add(errorCell, count) }
      },
      add (column, count) {
        const at = columnCell(column)
        checkCount(count)
        if (count !== 0) add(at, count)
      },
      observe (histogram, value) {
        const h = histogramOf(histogram)
        if (typeof value !== 'number' || observe(cell + h.sumCell, h.descriptor, value) === 0) checkObservation(h.layout, value)
      }
    }
  }

  /**
   * Returns everything any thread counted since the previous snapshot and
   * resets it: a lock-guarded read of the cumulative counters against the
   * totals already taken, acknowledged by one compare-and-swap. Writers never wait.
   * If a flusher left a batch pending (it died, or its sink failed), that batch
   * is what this snapshot returns, under its own id; the counts since come in
   * the next snapshot.
   */
  snapshot (options?: SnapshotOptions): Snapshot<R> {
    const o = checkOptions<SnapshotOptions>('snapshot', options)
    const waitMs = o.waitMs === undefined ? this.leaseMs : checkWait('waitMs', o.waitMs)
    const snap = this.trySnapshot(waitMs)
    if (snap === undefined) throw new TallyBusyError(`another flusher holds the snapshot lock (waited ${waitMs} ms)`)
    return snap
  }

  /**
   * Like snapshot(), but returns undefined instead of waiting longer than
   * `waitMs` (default 0), or when the lock was taken over before its ack.
   */
  trySnapshot (waitMs = 0): Snapshot<R> | undefined {
    checkWait('waitMs', waitMs)
    const core = this.core
    if (acquire(core, this.lockWord, this.owner, this.leaseMs, waitMs) === LOCK_BUSY) return undefined
    try {
      // A batch a flusher left pending comes out first, on its own and under its
      // own id: new counts are never added to a batch that may have
      // been delivered already (that would double it, or lose the difference).
      const epoch = core.batchOpen(Date.now())
      const snap = readBatch(core, this.memory, this.names, epoch, this.schema)
      // Taken only if the ack wins: a flusher that took the lock over (this
      // thread stalled past its lease) may have delivered the batch already.
      if (core.batchAck(epoch) === 0) return undefined
      snap.batch = batchId(this.tableId, epoch)
      return snap as Snapshot<R>
    } finally {
      core.lockRelease()
    }
  }

  /**
   * Takes the lock and opens the batch to deliver: the one still pending (same
   * id as before), or a new one of everything counted since. The batch stays in
   * the table until ackBatch(); the lock is held until ackBatch() or
   * releaseBatch(), and renewBatch() extends its lease while a sink works.
   * Undefined when another flusher holds the lock longer than `waitMs`.
   */
  openBatch (waitMs = 0, options?: OpenBatchOptions): Batch<Snapshot<R>> | undefined {
    checkWait('waitMs', waitMs)
    const lazy = options?.lazy === true
    const core = this.core
    if (acquire(core, this.lockWord, this.owner, this.leaseMs, waitMs) === LOCK_BUSY) return undefined
    this.openRows?.close()
    try {
      const sequence = core.batchOpen(Date.now())
      deferIfBig(core, this.memory, sequence, this.schema)
      const id = batchId(this.tableId, sequence)
      const rows = new RegionRows(core, this.memory, this.names, sequence, this.schema, id, options?.hide)
      // Eager (the default): built now, so the caller may read it after the ack.
      if (!lazy) rows.build()
      // The gate: the batch read must still be the pending one before anyone
      // is handed it (a flusher that took the lock over may have moved on).
      if (core.pendingBatch() !== sequence) {
        core.lockRelease()
        return undefined
      }
      this.openRows = rows
      return { id, rows, get snapshot () { return rows.snapshot() as Snapshot<R> } }
    } catch (error) {
      core.lockRelease()
      throw error
    }
  }

  /** Extends the lease of the lock an open batch holds; false if another flusher took it over. */
  renewBatch (): boolean {
    return this.core.lockRenew(this.owner, Date.now(), this.leaseMs) !== 0
  }

  /**
   * Acknowledges an open batch and releases the lock. With `undelivered`, only
   * the rest is removed, and what was not delivered stays pending as a batch
   * of its own, under a new id. False when the lock was taken over meanwhile: the batch is
   * left for the flusher that took it. An `undelivered` part that is not a
   * subset of the batch is refused with a RangeError, nothing removed.
   */
  ackBatch (batch: Batch<unknown>, undelivered?: Snapshot<unknown>): boolean {
    const core = this.core
    this.closeRows()
    if (batch?.id?.table !== this.tableId) {
      core.lockRelease()
      throw new TypeError(`ackBatch takes a batch of this table (${this.tableId}), got one of ${describe(batch?.id?.table)}`)
    }
    let delivered: Snapshot | undefined
    let held: Snapshot | undefined
    try {
      if (undelivered !== undefined) {
        if (core.pendingBatch() !== batch.id.sequence) { core.lockRelease(); return false }
        // Checked against what the table holds of the batch, not batch.snapshot:
        // that is the caller's copy, which a sink may have changed.
        held = readBatch(core, this.memory, this.names, core.batchOpen(Date.now()), this.schema)
        delivered = deliveredPart(held, undelivered as Snapshot, this.schema)
      }
    } catch (error) {
      core.lockRelease()
      throw error
    }
    if (!this.renewBatch()) return false
    const sequence = batch.id.sequence
    try {
      if (delivered === undefined) return core.batchAck(sequence) !== 0
      if (core.pendingBatch() !== sequence) return false
      const removals = this.removals(delivered, held)
      // Finding the rows walks every slot in JavaScript, which can outlast a
      // short lease: renew again, so the writes below run inside a fresh lease.
      if (!this.renewBatch()) return false
      for (let i = 0; i < removals.length; i += 3) {
        const [slot, c, n] = [removals[i], removals[i + 1], removals[i + 2]]
        // Each checks that the batch is still pending: none lands in another batch's base.
        if (core.reduce(sequence, slot, c, n, this.sumCells.has(c) ? 1 : 0) === 0) return false
      }
      // The rest goes out under a new id: a reader that keeps the first delivery
      // of each id has kept this one, which held the rest too.
      return core.batchRename(sequence) !== 0
    } finally {
      core.lockRelease()
    }
  }

  /** Releases the lock and leaves the batch pending, to be delivered again under the same id. */
  releaseBatch (_batch?: Batch<unknown>): void {
    this.closeRows()
    this.core.lockRelease()
  }

  /** The open batch's rows end with its lock: the region may hold another batch after. */
  private closeRows (): void {
    this.openRows?.close()
    this.openRows = undefined
  }

  /**
   * The delivered counts to remove from the pending batch, as (slot, cell, n)
   * triples, slot by slot (a name may span two slots). Reads only: a slot's
   * share of a histogram sum from the batch region, which batchOpen() has just
   * written and no reduce has changed yet.
   */
  private removals (delivered: Snapshot, held: Snapshot | undefined): number[] {
    const core = this.core
    const width = this.schema.cells
    const batch = new Float64Array(this.memory.buffer, core.address(REGION_BATCH) >>> 0, (core.tableCapacity() + 1) * width)
    const has = (slot: number, c: number): number => this.sumCells.has(c) ? batch[slot * width + c] : core.peek(slot, c)
    const out: number[] = []
    const left = new Map<string, number[]>()
    for (const [topic, row] of delivered.topics) left.set(topic, this.cellsOf(row, held?.topics.get(topic)))
    const registered = core.registered()
    for (let slot = 0; slot < registered && left.size > 0; slot++) {
      const rest = left.get(this.names.name(slot) ?? `#slot-${slot}`)
      if (rest === undefined) continue
      rest.forEach((n, c) => {
        const take = Math.min(n, has(slot, c))
        if (take > 0) out.push(slot, c, take)
        rest[c] -= take
      })
    }
    const overflow = core.tableCapacity()
    this.cellsOf(delivered.overflow, held?.overflow).forEach((n, c) => {
      const take = n === Infinity ? has(overflow, c) : n
      if (take > 0) out.push(overflow, c, take)
    })
    return out
  }

  /**
   * A row as its cells' values (histogram sums back in whole units; a sum's
   * second cell 0). The batch's own row (delivered whole) takes Infinity for
   * a sum, so all the batch holds of it is taken (from 2^52 units one double stands
   * for two unit counts, and sum * scale may round to the smaller).
   */
  private cellsOf (row: Row, whole?: Row): number[] {
    const cells = new Array<number>(this.schema.cells).fill(0)
    const values = row as Record<string, number | HistogramCounts>
    this.schema.columns.forEach((name, c) => { cells[c] = values[name] as number })
    for (const h of this.schema.histograms) {
      const v = values[h.name] as HistogramCounts
      cells[h.sumCell] = row === whole ? Infinity : Math.round(v.sum * h.scale)
      v.counts.forEach((n, i) => { cells[h.sumCell + 2 + i] = n })
    }
    return cells
  }

  /**
   * Claims the table-wide flush turn: true for at most one caller per
   * `intervalMs`, across every thread attached to the table, counting from the
   * last snapshot. The seed's throttled flush: any recorder may ask, and only
   * the winner flushes.
   */
  claimFlush (intervalMs: number): boolean {
    checkWait('intervalMs', intervalMs)
    return this.core.claimFlush(Date.now(), intervalMs) !== 0
  }

  /** Topics with a row of their own, in registration order. */
  topics (): string[] {
    const out = new Set<string>()
    const registered = this.core.registered()
    for (let slot = 0; slot < registered; slot++) {
      const name = this.names.name(slot)
      if (name !== undefined) out.add(name)
    }
    return [...out]
  }

  /** Facts about the table, for monitoring. */
  stats (): TallyStats {
    const core = this.core
    return {
      capacity: core.tableCapacity(),
      stripes: core.tableStripes(),
      stripesInUse: core.stripesInUse(),
      registered: core.registered(),
      overflowTopics: core.overflowTopics(),
      epoch: core.epoch(),
      bytes: this.memory.buffer.byteLength,
      pendingBatch: core.pendingBatch()
    }
  }

  /**
   * Counts into a row named by any key of 1 to 255 UTF-8 bytes, Kafka's topic
   * rule aside (layers above keep their own rows this way, under names no
   * topic can have). Returns false, counting nothing, when the key found the
   * table full. For the package's own layers.
   * @internal
   */
  recordRow (key: string, outcome: Outcome, count: number): boolean {
    const offset = this.offsetOf(outcome)
    checkCount(count)
    let cell = this.rowCache.get(key)
    if (cell === undefined) {
      if (typeof key !== 'string' || key.length === 0) throw new TypeError(`a row key must be a non-empty string, got ${describe(key)}`)
      cell = this.resolve(key, false, true)
    }
    if (cell === this.overflowCell()) return false
    if (count !== 0) this.add(cell + offset, count)
    return true
  }

  /**
   * Whether the row named `key` (a topic, or a key of the package's own) is
   * the overflow row: the key found the table full. Registers the key first
   * if this thread has not met it. For the package's own layers.
   * @internal
   */
  inOverflow (key: string): boolean {
    return (this.rowCache.get(key) ?? this.resolve(key, false)) === this.overflowCell()
  }

  private overflowCell (): number {
    return this.core.cell(this.stripe, this.core.tableCapacity(), OUTCOME_SUCCESS)
  }

  /** The key's cell; `isTopic` checks Kafka's rule, `internal` puts the key in the reserved rows' pool. */
  private resolve (topic: string, isTopic = true, internal = false): number {
    if (isTopic) checkTopic(topic)
    const core = this.core
    const bytes = new TextEncoder().encode(topic)
    // The longest key the directory holds (internal rows may use it all).
    if (bytes.length > MAX_KEY) throw new RangeError(`a row key must be at most ${MAX_KEY} UTF-8 bytes, got ${bytes.length}`)
    let slot: number
    for (;;) {
      let key = 0
      while (key === 0) key = core.scratchAcquire(this.owner, Date.now(), SCRATCH_LEASE_MS)
      new Uint8Array(this.memory.buffer, key, bytes.length).set(bytes)
      slot = core.resolve(key, bytes.length, internal ? 1 : 0)
      // Lost the scratch lease mid-call (stalled past it): the key may have been overwritten.
      if (core.scratchRelease(key) !== 0) break
    }
    if (slot === core.tableCapacity()) {
      if (isTopic) this.warnOverflow(topic)
    } else this.names.remember(slot, topic)
    const cell = core.cell(this.stripe, slot, OUTCOME_SUCCESS)
    if (slot !== core.tableCapacity() || this.overflowCached++ < MAX_OVERFLOW_CACHED) (isTopic ? this.cache : this.rowCache).set(topic, cell)
    return cell
  }

  private warnOverflow (topic: string): void {
    if (this.warnedOverflow) return
    this.warnedOverflow = true
    try { this.onOverflow(topic) } catch { /* a warning must never break a delivery path */ }
  }
}

export type { Counts, Row, RowOf, HistogramCounts, Snapshot, Outcome, Batch, BatchId, Schema, SchemaOptions }
