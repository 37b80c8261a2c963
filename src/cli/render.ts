// Plain-text rendering of a snapshot for the terminal.
import type { Snapshot } from '../index.js'

const n = (x: number): string => x.toLocaleString('en-US')

export function renderSnapshot (snap: Snapshot, totals: { recorded: number, counted: number }, seconds: number): string {
  const lines = [`snapshot ${snap.epoch}  (+${seconds.toFixed(1)} s)`]
  const width = Math.max(8, ...[...snap.topics.keys()].map(t => t.length))
  lines.push(`  ${'topic'.padEnd(width)}  ${'success'.padStart(12)}  ${'error'.padStart(10)}`)
  for (const [topic, c] of [...snap.topics].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  ${topic.padEnd(width)}  ${n(c.success).padStart(12)}  ${n(c.error).padStart(10)}`)
  }
  if (snap.overflow.success || snap.overflow.error) {
    lines.push(`  ${'(overflow)'.padEnd(width)}  ${n(snap.overflow.success).padStart(12)}  ${n(snap.overflow.error).padStart(10)}`)
  }
  lines.push(`  total recorded ${n(totals.recorded)}, counted ${n(totals.counted)}`)
  return lines.join('\n')
}

export function countOf (snap: Snapshot): number {
  let total = snap.overflow.success + snap.overflow.error
  for (const c of snap.topics.values()) total += c.success + c.error
  return total
}
