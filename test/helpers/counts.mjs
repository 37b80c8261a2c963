// Totals as plain objects, { [topic]: { success, error } }: the shape the
// flush and sink tests add up and compare.

/** Adds counts to a topic's row. */
export function addCounts (into, topic, success, error) {
  const row = into[topic] ??= { success: 0, error: 0 }
  row.success += success
  row.error += error
  return into
}

/** Adds every row of `rows`: a snapshot's Map, or an object of the same shape. */
export function addRows (into, rows) {
  for (const [topic, c] of rows instanceof Map ? rows : Object.entries(rows)) addCounts(into, topic, c.success, c.error)
  return into
}

/** Records a topic's successes (and errors, if any) and notes them in `recorded`. */
export function recordNoted (tally, recorded, topic, success, error) {
  tally.record(topic, 'success', success)
  if (error) tally.record(topic, 'error', error)
  return addCounts(recorded, topic, success, error)
}
