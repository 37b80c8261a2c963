// One memory run (node --expose-gc): counts `small` increments, takes a
// reading, counts on to `large`, takes another. Half the increments go through
// bind().success(), half through record() over 8 topics, with a snapshot every
// million increments. Prints { small, large, readings, table } as JSON.
import { Tally } from '../../dist/index.js'

const [small, large] = process.argv.slice(2).map(Number)
const TOPICS = Array.from({ length: 8 }, (_, i) => `bench.mem-${i}`)
const SNAPSHOT_EVERY = 1e6
const tally = await Tally.create()
const h = tally.bind('bench.mem-bound')
let counted = 0

function take () {
  for (const [, c] of tally.snapshot().topics) counted += c.success
}

function countTo (from, to) {
  for (let done = from; done < to; done += SNAPSHOT_EVERY) {
    const n = Math.min(SNAPSHOT_EVERY, to - done)
    for (let i = 0; i < n; i += 2) {
      h.success()
      tally.record(TOPICS[i & 7], 'success')
    }
    take()
  }
}

function reading () {
  globalThis.gc()
  globalThis.gc()
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers }
}

countTo(0, small)
const first = reading()
const tableBytes = tally.stats().bytes
countTo(small, large)
const second = reading()
take()
take()
if (counted !== large) throw new Error(`memory run counted ${counted}, expected ${large}`)
if (tally.stats().bytes !== tableBytes) throw new Error('the table grew')
process.stdout.write(JSON.stringify({ small, large, first, second, tableBytes }) + '\n')
