// One metric's running totals per attribute set, added up from the deltas
// of each flush: a counter's value, a histogram's bucket counts, sum and count.
// The Prometheus families and the OpenTelemetry producer render these.
import type { Attributes, CounterPoint, HistogramPoint, MetricInfo } from './metric-names.js'

export interface CounterSeries {
  attributes: Attributes
  value: number
  /** When the series was first added to (ms since the epoch). */
  start: number
}

export interface HistogramSeries {
  attributes: Attributes
  counts: number[]
  /** The running sum, converted once from `sumNanos`. */
  sum: number
  /** The running sum in whole nano-units, exact: adding each batch's sum as a float would drift (ten 0.1 make 0.9999999999999999). */
  sumNanos: bigint
  count: number
  start: number
}

// Frozen attribute sets (metric-names.ts shares one per series) keep their key.
const keys = new WeakMap<Attributes, string>()

/** One key per attribute set, whatever the order of its keys. */
export function attributeKey (attributes: Attributes): string {
  let key = keys.get(attributes)
  if (key === undefined) {
    key = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
    if (Object.isFrozen(attributes)) keys.set(attributes, key)
  }
  return key
}

const BILLION = 1_000_000_000n
const FEW_NANOS = 4_194_304 // 2^22
const SAFE_NANOS = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * A sum as whole nano-units, from its shortest decimal (String): a batch's sum
 * is units / 10^k, and while one double stands for one unit count (under 2^52
 * units) that decimal is exactly units / 10^k, at every resolution; the binary
 * fraction of the double is not (123456789012.345 is ...345001221 nano-units).
 * Digits past the ninth decimal round half up.
 */
export function toNanos (sum: number): bigint {
  if (sum < 0) return -toNanos(-sum)
  // Below 2^22 an ulp is under 1e-9, so at most one multiple of 1e-9 reads back as `sum`: when
  // k nano-units do, that decimal is the shortest one (String's), and the answer is k (no strings).
  if (sum < FEW_NANOS) {
    const k = Math.round(sum * 1e9)
    if (k / 1e9 === sum) return BigInt(k)
  }
  const [mantissa, exponent = '0'] = String(sum).split('e')
  const [whole, fraction = ''] = mantissa.split('.')
  const shift = Number(exponent) + 9 - fraction.length
  const digits = BigInt(whole + fraction)
  if (shift >= 0) return digits * 10n ** BigInt(shift)
  const divisor = 10n ** BigInt(-shift)
  return (digits + divisor / 2n) / divisor
}

/** Nano-units back to units, rounded once (the decimal parsed as one number). */
export function fromNanos (nanos: bigint): number {
  if (nanos < 0n) return -fromNanos(-nanos)
  // An exact double divided by an exact double rounds once, to the same nearest number as the parse.
  if (nanos <= SAFE_NANOS) return Number(nanos) / 1e9
  return Number(`${nanos / BILLION}.${String(nanos % BILLION).padStart(9, '0')}`)
}

function sameBounds (a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export class SeriesTotals {
  readonly counters = new Map<string, CounterSeries>()
  readonly histograms = new Map<string, HistogramSeries>()

  constructor (readonly metric: MetricInfo, readonly bounds?: readonly number[]) {}

  /** Why `point` cannot be added here (another kind, other bounds), or undefined when it can. */
  refuses (point: CounterPoint | HistogramPoint): string | undefined {
    return 'counts' in point ? this.refusesAs(point.metric, point.bounds) : this.refusesAs(point.metric, undefined)
  }

  /** refuses() for a point of `metric`: a histogram's with `bounds`, a counter's without. */
  refusesAs (metric: MetricInfo, bounds: readonly number[] | undefined): string | undefined {
    const isHistogram = bounds !== undefined
    if (isHistogram !== (this.metric.kind === 'histogram')) return `${metric.name} is a ${metric.kind}, and a ${this.metric.kind} of that name exists`
    if (isHistogram && this.bounds !== undefined && !sameBounds(this.bounds, bounds)) {
      return `histogram ${metric.name} has bounds [${this.bounds.join(', ')}]; a snapshot brought [${bounds.join(', ')}]`
    }
    return undefined
  }

  addCounter (point: CounterPoint, now: number): void {
    this.addValue(point.attributes, point.value, now)
  }

  /** Adds a counter's delta to the series of `attributes`. */
  addValue (attributes: Attributes, value: number, now: number): void {
    const key = attributeKey(attributes)
    const s = this.counters.get(key)
    if (s === undefined) this.counters.set(key, { attributes, value, start: now })
    else s.value += value
  }

  addHistogram (point: HistogramPoint, now: number): void {
    this.addCounts(point.attributes, point.counts, 0, point.counts.length, point.sum, point.count, now)
  }

  /** Adds a histogram's delta to the series of `attributes`: its bucket counts are `cells[from]` to `cells[from + n - 1]`. */
  addCounts (attributes: Attributes, cells: readonly number[], from: number, n: number, sum: number, count: number, now: number): void {
    const key = attributeKey(attributes)
    const s = this.histograms.get(key)
    if (s === undefined) {
      const sumNanos = toNanos(sum)
      this.histograms.set(key, { attributes, counts: cells.slice(from, from + n), sum: fromNanos(sumNanos), sumNanos, count, start: now })
      return
    }
    const counts = s.counts
    for (let i = 0; i < n; i++) counts[i] += cells[from + i]
    s.sumNanos += toNanos(sum)
    s.sum = fromNanos(s.sumNanos)
    s.count += count
  }

  clear (): void {
    this.counters.clear()
    this.histograms.clear()
  }
}
