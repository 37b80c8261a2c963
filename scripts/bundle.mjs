// Builds the runtime bundles into dist/bundles/ with esbuild, minified ESM:
//   tally.js    browsers, Deno and Bun: the wasm core embedded as base64 and
//               compiled at load (one file serves all three: nothing in it
//               differs by platform)
//   workerd.js  Cloudflare workerd, which cannot compile bytes at run time: it
//               imports tally.wasm (shipped beside it) as a module
// @assemblyscript/loader is swapped for src/entries/instantiate.ts. Node uses
// tsc's dist/ instead. package.json "exports" picks the build by condition;
// types come from dist/*.d.ts. Progress goes to stderr (`npm pack --json`).
import { build } from 'esbuild'
import { copyFile, mkdir, rm, stat } from 'node:fs/promises'
import { resolve } from 'node:path'

const out = 'dist/bundles'
const common = {
  entryPoints: ['src/index.ts'],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  minify: true,
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
  // The core needs only WebAssembly.instantiate, not the whole loader.
  alias: { '@assemblyscript/loader': './src/entries/instantiate.ts' }
}

// workerd: src/engine/core.ts -> src/entries/workerd-core.ts, and ./tally.wasm stays an import.
const workerdCore = {
  name: 'workerd-core',
  setup (b) {
    b.onResolve({ filter: /^\.\/core\.js$/ }, args =>
      args.importer.includes('/src/entries/') ? undefined : { path: resolve('src/entries/workerd-core.ts') })
    b.onResolve({ filter: /\.wasm$/ }, () => ({ path: './tally.wasm', external: true }))
  }
}

const targets = [
  { name: 'tally' },
  { name: 'workerd', plugins: [workerdCore] }
]

await rm(out, { recursive: true, force: true })
await mkdir(out, { recursive: true })
for (const { name, ...options } of targets) {
  const outfile = `${out}/${name}.js`
  await build({ ...common, ...options, outfile })
  console.error(`${outfile} ${(await stat(outfile)).size} bytes`)
}
await copyFile('build/tally.wasm', `${out}/tally.wasm`)
console.error(`${out}/tally.wasm ${(await stat(`${out}/tally.wasm`)).size} bytes`)
