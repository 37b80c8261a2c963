// CPU time per awaited send of several ways to send, measured interleaved in
// small chunks, each turn in a fresh random order, so a busy moment of the
// machine, a compilation or another way's leftovers land on every way alike.
// With --expose-gc each chunk ends with a young-generation collection inside
// its own measurement: a way pays for collecting its own garbage. What a way
// adds to the first (the uninstrumented send) is the median of the
// difference between the two in the same turn, over a round's turns and over
// all turns: a burst of load from another process moves one turn, not the median.

const collect = typeof globalThis.gc === 'function' ? () => globalThis.gc({ type: 'minor' }) : () => {}

/** CPU ns (user + system, this process) spent on `n` awaited `send(request)` in a row. */
export async function cpuOfSends (send, request, n) {
  collect() // what came before is not this chunk's
  const start = process.cpuUsage()
  for (let i = 0; i < n; i++) await send(request)
  collect()
  const used = process.cpuUsage(start)
  return (used.user + used.system) * 1000
}

function median (values) {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** A seeded PRNG (mulberry32): the same orders on every run. */
function random (seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function shuffled (n, next) {
  const order = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[order[i], order[j]] = [order[j], order[i]]
  }
  return order
}

export const gcInChunks = typeof globalThis.gc === 'function'

/**
 * Each variant is { run(request, n) -> CPU ns of n sends }; the first is the
 * reference. After a warm-up of every variant, each round sends `n` times
 * through every variant, in chunks of `chunk` sends taken in turn. Returns, by
 * round, each variant's mean ns per send (`perSend`) and the median of what
 * it added per send to the reference in the same turn (`added`), and that
 * median over the turns of every round (`addedOverall`).
 */
export async function interleavedSends (variants, request, { n, chunk, rounds, onRound = () => {} }) {
  for (const v of variants) await v.run(request, n)
  const next = random(7)
  const perSend = variants.map(() => [])
  const added = variants.map(() => [])
  const all = variants.map(() => [])
  for (let r = 0; r < rounds; r++) {
    const turns = [] // CPU ns per send of every variant, one entry per turn
    for (let c = 0; c * chunk < n; c++) {
      const turn = new Array(variants.length)
      for (const i of shuffled(variants.length, next)) turn[i] = (await variants[i].run(request, chunk)) / chunk
      turns.push(turn)
    }
    variants.forEach((_, i) => {
      perSend[i].push(turns.reduce((sum, t) => sum + t[i], 0) / turns.length)
      const diffs = turns.map(t => t[i] - t[0])
      added[i].push(median(diffs))
      all[i].push(...diffs)
    })
    onRound(r, perSend.map(v => v[r]), added.map(v => v[r]))
  }
  return { perSend, added, addedOverall: all.map(median) }
}
