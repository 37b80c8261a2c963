// Forming a batch reads a row two words a turn at 16-byte aligned addresses,
// copied when one stripe is in use and summed lane by lane over the stripes
// otherwise; a row that starts or ends between two such words takes in its
// neighbour's word in that turn and must store only its own, and a row with a
// cell of 2^52 or more is written again a word at a time (assembly/counters.ts,
// writeRow). Every cell of every row is given its own count here, for rows of
// one to six words (odd rows start and end between turns on every other slot)
// and a histogram row of 20, on one stripe and on three, and in one round one
// cell of one row passes 2^52: a word read from, or stored to, its neighbour's
// place, or a lane left out, comes out as the wrong number in the wrong cell.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Tally } from '../dist/index.js'
import { pauseControl, pauseModule, pauseSteps, startHolder } from './helpers/pause-core.mjs'

const TOPICS = ['a', 'b', 'c']
const SCHEMAS = [
  { columns: ['success'] },
  { columns: ['success', 'error'] },
  { columns: ['success', 'error', 'bytes'] },
  { columns: ['success', 'error', 'bytes', 'retries'] },
  { columns: ['success', 'error', 'bytes', 'retries', 'keys'] },
  { columns: ['success', 'error', 'bytes', 'retries', 'keys', 'headers'] },
  { columns: ['success', 'error', 'bytes'], histograms: { duration: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] } }
]

/** What `round` of the counting gives a topic's column: a number of its own for every cell and round (in round 2, 2^52 more in b's first column). */
const given = (round, t, c) => 1000 * round + 100 * t + c + 1 + (round === 2 && t === 1 && c === 0 ? 2 ** 52 : 0)

/** One value inside each bucket of `bounds` (the last above every bound), `times` times over. */
function observations (bounds, times) {
  const one = [...bounds.map((b, i) => i === 0 ? b / 2 : (bounds[i - 1] + b) / 2), bounds[bounds.length - 1] * 2]
  return one.flatMap((v, i) => Array(times + i).fill(v)) // bucket i gets times + i observations
}

/** Counts round `round` through `instances` (one stripe each), one after another. */
function count (instances, schema, round) {
  const bounds = schema.histograms?.duration
  TOPICS.forEach((topic, t) => {
    schema.columns.forEach((column, c) => {
      const n = given(round, t, c)
      // Split over the stripes: each gets a share, the first the remainder.
      const share = Math.floor(n / instances.length)
      instances.forEach((tally, s) => tally.record(topic, column, s === 0 ? n - share * (instances.length - 1) : share))
    })
    if (bounds) for (const v of observations(bounds, round + t + 1)) instances[0].observe(topic, 'duration', v)
  })
}

/** The row round `round` should read back for topic `t`. */
function expected (schema, round, t) {
  const row = Object.fromEntries(schema.columns.map((column, c) => [column, given(round, t, c)]))
  const bounds = schema.histograms?.duration
  if (bounds) {
    const values = observations(bounds, round + t + 1)
    const counts = bounds.map((_, i) => round + t + 1 + i).concat(round + t + 1 + bounds.length)
    const sum = values.reduce((a, v) => a + Math.round(v * 1e9), 0) / 1e9
    row.duration = { count: values.length, sum, counts }
  }
  return row
}

function check (snapshot, schema, round, what) {
  assert.equal([...snapshot.topics.keys()], TOPICS, `${what}: topics`)
  TOPICS.forEach((topic, t) => {
    const got = snapshot.topics.get(topic)
    const want = expected(schema, round, t)
    if (want.duration) {
      assert.ok(Math.abs(got.duration.sum - want.duration.sum) < 1e-9 * want.duration.count, `${what}: ${topic} sum ${got.duration.sum} against ${want.duration.sum}`)
      got.duration.sum = want.duration.sum
    }
    assert.equal(got, want, `${what}: ${topic}`)
  })
}

for (const stripes of [1, 3]) {
  for (const schema of SCHEMAS) {
    const width = schema.columns.length + (schema.histograms ? 17 : 0)
    test(`rows of ${width} words on ${stripes} stripe${stripes > 1 ? 's' : ''}: every cell exact, batch after batch`, async () => {
      const first = await Tally.create({ capacity: 8, stripes: 4, ...schema })
      const instances = [first]
      for (let s = 1; s < stripes; s++) instances.push(await Tally.attach(first.share()))
      assert.is(first.stats().stripesInUse, stripes)
      for (let round = 0; round < 3; round++) {
        count(instances, schema, round)
        if (round === 1) {
          // Opened and left pending: the batch region is written again from the stage, and the
          // next snapshot hands back the same counts.
          const pending = first.openBatch()
          check(pending.snapshot, schema, round, `round ${round}, opened`)
          first.releaseBatch(pending)
        }
        check(first.snapshot(), schema, round, `round ${round}`)
        assert.is(first.snapshot().topics.size, 0, `round ${round}: nothing counted twice`)
      }
    })
  }
}

test('a row that starts between two turns stores its neighbour\'s word back as it was, while a writer adds to it', async () => {
  // One-word rows: slot 1 starts at 8 mod 16, so its turn reads slot 0's word too, after slot 0's
  // row was formed. With the pause core (test/helpers/pause-core.mjs) the formation stops between
  // the two rows while this thread adds to slot 0, whose row held nothing when it was formed (so
  // it is not in the batch's list): stored from that second read, its stage would take in units
  // no batch delivers.
  const STEP_BATCH_READ = (await pauseSteps()).find(s => s.name === 'STEP_BATCH_READ').step
  const rows = snap => Object.fromEntries(snap.topics)
  const tally = await Tally.create({ module: await pauseModule(), capacity: 4, stripes: 1, columns: ['success'] })
  const holder = await startHolder(tally.share())
  const pause = await pauseControl(tally.share().memory)
  try {
    tally.record('a', 'success', 5) // slot 0
    assert.equal(rows(tally.snapshot()), { a: { success: 5 } })
    tally.record('b', 'success', 1) // slot 1
    pause.arm(STEP_BATCH_READ) // after row 0
    const formed = holder.call('trySnapshot')
    assert.is((await pause.stopped()).detail, 0)
    tally.record('a', 'success', 2)
    pause.go()
    assert.equal(rows(await formed), { b: { success: 1 } })
    assert.equal(rows(tally.snapshot()), { a: { success: 2 } }, 'the 2 added during the formation come in the next batch')
  } finally {
    await holder.stop()
  }
})

test.run()
