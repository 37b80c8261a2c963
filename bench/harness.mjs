// The measuring harness every suite shares: mitata's sampler for one
// measurement, repeated in rounds (rows interleaved, so noise on a shared
// machine lands on every row alike), summarised as median and min-to-max.
import { measure } from 'mitata'

export const quick = process.argv.includes('--quick')

/** Progress goes to stderr; stdout carries only the suite's JSON result. */
export function progress (line) {
  process.stderr.write(`  ${line}\n`)
}

export function median (values) {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** Median and spread of repeated runs of one measurement. */
export function summarize (values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length, values }
}

/**
 * Nanoseconds per operation of `fn`, which performs `opsPerCall` operations
 * per call: the median of mitata's samples divided by the batch size.
 */
export async function nsPerOp (fn, opsPerCall, minCpuMs) {
  // `fn` already loops over a batch; mitata batches at most 32 calls per sample on top.
  const stats = await measure(fn, { min_cpu_time: minCpuMs * 1e6, gc: false, batch_samples: 32 })
  return stats.p50 / opsPerCall
}

/**
 * Runs every row `rounds` times, interleaved (round 1 of every row, then
 * round 2, ...), and returns each row with its summary in ns per operation.
 */
export async function interleaved (rows, { rounds, minCpuMs }) {
  const values = rows.map(() => [])
  // One untimed pass warms every row up before any round counts.
  for (const row of rows) await nsPerOp(row.fn, row.ops, Math.min(minCpuMs, 50))
  for (let r = 0; r < rounds; r++) {
    for (const [i, row] of rows.entries()) values[i].push(await nsPerOp(row.fn, row.ops, minCpuMs))
    progress(`round ${r + 1}/${rounds}: ${rows.map((row, i) => `${row.id} ${values[i][r].toFixed(1)}`).join(', ')} ns`)
  }
  return rows.map((row, i) => ({ ...summarize(values[i]) }))
}

/** Prints the suite's result for the runner (the only thing on stdout). */
export function emit (result) {
  process.stdout.write(JSON.stringify(result) + '\n')
}

/** Fails the suite: a benchmark that miscounts is a bug, not a data point. */
export function mustEqual (what, got, want) {
  if (got !== want) throw new Error(`${what}: counted ${got}, expected ${want} (the benchmark lost or doubled counts)`)
}
