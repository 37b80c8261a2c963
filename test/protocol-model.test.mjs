// The SPIN model of the flush protocol (model/): the design's properties hold
// in every run meant to pass (and in the weakened variant that needs no renew
// before the ack), breaking its one assumption (no stall past the lease while
// a batch is formed) still shows, and every deliberately broken variant is
// caught by the property it breaks. Needs spin and gcc; without them the
// checker fails with a message (never a skip).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { runs } from '../scripts/check-model.mjs'

function check () {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('../scripts/check-model.mjs', import.meta.url)), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', d => { out += d })
    child.stderr.on('data', d => { err += d })
    child.on('close', code => resolve({ code, out, err }))
  })
}

const started = Date.now()
const { code, out, err } = await check()
const report = code === 2 ? undefined : JSON.parse(out.trim().split('\n').pop())
const byName = new Map((report?.results ?? []).map(r => [r.name, r]))
console.log(`  model check: ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${code}`)

test('spin and gcc are there to run the model', () => {
  assert.ok(code !== 2, err.trim())
  assert.is(byName.size, runs.length, 'every run reported')
})

for (const run of runs) {
  const title = run.expect === 'pass'
    ? run.weakened
      ? `a weakened variant still holds: ${run.name} (${run.about})`
      : `the design holds: ${run.name} (${run.about})`
    : run.flaw
      ? `the design's one assumption, broken, still shows: ${run.name} (${run.about})`
      : `broken variant is caught: ${run.name} (${run.about})`
  test(title, () => {
    const r = byName.get(run.name)
    assert.ok(r, `${run.name} did not run: ${err.trim()}`)
    console.log(`  ${run.name}: ${r.got}, ${(r.states ?? 0).toLocaleString('en')} states${r.error ? `, ${r.error}` : ''}`)
    assert.ok(r.ok, `${run.name}: expected ${run.expect}: ${r.why}`)
  })
}

test.run()
