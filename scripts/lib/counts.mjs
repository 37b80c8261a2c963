// Per-topic totals, { [topic]: { success, error } }: what the tests, the
// runtime matrix and the benchmarks add up and compare. Plain objects, which
// JSON and postMessage carry as they are, and plain ESM with no runtime API,
// so Node, Deno, Bun, workerd and browsers all load this one file.

/** The row a snapshot's overflow counts are added under. */
export const OVERFLOW_ROW = '(overflow)'

/** Adds counts to a topic's row (made on first use). */
export function addCounts (totals, topic, success, error = 0) {
  const row = totals[topic] ??= { success: 0, error: 0 }
  row.success += success
  row.error += error
  return totals
}

/** Adds `count` to one outcome ('success' or 'error') of a topic's row. */
export function addOutcome (totals, topic, outcome, count) {
  return outcome === 'error' ? addCounts(totals, topic, 0, count) : addCounts(totals, topic, count, 0)
}

/** Adds every row of `rows`: a Map (a snapshot's topics) or an object of the same shape. */
export function addRows (totals, rows) {
  for (const [topic, c] of rows instanceof Map ? rows : Object.entries(rows)) addCounts(totals, topic, c.success, c.error)
  return totals
}

/** Adds a snapshot: its topics, and its overflow counts under OVERFLOW_ROW when there are any. */
export function addSnapshot (totals, snapshot) {
  addRows(totals, snapshot.topics)
  const { success, error } = snapshot.overflow
  if (success !== 0 || error !== 0) addCounts(totals, OVERFLOW_ROW, success, error)
  return totals
}

/** Records a topic's successes (and errors, if any) into a tally and notes them in `recorded`. */
export function recordNoted (tally, recorded, topic, success, error) {
  tally.record(topic, 'success', success)
  if (error) tally.record(topic, 'error', error)
  return addCounts(recorded, topic, success, error)
}

/** Every count in the totals. */
export function sum (totals) {
  let n = 0
  for (const c of Object.values(totals)) n += c.success + c.error
  return n
}

/** Sorted by topic, rows of zeros left out: comparable with assert.equal or as JSON. */
export function normalise (totals) {
  const out = {}
  for (const topic of Object.keys(totals).sort()) {
    const c = totals[topic]
    if (c.success !== 0 || c.error !== 0) out[topic] = { success: c.success, error: c.error }
  }
  return out
}

/** Where expected and counted differ, as readable lines; [] when they agree. */
export function differences (expected, counted) {
  const out = []
  for (const topic of new Set([...Object.keys(expected), ...Object.keys(counted)])) {
    const e = expected[topic] ?? { success: 0, error: 0 }
    const c = counted[topic] ?? { success: 0, error: 0 }
    for (const o of ['success', 'error']) {
      if (e[o] !== c[o]) out.push(`${topic}.${o}: recorded ${e[o]}, counted ${c[o]} (${c[o] - e[o] > 0 ? '+' : ''}${c[o] - e[o]})`)
    }
  }
  return out
}
