// The package as npm publishes it: `npm pack` of the built tree, unpacked into
// a fresh app's node_modules/wasm-tally. Other packages the app needs (peers,
// @types/node, typescript) are linked from this repository's node_modules, so
// no network is needed. Run `npm run build` first: packing does not build.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../..', import.meta.url))

let tarball

/** Packs the repository once per process; returns the tarball's path. */
export async function packed () {
  if (tarball !== undefined) return tarball
  if (!existsSync(join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first')
  const dir = await mkdtemp(join(tmpdir(), 'wasm-tally-pack-'))
  const out = spawnSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' })
  if (out.status !== 0) throw new Error(`npm pack failed:\n${out.stderr}`)
  tarball = join(dir, JSON.parse(out.stdout)[0].filename)
  process.on('exit', () => spawnSync('rm', ['-rf', dir]))
  return tarball
}

/**
 * A fresh app directory (package.json of type module) with the packed
 * wasm-tally in node_modules and `links` (package names, or [name, the
 * package of this repository to link under that name]) linked from this
 * repository. Returns { dir, remove }.
 */
export async function freshApp (links = []) {
  const file = await packed()
  const dir = await mkdtemp(join(tmpdir(), 'wasm-tally-app-'))
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2))
  const target = join(dir, 'node_modules', 'wasm-tally')
  await mkdir(target, { recursive: true })
  const untar = spawnSync('tar', ['-xzf', file, '-C', target, '--strip-components=1'], { encoding: 'utf8' })
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`)
  for (const entry of ['@assemblyscript/loader', ...links]) {
    const [name, from] = Array.isArray(entry) ? entry : [entry, entry] // [name, the package of this repository it links to]
    const link = join(dir, 'node_modules', name)
    await mkdir(dirname(link), { recursive: true })
    await symlink(join(root, 'node_modules', from), link, 'dir')
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
