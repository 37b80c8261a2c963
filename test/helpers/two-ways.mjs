// Runs a sink's two routes side by side on the same batches: a flusher whose
// sink hands each batch to `inPlace.writeRows(rows)` (read in place, what a
// flusher calls) and to `fromSnapshot.write(rows.snapshot())` (the Snapshot
// route, built after the in-place read began, from the same batch). The
// flusher gets the in-place outcome (a partial delivery acks what the in-place
// route reported); both outcomes are kept, to be compared.
import { flushEvery } from '../../dist/index.js'

/** The outcome of a call: 'ok', or the error it threw or rejected with. */
async function outcomeOf (fn) {
  try {
    await fn()
    return { ok: true }
  } catch (error) {
    return { ok: false, error }
  }
}

export function twoWays (table, inPlace, fromSnapshot, options = {}) {
  const outcomes = []
  const flusher = flushEvery(table, 60_000, {
    name: 'both',
    write () { throw new Error('the flusher should read in place') },
    async writeRows (rows) {
      const a = outcomeOf(() => inPlace.writeRows(rows)) // reads the rows before its first await
      const snap = rows.snapshot()
      const b = outcomeOf(() => fromSnapshot.write(snap))
      const both = await Promise.all([a, b])
      outcomes.push(both)
      if (!both[0].ok) throw both[0].error
    }
  }, { timer: false, onError: () => {}, ...options })
  return { flusher, outcomes }
}

/** The outcome as text, a partial delivery with its undelivered part (compare two with assert.equal). */
export function described ({ ok, error }) {
  if (ok) return 'ok'
  const out = { error: `${error.name}: ${error.message}` }
  if (error.undelivered !== undefined) out.undelivered = error.undelivered
  return out
}
