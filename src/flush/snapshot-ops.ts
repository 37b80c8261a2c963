// Plain operations on snapshots: copying, emptiness, totals.
import type { Counts, HistogramCounts, Row, Snapshot } from '../engine/snapshot.js'

/**
 * A deep copy, every field included (a KafkaSnapshot's error kinds too): a
 * sink may keep or change what it is given without touching the flusher's own.
 */
export function copySnapshot<S extends Snapshot> (snap: S): S {
  return structuredClone(snap)
}

/** True when a row holds nothing: every column 0, every histogram without observations (or a sum). */
export function isEmptyRow (row: Row): boolean {
  for (const v of Object.values(row as Record<string, number | HistogramCounts>)) {
    if (typeof v === 'number' ? v !== 0 : v.count !== 0 || v.sum !== 0) return false
  }
  return true
}

/** True when nothing at all was counted, in any column or histogram. */
export function isEmptySnapshot (snap: Snapshot): boolean {
  if (!isEmptyRow(snap.overflow)) return false
  for (const row of snap.topics.values()) if (!isEmptyRow(row)) return false
  return true
}

/** Sums over every topic and the overflow row. */
export function snapshotTotals (snap: Snapshot): Counts {
  let success = snap.overflow.success
  let error = snap.overflow.error
  for (const c of snap.topics.values()) { success += c.success; error += c.error }
  return { success, error }
}
