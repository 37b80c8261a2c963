// The flusher: hands the table's batches to a sink off the hot path. A batch
// stays in the shared table until the sink acknowledges it, so a flusher that
// dies at any point loses nothing: the next flusher, in any thread, delivers
// the same batch again under the same id.
import { emptySnapshot, type BatchId, type Snapshot } from '../engine/snapshot.js'
import { copySnapshot, isEmptySnapshot } from './snapshot-ops.js'
import type { Batch } from '../engine/batch.js'
import { DEFAULT_LEASE_MS } from '../engine/tally.js'
import { checkOptions, checkWait, describe } from '../engine/validate.js'
import { hookExit, type ExitHookOptions } from './exit-hooks.js'
import { PartialDeliveryError, sinkName, sinkWrite, sinkWriteRows, undeliveredOf, type Sink, type SinkFunction, type SinkObject } from './sink.js'
import type { BatchRows } from '../engine/batch-reader.js'

/** What a flusher needs of a table: Tally and KafkaTally have it. */
export interface BatchSource<S = Snapshot> {
  /** With `{ lazy: true }`, a batch whose `rows` a sink reads in place (its `snapshot` built only if read). */
  openBatch (waitMs?: number, options?: { lazy?: boolean }): Batch<S> | undefined
  renewBatch (): boolean
  ackBatch (batch: Batch<unknown>, undelivered?: Snapshot<unknown>): boolean
  releaseBatch (batch?: Batch<unknown>): void
  /** The table-wide throttle: true for one caller per interval across threads. */
  claimFlush?: (intervalMs: number) => boolean
  readonly leaseMs?: number
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
  /** How long a sink may take before its delivery counts as failed (ms, default 10000); the batch is kept. */
  sinkTimeoutMs?: number
  /** The most stop() may take, sink included (ms, default 15000); what is not delivered by then stays pending. */
  finalDeadlineMs?: number
}

/** Surfaces a failed delivery; the batch stays in the table (see `pending`) and is retried as it was. */
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
  /** The batch's id: a retry of the same batch carries the same one. */
  batch: BatchId
  /** Milliseconds from opening the batch to the sink settling. */
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
  /** Batches the sink took. */
  flushes: number
  failures: number
  consecutiveFailures: number
  /** Times the snapshot lock was held by another flusher. */
  busy: number
  /** Deliveries whose lease another flusher took over before the acknowledgement (that flusher delivers the batch again). */
  leaseLost: number
  lastFlushAt: number | undefined
  lastError: unknown
}

type FlushReason = 'timer' | 'maybe' | 'manual' | 'final'
type Listener<T> = (value: T) => void

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
// The final flush: a pending batch, then two batches (counts that raced the first come along).
const FINAL_BATCHES = 3

function unrefTimer (timer: unknown): void {
  (timer as { unref?: () => void }).unref?.()
}

class SinkTimeoutError extends Error {
  override name = 'SinkTimeoutError'
}

/** The sink's settling, or a SinkTimeoutError after `ms`; a sink that throws synchronously rejects. */
function settleWithin (write: () => void | Promise<void>, ms: number, name: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new SinkTimeoutError(`sink ${name} did not settle within ${ms} ms`)), ms)
  })
  const written = Promise.resolve().then(write)
  return Promise.race([written, timeout]).finally(() => clearTimeout(timer))
}

export class Flusher {
  readonly intervalMs: number
  private readonly write: SinkFunction
  // The sink's in-place reader of a batch, when it has one (see SinkObject.writeRows).
  private readonly writeRows: ((rows: BatchRows) => void | Promise<void>) | undefined
  private readonly name: string
  private readonly options: FlusherOptions
  private readonly leaseMs: number
  private readonly sinkTimeoutMs: number
  private readonly finalDeadlineMs: number
  private readonly listeners = { flush: new Set<Listener<never>>(), error: new Set<Listener<never>>() }
  // A copy of the batch the last failed delivery left pending in the table.
  private undelivered: Snapshot | undefined
  private chain: Promise<unknown> = Promise.resolve()
  private running = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private scheduled: ReturnType<typeof setTimeout> | undefined
  private lastRunAt = 0
  private retryAt = 0
  // Whether the last batch opened held nothing (the final flush stops after one such).
  private lastWasEmpty = false
  private stopping: Promise<Snapshot | undefined> | undefined
  private readonly unhook: () => void
  private readonly statistics: FlusherStats = { flushes: 0, failures: 0, consecutiveFailures: 0, busy: 0, leaseLost: 0, lastFlushAt: undefined, lastError: undefined }

