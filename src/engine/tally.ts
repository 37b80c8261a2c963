// The Tally: one thread's handle on a shared counter table.
import { ATTACH_ERRORS, coreModule, instantiateCore, instantiateCoreSync, type CoreExports } from './core.js'
import { TallyBusyError, TallyLayoutError } from './errors.js'
import { assertSharedMemory } from './runtime-check.js'
import { acquire } from './lock.js'
import { batchId, collect, peekBatch, SlotNames, type BatchId, type Counts, type Snapshot } from './snapshot.js'
import { deliveredPart, type Batch } from './batch.js'
import { checkCount, checkOptions, checkTopic, checkWait, checkWholeInRange, describe, outcomeOffset, type Outcome } from './validate.js'
import { ATTACH_OK, LOCK_BUSY, MAX_KEY, OUTCOME_ERROR, OUTCOME_SUCCESS } from './generated/constants.js'

export const DEFAULT_CAPACITY = 1024
export const DEFAULT_STRIPES = 16
export const DEFAULT_LEASE_MS = 5000
const MAX_CAPACITY = 1 << 20
const MAX_STRIPES = 256
const PAGE = 65536
// How long a thread may hold a scratch buffer while it registers a topic; a
// thread terminated mid-registration frees it when this runs out.
const SCRATCH_LEASE_MS = 2000

export interface TallyOptions {
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
}

export type AttachOptions = Pick<TallyOptions, 'leaseMs' | 'onOverflow'>

/** A structured-cloneable handle: post it to a worker and call Tally.attach there. */
export interface SharedTally {
  kind: 'wasm-tally'
  memory: WebAssembly.Memory
  module: WebAssembly.Module
  leaseMs: number
}

export interface SnapshotOptions {
  /** How long to wait for another flusher's lock (ms, default: its lease). */
  waitMs?: number
}

/** A topic bound once: the fastest way to count. */
export interface Binding {
  readonly topic: string
  success (count?: number): void
  error (count?: number): void
}

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
  const missing = CORE_EXPORTS.filter(name => !exported.has(name))
  if (missing.length > 0) throw new TypeError(`${name} is not wasm-tally's core module: it lacks the exports ${missing.join(', ')}`)
  return module
}

function checkOnOverflow (value: unknown): ((topic: string) => void) | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`onOverflow must be a function (topic) => void, got ${describe(value)}`)
  return value as ((topic: string) => void) | undefined
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
function checkFits (probe: CoreExports, capacity: number, stripes: number): number {
  const bytes = probe.bytesFor(capacity, stripes)
  const most = probe.maxTableBytes()
  if (bytes <= most) return bytes
  let lo = 1
  let hi = capacity
  while (lo < hi) { // the largest capacity that fits with these stripes
    const mid = Math.ceil((lo + hi) / 2)
    if (probe.bytesFor(mid, stripes) <= most) lo = mid; else hi = mid - 1
  }
  throw new RangeError(`capacity ${capacity} with ${stripes} stripes needs ${(bytes / GIB).toFixed(2)} GiB, over the ${most / GIB} GiB a wasm32 memory holds; ` +
    `the largest table with ${stripes} stripes has capacity ${lo}`)
}

