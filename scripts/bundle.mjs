// Builds the runtime bundles into dist/bundles/ with esbuild: one minified ESM
// file per runtime, each carrying the wasm core. Node, browsers, Deno and Bun
// embed it as base64 and compile it at load; workerd cannot compile bytes at
// run time, so its bundle imports tally.wasm (shipped beside it) as a module.
// @assemblyscript/loader is swapped for src/entries/instantiate.ts.
// package.json "exports" picks the build by condition; types come from dist/*.d.ts.
import { build } from 'esbuild'
import { copyFile, mkdir, rm, stat } from 'node:fs/promises'
import { resolve } from 'node:path'

const out = 'dist/bundles'
const common = {
  entryPoints: ['src/index.ts'],
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
  // The core needs only WebAssembly.instantiate, not the whole loader.
  alias: { '@assemblyscript/loader': './src/entries/instantiate.ts' }
}

// workerd: src/core.ts -> src/entries/workerd-core.ts, and ./tally.wasm stays an import.
const workerdCore = {
  name: 'workerd-core',
  setup (b) {
    b.onResolve({ filter: /^\.\/core\.js$/ }, args =>
      args.importer.includes('/src/entries/') ? undefined : { path: resolve('src/entries/workerd-core.ts') })
    b.onResolve({ filter: /\.wasm$/ }, () => ({ path: './tally.wasm', external: true }))
  }
}

const targets = [
  { name: 'node', platform: 'node' },
  { name: 'browser', platform: 'browser' },
  { name: 'deno', platform: 'neutral' },
  { name: 'bun', platform: 'neutral' },
  { name: 'workerd', platform: 'neutral', plugins: [workerdCore] }
]

await rm(out, { recursive: true, force: true })
await mkdir(out, { recursive: true })
for (const { name, ...options } of targets) {
  const outfile = `${out}/${name}.js`
  await build({ ...common, ...options, outfile, mainFields: ['module', 'main'] })
  console.log(`${outfile} ${(await stat(outfile)).size} bytes`)
}
await copyFile('build/tally.wasm', `${out}/tally.wasm`)
console.log(`${out}/tally.wasm ${(await stat(`${out}/tally.wasm`)).size} bytes`)
