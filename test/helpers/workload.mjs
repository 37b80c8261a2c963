// A deterministic mix of increments for writer thread `writer`: topics shared
// by every writer and topics of its own, both outcomes, counts of 1 and more,
// through record() and through bindings.
export const SHARED_TOPICS = ['orders', 'payments', 'audit.log', 'user_events']

export function topicsFor (writer) {
  return [...SHARED_TOPICS, `writer-${writer}.a`, `writer-${writer}.b`]
}

/** Yields [topic, outcome, count, viaBind] for step k of writer w. */
export function step (writer, k, topics) {
  const topic = topics[(k * 7 + writer) % topics.length]
  const outcome = k % 5 === 0 ? 'error' : 'success'
  const count = k % 13 === 0 ? (k % 7) + 2 : 1
  const viaBind = (k & 1) === 1
  return [topic, outcome, count, viaBind]
}

export function addTo (totals, topic, outcome, count) {
  let row = totals.get(topic)
  if (!row) { row = { success: 0, error: 0 }; totals.set(topic, row) }
  row[outcome] += count
}

/** Adds a snapshot's topics (and overflow, under the key "<overflow>") into totals. */
export function addSnapshot (totals, snap) {
  for (const [topic, c] of snap.topics) {
    addTo(totals, topic, 'success', c.success)
    addTo(totals, topic, 'error', c.error)
  }
  if (snap.overflow.success || snap.overflow.error) {
    addTo(totals, '<overflow>', 'success', snap.overflow.success)
    addTo(totals, '<overflow>', 'error', snap.overflow.error)
  }
}

export function mergeTotals (into, from) {
  for (const [topic, c] of from) {
    addTo(into, topic, 'success', c.success)
    addTo(into, topic, 'error', c.error)
  }
  return into
}

/** The differences between expected and counted, as readable lines. */
export function differences (expected, counted) {
  const out = []
  for (const topic of new Set([...expected.keys(), ...counted.keys()])) {
    const e = expected.get(topic) ?? { success: 0, error: 0 }
    const c = counted.get(topic) ?? { success: 0, error: 0 }
    for (const o of ['success', 'error']) {
      if (e[o] !== c[o]) out.push(`${topic}.${o}: recorded ${e[o]}, counted ${c[o]} (${c[o] - e[o] > 0 ? '+' : ''}${c[o] - e[o]})`)
    }
  }
  return out
}

export function sum (totals) {
  let n = 0
  for (const c of totals.values()) n += c.success + c.error
  return n
}
