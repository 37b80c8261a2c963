// Builds and runs the SPIN models in model/: the protocol as designed (each
// run must pass), the design's one assumption (a holder does not stall past
// its lease inside the core's steps: runs that break it must still fail, for
// the documented reason, until the design changes), and the deliberately
// broken variants (each must be caught, by the property it breaks). One line
// per run with its state count and time; exit 1 on any unexpected result, 2
// when spin or gcc is missing.
//   node scripts/check-model.mjs [--json] [name-filter ...]
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, copyFile, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const modelDir = join(root, 'model')

// The assertion texts pan prints, by property.
const P = {
  dedupe: /\(dsum\[r\]\+dropped\[r\]\)<=recorded\[r\]/, // no unit in two seqs' first deliveries
  redeliveryNotLarger: /(batch|result)\[r\]<=first/, // a later delivery of a seq is never larger
  redeliveryNeedsTakeover: /\(deaths\+stalls\)>0/, // no takeover, no death: no seq twice
  total: /\(dsum\[r\]\+dropped\[r\]\)(==|>=)recorded\[r\]|taken\[r\]==recorded\[r\]/, // everything recorded reached the reader
  acked: /==counter\[r\]\)|\(counter\[r\]==0\)|\(PENDING\/2\)==0/, // at the end everything counted is in the base, nothing pending
  batchId: /!\(used\[e\]\)/, // two batches never share a seq
  snapshotConserved: /taken\[r\]==T\[/, // what snapshot() callers took is exactly the base
  oneRow: /slotOf\[k\]==s/, // one row per key when nobody gave up
  named: /slotEntry/, // a row holding a key is named by it
  dirTotal: /b==recorded\[k\]/ // merging by name loses nothing
}

const FLUSH = 'protocol.pml'
const SNAPSHOT = ['SNAPSHOT']
const BATCH_IDS = ['STALL_ANYWHERE', 'ONLY_EPOCH', 'INCS0=0', 'INCS1=0', 'ROWS=1']
const RACE_ONLY = ['DEATHS=0', 'STALLS=0'] // only the writers interleave with the holder
const DIR = 'directory.pml'
const DIR_SAME = ['L0=3', 'L2=1', 'STALLS=2'] // keys 1,1,2 then 3,-,1; capacity 1
const DIR_MIX = ['K0=1', 'K1=3', 'K2=1', 'L0=2', 'L1=1', 'L2=3', 'CAP=2', 'STALLS=1']

