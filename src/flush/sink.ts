// What a flusher delivers to: a function or an object with write().
import type { Snapshot } from '../engine/snapshot.js'
import type { BatchRows } from '../engine/batch-reader.js'

/** Receives the deltas of one flush; a throw or rejection means "not delivered, keep them". */
export type SinkFunction<S = Snapshot> = (snapshot: S) => void | Promise<void>

export interface SinkObject<S = Snapshot> {
  /** Shown in errors. */
  readonly name?: string
  /** Delivers the deltas; a throw or rejection means "not delivered, keep them". */
  write (snapshot: S): void | Promise<void>
  /**
   * Delivers a batch read in place, row by row (a flusher calls this instead
   * of write() when the sink has it): no Snapshot is built. `rows` is valid
   * until the returned promise settles; read it before anything else awaits.
   * A throw or rejection means "not delivered, keep them", as for write().
   */
  writeRows?: (rows: BatchRows) => void | Promise<void>
}

/** `S` is what the table's snapshots hold: flushEvery passes the table's own type to a callback. */
export type Sink<S = Snapshot> = SinkFunction<S> | SinkObject<S>

/**
 * Thrown by a sink that delivered part of a flush: `undelivered` holds what did
 * not go out, and only that is kept for the next flush (no doubles downstream).
 */
export class PartialDeliveryError extends Error {
  override name = 'PartialDeliveryError'
  constructor (message: string, readonly undelivered: Snapshot, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/**
 * The undelivered part a sink reported, recognised by shape rather than by
 * class, so an error made by another copy of this package counts as well.
 */
export function undeliveredOf (cause: unknown): Snapshot | undefined {
  const u = (cause as { undelivered?: Partial<Snapshot> } | null)?.undelivered
  if ((cause as { name?: unknown } | null)?.name !== 'PartialDeliveryError' || u === null || typeof u !== 'object') return undefined
  if (!(u.topics instanceof Map) || typeof u.epoch !== 'number' || typeof u.overflow !== 'object' || u.overflow === null) return undefined
  return u as Snapshot
}

export function sinkName (sink: Sink): string {
  if (typeof sink === 'function') return sink.name !== '' ? sink.name : 'callback'
  return sink.name ?? sink.constructor?.name ?? 'sink'
}

export function sinkWrite (sink: Sink): SinkFunction {
  if (typeof sink === 'function') return sink
  if (sink === null || typeof sink !== 'object' || typeof sink.write !== 'function') {
    throw new TypeError('a sink is a function (snapshot) => void | Promise<void>, or an object with write(snapshot)')
  }
  return snap => sink.write(snap)
}

/** The sink's in-place writer, if it has one. */
export function sinkWriteRows (sink: Sink): ((rows: BatchRows) => void | Promise<void>) | undefined {
  if (typeof sink === 'function' || typeof sink.writeRows !== 'function') return undefined
  const writeRows = sink.writeRows
  return rows => writeRows.call(sink, rows)
}
