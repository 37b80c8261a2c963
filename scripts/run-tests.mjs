// Runs every test/*.test.mjs file in its own Node process (a suite that
// crashes or leaks a handle cannot take the others down), streams its output,
// and ends with one line: "files: N passed, N failed". A file passes when its
// process exits 0, which uvu does only when every test in it passed; a crash,
// a signal or a failed test is a non-zero exit. Nothing is read from uvu's text
// but its "Total:" count, shown for reading and never used to decide.
//   node scripts/run-tests.mjs [filter ...]   runs the files whose names contain a filter
import { spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

const filters = process.argv.slice(2)
const files = (await readdir('test')).filter(f => f.endsWith('.test.mjs'))
  .filter(f => filters.length === 0 || filters.some(x => f.includes(x))).sort()

function run (file) {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [join('test', file)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', d => { out += d; process.stdout.write(d) })
    child.on('close', (code, signal) => resolve({ code, signal, tests: Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0) }))
  })
}

const failed = []
let tests = 0
const started = Date.now()
for (const [i, file] of files.entries()) {
  console.log(`\n[${i + 1}/${files.length}] ${file}`)
  const r = await run(file)
  tests += r.tests
  if (r.code !== 0) {
    failed.push(file)
    console.log(`  ${file}: FAILED (${r.signal ?? `exit ${r.code}`})`)
  }
}
console.log(`\n${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s; uvu counted ${tests} tests`)
if (failed.length > 0) console.log(`failed: ${failed.join(', ')}`)
console.log(`files: ${files.length - failed.length} passed, ${failed.length} failed`)
process.exit(failed.length > 0 || files.length === 0 ? 1 : 0)