export const runs = [
  // The protocol as designed: every property holds.
  {
    name: 'flush',
    file: FLUSH,
    defs: [],
    expect: 'pass',
    about: '2 writers, 2 flushers x 2 cycles, <= 2 takeovers of a live holder while it reads or delivers a batch, <= 2 deaths anywhere, then a lone flusher x 3'
  },
  {
    name: 'flush-batch-ids',
    file: FLUSH,
    defs: BATCH_IDS,
    expect: 'pass',
    about: 'batch ids stay unique even when a live holder is overtaken at any step'
  },
  {
    name: 'snapshot',
    file: FLUSH,
    defs: SNAPSHOT,
    expect: 'pass',
    about: '2 writers, 2 snapshot() callers x 2, <= 2 takeovers while a caller reads or returns a batch, <= 2 deaths, then a lone caller x 3; one reader by seq'
  },
  {
    name: 'snapshot-sum-reader',
    file: FLUSH,
    defs: [...SNAPSHOT, 'SUM_READER', 'INCS1=1'],
    expect: 'pass',
    about: 'the snapshot run (writer 1 adds 1 unit), with a reader that adds up every result'
  },
  {
    name: 'snapshot-batch-ids',
    file: FLUSH,
    defs: [...SNAPSHOT, ...BATCH_IDS],
    expect: 'pass',
    about: 'snapshot() batch ids stay unique even when a live caller is overtaken at any step'
  },
  {
    name: 'mixed',
    file: FLUSH,
    defs: ['MIXED', 'INCS1=1'],
    expect: 'pass',
    about: '2 writers (3 units), 1 flusher and 1 snapshot() caller x 2 on one table, <= 2 takeovers while reading or delivering, <= 2 deaths, then a lone caller x 3; one reader of deliveries and results by seq'
  },
  {
    name: 'directory',
    file: DIR,
    defs: DIR_SAME,
    expect: 'pass',
    about: '3 threads, keys colliding on one hash, capacity 1 (overflow), give-ups and a death'
  },
  {
    name: 'directory-cap2',
    file: DIR,
    defs: DIR_MIX,
    expect: 'pass',
    about: '3 threads x 2 keys, two hashes, capacity 2, a give-up and a death'
  },
  // A weakened variant that still holds: the ack's compare-and-swap on the
  // exact (seq, base) is what protects it, not the renew before it.
  {
    name: 'weakened-ack-no-renew',
    file: FLUSH,
    defs: ['ACK_NO_RENEW', 'INCS1=1'],
    expect: 'pass',
    weakened: true,
    about: 'the flush run (writer 1 adds 1 unit) with no renew before the ack'
  },

  // The design's one assumption broken: a live holder overtaken while it
  // forms a batch. These fail, and must keep failing for this reason until
  // the design changes (then move them up to expect 'pass').
  {
    name: 'flaw-stall-anywhere',
    file: FLUSH,
    defs: ['STALL_ANYWHERE'],
    expect: 'fail',
    flaw: true,
    props: [P.dedupe, P.redeliveryNotLarger],
    about: 'a live holder overtaken while it forms a batch: the new holder\'s stage stores land in a batch already delivered'
  },
  {
    name: 'flaw-stall-anywhere-loss',
    file: FLUSH,
    defs: ['STALL_ANYWHERE', 'ONLY_LOSS'],
    expect: 'fail',
    flaw: true,
    props: [P.total],
    about: 'the same, checking loss only: the ack makes a stage the base that holds units never delivered'
  },
  {
    name: 'flaw-snapshot-stall-anywhere',
    file: FLUSH,
    defs: [...SNAPSHOT, 'STALL_ANYWHERE'],
    expect: 'fail',
    flaw: true,
    props: [P.snapshotConserved, P.dedupe, P.redeliveryNotLarger, P.total],
    about: 'a snapshot() caller overtaken while it forms a batch'
  },

  // Deliberately broken variants: each must be caught by the property it breaks.
  {
    name: 'broken-reread-epoch-flush',
    file: FLUSH,
    defs: [...BATCH_IDS, 'REREAD_EPOCH'],
    expect: 'fail',
    props: [P.batchId],
    about: 'seq re-read from EPOCH after the add: two batches share a seq'
  },
  {
    name: 'broken-reread-epoch-snapshot',
    file: FLUSH,
    defs: [...SNAPSHOT, ...BATCH_IDS, 'REREAD_EPOCH'],
    expect: 'fail',
    props: [P.batchId],
    about: 'the same in snapshot()'
  },
  {
    name: 'broken-no-gate',
    file: FLUSH,
    defs: ['NO_GATE'],
    expect: 'fail',
    props: [P.dedupe, P.redeliveryNotLarger],
    about: 'no re-read of PENDING after reading the batch: a batch read across a takeover is delivered'
  },
  {
    name: 'broken-split-ack',
    file: FLUSH,
    defs: ['SPLIT_ACK'],
    expect: 'fail',
    props: [P.dedupe, P.redeliveryNotLarger, P.total, P.acked],
    about: 'the ack as two stores (base, then seq): a death between them leaves the batch pending on the wrong base'
  },
  {
    name: 'broken-reset-drain-flush',
    file: FLUSH,
    defs: ['RESET_DRAIN', ...RACE_ONLY],
    expect: 'fail',
    props: [P.total],
    about: 'forming by load and store 0 of each counter: a writer\'s add between them is lost (no deaths, no takeovers)'
  },
  {
    name: 'broken-reset-drain-snapshot',
    file: FLUSH,
    defs: [...SNAPSHOT, 'RESET_DRAIN', ...RACE_ONLY],
    expect: 'fail',
    props: [P.total],
    about: 'the same in snapshot()'
  },
  {
    name: 'broken-directory-skip-same-hash',
    file: DIR,
    defs: [...DIR_SAME, 'SKIP_SAME_HASH'],
    expect: 'fail',
    props: [P.oneRow],
    about: 'probing past a claim of the same hash without waiting splits a key'
  }
]

function need (tool, args) {
  const r = spawnSync(tool, args, { encoding: 'utf8' })
  if (r.error) {
    console.error(`check-model: \`${tool}\` is not installed (${r.error.code}). The protocol model needs spin and gcc: apt-get install spin gcc`)
    process.exit(2)
  }
  return (r.stdout + r.stderr).trim().split('\n')[0]
}

function exec (cmd, args, cwd) {
  return new Promise(resolve => {
    const child = spawn(cmd, args, { cwd })
    let out = ''
    child.stdout.on('data', d => { out += d })
    child.stderr.on('data', d => { out += d })
    child.on('close', code => resolve({ code, out }))
  })
}

