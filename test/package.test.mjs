// The package as npm users meet it: `npm pack` of the built tree (npm test
// builds first; the package has no lifecycle script to build on install), the tarball
// installed into a fresh temporary app, and the apps in test/package-apps/ run
// against it: ESM with worker threads; CommonJS with require(esm) switched off,
// as on Node 20.0 to 20.18; strict TypeScript under nodenext (a .ts and a .cts)
// and bundler resolution; an esbuild browser bundle in Chromium; `npx
// wasm-tally`; and wasm-tally/kafkajs without kafkajs installed. Prints the
// tarball's size and file list (CONTRIBUTING.md's table of sizes records them).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { launchChromium } from './helpers/chromium.mjs'
import { serveDirectory } from './helpers/static-server.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const STEPS = 100_000 // per worker, as in the apps
const EXPECTED = { orders: { success: 2 * STEPS * 0.9, error: 0 }, payments: { success: 0, error: 2 * STEPS * 0.1 * 2 } }

const kb = n => `${(n / 1024).toFixed(1)} KiB`
let work // the temporary directory: the tarball and the app
let app
let pack // npm pack --json's entry for the tarball

/** Runs a command to its end (2 minutes at most); resolves to { code, stdout, stderr }. */
function run (command, args, options = {}) {
  return new Promise(resolve => {
    execFile(command, args, { timeout: 120_000, maxBuffer: 16 << 20, ...options }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? error.signal) : 0, stdout, stderr })
    })
  })
}

/** The JSON after "RESULT " in an app's output, or a failure showing what it printed. */
function result (name, out) {
  const line = out.stdout.split('\n').find(l => l.startsWith('RESULT '))
  if (out.code !== 0 || line === undefined) assert.unreachable(`${name} exited with ${out.code}:\n${out.stdout}\n${out.stderr}`)
  return JSON.parse(line.slice('RESULT '.length))
}

const shipped = path => pack.files.some(f => f.path === path)

test('npm pack --json prints only JSON; the tarball installs into a fresh app', async () => {
  work = await mkdtemp(join(tmpdir(), 'wasm-tally-package-'))
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root })
  assert.is(packed.code, 0, packed.stderr)
  pack = JSON.parse(packed.stdout)[0] // throws if anything but JSON reached stdout
  console.log(`  ${pack.filename}: ${pack.size} bytes (${kb(pack.size)}) packed, ${pack.unpackedSize} bytes (${kb(pack.unpackedSize)}) unpacked, ${pack.entryCount} files`)
  for (const f of pack.files) console.log(`    ${String(f.size).padStart(7)}  ${f.path}`)

  app = join(work, 'app')
  await cp(join(root, 'test', 'package-apps'), app, { recursive: true })
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'wasm-tally-consumer', private: true, type: 'module' }, null, 2))
  const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, pack.filename)], { cwd: app })
  assert.is(installed.code, 0, installed.stderr)
  const modules = (await readdir(join(app, 'node_modules'))).sort()
  assert.equal(modules, ['.bin', '.package-lock.json', '@assemblyscript', 'wasm-tally'], 'one dependency, no optional peer installed')
})

test('the published package.json has no lifecycle script an install audit flags (the build is run explicitly)', async () => {
  const published = JSON.parse(await readFile(join(app, 'node_modules', 'wasm-tally', 'package.json'), 'utf8'))
  const LIFECYCLE = ['preinstall', 'install', 'postinstall', 'prepare', 'prepack', 'postpack', 'prepublish', 'preprepare', 'postprepare', 'dependencies']
  const flagged = Object.keys(published.scripts ?? {}).filter(name => LIFECYCLE.includes(name))
  assert.equal(flagged, [], `lifecycle scripts in the published package.json: ${flagged.join(', ')}`)
})

