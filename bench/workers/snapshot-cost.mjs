// One shape of suite 4 in a process of its own: a table with `topics`
// registered and `stripes` instances attached in this thread (one stripe
// each), timed snapshots with every topic counted on every stripe and with
// nothing counted. Prints { dirty, idle }: per round, the median microseconds.
//   node bench/workers/snapshot-cost.mjs topics stripes rounds perRound warmupCount warmupMs
import { Tally } from '../../dist/index.js'
import { median, mustEqual } from '../harness.mjs'

const [topics, stripes, rounds, perRound, warmupCount, warmupMs] = process.argv.slice(2).map(Number)
const names = Array.from({ length: topics }, (_, i) => `bench.topic-${i}`)

/** A table with `topics` registered and `stripes` instances (one stripe each) attached in this thread. */
async function table (topics, stripes) {
  const first = await Tally.create({ capacity: topics, stripes: 16 })
  const instances = [first]
  for (let s = 1; s < stripes; s++) instances.push(await Tally.attach(first.share()))
  for (const t of instances) for (let i = 0; i < topics; i++) t.record(names[i], 'success', 0)
  const stats = first.stats()
  mustEqual('registered topics', stats.registered, topics)
  mustEqual('stripes in use', stats.stripesInUse, stripes)
  return { first, instances }
}

function dirty ({ instances }, topics) {
  for (const t of instances) {
    for (let i = 0; i < topics; i++) t.record(names[i], 'success')
  }
}

/** Median microseconds of `perRound` snapshots, each after `before()` (untimed). */
function timeSnapshots ({ first }, before, check) {
  const samples = []
  for (let k = 0; k < perRound; k++) {
    before()
    const t0 = performance.now()
    const snap = first.snapshot()
    samples.push((performance.now() - t0) * 1000)
    check(snap)
  }
  return median(samples)
}

const t = await table(topics, stripes)
const dirtyValues = []
const idleValues = []
// Warm up for at least `warmupCount` rounds and `warmupMs` (at most twice that):
// collect() and its Map building take a few hundred snapshots, about a second,
// to be fully optimised. The snapshots also drain what the warm-up counted.
const t0 = performance.now()
for (let k = 0; ; k++) {
  const ms = performance.now() - t0
  if ((k >= warmupCount && ms >= warmupMs) || ms > 2 * warmupMs) break
  dirty(t, topics); t.first.snapshot(); t.first.snapshot()
}
for (let r = 0; r < rounds; r++) {
  dirtyValues.push(timeSnapshots(t, () => dirty(t, topics), snap => {
    // Every topic was counted once per stripe since the previous snapshot.
    mustEqual(`topics in a snapshot of ${topics}`, snap.topics.size, topics)
    mustEqual(`count of ${names[topics - 1]}`, snap.topics.get(names[topics - 1]).success, stripes)
  }))
  idleValues.push(timeSnapshots(t, () => {}, snap => mustEqual('topics in an idle snapshot', snap.topics.size, 0)))
}
process.stdout.write(JSON.stringify({ topics, stripes, dirty: dirtyValues, idle: idleValues }) + '\n')