function parse (out) {
  const num = re => { const m = re.exec(out); return m ? Number(m[1]) : undefined }
  const violated = /assertion violated\s*(.*?)\s*\(at depth/.exec(out)
  const other = /pan:\d+: (invalid end state|.*out of range.*|.*) \(at depth/.exec(out)
  return {
    errors: num(/errors: (\d+)/),
    states: num(/([\d.e+]+) states, stored/),
    seconds: num(/elapsed time ([\d.e+]+) seconds/),
    assertion: violated ? violated[1] : undefined,
    error: violated ? 'assertion violated ' + violated[1] : other ? other[1] : undefined,
    // an error ends the search early, by design; without one it must be complete
    truncated: /max search depth too small|out of memory/.test(out) ||
      (/errors: 0/.test(out) && /Search not completed/.test(out))
  }
}

async function check (run) {
  const dir = await mkdtemp(join(tmpdir(), `model-${run.name}-`))
  const result = await checkIn(dir, run)
  if (result.ok) await rm(dir, { recursive: true, force: true })
  else result.why += `\n  files and trail kept in ${dir}; replay: cd ${dir} && spin -t -p ${run.defs.map(d => `-D${d}`).join(' ')} ${run.file}`
  return result
}

async function checkIn (dir, run) {
  await copyFile(join(modelDir, run.file), join(dir, run.file))
  const built = await exec('spin', ['-a', ...run.defs.map(d => `-D${d}`), run.file], dir)
  if (built.code !== 0) return { ...run, ok: false, why: `spin -a failed:\n${built.out}` }
  const compiled = await exec('gcc', ['-O2', '-DSAFETY', '-o', 'pan', 'pan.c'], dir)
  if (compiled.code !== 0) return { ...run, ok: false, why: `gcc failed:\n${compiled.out}` }
  const ran = await exec('./pan', ['-m10000'], dir)
  const r = parse(ran.out)
  const result = { ...run, states: r.states, seconds: r.seconds, got: r.errors === 0 ? 'pass' : 'fail', error: r.error }
  if (r.errors === undefined || r.truncated) {
    return { ...result, ok: false, why: `pan did not finish a full search (exit ${ran.code}):\n${ran.out.slice(-2000)}` }
  }
  if (run.expect === 'pass') {
    const ok = ran.code === 0 && r.errors === 0
    return { ...result, ok, why: ok ? undefined : r.error }
  }
  if (r.errors === 0) {
    return { ...result, ok: false, why: run.flaw ? 'passes now: has the design changed? Then move this run to expect \'pass\' and update the docs' : 'not caught: the model no longer tells this variant from the design' }
  }
  const matched = r.assertion !== undefined && run.props.some(p => p.test(r.assertion))
  return { ...result, ok: matched, why: matched ? undefined : `failed, but not for the expected reason: ${r.error}` }
}

const fmt = n => n === undefined ? '?' : Math.round(n).toLocaleString('en')

function line (r) {
  const status = !r.ok ? 'UNEXPECTED' : r.flaw ? 'assumption' : r.expect === 'pass' ? 'holds' : 'caught'
  const detail = r.ok && r.expect === 'fail' ? `  [${r.error}]` : ''
  return `${status.padEnd(10)} ${r.name.padEnd(34)} ${fmt(r.states).padStart(11)} states ${(r.seconds ?? 0).toFixed(1).padStart(6)} s${detail}`
}

async function main () {
  const args = process.argv.slice(2)
  const json = args.includes('--json')
  const filters = args.filter(a => !a.startsWith('--'))
  const selected = runs.filter(r => filters.length === 0 || filters.some(f => r.name.includes(f)))
  const log = json ? () => {} : s => console.log(s)
  log(`spin: ${need('spin', ['-V'])}`)
  log(`gcc: ${need('gcc', ['--version'])}`)
  const started = Date.now()
  const results = new Array(selected.length)
  let next = 0
  const worker = async () => {
    while (next < selected.length) {
      const i = next++
      results[i] = await check(selected[i])
      log(line(results[i]))
      if (!results[i].ok) log(`  ${results[i].name}: expected ${selected[i].expect}: ${results[i].why}`)
    }
  }
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), selected.length) }, worker))
  const wall = (Date.now() - started) / 1000
  const bad = results.filter(r => !r.ok)
  const totalStates = results.reduce((s, r) => s + (r.states ?? 0), 0)
  if (json) {
    console.log(JSON.stringify({ wall, results: results.map(({ props, ...r }) => r) }))
  } else {
    console.log(`${results.length} runs, ${fmt(totalStates)} states, ${wall.toFixed(1)} s wall: ${bad.length ? `${bad.length} UNEXPECTED` : 'all as expected'}`)
  }
  process.exit(bad.length ? 1 : 0)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