test('the tarball: LICENSE, the docs and images the README links to, each file once', async () => {
  for (const file of ['LICENSE', 'README.md', 'package.json', 'dist/index.cjs', 'dist/index.d.cts', 'dist/cli/main.js']) assert.ok(shipped(file), `${file} ships`)
  assert.not.ok(pack.files.some(f => /^(src|test|build|assembly|scripts)\/|^dist\/entries\//.test(f.path)), 'no sources, tests or build leftovers')
  const readme = await readFile(join(app, 'node_modules', 'wasm-tally', 'README.md'), 'utf8')
  const links = [...readme.matchAll(/\]\(([^)#\s]+)\)/g)].map(m => m[1]).filter(l => !/^[a-z]+:/.test(l))
  assert.ok(links.length > 0)
  for (const link of links) assert.ok(shipped(link), `the README links to ${link}, which must ship`)
  // Byte-identical files ship once; only a .d.ts and its .d.cts twin may match.
  const seen = new Map()
  const types = path => path.replace(/\.d\.c?ts$/, '.d.*')
  for (const f of pack.files) {
    const hash = createHash('sha256').update(await readFile(join(app, 'node_modules', 'wasm-tally', f.path))).digest('hex')
    const twin = seen.get(hash)
    if (twin !== undefined && f.size > 512) assert.is(types(f.path), types(twin), `${f.path} duplicates ${twin}`)
    seen.set(hash, f.path)
  }
})

test('an ESM app: two worker threads, continuous snapshots, exact totals', async () => {
  const r = result('esm/main.mjs', await run(process.execPath, [join(app, 'esm', 'main.mjs')], { cwd: app }))
  assert.match(r.resolved, /\/node_modules\/wasm-tally\/dist\/index\.js$/)
  assert.equal(r.totals, EXPECTED)
  console.log(`  ESM, node ${process.versions.node}: ${r.workers} worker threads, ${r.snapshots} snapshots: exact`)
})

test('a CommonJS app without require(esm): the .cjs build, worker threads, a stand-in producer, exact totals', async () => {
  const r = result('cjs/main.cjs', await run(process.execPath, ['--no-experimental-require-module', join(app, 'cjs', 'main.cjs')], { cwd: app }))
  for (const file of r.resolved) assert.match(file, /\/node_modules\/wasm-tally\/dist\/.+\.cjs$/)
  assert.equal(r.totals, EXPECTED)
  assert.equal(r.kafka, { audit: { success: 3, error: 0 } })
  console.log(`  CommonJS, node ${process.versions.node} --no-experimental-require-module: ${r.workers} worker threads: exact`)
})

test('a strict TypeScript app type-checks under nodenext (.ts and .cts) and bundler resolution', async () => {
  for (const config of ['tsconfig.nodenext.json', 'tsconfig.bundler.json']) {
    const out = await run(process.execPath, [tsc, '-p', join(app, 'ts', config)], { cwd: app })
    assert.is(out.code, 0, `tsc -p ${config}:\n${out.stdout}${out.stderr}`)
    console.log(`  tsc --strict, skipLibCheck false, ${config}: ok`)
  }
})

test('an esbuild browser bundle in Chromium: two module Web Workers, exact totals', async () => {
  const dir = join(app, 'browser')
  const bundled = await build({
    entryPoints: [join(dir, 'main.js'), join(dir, 'worker.js')],
    absWorkingDir: app,
    outdir: join(dir, 'out'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    metafile: true,
    logLevel: 'warning'
  })
  const inputs = Object.keys(bundled.metafile.inputs).filter(f => f.includes('node_modules/wasm-tally/'))
  assert.equal(inputs, ['node_modules/wasm-tally/dist/bundles/tally.js'], 'the "browser" condition picks the one bundle')
  const server = await serveDirectory(dir)
  let browser
  try {
    browser = await launchChromium()
    const errors = []
    browser.page.on('pageerror', error => errors.push(error.message))
    await browser.page.goto(`${server.origin}/index.html`)
    const r = await browser.page.evaluate(() => window.result)
    assert.equal(errors, [], 'no page errors')
    assert.ok(r.crossOriginIsolated)
    assert.equal(r.totals, EXPECTED)
    console.log(`  esbuild --platform=browser, chromium ${browser.version}: ${r.workers} Web Workers, ${r.snapshots} snapshots: exact`)
  } finally {
    await browser?.close()
    await server.close()
  }
})

test('npx wasm-tally: --version, --help, and the main job for 2 seconds, exact', async () => {
  const version = await run('npx', ['wasm-tally', '--version'], { cwd: app })
  assert.is(version.code, 0, version.stderr)
  assert.is(version.stdout.trim(), pack.version)
  const help = await run('npx', ['wasm-tally', '--help'], { cwd: app })
  assert.match(help.stdout, /^usage: wasm-tally/)
  const job = await run('npx', ['wasm-tally', '--duration', '2'], { cwd: app })
  assert.is(job.code, 0, job.stderr)
  const final = /final: recorded ([\d,]+), counted ([\d,]+): exact/.exec(job.stderr)
  assert.ok(final && final[1] === final[2], `no exact final line:\n${job.stderr}`)
  console.log(`  npx wasm-tally --duration 2: ${final[0]}`)
})

test('wasm-tally/kafkajs loads without kafkajs installed and counts a producer the app has', async () => {
  const r = result('kafkajs/main.mjs', await run(process.execPath, [join(app, 'kafkajs', 'main.mjs')], { cwd: app }))
  assert.is(r.kafkajs, 'not installed')
  assert.match(r.resolved, /\/node_modules\/wasm-tally\/dist\/kafkajs\/index\.js$/)
  assert.equal(r.topics, { orders: { success: 2, error: 0 }, payments: { success: 0, error: 1 } })
  assert.equal(r.errors, { payments: { retriable: 1, nonRetriable: 0 } })
  console.log('  import \'wasm-tally/kafkajs\' without kafkajs: loads, and counts a stand-in producer exactly')
})

test('wasm-tally/platformatic and wasm-tally/confluent load without their clients and count stand-ins into one table', async () => {
  const r = result('kafkajs/clients.mjs', await run(process.execPath, [join(app, 'kafkajs', 'clients.mjs')], { cwd: app }))
  assert.equal(r.cjs, { platformatic: 'function', confluent: 'function' })
  assert.equal(r.topics, { orders: { success: 2, error: 0 }, payments: { success: 1, error: 0 }, refused: { success: 0, error: 3 } })
  assert.equal(r.kinds, { 'ProtocolError:MESSAGE_TOO_LARGE': 1, 'KafkaJSProtocolError:MESSAGE_TOO_LARGE': 2 })
  console.log('  wasm-tally/platformatic and wasm-tally/confluent without their clients: load (ESM, CommonJS) and count exactly')
})

test.after(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

test.run()
