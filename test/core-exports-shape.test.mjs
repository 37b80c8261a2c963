// The engine reads the core's exports through one object (Tally's `core`) on
// the by-name paths: V8 must keep it in fast mode. Built by 38 keyed stores
// it went to dictionary mode, and each `core.x` read was a hash lookup (a
// by-name observe() 3.5 ns slower, the bench's suite 8). V8's own check, in
// a child process run with --allow-natives-syntax.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'

const script = `
const { Tally } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)})
for (const options of [{ capacity: 8 }, { capacity: 8, columns: ['success', 'error', 'bytes'], histograms: { duration: [0.01, 0.1, 1] } }]) {
  const tally = await Tally.create(options)
  const attached = Tally.attachSync(tally.share())
  console.log(JSON.stringify([Object.keys(tally.core).length, %HasFastProperties(tally.core), %HasFastProperties(attached.core)]))
}`

test('the core exports object of a created and of an attached table has fast properties', () => {
  const lines = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8' }).trim().split('\n')
  assert.equal(lines.length, 2)
  for (const line of lines) {
    const [exports, created, attached] = JSON.parse(line)
    assert.ok(exports > 30, `the core has its exports (${exports})`)
    assert.ok(created, 'a created table\'s core object is in dictionary mode')
    assert.ok(attached, 'an attached table\'s core object is in dictionary mode')
  }
})

test.run()
