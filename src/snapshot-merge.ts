// Combining snapshots: the undelivered deltas of one flush plus the next.
import type { Counts, Snapshot } from './snapshot.js'

/** A deep copy: a sink may keep or change what it is given without touching the flusher's own. */
export function copySnapshot (snap: Snapshot): Snapshot {
  const topics = new Map<string, Counts>()
  for (const [topic, c] of snap.topics) topics.set(topic, { success: c.success, error: c.error })
  return { epoch: snap.epoch, topics, overflow: { success: snap.overflow.success, error: snap.overflow.error } }
}

/** A new snapshot holding the counts of both; its epoch is the later one. */
export function mergeSnapshots (a: Snapshot, b: Snapshot): Snapshot {
  const out = copySnapshot(a)
  out.epoch = Math.max(a.epoch, b.epoch)
  for (const [topic, c] of b.topics) {
    const seen = out.topics.get(topic)
    if (seen) { seen.success += c.success; seen.error += c.error } else out.topics.set(topic, { success: c.success, error: c.error })
  }
  out.overflow.success += b.overflow.success
  out.overflow.error += b.overflow.error
  return out
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
