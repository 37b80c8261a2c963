// The broken pattern the demo shows beside wasm-tally: one plain counter per
// topic and outcome in a SharedArrayBuffer, bumped with a non-atomic
// read-modify-write, and a flusher that reads every counter, then zeroes them
// (snapshot-then-clear, no swap). Both steps lose counts under concurrency.

export const OUTCOMES = 2 // success, error

export function createNaiveCounters (topics) {
  return new Float64Array(new SharedArrayBuffer(topics * OUTCOMES * 8))
}

/** The naive flusher: copy everything out, then clear. Anything added in between is gone. */
export function naiveSnapshot (counters) {
  const taken = Array.from(counters)
  counters.fill(0)
  return taken
}
