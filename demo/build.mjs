// Bundles the demo page and its producer worker, with wasm-tally from src/,
// into demo/dist/ (esbuild; the core wasm rides along as embedded base64).
import { build } from 'esbuild'
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

if (!existsSync(new URL('../src/engine/generated/tally-wasm.ts', import.meta.url))) {
  const built = spawnSync(process.execPath, ['scripts/build-wasm.mjs'], { cwd: root, stdio: 'inherit' })
  if (built.status !== 0) process.exit(built.status ?? 1)
}

await build({
  absWorkingDir: root,
  entryPoints: ['demo/app.js', 'demo/producer.worker.js'],
  outdir: 'demo/dist',
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning'
})
console.log('demo/dist: app.js, producer.worker.js')
