// What a send records when it settles, per topic of the request: its messages
// as success or error (why, on a KafkaTally), the bytes of the messages it
// delivered, and one sendDuration observation (seconds from the call).
import type { Recorder } from './recorder.js'
import type { Counted } from './requests.js'
import type { RowWriter } from './row-writer.js'

export interface SendCounter {
  /** Whether it counts bytes: a table without a bytes column does not pay for measuring them. */
  readonly bytes: boolean
  /** Whether it times sends: without a sendDuration histogram the clock is not read. */
  readonly timed: boolean
  /** Never throws. */
  settled (counted: Counted, seconds: number, error: unknown, failed: boolean): void
}

/** The columns and histograms a send writes. */
export const SEND_NAMES = ['success', 'error', 'bytes', 'sendDuration'] as const

/** A batch naming a topic twice is one send of that topic: one duration, counts summed. */
function byTopic (counted: Counted): Counted {
  if (counted.length < 2) return counted
  const merged = new Map<unknown, [unknown, number, number]>()
  for (const [topic, count, bytes] of counted) {
    const row = merged.get(topic)
    if (row === undefined) merged.set(topic, [topic, count, bytes])
    else { row[1] += count; row[2] += bytes }
  }
  return merged.size === counted.length ? counted : [...merged.values()]
}

/** Into a table's rows; `failure` counts failed messages (a KafkaTally's also counts their kind). */
export function tableSendCounter (writer: RowWriter, failure: (topic: unknown, count: number, error: unknown) => void): SendCounter {
  const success = writer.has('success')
  const bytes = writer.has('bytes')
  const timed = writer.has('sendDuration')
  return {
    bytes,
    timed,
    settled (counted, seconds, error, failed) {
      for (const [topic, count, size] of byTopic(counted)) {
        try {
          const row = writer.row(topic)
          if (failed) failure(topic, count, error)
          else {
            if (success) row.success(count)
            if (bytes && size !== 0) row.add('bytes', size) // bytes of delivered messages only
          }
          if (timed) row.observe('sendDuration', seconds)
        } catch { /* counting never breaks a send */ }
      }
    }
  }
}

/** Into a caller's Recorder: success and error per topic, nothing else. */
export function recorderSendCounter (recorder: Recorder): SendCounter {
  return {
    bytes: false,
    timed: false,
    settled (counted, _seconds, error, failed) {
      for (const [topic, count] of counted) {
        try {
          if (failed) recorder.error(topic, count, error)
          else recorder.success(topic, count)
        } catch { /* a Recorder that breaks does not reach the caller */ }
      }
    }
  }
}
