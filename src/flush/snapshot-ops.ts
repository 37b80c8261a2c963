// Plain operations on snapshots for the flusher and the main job: copying, emptiness, totals.
import type { Counts, Snapshot } from '../engine/snapshot.js'

/**
 * A deep copy, every field included (a KafkaSnapshot's error kinds too): a
 * sink may keep or change what it is given without touching the flusher's own.
 */
export function copySnapshot<S extends Snapshot> (snap: S): S {
  return structuredClone(snap)
}

/** True when nothing at all was counted. */
export function isEmptySnapshot (snap: Snapshot): boolean {
  if (snap.overflow.success !== 0 || snap.overflow.error !== 0) return false
  for (const c of snap.topics.values()) if (c.success !== 0 || c.error !== 0) return false
  return true
}

/** Sums over every topic and the overflow row. */
export function snapshotTotals (snap: Snapshot): Counts {
  let success = snap.overflow.success
  let error = snap.overflow.error
  for (const c of snap.topics.values()) { success += c.success; error += c.error }
  return { success, error }
}
