// The flusher: takes snapshots off the hot path and hands them to a sink,
// keeping whatever the sink did not take for the next flush.
import { emptySnapshot, type Snapshot } from '../snapshot.js'
import { copySnapshot, isEmptySnapshot, mergeSnapshots } from '../snapshot-merge.js'
import { hookExit, type ExitHookOptions } from './exit-hooks.js'
import { PartialDeliveryError, sinkName, sinkWrite, undeliveredOf, type Sink, type SinkFunction } from './sink.js'

/** What a flusher needs of a Tally. */
export interface Snapshotter {
  trySnapshot (waitMs?: number): Snapshot | undefined
  /** The table-wide throttle (Tally has it): true for one caller per interval across threads. */
  claimFlush?: (intervalMs: number) => boolean
  share?: () => { leaseMs: number }
}

export interface BackoffOptions {
  /** Wait after the first failure (ms, default 100). */
  initialMs?: number
  /** Longest wait between attempts (ms, default 30000). */
  maxMs?: number
  /** Growth per consecutive failure (default 2). */
  factor?: number
}

export interface FlusherOptions {
  /** Flush on a timer every `ms` (default true); false leaves flushing to maybeFlush(), flush() and stop(). */
  timer?: boolean
  /** Let a Node process exit while the timer is pending (default true). */
  unref?: boolean
  /** Final flush on SIGTERM, SIGINT and beforeExit (Node only, default false). */
  exitHooks?: boolean | ExitHookOptions
  /** Called for every failed delivery (as well as 'error' listeners). */
  onError?: (error: FlushError) => void
  /** Retry timing after a sink fails. */
  backoff?: BackoffOptions
  /** Call the sink even when nothing was counted (default false). */
  emptyFlushes?: boolean
  /** How long a timed flush keeps retrying a snapshot lock held by another flusher (ms, default min(ms, 1000)). */
  busyWaitMs?: number
  /** How long the final flush waits for the lock (ms, default the table's lease). */
  finalWaitMs?: number
}

/** Surfaces a failed delivery; the counts are kept (see `pending`) and retried. */
export class FlushError extends Error {
  override name = 'FlushError'
  constructor (
    message: string,
    /** The sink's name. */
    readonly sink: string,
    /** Failures in a row, this one included. */
    readonly failures: number,
    /** What is kept for the next attempt (a copy). */
    readonly pending: Snapshot,
    /** When the next attempt may run (epoch ms); the final flush ignores it. */
    readonly retryAt: number,
    options: { cause: unknown }
  ) {
    super(message, options)
  }
}

export interface FlushInfo {
  /** What the sink was given. */
  snapshot: Snapshot
  /** Milliseconds from taking the snapshot to the sink settling. */
  durationMs: number
  /** 'timer', 'maybe', 'manual' or 'final'. */
  reason: FlushReason
}

export interface FlushResult {
  /** True when the sink took everything (or there was nothing to deliver). */
  delivered: boolean
  /** What stays undelivered after this flush. */
  pending: Snapshot | undefined
}

export interface FlusherStats {
  flushes: number
  failures: number
  consecutiveFailures: number
  busy: number
  lastFlushAt: number | undefined
  lastError: unknown
}

type FlushReason = 'timer' | 'maybe' | 'manual' | 'final'
type Listener<T> = (value: T) => void

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

function unrefTimer (timer: unknown): void {
  (timer as { unref?: () => void }).unref?.()
}

export class Flusher {
  readonly intervalMs: number
  private readonly write: SinkFunction
  private readonly name: string
  private readonly options: FlusherOptions
  private readonly listeners = { flush: new Set<Listener<never>>(), error: new Set<Listener<never>>() }
  private held: Snapshot | undefined
  private chain: Promise<unknown> = Promise.resolve()
  private running = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private scheduled: ReturnType<typeof setTimeout> | undefined
  private lastRunAt = 0
  private retryAt = 0
  private stopping: Promise<Snapshot | undefined> | undefined
  private readonly unhook: () => void
  private readonly counters: FlusherStats = { flushes: 0, failures: 0, consecutiveFailures: 0, busy: 0, lastFlushAt: undefined, lastError: undefined }

