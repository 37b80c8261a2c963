// Sends a flush's StatsD lines through an unbuffered hot-shots client, one
// datagram each, and maps every failed one back to the part of the batch it
// carried: the flush resolves when every datagram is reported sent, or rejects
// with a PartialDeliveryError whose undelivered part is exactly what did not
// go out. Both ways of making the lines (from a Snapshot, statsd-lines.ts; in
// place, statsd-rows.ts) send through this.
import type { StatsD } from 'hot-shots'
import { PartialDeliveryError } from '../flush/sink.js'
import type { Snapshot } from '../engine/snapshot.js'

/** A flush's lines, by index: what each sends, and what it carries. */
export interface Lines {
  readonly length: number
  name (i: number): string
  value (i: number): number
  tags (i: number): Record<string, string>
  /** Adds what line `i` carries to `undelivered`. */
  undo (i: number, undelivered: Snapshot): void
}

/**
 * Sends every line (rate 1, whatever the client's sampleRate); `undelivered`
 * makes the empty undelivered part at the first failure; `answered` runs once
 * the client has answered for every line handed to it.
 */
export function sendLines (client: StatsD, lines: Lines, undelivered: () => Snapshot, answered?: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let kept: Snapshot | undefined
    let failure: unknown
    let failed = false
    let waiting = 1
    const fail = (error: unknown, i: number): void => {
      if (!failed) { failed = true; failure = error }
      lines.undo(i, kept ??= undelivered())
    }
    const settle = (): void => {
      if (--waiting !== 0) return
      answered?.()
      if (!failed) { resolve(); return }
      const message = failure instanceof Error ? failure.message : String(failure)
      reject(new PartialDeliveryError(`statsd: some increments were not sent: ${message}`, kept as Snapshot, { cause: failure }))
    }
    let threw = false
    const n = lines.length
    for (let i = 0; i < n; i++) {
      if (threw) { lines.undo(i, kept ??= undelivered()); continue } // never handed over
      let done = false
      waiting++
      try {
        // One callback per datagram: the client's only word on which datagram failed.
        client.increment(lines.name(i), lines.value(i), 1, lines.tags(i), error => {
          if (done) return // a client that calls back twice counts once
          done = true
          if (error) fail(error, i)
          settle()
        })
      } catch (error) {
        // hot-shots throws before sending: this line and the rest stay, the lines before it are in flight.
        threw = true
        if (!done) { done = true; fail(error, i); settle() }
      }
    }
    settle()
  })
}
