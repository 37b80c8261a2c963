// The opt-in exit hooks: SIGTERM, SIGINT and a loop running dry each end with
// a final flush of everything recorded, and a signal still ends the process.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { addRows } from '../scripts/lib/counts.mjs'

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

const STUCK = fileURLToPath(new URL('./workers/flush-exit-stuck-child.mjs', import.meta.url))

/**
 * Runs the stuck child; `on(line, child)` sees each line it prints. Resolves
 * to how it ended and when (ms since start); a child alive after `killAfterMs` is killed.
 */
function runStuck (args, on, killAfterMs = 8000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STUCK, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    const started = Date.now()
    const marks = {}
    const watchdog = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    let rest = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', chunk => {
      const lines = (rest + chunk).split('\n')
      rest = lines.pop()
      for (const line of lines) { marks[line] ??= Date.now() - started; on?.(line, child, marks) }
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(watchdog)
      // "exit <ms>": the child's own time from "flushing" to its exit.
      const exit = Object.keys(marks).find(l => l.startsWith('exit '))
      resolve({ code, signal, ms: Date.now() - started, marks, exitAfterFlushingMs: exit === undefined ? undefined : Number(exit.slice(5)) })
    })
  })
}

test('a sink that never settles: a second SIGTERM exits at once with 143, even beside an application listener', async () => {
  let second = false
  // The deadline (60 s) is twice the watchdog: an exit of its own with 143 is the second signal's doing.
  const run = await runStuck(['signal', '60000', 'app-listener'], (line, child) => {
    if (line === 'ready') child.kill('SIGTERM')
    if (line === 'flushing') { second = true; child.kill('SIGTERM') }
  }, 30_000)
  assert.ok(second, 'the final flush started and the second signal was sent')
  assert.equal([run.code, run.signal], [143, null], 'the process ended itself, not the watchdog')
  assert.ok(run.marks['app saw SIGTERM'] !== undefined, 'the application\'s listener ran')
})

test('a sink that never settles: a second SIGINT exits at once with 130', async () => {
  const run = await runStuck(['signal', '60000'], (line, child) => {
    if (line === 'ready') child.kill('SIGINT')
    if (line === 'flushing') setTimeout(() => child.kill('SIGINT'), 200)
  })
  assert.equal([run.code, run.signal], [130, null])
})

test('a sink that never settles: one SIGTERM, and the process exits by the deadline with 143', async () => {
  const run = await runStuck(['signal', '800'], (line, child) => { if (line === 'ready') child.kill('SIGTERM') }, 60_000)
  assert.equal([run.code, run.signal], [143, null], 'the process ended itself (nothing else would have: one signal, a sink that never settles)')
  // The deadline runs from the signal, a little before "flushing": half of it is the bound that cannot flake.
  assert.ok(run.exitAfterFlushingMs >= 400, `it waited for its deadline, not exited at once: ${run.exitAfterFlushingMs} ms after the final flush started, by its own clock (deadline 800 ms)`)
})

test('deadlineMs Infinity: no deadline, the process waits for its final flush', async () => {
  const run = await runStuck(['signal', 'Infinity'], (line, child) => { if (line === 'ready') child.kill('SIGTERM') }, 1500)
  assert.ok(run.marks.flushing !== undefined, 'the final flush started')
  assert.equal([run.code, run.signal], [null, 'SIGKILL'], 'still up when the test killed it')
})

test('deadlineMs below 0 or not a number is refused', async () => {
  const { Tally, flushEvery } = await import('../dist/index.js')
  const tally = await Tally.create({ capacity: 16 })
  for (const deadlineMs of [-1, NaN, '5']) {
    assert.throws(() => flushEvery(tally, 1000, () => {}, { exitHooks: { deadlineMs } }), RangeError, String(deadlineMs))
  }
})

test('a sink that never settles after beforeExit: the process exits by the deadline with its exit code', async () => {
  const run = await runStuck(['beforeExit', '800'], undefined, 60_000)
  assert.ok(run.marks.flushing !== undefined, 'the loop ran dry and the final flush started')
  assert.equal([run.code, run.signal], [3, null], 'the process ended itself (its sink keeps a timer up: only the deadline ends it)')
  // The deadline runs from the signal, a little before "flushing": half of it is the bound that cannot flake.
  assert.ok(run.exitAfterFlushingMs >= 400, `it waited for its deadline, not exited at once: ${run.exitAfterFlushingMs} ms after the final flush started, by its own clock (deadline 800 ms)`)
})

test.run()
