// Runs every test/*.test.mjs file in its own Node process (a suite that
// crashes or leaks a handle cannot take the others down), streams its output,
// and ends with one line: "N passed, N failed".
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
    child.on('close', code => {
      const total = /Total:\s+(\d+)/.exec(out)
      const passed = /Passed:\s+(\d+)/.exec(out)
      resolve({ file, code, total: total ? +total[1] : 0, passed: passed ? +passed[1] : 0 })
    })
  })
}

let passed = 0
let failed = 0
const started = Date.now()
for (const [i, file] of files.entries()) {
  console.log(`\n[${i + 1}/${files.length}] ${file}`)
  const r = await run(file)
  passed += r.passed
  const bad = r.total - r.passed + (r.code !== 0 && r.total === r.passed ? 1 : 0)
  failed += bad
  if (bad) console.log(`  ${file}: ${bad} failed (exit ${r.code})`)
}
console.log(`\n${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed || passed === 0 ? 1 : 0)
