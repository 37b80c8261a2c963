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
