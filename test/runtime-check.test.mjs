// The shared-memory check (src/engine/runtime-check.ts): silent where shared memory
// exists, and an error naming the COOP and COEP headers where it does not, in
// Node with the globals faked and in Chromium on a page served with and
// without cross-origin isolation. Run `npm run build` first.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createRequire } from 'node:module'
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { assertSharedMemory } from '../dist/engine/runtime-check.js'
import { launchChromium } from './helpers/chromium.mjs'
import { serveDirectory } from './helpers/static-server.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const HEADERS = /Cross-Origin-Opener-Policy: same-origin\n\s*Cross-Origin-Embedder-Policy: require-corp/

/** Runs `fn` with globalThis[name] replaced (or removed, for undefined), then restores it. */
function withGlobal (name, value, fn) {
  const saved = Object.getOwnPropertyDescriptor(globalThis, name)
  if (value === undefined) delete globalThis[name]
  else Object.defineProperty(globalThis, name, { value, configurable: true, writable: true })
  try {
    return fn()
  } finally {
    if (saved) Object.defineProperty(globalThis, name, saved)
    else delete globalThis[name]
  }
}

function message (fn) {
  try {
    fn()
  } catch (error) {
    return error.message
  }
  assert.unreachable('expected a throw')
}

test('Node: shared memory is there, nothing is thrown (ESM and CommonJS builds)', () => {
  assertSharedMemory()
  createRequire(import.meta.url)('../dist/engine/runtime-check.cjs').assertSharedMemory()
})

test('a page that is not cross-origin isolated: the error names both headers', () => {
  const text = message(() => withGlobal('crossOriginIsolated', false, assertSharedMemory))
  assert.match(text, /this page is not cross-origin isolated/)
  assert.match(text, HEADERS)
  assert.match(text, /docs\/RUNTIMES\.md/)
})

test('a runtime without SharedArrayBuffer: the error names both headers', () => {
  const text = message(() => withGlobal('SharedArrayBuffer', undefined, assertSharedMemory))
  assert.match(text, /this runtime has no SharedArrayBuffer/)
  assert.match(text, HEADERS)
})

test('Chromium: silent on an isolated page, the error on a page without the headers', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasm-tally-runtime-check-'))
  const servers = []
  let browser
  try {
    for (const file of ['index.html', 'page.js']) await copyFile(join(root, 'test', 'runtime-check', file), join(dir, file))
    await build({ entryPoints: [join(root, 'dist', 'engine', 'runtime-check.js')], bundle: true, format: 'esm', outfile: join(dir, 'check.js'), logLevel: 'warning' })
    browser = await launchChromium()
    const results = {}
    for (const isolated of [true, false]) {
      const server = await serveDirectory(dir, { isolated })
      servers.push(server)
      await browser.page.goto(`${server.origin}/index.html`)
      results[isolated] = await browser.page.waitForFunction(() => window.result).then(h => h.jsonValue())
    }
    assert.equal(results.true, { crossOriginIsolated: true, threw: null })
    assert.is(results.false.crossOriginIsolated, false)
    assert.match(results.false.threw, HEADERS)
    console.log(`  chromium ${browser.version}: isolated page passes; without the headers: "${results.false.threw.split('\n')[0]}"`)
  } finally {
    await browser?.close()
    for (const server of servers) await server.close()
    await rm(dir, { recursive: true, force: true })
  }
})

test.run()