  constructor (private readonly tally: BatchSource, ms: number, sink: Sink, options?: FlusherOptions) {
    if (tally === null || typeof tally !== 'object' || typeof tally.openBatch !== 'function' || typeof tally.ackBatch !== 'function') {
      throw new TypeError(`flushEvery expects a Tally or a KafkaTally (an object with openBatch() and ackBatch()), got ${describe(tally)}`)
    }
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) throw new RangeError(`the flush interval must be a positive number of ms, got ${describe(ms)}`)
    this.intervalMs = ms
    this.write = sinkWrite(sink)
    this.writeRows = sinkWriteRows(sink)
    this.name = sinkName(sink)
    this.options = checkOptions<FlusherOptions>('flushEvery', options)
    this.leaseMs = tally.leaseMs ?? DEFAULT_LEASE_MS // a BatchSource of its own making may not say
    this.sinkTimeoutMs = checkWait('sinkTimeoutMs', this.options.sinkTimeoutMs ?? 10_000)
    this.finalDeadlineMs = checkWait('finalDeadlineMs', this.options.finalDeadlineMs ?? 15_000)
    for (const key of ['busyWaitMs', 'finalWaitMs'] as const) if (this.options[key] !== undefined) checkWait(key, this.options[key])
    const hooks = this.options.exitHooks
    // Hooked before the timer starts: bad hook options throw with nothing left running.
    this.unhook = hooks !== undefined && hooks !== false
      // The process exits a second after stop()'s own deadline, whatever the sink does.
      ? hookExit(() => this.stop(), { deadlineMs: this.finalDeadlineMs + 1000, ...(hooks === true ? {} : hooks) })
      : () => {}
    this.lastRunAt = Date.now()
    if (this.options.timer ?? true) this.arm(ms)
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

  /** Delivers one batch now (ignoring any back-off), after a flush already under way. */
  flush (): Promise<FlushResult> {
    if (this.stopping !== undefined) return this.stopping.then(pending => ({ delivered: pending === undefined, pending }))
    return this.enqueue('manual')
  }

  /** A copy of the batch the last failed delivery left pending in the table, if any. */
  pending (): Snapshot | undefined {
    return this.undelivered === undefined ? undefined : copySnapshot(this.undelivered)
  }

  stats (): FlusherStats {
    return { ...this.statistics }
  }

