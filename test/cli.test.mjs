// The main job (npm start) on its embedded default: simulated producers in
// worker threads, snapshots on an interval, recorded equals counted at the end.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFile } from 'node:child_process'

function job (args) {
  return new Promise(resolve => {
    execFile(process.execPath, ['dist/cli/main.js', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? error.code : 0, stdout, stderr })
    })
  })
}

test('the default job counts exactly what its producers recorded', async () => {
  const { code, stdout } = await job(['--duration', '2.5', '--interval', '500', '--workers', '3'])
  assert.is(code, 0, stdout)
  const final = /final: recorded ([\d,]+), counted ([\d,]+): exact/.exec(stdout)
  assert.ok(final, `no exact final line in:\n${stdout}`)
  assert.is(final[1], final[2])
  assert.ok(Number(final[1].replaceAll(',', '')) > 0, 'producers recorded something')
  assert.ok((stdout.match(/^snapshot \d+/gm) ?? []).length >= 4, 'printed a snapshot per interval')
  assert.match(stdout, /orders\s+[\d,]+\s+[\d,]+/)
})

test('a bad option is a clear error, exit code 2', async () => {
  const { code, stderr } = await job(['--workers', 'many'])
  assert.is(code, 2)
  assert.match(stderr, /--workers must be a number/)
})

test('SIGINT stops the job cleanly with a final snapshot', async () => {
  const { spawn } = await import('node:child_process')
  const child = spawn(process.execPath, ['dist/cli/main.js', '--interval', '200'])
  let out = ''
  let sent = false
  child.stdout.on('data', d => {
    out += d
    if (!sent && /snapshot 2/.test(out)) { sent = true; child.kill('SIGINT') }
  })
  const code = await new Promise(resolve => child.on('close', resolve))
  assert.is(code, 0)
  assert.match(out, /final: recorded [\d,]+, counted [\d,]+: exact/)
})

test.run()
