// The page's words for what each side counted: the gaps, the headline and
// the subline once the workers have stopped.
import { compact, number } from './charts.js'

/** The gap between what was recorded and what a side counted, as the big number and its label. */
export function gap (recorded, counted, final) {
  if (recorded === 0 && counted === 0) return { value: '—', label: 'nothing recorded yet' }
  const missing = recorded - counted
  if (!final) return { value: compact(Math.abs(missing)), label: 'not counted yet (in flight or lost)' }
  if (missing === 0) return { value: '0', label: 'lost' }
  const share = `${(Math.abs(missing) / recorded * 100).toFixed(2)}%`
  if (missing > 0) return { value: number.format(missing), label: `lost (${share})` }
  return { value: number.format(-missing), label: `too many (${share})` }
}

/** The headline once the workers have stopped. */
export function verdict (n, recorded, counted, naive) {
  const workers = `${n} worker${n === 1 ? '' : 's'}, 1 shared table`
  const lost = recorded - counted
  const naiveLost = recorded - naive
  const tallyPart = `wasm-tally lost ${number.format(lost)} of ${number.format(recorded)}`
  const naivePart = naiveLost > 0 ? `naive lost ${number.format(naiveLost)}` : naiveLost < 0 ? `naive counted ${number.format(-naiveLost)} too many` : 'naive was exact'
  return `${workers}: ${tallyPart}; ${naivePart}`
}

/**
 * The subline once the workers have stopped: what each side made of the
 * workers' exact counts. `observations` is { tally, naive }, as counted.
 */
export function settled ({ recorded, counted, naive, observed, observations }) {
  const exact = counted === recorded && observations.tally === observed
  const tally = exact
    ? 'wasm-tally\'s snapshots add up to it exactly, deliveries and latencies'
    : `wasm-tally's snapshots are off by ${number.format(recorded - counted)} deliveries and ${number.format(observed - observations.tally)} latencies`
  const counters = naive === recorded ? 'the naive counters got away with it this time' : 'the naive counters do not'
  const lost = observed - observations.naive
  const histograms = lost > 0
    ? `the naive histograms lost ${number.format(lost)} of ${number.format(observed)} latencies`
    : 'the naive histograms got away with it this time (they need two workers on a topic)'
  return `Every worker also kept its own exact count. ${tally}; ${counters}, and ${histograms}.`
}
