// What a send records when it settles, per topic of the request: its messages
// as success or error (why, on a KafkaTally), the bytes of the messages it
// delivered, and one sendDuration observation (seconds from the call).
import type { Recorder } from './recorder.js'
import type { RowWriter } from './row-writer.js'

export interface SendCounter {
  /** Whether it counts bytes: a table without a bytes column does not pay for measuring them. */
  readonly bytes: boolean
  /** Whether it times sends: without a sendDuration histogram the clock is not read. */
  readonly timed: boolean
  /** One topic of a settled send: `count` messages of `bytes` bytes. Never throws. */
  settled (topic: unknown, count: number, bytes: number, seconds: number, error: unknown, failed: boolean): void
}

/** The columns and histograms a send writes. */
export const SEND_NAMES = ['success', 'error', 'bytes', 'sendDuration'] as const

/** Into a table's rows; `failure` counts failed messages (a KafkaTally's also counts their kind). */
export function tableSendCounter (writer: RowWriter, failure: (topic: unknown, count: number, error: unknown) => void): SendCounter {
  const bytes = writer.has('bytes')
  const timed = writer.has('sendDuration')
  // A delivered send's success, bytes and sendDuration: one function per topic.
  const delivered = writer.outcomes('success', 'bytes', 'sendDuration') // bytes of delivered messages only
  return {
    bytes,
    timed,
    settled (topic, count, size, seconds, error, failed) {
      try {
        if (!failed) delivered.of(topic)(count, size, seconds)
        else {
          failure(topic, count, error)
          if (timed) writer.observe(topic, 'sendDuration', seconds)
        }
      } catch { /* counting never breaks a send */ }
    }
  }
}

/** Into a caller's Recorder: success and error per topic, nothing else. */
export function recorderSendCounter (recorder: Recorder): SendCounter {
  return {
    bytes: false,
    timed: false,
    settled (topic, count, _bytes, _seconds, error, failed) {
      try {
        if (failed) recorder.error(topic, count, error)
        else recorder.success(topic, count)
      } catch { /* a Recorder that breaks does not reach the caller */ }
    }
  }
}

/** A client's rejection in the form error kinds are read from (name, type, retriable, cause); never throws. */
export type ErrorMap = (error: unknown) => unknown

/** Applies `map`, or keeps the error as it was when `map` throws. */
export function mapped (map: ErrorMap, error: unknown): unknown {
  try { return map(error) } catch { return error }
}

/** `counter` with each failure's error put through `map` first (the caller still gets the error as it was). */
export function mappedSendCounter (counter: SendCounter, map: ErrorMap): SendCounter {
  return {
    bytes: counter.bytes,
    timed: counter.timed,
    settled (topic, count, bytes, seconds, error, failed) {
      counter.settled(topic, count, bytes, seconds, failed ? mapped(map, error) : error, failed)
    }
  }
}