export class Tally {
  private readonly cache = new Map<string, number>()
  private readonly names: SlotNames
  private readonly lockWord: Int32Array
  private readonly stripe: number
  private readonly owner: number
  readonly leaseMs: number
  private readonly onOverflow: (topic: string) => void
  private readonly tableId: string
  private warnedOverflow = false
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
  }

  /** Creates a table in a new shared memory of fixed size. */
  static async create (options?: TallyOptions): Promise<Tally> {
    assertSharedMemory()
    const o = checkOptions<TallyOptions>('Tally.create', options)
    const capacity = checkWholeInRange('capacity', o.capacity ?? DEFAULT_CAPACITY, 1, MAX_CAPACITY)
    const stripes = checkWholeInRange('stripes', o.stripes ?? DEFAULT_STRIPES, 1, MAX_STRIPES)
    if (o.leaseMs !== undefined) checkWholeInRange('leaseMs', o.leaseMs, 1, 2 ** 31)
    checkOnOverflow(o.onOverflow)
    const module = o.module === undefined ? await coreModule() : checkModule('module', o.module)
    // The sizing rule is the module's (bytesFor): ask a throwaway instance over one page, made synchronously.
    const probe = instantiateCoreSync(module, new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }))
    const pages = Math.ceil(checkFits(probe, capacity, stripes) / PAGE)
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true })
    const core = await instantiateCore(module, memory)
    core.create(capacity, stripes, randomWord(), randomWord())
    return Tally.adopt(core, memory, module, o)
  }

  /** Attaches to a table created elsewhere (another thread), from its share() handle. */
  static async attach (shared: SharedTally, options?: AttachOptions): Promise<Tally> {
    const { module, memory, options: o } = checkShared('Tally.attach', shared, options)
    let core: CoreExports
    try {
      core = await instantiateCore(module, memory)
    } catch (cause) {
      throw linkError(cause)
    }
    return Tally.adopt(core, memory, module, o)
  }

  /**
   * attach(), synchronously: the handle carries the compiled module, so a
   * worker needs no top-level await. Throws what attach() would reject with.
   */
  static attachSync (shared: SharedTally, options?: AttachOptions): Tally {
    const { module, memory, options: o } = checkShared('Tally.attachSync', shared, options)
    let core: CoreExports
    try {
      core = instantiateCoreSync(module, memory)
    } catch (cause) {
      throw linkError(cause)
    }
    return Tally.adopt(core, memory, module, o)
  }

  private static adopt (core: CoreExports, memory: WebAssembly.Memory, module: WebAssembly.Module, options: AttachOptions): Tally {
    const status = core.attach(memory.buffer.byteLength)
    if (status !== ATTACH_OK) throw new TallyLayoutError(`cannot attach: ${ATTACH_ERRORS[status] ?? `status ${status}`}`)
    return new Tally(core, memory, module, options)
  }

  /** The handle to post to a worker: the shared memory and the compiled module. */
  share (): SharedTally {
    return { kind: 'wasm-tally', memory: this.memory, module: this.module, leaseMs: this.leaseMs }
  }

  /** Counts `count` deliveries of `outcome` for `topic`. */
  record (topic: string, outcome: Outcome, count = 1): void {
    const cached = this.cache.get(topic)
    if (cached !== undefined) return this.count(cached + outcomeOffset(outcome), count)
    const offset = outcomeOffset(outcome) // checked before the topic takes a slot
    if (count !== 1) checkCount(count)
    this.count(this.resolve(topic) + offset, count)
  }

  private count (cell: number, count: number): void {
    if (count === 1) this.inc(cell)
    else {
      checkCount(count)
      if (count !== 0) this.add(cell, count)
    }
  }

  /** Resolves the topic's slot once; the returned binding counts with one atomic add. */
  bind (topic: string): Binding {
    const cell = this.cache.get(topic) ?? this.resolve(topic)
    const inc = this.inc
    const add = this.add
    const errorCell = cell + outcomeOffset('error')
    return {
      topic,
      success (count = 1) {
        if (count === 1) inc(cell)
        else { checkCount(count); if (count !== 0) add(cell, count) }
      },
      error (count = 1) {
        if (count === 1) inc(errorCell)
        else { checkCount(count); if (count !== 0) add(errorCell, count) }
      }
    }
  }

  /**
   * Returns everything any thread counted since the previous snapshot and
   * resets it: a lock-guarded swap of the active buffer. Writers never wait.
   * A batch left pending by a flusher (one that died, or whose sink failed) is
   * taken with it.
   */
  snapshot (options?: SnapshotOptions): Snapshot {
    const o = checkOptions<SnapshotOptions>('snapshot', options)
    const waitMs = o.waitMs === undefined ? this.leaseMs : checkWait('waitMs', o.waitMs)
    const snap = this.trySnapshot(waitMs)
    if (snap === undefined) throw new TallyBusyError(`another flusher holds the snapshot lock (waited ${waitMs} ms)`)
    return snap
  }

  /** Like snapshot(), but returns undefined instead of waiting longer than `waitMs` (default 0). */
  trySnapshot (waitMs = 0): Snapshot | undefined {
    checkWait('waitMs', waitMs)
    const core = this.core
    if (acquire(core, this.lockWord, this.owner, this.leaseMs, waitMs) === LOCK_BUSY) return undefined
    try {
      const epoch = core.flip(Date.now())
      core.drain()
      const snap = collect(core, this.names, epoch)
      core.pendingClear()
      snap.batch = batchId(this.tableId, epoch)
      return snap
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
  openBatch (waitMs = 0): Batch | undefined {
    checkWait('waitMs', waitMs)
    const core = this.core
    if (acquire(core, this.lockWord, this.owner, this.leaseMs, waitMs) === LOCK_BUSY) return undefined
    try {
      const sequence = core.batchOpen(Date.now())
      const snapshot = peekBatch(core, this.names, sequence)
      snapshot.batch = batchId(this.tableId, sequence)
      return { id: snapshot.batch, snapshot }
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
   * the rest is removed, and the batch stays pending (same id) with what was
   * not delivered. False when the lock was taken over meanwhile: the batch is
   * left for the flusher that took it. An `undelivered` part that is not a
   * subset of the batch is refused with a RangeError, nothing removed.
   */
  ackBatch (batch: Batch, undelivered?: Snapshot): boolean {
    const core = this.core
    let delivered: Snapshot | undefined
    try {
      if (undelivered !== undefined) delivered = deliveredPart(batch.snapshot, undelivered)
    } catch (error) {
      core.lockRelease()
      throw error
    }
    if (!this.renewBatch()) return false
    try {
      if (delivered === undefined) return core.batchAck(batch.id.sequence) !== 0
      if (core.pendingBatch() !== batch.id.sequence) return false
      this.remove(delivered)
      return true
    } finally {
      core.lockRelease()
    }
  }

  /** Releases the lock and leaves the batch pending, to be delivered again under the same id. */
  releaseBatch (_batch?: Batch): void {
    this.core.lockRelease()
  }

  /** Subtracts delivered counts from staging, slot by slot (a name may span two slots). */
  private remove (delivered: Snapshot): void {
    const core = this.core
    const left = new Map<string, Counts>()
    for (const [topic, c] of delivered.topics) left.set(topic, { ...c })
    const registered = core.registered()
    for (let slot = 0; slot < registered && left.size > 0; slot++) {
      const name = this.names.name(slot) ?? `#slot-${slot}`
      const rest = left.get(name)
      if (rest === undefined) continue
      for (const [outcome, key] of [[OUTCOME_SUCCESS, 'success'], [OUTCOME_ERROR, 'error']] as const) {
        const n = Math.min(rest[key], core.peek(slot, outcome))
        core.reduce(slot, outcome, n)
        rest[key] -= n
      }
    }
    const cap = core.tableCapacity()
    core.reduce(cap, OUTCOME_SUCCESS, delivered.overflow.success)
    core.reduce(cap, OUTCOME_ERROR, delivered.overflow.error)
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
    const offset = outcomeOffset(outcome)
    checkCount(count)
    let cell = this.cache.get(key)
    if (cell === undefined) {
      if (typeof key !== 'string' || key.length === 0) throw new TypeError(`a row key must be a non-empty string, got ${describe(key)}`)
      cell = this.resolve(key, false)
    }
    if (cell === this.overflowCell()) return false
    if (count !== 0) this.add(cell + offset, count)
    return true
  }

  private overflowCell (): number {
    return this.core.cell(this.stripe, this.core.tableCapacity(), OUTCOME_SUCCESS)
  }

  private resolve (topic: string, isTopic = true): number {
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
      slot = core.resolve(key, bytes.length)
      // Lost the scratch lease mid-call (stalled past it): the key may have been overwritten.
      if (core.scratchRelease(key) !== 0) break
    }
    if (slot === core.tableCapacity()) {
      if (isTopic) this.warnOverflow(topic)
    } else this.names.remember(slot, topic)
    const cell = core.cell(this.stripe, slot, OUTCOME_SUCCESS)
    this.cache.set(topic, cell)
    return cell
  }

  private warnOverflow (topic: string): void {
    if (this.warnedOverflow) return
    this.warnedOverflow = true
    try { this.onOverflow(topic) } catch { /* a warning must never break a delivery path */ }
  }
}

export type { Counts, Snapshot, Outcome, Batch, BatchId }
