// `npm start` in a clone: builds dist/ when it is missing (a fresh clone after
// `npm install`; the package has no install-time build script), then runs the
// wasm-tally command with the arguments given after `npm start --`.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))

if (!existsSync(main)) {
  console.error('wasm-tally: dist/ is not built yet; running npm run build first')
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' })
  if (built.status !== 0) process.exit(built.status ?? 1)
}
const child = spawn(process.execPath, [main, ...process.argv.slice(2)], { stdio: 'inherit' })
// Ctrl-C reaches the command itself (same process group): wait for its final flush.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => child.kill('SIGTERM'))
child.on('exit', (code, signal) => { process.exitCode = code ?? (signal === null ? 1 : 0) })
