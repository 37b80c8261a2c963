// Suite 3: aggregate increments per second with 1, 2 and 4 writer threads,
// all on one topic and on distinct topics, without and with a snapshotting
// thread (one snapshot per millisecond); then observations per second with 1
// and 2 threads observing into one topic's histogram (Kafka schema). Every
// run's counts are checked exactly. A control group for each, every writer
// counting into a table of its own, shows how much parallelism the machine
// gave in the same rounds.
import { availableParallelism } from 'node:os'
import { emit, progress, quick, summarize } from '../harness.mjs'
import { runWriters } from '../threads.mjs'

const n = quick ? 4e6 : 6e7
const warmup = quick ? 2e5 : 2e6
// Observations cost several times an increment: fewer per writer, similar run times.
const nObserve = quick ? 1e6 : 1.5e7
const warmupObserve = quick ? 1e5 : 1e6
const rounds = quick ? 2 : 7
const SNAPSHOT_EVERY_MS = 1

const configs = []
for (const mode of ['own', 'one', 'distinct']) {
  for (const snap of mode === 'own' ? [false] : [false, true]) {
    for (const threads of [1, 2, 4]) {
      configs.push({
        id: `${mode}-${threads}-${snap ? 'snap' : 'idle'}`,
        label: `${threads} writer thread${threads > 1 ? 's' : ''}`,
        group: mode === 'own'
          ? 'control: each thread its own table (nothing shared), no snapshots'
          : `${mode === 'one' ? 'all on one topic' : 'one topic per thread'}, ${snap ? `snapshot every ${SNAPSHOT_EVERY_MS} ms` : 'no snapshots'}`,
        reference: threads === 1,
        ownTables: mode === 'own',
        topics: Array.from({ length: threads }, (_, i) => mode === 'one' ? 'bench.shared' : `bench.w${i}`),
        snapshotEveryMs: snap ? SNAPSHOT_EVERY_MS : undefined,
        op: 'success',
        n,
        warmup
      })
    }
  }
}
// bind().observe('duration', v) into one topic's histogram, and its control.
for (const mode of ['own', 'one']) {
  for (const snap of mode === 'own' ? [false] : [false, true]) {
    for (const threads of [1, 2]) {
      configs.push({
        id: `observe-${mode}-${threads}-${snap ? 'snap' : 'idle'}`,
        label: `${threads} observing thread${threads > 1 ? 's' : ''}`,
        group: mode === 'own'
          ? 'observe, control: each thread its own table (nothing shared), no snapshots'
          : `observe, all on one topic, ${snap ? `snapshot every ${SNAPSHOT_EVERY_MS} ms` : 'no snapshots'}`,
        reference: threads === 1,
        ownTables: mode === 'own',
        topics: Array.from({ length: threads }, () => 'bench.shared'),
        snapshotEveryMs: snap ? SNAPSHOT_EVERY_MS : undefined,
        op: 'observe',
        n: nObserve,
        warmup: warmupObserve
      })
    }
  }
}

progress(`${configs.length} configurations x ${rounds} rounds, ${n.toLocaleString('en')} increments or ${nObserve.toLocaleString('en')} observations per writer, ${availableParallelism()} cores`)
const values = configs.map(() => [])
const snapshots = configs.map(() => 0)
for (let r = 0; r < rounds; r++) {
  for (const [i, c] of configs.entries()) {
    const res = await runWriters({ topics: c.topics, n: c.n, warmup: c.warmup, snapshotEveryMs: c.snapshotEveryMs, ownTables: c.ownTables, op: c.op })
    values[i].push(res.perSecond)
    snapshots[i] += res.snapshots
    progress(`round ${r + 1}/${rounds} ${c.id}: ${(res.perSecond / 1e6).toFixed(1)} M/s${c.snapshotEveryMs !== undefined ? `, ${res.snapshots} snapshots` : ''}, counts exact`)
  }
}

const rows = configs.map((c, i) => ({ id: c.id, label: c.label, group: c.group, impl: 'wasm-tally', reference: c.reference, op: c.op, snapshots: snapshots[i], ...summarize(values[i]) }))

// The same ratios paired by round: 2 (or 4) threads against 1 thread of the same
// round, so a round where the machine was busy counts against both alike.
const at = id => values[configs.findIndex(c => c.id === id)]
for (const threads of [2, 4]) {
  const group = `${threads} threads against 1 thread, paired by round`
  for (const [mode, label] of [['own', 'control: each thread its own table'], ['one', 'wasm-tally, all on one topic'], ['distinct', 'wasm-tally, one topic per thread']]) {
    const paired = at(`${mode}-${threads}-idle`).map((v, r) => v / at(`${mode}-1-idle`)[r])
    rows.push({ id: `paired-${mode}-${threads}`, label: `${label}, no snapshots`, group, impl: 'wasm-tally', unit: 'x', reference: mode === 'own', ...summarize(paired) })
  }
}
{
  const group = '2 observing threads against 1, paired by round'
  for (const [mode, label] of [['own', 'control: each thread its own table'], ['one', 'wasm-tally, all on one topic']]) {
    for (const snap of mode === 'own' ? ['idle'] : ['idle', 'snap']) {
      const paired = at(`observe-${mode}-2-${snap}`).map((v, r) => v / at(`observe-${mode}-1-${snap}`)[r])
      const when = snap === 'idle' ? 'no snapshots' : `snapshot every ${SNAPSHOT_EVERY_MS} ms`
      rows.push({ id: `paired-observe-${mode}-2${snap === 'snap' ? '-snap' : ''}`, label: `${label}, ${when}`, group, impl: 'wasm-tally', unit: 'x', reference: mode === 'own', ...summarize(paired) })
    }
  }
}

emit({
  id: 'scaling',
  title: 'Suite 3: scaling across worker threads (bind().success(); bind().observe())',
  unit: 'ops/s',
  ratio: 'aggregate throughput relative to 1 writer thread in the same group; for the paired rows, relative to the control (higher is better)',
  params: { rounds, incrementsPerWriter: n, warmupPerWriter: warmup, observationsPerWriter: nObserve, observeWarmupPerWriter: warmupObserve, snapshotEveryMs: SNAPSHOT_EVERY_MS, cores: availableParallelism() },
  notes: [
    `The machine has ${availableParallelism()} cores: with 4 writers (and a snapshotting thread) threads share cores, so more than ${availableParallelism()}x is not possible.`,
    'The control group counts with the same code into one private table per thread: its scaling is what the machine allowed in those rounds; a shared table that scales like the control loses nothing to sharing.',
    'Counts verified exact after every run: snapshots taken during the run plus two final snapshots equal what the writers recorded.',
    'Observe rows: each writer calls bind(topic).observe(\'duration\', v) over 4096 pre-generated latencies on a table with the Kafka schema (3 columns, 15 buckets); the unit is observations per second.'
  ],
  rows
})