  constructor (private readonly tally: Snapshotter, ms: number, sink: Sink, options: FlusherOptions = {}) {
    if (tally === null || typeof tally !== 'object' || typeof tally.trySnapshot !== 'function') {
      throw new TypeError('flushEvery expects a Tally (an object with trySnapshot())')
    }
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) throw new RangeError(`the flush interval must be a positive number of ms, got ${String(ms)}`)
    this.intervalMs = ms
    this.write = sinkWrite(sink)
    this.name = sinkName(sink)
    this.options = options
    this.lastRunAt = Date.now()
    if (options.timer ?? true) this.arm(ms)
    this.unhook = options.exitHooks !== undefined && options.exitHooks !== false
      ? hookExit(() => this.stop(), options.exitHooks === true ? {} : options.exitHooks)
      : () => {}
  }

  /** Listens for delivered flushes or failed deliveries. */
  on (event: 'flush', listener: Listener<FlushInfo>): this
  on (event: 'error', listener: Listener<FlushError>): this
  on (event: 'flush' | 'error', listener: Listener<never>): this {
    this.listeners[event].add(listener)
    return this
  }

  off (event: 'flush' | 'error', listener: Listener<never>): this {
    this.listeners[event].delete(listener)
    return this
  }

  /**
   * The throttled flush any recorder may call after counting: schedules a
   * flush if the interval has passed since the last one, and returns at once.
   * With a Tally, "the last one" is table-wide: flushers in several threads
   * calling maybeFlush() flush at most once per interval between them.
   */
  maybeFlush (): void {
    if (this.scheduled !== undefined || this.running || this.stopping !== undefined) return
    if (Date.now() - this.lastRunAt < this.intervalMs) return
    // Across threads: only the flusher that wins the table's turn flushes.
    if (this.tally.claimFlush !== undefined && !this.tally.claimFlush(this.intervalMs)) return
    this.scheduled = setTimeout(() => { this.scheduled = undefined; this.background('maybe') }, 0)
    unrefTimer(this.scheduled)
  }

  /** Flushes now (ignoring any back-off), after a flush already under way. */
  flush (): Promise<FlushResult> {
    if (this.stopping !== undefined) return this.stopping.then(pending => ({ delivered: pending === undefined, pending }))
    return this.enqueue('manual')
  }

  /** A copy of what the sink has not taken yet. */
  pending (): Snapshot | undefined {
    return this.held === undefined ? undefined : copySnapshot(this.held)
  }

  stats (): FlusherStats {
    return { ...this.counters }
  }

  /**
   * Stops the timer and the exit hooks, then flushes a last time (two
   * snapshots, so counts that raced the previous swap come along) and tries
   * the sink once more. Resolves to what could not be delivered, if anything:
   * the caller owns it from then on.
   */
  stop (): Promise<Snapshot | undefined> {
    if (this.stopping !== undefined) return this.stopping
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.scheduled !== undefined) clearTimeout(this.scheduled)
    this.timer = this.scheduled = undefined
    this.unhook()
    this.stopping = this.enqueue('final').catch(error => { this.fail(error) }).then(() => {
      const rest = this.held
      this.held = undefined
      return rest
    })
    return this.stopping
  }

  private arm (ms: number): void {
    this.timer = setTimeout(() => { this.timer = undefined; this.background('timer') }, Math.max(0, ms))
    unrefTimer(this.timer)
  }

  /** A flush nobody awaits: a failure outside the sink (the table itself) is surfaced, never thrown. */
  private background (reason: FlushReason): void {
    this.enqueue(reason).catch(error => { this.fail(error) })
  }

  private enqueue (reason: FlushReason): Promise<FlushResult> {
    const run = this.chain.then(() => this.run(reason))
    this.chain = run.catch(() => {})
    return run
  }

  private async run (reason: FlushReason): Promise<FlushResult> {
    this.running = true
    const started = Date.now()
    this.lastRunAt = started
    try {
      await this.collect(reason)
      const held = this.held
      if (held === undefined) return { delivered: true, pending: undefined }
      if (reason === 'timer' || reason === 'maybe') {
        if (started < this.retryAt) return { delivered: false, pending: copySnapshot(held) }
      }
      if (isEmptySnapshot(held) && !(this.options.emptyFlushes ?? false)) {
        this.held = undefined
        return { delivered: true, pending: undefined }
      }
      return await this.deliver(held, reason, started)
    } finally {
      this.running = false
      if (this.stopping === undefined && (this.options.timer ?? true) && reason !== 'final') {
        if (this.timer !== undefined) clearTimeout(this.timer)
        this.arm(started + this.intervalMs - Date.now())
      }
    }
  }

  /** Takes the table's deltas into `held`; a busy lock is retried until the wait runs out. */
  private async collect (reason: FlushReason): Promise<void> {
    const rounds = reason === 'final' ? 2 : 1
    const waitMs = reason === 'final'
      ? this.options.finalWaitMs ?? this.tally.share?.().leaseMs ?? 5000
      : this.options.busyWaitMs ?? Math.min(this.intervalMs, 1000)
    for (let round = 0; round < rounds; round++) {
      const snap = await this.take(waitMs)
      if (snap === undefined) return
      this.held = this.held === undefined ? snap : mergeSnapshots(this.held, snap)
    }
  }

  private async take (waitMs: number): Promise<Snapshot | undefined> {
    const giveUp = Date.now() + waitMs
    let delay = 1
    for (;;) {
      const snap = this.tally.trySnapshot(0)
      if (snap !== undefined) return snap
      this.counters.busy++
      if (Date.now() >= giveUp) return undefined
      await sleep(Math.min(delay, Math.max(1, giveUp - Date.now())))
      delay = Math.min(delay * 2, 16)
    }
  }

  private async deliver (held: Snapshot, reason: FlushReason, started: number): Promise<FlushResult> {
    const given = copySnapshot(held)
    try {
      await this.write(given)
    } catch (cause) {
      const undelivered = undeliveredOf(cause)
      this.held = undelivered !== undefined ? copySnapshot(undelivered) : held
      this.fail(cause)
      return { delivered: false, pending: copySnapshot(this.held) }
    }
    this.held = undefined
    this.counters.flushes++
    this.counters.consecutiveFailures = 0
    this.counters.lastFlushAt = Date.now()
    this.retryAt = 0
    this.emit('flush', { snapshot: given, durationMs: Date.now() - started, reason })
    return { delivered: true, pending: undefined }
  }

  private fail (cause: unknown): void {
    const c = this.counters
    c.failures++
    c.consecutiveFailures++
    c.lastError = cause
    const b = this.options.backoff ?? {}
    const wait = Math.min((b.initialMs ?? 100) * (b.factor ?? 2) ** (c.consecutiveFailures - 1), b.maxMs ?? 30000)
    this.retryAt = Date.now() + wait
    const reason = cause instanceof Error ? cause.message : String(cause)
    const error = new FlushError(
      `sink ${this.name} failed (${c.consecutiveFailures} in a row): ${reason}; its counts are kept for the next flush`,
      this.name, c.consecutiveFailures, this.held === undefined ? emptySnapshot() : copySnapshot(this.held), this.retryAt, { cause })
    const heard = this.emit('error', error)
    if (!heard && c.consecutiveFailures === 1) console.warn(`wasm-tally: ${error.message}`)
  }

  private emit (event: 'flush', value: FlushInfo): boolean
  private emit (event: 'error', value: FlushError): boolean
  private emit (event: 'flush' | 'error', value: FlushInfo | FlushError): boolean {
    let heard = false
    if (event === 'error' && this.options.onError !== undefined) {
      heard = true
      try { this.options.onError(value as FlushError) } catch { /* a listener must not break flushing */ }
    }
    for (const listener of this.listeners[event]) {
      heard = true
      try { (listener as Listener<typeof value>)(value) } catch { /* as above */ }
    }
    return heard
  }
}

/** Snapshots `tally` every `ms` into `sink`; see Flusher. */
export function flushEvery (tally: Snapshotter, ms: number, sink: Sink, options?: FlusherOptions): Flusher {
  return new Flusher(tally, ms, sink, options)
}

export { PartialDeliveryError }
export type { Sink, SinkFunction, ExitHookOptions }
export type { SinkObject } from './sink.js'
