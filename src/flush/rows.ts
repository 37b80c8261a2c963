// Walking a snapshot as (topic, outcome, count) rows, the shape most sinks write.
import type { Snapshot } from '../engine/snapshot.js'
import type { Outcome } from '../engine/validate.js'

/** The topic label of the overflow row: "__overflow" unless a sink is told otherwise. */
export const OVERFLOW_TOPIC = '__overflow'

/** Calls `row` for every non-zero count, the overflow row last (under `overflowTopic`). */
export function forEachCount (snap: Snapshot, overflowTopic: string, row: (topic: string, outcome: Outcome, count: number) => void): void {
  for (const [topic, c] of snap.topics) {
    if (c.success !== 0) row(topic, 'success', c.success)
    if (c.error !== 0) row(topic, 'error', c.error)
  }
  if (snap.overflow.success !== 0) row(overflowTopic, 'success', snap.overflow.success)
  if (snap.overflow.error !== 0) row(overflowTopic, 'error', snap.overflow.error)
}
