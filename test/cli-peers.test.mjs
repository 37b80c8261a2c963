// The command as installed from the packed tarball with no optional peer:
// each option that needs one (prom-client, hot-shots, kafkajs) stops with a
// sentence naming the package and the `npm install` that adds it, exit code 2,
// and no module resolution stack.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { freshApp } from './helpers/packed.mjs'

let app

test.before(async () => { app = await freshApp() })
test.after(async () => { await app?.remove() })

const cases = [
  { args: ['--sink', 'prometheus', '--duration', '1'], pkg: 'prom-client', what: '--sink prometheus' },
  { args: ['--sink', 'statsd', '--duration', '1'], pkg: 'hot-shots', what: '--sink statsd' },
  { args: ['--brokers', '127.0.0.1:1', '--duration', '1'], pkg: 'kafkajs', what: '--brokers' },
  { args: ['--sink', 'kafka', '--brokers', '127.0.0.1:1', '--duration', '1'], pkg: 'kafkajs', what: '--sink kafka' },
  { args: ['aggregate', '--brokers', '127.0.0.1:1', '--topic', 'counts', '--once'], pkg: 'kafkajs', what: 'wasm-tally aggregate' }
]

for (const c of cases) {
  test(`wasm-tally ${c.args.join(' ')} without ${c.pkg}: "npm install ${c.pkg}"`, () => {
    assert.not.ok(existsSync(join(app.dir, 'node_modules', c.pkg)), `${c.pkg} is not installed in the app`)
    const out = spawnSync(process.execPath, [join(app.dir, 'node_modules', 'wasm-tally', 'dist', 'cli', 'main.js'), ...c.args], { cwd: app.dir, encoding: 'utf8', timeout: 60_000 })
    assert.is(out.status, 2, out.stderr)
    assert.match(out.stderr, `${c.what} needs ${c.pkg}, an optional peer dependency that is not installed: npm install ${c.pkg}`)
    assert.not.match(out.stderr, /Cannot find package|ERR_MODULE_NOT_FOUND|\n\s+at /)
    console.log(`  ${out.stderr.trim().split('\n').at(-1)}`)
  })
}

test.run()
