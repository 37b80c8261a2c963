// What the page and its producer workers agree on: the topics, and the words of
// the small shared control block the page uses to steer the workers live.

export const TOPICS = ['orders', 'payments', 'clicks', 'inventory', 'shipments']

/** Each worker sends to this many topics, starting at its own offset, so workers overlap. */
export const TOPICS_PER_WORKER = 3

/** Control block (Int32Array over a SharedArrayBuffer). */
export const CONTROL = {
  RUN: 0, // 1 while producers should run; the page stores 0 and notifies to stop them
  RATE: 1, // deliveries per second per worker; 0 means as fast as possible
  ERROR_PER_MILLE: 2, // share of deliveries that fail, in thousandths
  WORDS: 4
}

/** The indices (into TOPICS) of the topics a worker sends to. */
export function topicIndicesOf (worker) {
  const out = []
  for (let i = 0; i < TOPICS_PER_WORKER; i++) out.push((worker + i) % TOPICS.length)
  return out
}
