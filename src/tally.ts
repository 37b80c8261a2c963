// The Tally: one thread's handle on a shared counter table.
import { ATTACH_ERRORS, coreModule, instantiateCore, type CoreExports } from './core.js'
import { TallyBusyError, TallyLayoutError } from './errors.js'
import { acquire, LOCK_BUSY } from './lock.js'
import { collect, SlotNames, type Counts, type Snapshot } from './snapshot.js'
import { checkCount, checkTopic, checkWholeInRange, outcomeOffset, type Outcome } from './validate.js'

export const DEFAULT_CAPACITY = 1024
export const DEFAULT_STRIPES = 16
export const DEFAULT_LEASE_MS = 5000
const MAX_CAPACITY = 1 << 20
const MAX_STRIPES = 256
const PAGE = 65536
const MAX_PAGES = 65536

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
  overflowTopics: number
  epoch: number
  bytes: number
}

function defaultOverflow (topic: string): void {
  console.warn(`wasm-tally: the table is full; counts for ${JSON.stringify(topic)} and later new topics go to the overflow row`)
}

export class Tally {
  private readonly cache = new Map<string, number>()
  private readonly names: SlotNames
  private readonly lockWord: Int32Array
  private readonly stripe: number
  private readonly owner: number
  private readonly leaseMs: number
  private readonly onOverflow: (topic: string) => void
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
    this.onOverflow = options.onOverflow ?? defaultOverflow
    this.names = new SlotNames(core, memory)
    this.lockWord = new Int32Array(memory.buffer)
    const ticket = core.takeTicket()
    this.stripe = ticket % core.tableStripes()
    this.owner = (ticket % 0xffff) + 1
    this.inc = core.inc
    this.add = core.add
  }

  /** Creates a table in a new shared memory of fixed size. */
  static async create (options: TallyOptions = {}): Promise<Tally> {
    const capacity = checkWholeInRange('capacity', options.capacity ?? DEFAULT_CAPACITY, 1, MAX_CAPACITY)
    const stripes = checkWholeInRange('stripes', options.stripes ?? DEFAULT_STRIPES, 1, MAX_STRIPES)
    const module = options.module ?? await coreModule()
    const probe = await instantiateCore(module, new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }))
    const pages = Math.ceil(probe.bytesFor(capacity, stripes) / PAGE)
    if (pages > MAX_PAGES) throw new RangeError(`capacity ${capacity} with ${stripes} stripes needs ${pages} pages, over the 4 GiB of a wasm32 memory`)
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true })
    const core = await instantiateCore(module, memory)
    core.create(capacity, stripes)
    return Tally.adopt(core, memory, module, options)
  }

  /** Attaches to a table created elsewhere (another thread), from its share() handle. */
  static async attach (shared: SharedTally, options: AttachOptions = {}): Promise<Tally> {
    if (shared === null || typeof shared !== 'object' || !(shared.memory instanceof WebAssembly.Memory) || !(shared.module instanceof WebAssembly.Module)) {
      throw new TypeError('Tally.attach expects the object returned by tally.share(): { memory, module }')
    }
    if (!(shared.memory.buffer instanceof SharedArrayBuffer)) {
      throw new TallyLayoutError('the memory is not shared: create it with Tally.create() and pass tally.share()')
    }
    let core: CoreExports
    try {
      core = await instantiateCore(shared.module, shared.memory)
    } catch (cause) {
      throw new TallyLayoutError(`the module does not link against this memory: ${(cause as Error).message}`)
    }
    return Tally.adopt(core, shared.memory, shared.module, { leaseMs: shared.leaseMs, ...options })
  }

  private static adopt (core: CoreExports, memory: WebAssembly.Memory, module: WebAssembly.Module, options: AttachOptions): Tally {
    const status = core.attach(memory.buffer.byteLength)
    if (status !== 0) throw new TallyLayoutError(`cannot attach: ${ATTACH_ERRORS[status] ?? `status ${status}`}`)
    return new Tally(core, memory, module, options)
  }

  /** The handle to post to a worker: the shared memory and the compiled module. */
  share (): SharedTally {
    return { kind: 'wasm-tally', memory: this.memory, module: this.module, leaseMs: this.leaseMs }
  }

  /** Counts `count` deliveries of `outcome` for `topic`. */
  record (topic: string, outcome: Outcome, count = 1): void {
    const cell = (this.cache.get(topic) ?? this.resolve(topic)) + outcomeOffset(outcome)
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
    const errorCell = cell + 8
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
   */
  snapshot (options: SnapshotOptions = {}): Snapshot {
    const snap = this.trySnapshot(options.waitMs ?? this.leaseMs)
    if (snap === undefined) throw new TallyBusyError(`another flusher holds the snapshot lock (waited ${options.waitMs ?? this.leaseMs} ms)`)
    return snap
  }

  /** Like snapshot(), but returns undefined instead of waiting longer than `waitMs` (default 0). */
  trySnapshot (waitMs = 0): Snapshot | undefined {
    const core = this.core
    if (acquire(core, this.lockWord, this.owner, this.leaseMs, waitMs) === LOCK_BUSY) return undefined
    try {
      core.drain(core.flip(Date.now()))
      return collect(core, this.names, core.epoch())
    } finally {
      core.lockRelease()
    }
  }

  /**
   * Claims the table-wide flush turn: true for at most one caller per
   * `intervalMs`, across every thread attached to the table, counting from the
   * last snapshot. The seed's throttled flush: any recorder may ask, and only
   * the winner flushes.
   */
  claimFlush (intervalMs: number): boolean {
    if (typeof intervalMs !== 'number' || !(intervalMs >= 0)) throw new RangeError(`intervalMs must be a non-negative number, got ${String(intervalMs)}`)
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
      bytes: this.memory.buffer.byteLength
    }
  }

  private resolve (topic: string): number {
    checkTopic(topic)
    const core = this.core
    const bytes = new TextEncoder().encode(topic)
    let key = core.scratchAcquire()
    while (key === 0) key = core.scratchAcquire()
    let slot: number
    try {
      new Uint8Array(this.memory.buffer, key, bytes.length).set(bytes)
      slot = core.resolve(key, bytes.length)
    } finally {
      core.scratchRelease(key)
    }
    if (slot === core.tableCapacity()) this.warnOverflow(topic)
    else this.names.remember(slot, topic)
    const cell = core.cell(this.stripe, slot, 0)
    this.cache.set(topic, cell)
    return cell
  }

  private warnOverflow (topic: string): void {
    if (this.warnedOverflow) return
    this.warnedOverflow = true
    try { this.onOverflow(topic) } catch { /* a warning must never break a delivery path */ }
  }
}

export type { Counts, Snapshot, Outcome }
