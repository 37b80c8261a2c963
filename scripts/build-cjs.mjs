// Builds the CommonJS twin of the library for require() on every Node the
// engines field allows (require of ES modules needs Node 20.19+): each
// src/**/*.ts becomes dist/**/*.cjs beside tsc's .js, one file per module, so
// the main entry and the subpaths share one module graph (one Tally class), and
// each .d.ts gets a .d.cts whose relative imports name .cjs files, which is
// what TypeScript wants for a CommonJS consumer (.cts, or "type": "commonjs").
// Worker scripts stay ES modules: the .cjs that starts a worker finds the .js
// beside it. The command (src/cli) is ESM only.
// Run after tsc (the .d.ts files come from it). Progress goes to stderr.
import { build } from 'esbuild'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const SKIP = [/^cli\//, /^entries\//, /-worker\.ts$/, /\.d\.ts$/]

async function sources () {
  const found = []
  for (const entry of await readdir('src', { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
    const file = join(entry.parentPath ?? entry.path, entry.name).slice('src/'.length)
    if (!SKIP.some(re => re.test(file))) found.push(file)
  }
  return found.sort()
}

// Every import stays an import: relative ones point at the sibling .cjs, packages are required as they are.
const perFile = {
  name: 'per-file',
  setup (b) {
    b.onResolve({ filter: /.*/ }, args => {
      if (args.kind === 'entry-point') return undefined
      const relative = args.path.startsWith('./') || args.path.startsWith('../')
      return { path: relative ? args.path.replace(/\.js$/, '.cjs') : args.path, external: true }
    })
  }
}

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  outbase: 'src',
  outExtension: { '.js': '.cjs' },
  logLevel: 'warning',
  plugins: [perFile]
}

const files = await sources()
const withMeta = []
const plain = []
for (const file of files) ((await readFile(join('src', file), 'utf8')).includes('import.meta') ? withMeta : plain).push(join('src', file))

await build({ ...common, entryPoints: plain })
// import.meta.url has no CommonJS form: give these modules their own file URL,
// so new URL('./x-worker.js', import.meta.url) finds the ESM worker beside them.
if (withMeta.length > 0) {
  await build({
    ...common,
    entryPoints: withMeta,
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "'use strict'; const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" }
  })
}

// .d.ts -> .d.cts, with './x.js' -> './x.cjs' in import, export and import() types.
const relativeJs = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\.js\2/g
for (const file of files) {
  const dts = join('dist', file.replace(/\.ts$/, '.d.ts'))
  const text = await readFile(dts, 'utf8')
  await writeFile(dts.replace(/\.d\.ts$/, '.d.cts'), text.replace(relativeJs, '$1$2$3.cjs$2'))
}
console.error(`dist/**/*.cjs and .d.cts: ${files.length} modules`)