  /**
   * Stops the timer and the exit hooks, then flushes a last time: the pending
   * batch if there is one, then two batches (so counts that raced the first
   * come along), each tried once, all within `finalDeadlineMs`. Resolves
   * to what could not be delivered, if anything. That batch also stays pending
   * in the table, where a flusher of another thread (or a later one) delivers
   * it under the same id.
   */
  stop (): Promise<Snapshot | undefined> {
    if (this.stopping !== undefined) return this.stopping
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.scheduled !== undefined) clearTimeout(this.scheduled)
    this.timer = this.scheduled = undefined
    this.unhook()
    this.stopping = this.enqueue('final').catch(error => { this.fail(error) }).then(() => this.pending())
    return this.stopping
  }

  private arm (ms: number): void {
    this.timer = setTimeout(() => { this.timer = undefined; this.background('timer') }, Math.max(0, ms))
    if (this.options.unref ?? true) unrefTimer(this.timer)
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
      if ((reason === 'timer' || reason === 'maybe') && started < this.retryAt) return this.notDelivered()
      if (reason !== 'final') return await this.cycle(reason, started, this.sinkTimeoutMs)
      const deadline = started + this.finalDeadlineMs
      let result: FlushResult = { delivered: true, pending: undefined }
      for (let i = 0; i < FINAL_BATCHES && result.delivered; i++) {
        const left = deadline - Date.now()
        if (left <= 0) return this.notDelivered()
        result = await this.cycle(reason, Date.now(), Math.min(this.sinkTimeoutMs, left))
        if (result.delivered && result.pending === undefined && this.lastWasEmpty && i >= 1) break
      }
      return result
    } finally {
      this.running = false
      if (this.stopping === undefined && (this.options.timer ?? true) && reason !== 'final') {
        if (this.timer !== undefined) clearTimeout(this.timer)
        this.arm(started + this.intervalMs - Date.now())
      }
    }
  }

  private notDelivered (): FlushResult {
    return { delivered: this.undelivered === undefined, pending: this.pending() }
  }

  /** Opens one batch, delivers it, and acknowledges it or leaves it pending. */
  private async cycle (reason: FlushReason, started: number, timeoutMs: number): Promise<FlushResult> {
    const waitMs = reason === 'final'
      ? this.options.finalWaitMs ?? this.leaseMs
      : this.options.busyWaitMs ?? Math.min(this.intervalMs, 1000)
    const batch = await this.open(waitMs)
    if (batch === undefined) return this.notDelivered()
    this.lastWasEmpty = batch.rows !== undefined ? batch.rows.isEmpty() : isEmptySnapshot(batch.snapshot)
    if (this.lastWasEmpty && !(this.options.emptyFlushes ?? false)) {
      this.tally.ackBatch(batch)
      this.undelivered = undefined
      return { delivered: true, pending: undefined }
    }
    return await this.deliver(batch, reason, started, timeoutMs)
  }

  /** Opens a batch; a busy lock is retried until the wait runs out. */
  private async open (waitMs: number): Promise<Batch | undefined> {
    const giveUp = Date.now() + waitMs
    let delay = 1
    for (;;) {
      // A sink that reads rows in place never pays for the Snapshot.
      const batch = this.tally.openBatch(0, this.writeRows !== undefined ? { lazy: true } : undefined)
      if (batch !== undefined) return batch
      this.statistics.busy++
      if (Date.now() >= giveUp) return undefined
      await sleep(Math.min(delay, Math.max(1, giveUp - Date.now())))
      delay = Math.min(delay * 2, 16)
    }
  }

  private async deliver (batch: Batch, reason: FlushReason, started: number, timeoutMs: number): Promise<FlushResult> {
    const rows = this.writeRows !== undefined ? batch.rows : undefined
    // A sink given the Snapshot gets a copy of its own (it may keep or change it).
    let given = rows === undefined ? copySnapshot(batch.snapshot) : undefined
    // The lock is held while the sink works: renew its lease, so only a dead thread's lease runs out.
    const renew = setInterval(() => { this.tally.renewBatch() }, Math.max(1, Math.floor(this.leaseMs / 3)))
    unrefTimer(renew)
    try {
      const writeRows = this.writeRows
      await settleWithin(rows !== undefined && writeRows !== undefined ? () => writeRows(rows) : () => this.write(given as Snapshot), timeoutMs, this.name)
    } catch (cause) {
      clearInterval(renew)
      return this.failed(batch, cause)
    }
    clearInterval(renew)
    // Built only for listeners, and before the ack (after it the rows are gone).
    if (given === undefined && this.listeners.flush.size > 0) given = copySnapshot(batch.snapshot)
    if (!this.tally.ackBatch(batch)) this.statistics.leaseLost++
    this.undelivered = undefined
    const s = this.statistics
    s.flushes++
    s.consecutiveFailures = 0
    s.lastFlushAt = Date.now()
    this.retryAt = 0
    if (given !== undefined) this.emit('flush', { snapshot: given, batch: batch.id, durationMs: Date.now() - started, reason })
    return { delivered: true, pending: undefined }
  }

  /** The sink failed: keep the batch (or, after a partial delivery, what it did not take) and surface why. */
  private failed (batch: Batch, cause: unknown): FlushResult {
    const undelivered = undeliveredOf(cause)
    // Read while the lock is held: a batch read in place has no Snapshot after its ack or release.
    let kept: Snapshot
    try {
      kept = batch.snapshot
    } catch {
      // Taken over while the sink worked: the holder that took it delivers the batch (our ack would fail too).
      kept = emptySnapshot(batch.id.sequence)
    }
    if (undelivered !== undefined) {
      try {
        if (this.tally.ackBatch(batch, undelivered)) kept = undelivered
      } catch (refused) {
        // The sink's report is not a subset of the batch: keep all of it, and say so.
        cause = new Error(`sink ${this.name} reported an undelivered part that is not part of the batch (${(refused as Error).message}); the whole batch is kept`, { cause })
      }
    } else {
      this.tally.releaseBatch(batch)
    }
    this.undelivered = copySnapshot(kept)
    this.fail(cause)
    return { delivered: false, pending: this.pending() }
  }

  private fail (cause: unknown): void {
    const c = this.statistics
    c.failures++
    c.consecutiveFailures++
    c.lastError = cause
    const b = this.options.backoff ?? {}
    const wait = Math.min((b.initialMs ?? 100) * (b.factor ?? 2) ** (c.consecutiveFailures - 1), b.maxMs ?? 30000)
    this.retryAt = Date.now() + wait
    const reason = cause instanceof Error ? cause.message : String(cause)
    const error = new FlushError(
      `sink ${this.name} failed (${c.consecutiveFailures} in a row): ${reason}; its counts are kept for the next flush`,
      this.name, c.consecutiveFailures, this.undelivered === undefined ? emptySnapshot() : copySnapshot(this.undelivered), this.retryAt, { cause })
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

/**
 * Delivers `tally`'s batches every `ms` into `sink`; see Flusher. A callback
 * sink receives the table's own snapshot type (its rows typed by the schema,
 * a KafkaTally's with `errors`); the package's sinks take any table's.
 */
export function flushEvery<S> (tally: BatchSource<S>, ms: number, sink: Sink<S> | SinkObject<Snapshot<any>>, options?: FlusherOptions): Flusher {
  return new Flusher(tally as unknown as BatchSource, ms, sink as Sink, options)
}

export { PartialDeliveryError }
export type { Sink, SinkFunction, ExitHookOptions }
export type { SinkObject } from './sink.js'
