// `npm run mutate`: a mutation pass on demand. Each mutant of
// scripts/lib/mutants.mjs (a one-line bug in assembly/ or src/) is applied to a
// scratch copy of the repository, built (the wasm too for a core mutant), and
// run against the test files that should see it, one at a time, until one
// fails (killed) or all pass (survived). Prints one line per mutant and the
// score: killed / (killed + survived). The working tree is never changed.
//
//   npm run mutate                     # every mutant
//   npm run mutate -- CAS ack          # those whose names contain "CAS" or "ack"
//   npm run mutate -- --keep           # keep the scratch copy (its path is printed)
//
// Exit status 1 when a mutant is stale (its text no longer in the file) or its
// build fails: the list needs updating with the code.
import { spawn } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MUTANTS } from './lib/mutants.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const keep = args.includes('--keep')
const filters = args.filter(a => !a.startsWith('--'))
const chosen = MUTANTS.filter(m => filters.length === 0 || filters.some(f => m.name.includes(f)))
const TEST_TIMEOUT_MS = 180_000
const SKIP = new Set(['node_modules', 'dist', 'build', '.git', '.cache', 'bench', 'demo'])
// What a build writes, saved after the clean build and put back after each mutant.
const OUTPUTS = ['dist', 'build', 'src/engine/generated']

function run (cmd, argv, cwd, timeoutMs = TEST_TIMEOUT_MS) {
  return new Promise(resolve => {
    const child = spawn(cmd, argv, {
      cwd,
      env: { ...process.env, KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true // its own process group: a timed-out test is ended with its workers and children
    })
    let out = ''
    let timedOut = false
    let hung = false
    const end = () => { try { process.kill(-child.pid, 'SIGKILL') } catch {} }
    let timer = setTimeout(() => { timedOut = true; end() }, timeoutMs)
    const keepTail = chunk => {
      out = (out + chunk).slice(-4000)
      // uvu has printed its summary: a process still up 10 s later is held open by the mutant (a timer that never fires).
      if (/Duration: /.test(out) && !hung) { hung = true; clearTimeout(timer); timer = setTimeout(() => { timedOut = true; end() }, 10_000) }
    }
    child.stdout.on('data', keepTail)
    child.stderr.on('data', keepTail)
    child.on('close', code => { clearTimeout(timer); resolve({ ok: code === 0 && !timedOut, timedOut, out }) })
  })
}

async function build (work, core) {
  const steps = core ? [['scripts/build-wasm.mjs'], ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']] : [['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']]
  for (const step of steps) {
    const r = await run(process.execPath, step, work)
    if (!r.ok) return r
  }
  return { ok: true }
}

async function restoreOutputs (work, saved) {
  for (const dir of OUTPUTS) {
    await rm(join(work, dir), { recursive: true, force: true })
    await cp(join(saved, dir), join(work, dir), { recursive: true })
  }
}

const work = await mkdtemp(join(tmpdir(), 'wasm-tally-mutate-'))
const saved = await mkdtemp(join(tmpdir(), 'wasm-tally-mutate-outputs-'))
const started = Date.now()
let status = 0
try {
  await cp(root, work, { recursive: true, filter: src => !SKIP.has(src.slice(root.length).split('/')[0]) })
  await symlink(join(root, 'node_modules'), join(work, 'node_modules'))
  const clean = await build(work, true)
  if (!clean.ok) throw new Error(`the unmutated build failed:\n${clean.out}`)
  for (const dir of OUTPUTS) await cp(join(work, dir), join(saved, dir), { recursive: true })
  console.log(`${chosen.length} mutants, scratch copy ${keep ? work : 'removed at the end'}\n`)

  const results = []
  for (const m of chosen) {
    const file = join(work, m.file)
    const source = await readFile(file, 'utf8')
    const found = source.split(m.from).length - 1
    let result
    if (found !== 1) {
      result = { verdict: 'stale', detail: `its text occurs ${found} times in ${m.file}` }
    } else {
      await writeFile(file, source.replace(m.from, m.to))
      const t0 = Date.now()
      const built = await build(work, m.core === true)
      if (!built.ok) {
        result = { verdict: 'build error', detail: built.out.trim().split('\n').slice(-3).join(' | ') }
      } else {
        result = { verdict: 'survived', detail: `passed ${m.tests.join(', ')}` }
        for (const t of m.tests) {
          const r = await run(process.execPath, [`test/${t}.test.mjs`], work)
          if (!r.ok) {
            const failing = /FAIL {2}"([^"]+)"/.exec(r.out)?.[1]
            const how = failing ?? (r.timedOut ? `timed out after ${TEST_TIMEOUT_MS / 1000} s` : r.out.trim().split('\n').slice(-2).join(' | '))
            result = { verdict: 'killed', detail: `${t}: ${how}${failing && r.timedOut ? ' (then held the process open)' : ''}` }
            break
          }
        }
      }
      result.seconds = Math.round((Date.now() - t0) / 1000)
      await writeFile(file, source)
      await restoreOutputs(work, saved)
    }
    results.push({ ...m, ...result })
    console.log(`${result.verdict.padEnd(11)} ${m.name}${result.seconds === undefined ? '' : ` (${result.seconds} s)`}\n            ${result.detail}`)
  }

  const count = v => results.filter(r => r.verdict === v).length
  const killed = count('killed')
  const survived = count('survived')
  const broken = count('stale') + count('build error')
  const score = killed + survived === 0 ? 0 : 100 * killed / (killed + survived)
  console.log(`\nmutation score: ${score.toFixed(1)} % (${killed} killed, ${survived} survived${broken ? `, ${broken} stale or not built` : ''}) in ${Math.round((Date.now() - started) / 1000)} s`)
  for (const r of results.filter(r => r.verdict === 'survived')) console.log(`  survived: ${r.name} (${r.file})`)
  if (broken > 0) status = 1
} finally {
  await rm(saved, { recursive: true, force: true })
  if (!keep) await rm(work, { recursive: true, force: true })
}
process.exit(status)
