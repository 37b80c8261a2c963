// Suite 5: memory after many increments against after few. Each run is a
// fresh process (so runs do not share a heap); the rows are the growth in RSS
// and heap between the two readings, which should be zero up to noise.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { emit, progress, quick, summarize } from '../harness.mjs'

const small = quick ? 1e5 : 1e6
const large = quick ? 1e7 : 1e8
const rounds = 3
const run = fileURLToPath(new URL('../workers/memory-run.mjs', import.meta.url))
const MB = 2 ** 20

const runs = []
for (let r = 0; r < rounds; r++) {
  const child = spawnSync(process.execPath, ['--expose-gc', run, String(small), String(large)], { encoding: 'utf8' })
  if (child.status !== 0) throw new Error(`memory run failed: ${child.stderr}`)
  const res = JSON.parse(child.stdout.trim().split('\n').pop())
  runs.push(res)
  progress(`run ${r + 1}/${rounds}: RSS ${(res.first.rss / MB).toFixed(1)} -> ${(res.second.rss / MB).toFixed(1)} MB, heap used ${(res.first.heapUsed / MB).toFixed(2)} -> ${(res.second.heapUsed / MB).toFixed(2)} MB, counts exact`)
}

const fields = [
  ['rss', 'RSS'],
  ['heapUsed', 'JS heap used'],
  ['heapTotal', 'JS heap reserved'],
  ['external', 'external (incl. the shared table)']
]
const rows = []
for (const [key, name] of fields) {
  rows.push({ id: `${key}-small`, label: `${name} after ${small.toExponential(0)} increments`, group: name, impl: 'wasm-tally', unit: 'MB', ...summarize(runs.map(x => x.first[key] / MB)) })
  rows.push({ id: `${key}-large`, label: `${name} after ${large.toExponential(0)} increments`, group: name, impl: 'wasm-tally', unit: 'MB', ...summarize(runs.map(x => x.second[key] / MB)) })
  rows.push({ id: `${key}-delta`, label: `growth (${large.toExponential(0)} minus ${small.toExponential(0)})`, group: name, impl: 'wasm-tally', unit: 'MB', ...summarize(runs.map(x => (x.second[key] - x.first[key]) / MB)) })
}

emit({
  id: 'memory',
  title: 'Suite 5: memory after many increments against after few',
  unit: 'MB',
  params: { rounds, small, large, tableBytes: runs[0].tableBytes, snapshotEvery: 1e6 },
  notes: [`Each run is a fresh process: half the increments through bind().success(), half through record() over 8 topics, a snapshot every 1e6; readings after two forced GCs. The shared table is ${(runs[0].tableBytes / MB).toFixed(2)} MB, fixed at creation; counts checked exact.`],
  rows
})
