// Adding KafkaTally snapshots up: every column, histogram and error kind per topic.

export function emptyTotals () {
  return { topics: {}, errors: {}, processErrors: {} }
}

function addHistogram (into, h) {
  into.count += h.count
  into.sum += h.sum
  h.counts.forEach((n, i) => { into.counts[i] += n })
}

function addKinds (into, map) {
  for (const [topic, e] of map) {
    const t = into[topic] ??= { retriable: 0, nonRetriable: 0, kinds: {} }
    t.retriable += e.retriable
    t.nonRetriable += e.nonRetriable
    for (const [kind, n] of e.kinds) t.kinds[kind] = (t.kinds[kind] ?? 0) + n
  }
}

/** Adds a KafkaSnapshot into `totals`. */
export function addKafkaSnapshot (totals, snap) {
  for (const [topic, row] of snap.topics) {
    const t = totals.topics[topic] ??= {}
    for (const [name, v] of Object.entries(row)) {
      if (typeof v === 'number') t[name] = (t[name] ?? 0) + v
      else addHistogram(t[name] ??= { count: 0, sum: 0, counts: v.counts.map(() => 0) }, v)
    }
  }
  addKinds(totals.errors, snap.errors)
  addKinds(totals.processErrors, snap.processErrors)
  return totals
}
