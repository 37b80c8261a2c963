// One batch's metric points read in place, kept in flat arrays reused from
// flush to flush (no point object, no count array), then added to running
// totals by the rules a Snapshot's points follow: every point's totals are
// looked up, and every point checked, in the same order (counters, then
// histograms), before any is added, so a refused batch changes nothing.
// The Prometheus families and the OpenTelemetry producer add through it.
import type { HistogramCounts } from '../engine/snapshot.js'
import type { Attributes, MetricInfo, PointSink } from './metric-points.js'
import type { SeriesTotals } from './series-totals.js'

/**
 * The totals a point of `metric` goes to (a histogram's with `bounds`, a
 * counter's without), made when missing; throws to refuse the batch.
 */
export type PlanPoint = (metric: MetricInfo, bounds: readonly number[] | undefined) => SeriesTotals

export class PointBuffer implements PointSink {
  // Counters: metric, attribute set and delta of point i.
  private readonly counterMetrics: MetricInfo[] = []
  private readonly counterSets: Attributes[] = []
  private readonly counterValues: number[] = []
  private counters = 0
  // Histograms: metric, attribute set, bounds, sum and count of point i; its counts from cells[starts[i]].
  private readonly histogramMetrics: MetricInfo[] = []
  private readonly histogramSets: Attributes[] = []
  private readonly histogramBounds: Array<readonly number[]> = []
  private readonly sums: number[] = []
  private readonly counts: number[] = []
  private readonly starts: number[] = []
  private readonly cells: number[] = []
  private histograms = 0
  private used = 0
  // The totals of each point, counters first, as planned.
  private readonly planned: SeriesTotals[] = []

  /** Forgets the points taken so far (the arrays keep their room). */
  clear (): void {
    this.counters = 0
    this.histograms = 0
    this.used = 0
  }

  count (metric: MetricInfo, attributes: Attributes, value: number): void {
    if (value === 0) return
    const i = this.counters++
    this.counterMetrics[i] = metric
    this.counterSets[i] = attributes
    this.counterValues[i] = value
  }

  observe (metric: MetricInfo, attributes: Attributes, h: HistogramCounts, bounds: readonly number[], _topic: string | undefined, histogram: string): void {
    if (h.count === 0 && h.sum === 0) return
    const n = h.counts.length
    if (n !== bounds.length + 1) throw new RangeError(`histogram ${histogram}: ${n} buckets do not fit ${bounds.length} bounds`)
    const i = this.histograms++
    this.histogramMetrics[i] = metric
    this.histogramSets[i] = attributes
    this.histogramBounds[i] = bounds
    this.sums[i] = h.sum
    this.counts[i] = h.count
    const start = this.used
    this.starts[i] = start
    const cells = this.cells
    for (let k = 0; k < n; k++) cells[start + k] = h.counts[k]
    this.used = start + n
  }

  /**
   * Plans each point in turn (`plan` looks up its totals, and may throw to
   * refuse the batch) and checks it against them (`refused` makes the error of
   * a refusal); then runs `commit` (nothing was added yet) and adds every
   * point. The points are forgotten whatever happens.
   */
  addTo (plan: PlanPoint, refused: (metric: MetricInfo, totals: SeriesTotals, why: string) => Error, now: number, commit?: () => void): void {
    const planned = this.planned
    try {
      const counters = this.counters
      for (let i = 0; i < counters; i++) {
        const totals = planned[i] = plan(this.counterMetrics[i], undefined)
        const why = totals.refusesAs(this.counterMetrics[i], undefined)
        if (why !== undefined) throw refused(this.counterMetrics[i], totals, why)
      }
      for (let i = 0; i < this.histograms; i++) {
        const totals = planned[counters + i] = plan(this.histogramMetrics[i], this.histogramBounds[i])
        const why = totals.refusesAs(this.histogramMetrics[i], this.histogramBounds[i])
        if (why !== undefined) throw refused(this.histogramMetrics[i], totals, why)
      }
      commit?.()
      for (let i = 0; i < counters; i++) planned[i].addValue(this.counterSets[i], this.counterValues[i], now)
      for (let i = 0; i < this.histograms; i++) {
        const start = this.starts[i]
        const n = (i + 1 < this.histograms ? this.starts[i + 1] : this.used) - start
        planned[counters + i].addCounts(this.histogramSets[i], this.cells, start, n, this.sums[i], this.counts[i], now)
      }
    } finally {
      this.clear()
    }
  }
}
