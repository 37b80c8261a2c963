// Size budget of what the package ships (run `npm run build` first): every
// .wasm under 4.5 KiB, and each runtime's core bundle (minified ESM, no kafkajs
// adapter) under 17 KiB gzipped. Prints the sizes.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = fileURLToPath(new URL('..', import.meta.url))
// 4 KiB until the bucket search, the unit conversion and the sum's carry moved
// into the core's observe (one call per observation): 4.5 KiB.
const WASM_BUDGET = 4.5 * 1024
// The delivery batches, the table schema (columns, histograms), their checks
// and the input rules took the bundle from 6.8 to about 12 KiB; the formation
// loop that copies one stripe two words a turn (a third faster) took it past 13;
// the histogram index (bounds and bucket lookup tables the core searches) and
// the larger core embedded in it took it to about 14.6, and to 15,288 bytes with
// the core's bucket search. The batch read in place (src/engine/batch-reader.ts:
// the row view a flusher hands a sink's writeRows, its gate and its merge of a
// name two slots hold; about 1.2 KiB gzipped) took it past 15: 17 KiB.
const BUNDLE_GZIP_BUDGET = 17 * 1024
const BUNDLES = ['tally', 'workerd'] // tally.js serves browsers, Deno and Bun

async function wasmFiles (dir) {
  const found = []
  for (const entry of await readdir(join(root, dir), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.wasm')) found.push(join(entry.parentPath ?? entry.path, entry.name).slice(root.length))
  }
  return found
}

test('every shipped .wasm is under 4.5 KiB, and only dist/bundles/tally.wasm ships', async () => {
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'))
  const shipped = [...pkg.files.filter(f => f.endsWith('.wasm')), ...await wasmFiles('dist')]
  assert.equal(shipped, ['dist/bundles/tally.wasm'])
  for (const file of shipped) {
    const bytes = (await readFile(join(root, file))).byteLength
    console.log(`  ${file}: ${bytes} bytes (budget ${WASM_BUDGET})`)
    assert.ok(bytes < WASM_BUDGET, `${file} is ${bytes} bytes`)
  }
})

test('each core bundle is under 17 KiB gzipped and carries no kafkajs adapter', async () => {
  for (const name of BUNDLES) {
    const file = `dist/bundles/${name}.js`
    const code = await readFile(join(root, file))
    const gzipped = gzipSync(code, { level: 9 }).byteLength
    console.log(`  ${file}: ${code.byteLength} bytes minified, ${gzipped} bytes gzipped (budget ${BUNDLE_GZIP_BUDGET})`)
    assert.ok(gzipped < BUNDLE_GZIP_BUDGET, `${file} is ${gzipped} bytes gzipped`)
    assert.not.match(code.toString(), /kafkajs/i, `${file} pulls in the kafkajs adapter`)
  }
})

test('the wasm ships inside every bundle, or beside it for workerd', async () => {
  const wasm = await readFile(join(root, 'build/tally.wasm'))
  for (const name of BUNDLES.filter(n => n !== 'workerd')) {
    const code = (await readFile(join(root, `dist/bundles/${name}.js`))).toString()
    assert.ok(code.includes(wasm.toString('base64')), `${name}.js embeds build/tally.wasm`)
  }
  const workerd = (await readFile(join(root, 'dist/bundles/workerd.js'))).toString()
  assert.match(workerd, /from\s*"\.\/tally\.wasm"/, 'workerd.js imports ./tally.wasm as a module')
  assert.not.ok(workerd.includes(wasm.toString('base64').slice(0, 64)), 'workerd.js carries no base64 copy')
  assert.equal(await readFile(join(root, 'dist/bundles/tally.wasm')), wasm, 'dist/bundles/tally.wasm is build/tally.wasm')
})

test.run()
