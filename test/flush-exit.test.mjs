// The opt-in exit hooks: SIGTERM, SIGINT and a loop running dry each end with
// a final flush of everything recorded, and a signal still ends the process.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { addRows } from './helpers/counts.mjs'

const CHILD = fileURLToPath(new URL('./workers/flush-exit-child.mjs', import.meta.url))

/** Runs the child; `onRecorded` is called once it printed what it recorded. */
function runChild (mode, onRecorded) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, mode], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    let told = false
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', chunk => {
      out += chunk
      if (!told && out.includes('"recorded"')) { told = true; onRecorded?.(child) }
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, lines: out.split('\n').filter(Boolean).map(l => JSON.parse(l)) }))
  })
}

function flushedTotals (lines) {
  const totals = {}
  for (const line of lines) {
    if (line.recorded) continue
    assert.type(line.time, 'string')
    assert.type(line.epoch, 'number')
    addRows(totals, line.topics)
  }
  return totals
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal}: a final flush of everything, then the process ends by the signal`, async () => {
    const run = await runChild('signal', child => child.kill(signal))
    assert.is(run.signal, signal)
    const recorded = run.lines.find(l => l.recorded).recorded
    assert.is(run.lines.filter(l => l.topics).length, 1, 'one flush, the final one')
    assert.equal(flushedTotals(run.lines), recorded)
  })
}

test('beforeExit: a process that runs out of work flushes before it exits', async () => {
  const run = await runChild('beforeExit')
  assert.is(run.code, 0)
  const recorded = run.lines.find(l => l.recorded).recorded
  assert.equal(flushedTotals(run.lines), recorded)
})

test.run()
