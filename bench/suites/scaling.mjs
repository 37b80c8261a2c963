// Suite 3: aggregate increments per second with 1, 2 and 4 writer threads,
// all on one topic and on distinct topics, without and with a snapshotting
// thread (one snapshot per millisecond). Every run's counts are checked exactly.
import { availableParallelism } from 'node:os'
import { emit, progress, quick, summarize } from '../harness.mjs'
import { runWriters } from '../threads.mjs'

const n = quick ? 4e6 : 1e8
const warmup = quick ? 2e5 : 2e6
const rounds = quick ? 2 : 5
const SNAPSHOT_EVERY_MS = 1

const configs = []
for (const mode of ['one', 'distinct']) {
  for (const snap of [false, true]) {
    for (const threads of [1, 2, 4]) {
      configs.push({
        id: `${mode}-${threads}-${snap ? 'snap' : 'idle'}`,
        label: `${threads} writer thread${threads > 1 ? 's' : ''}`,
        group: `${mode === 'one' ? 'all on one topic' : 'one topic per thread'}, ${snap ? `snapshot every ${SNAPSHOT_EVERY_MS} ms` : 'no snapshots'}`,
        reference: threads === 1,
        topics: Array.from({ length: threads }, (_, i) => mode === 'one' ? 'bench.shared' : `bench.w${i}`),
        snapshotEveryMs: snap ? SNAPSHOT_EVERY_MS : undefined
      })
    }
  }
}

progress(`${configs.length} configurations x ${rounds} rounds, ${n.toLocaleString('en')} increments per writer, ${availableParallelism()} cores`)
const values = configs.map(() => [])
const snapshots = configs.map(() => 0)
for (let r = 0; r < rounds; r++) {
  for (const [i, c] of configs.entries()) {
    const res = await runWriters({ topics: c.topics, n, warmup, snapshotEveryMs: c.snapshotEveryMs })
    values[i].push(res.perSecond)
    snapshots[i] += res.snapshots
    progress(`round ${r + 1}/${rounds} ${c.id}: ${(res.perSecond / 1e6).toFixed(1)} M/s${c.snapshotEveryMs !== undefined ? `, ${res.snapshots} snapshots` : ''}, counts exact`)
  }
}

emit({
  id: 'scaling',
  title: 'Suite 3: scaling across worker threads (bind().success())',
  unit: 'ops/s',
  ratio: 'aggregate throughput relative to 1 writer thread in the same group (higher is better)',
  params: { rounds, incrementsPerWriter: n, warmupPerWriter: warmup, snapshotEveryMs: SNAPSHOT_EVERY_MS, cores: availableParallelism() },
  notes: [
    `The machine has ${availableParallelism()} cores: with 4 writers (and a snapshotting thread) threads share cores, so more than ${availableParallelism()}x is not possible.`,
    'Counts verified exact after every run: snapshots taken during the run plus two final snapshots equal what the writers recorded.'
  ],
  rows: configs.map((c, i) => ({ id: c.id, label: c.label, group: c.group, impl: 'wasm-tally', reference: c.reference, snapshots: snapshots[i], ...summarize(values[i]) }))
})
