// The shape of src/ (docs/ARCHITECTURE.md draws it): the engine at the bottom,
// the layers that use it above, the apps on top. A file may import from its
// own room or from a room of a lower layer; never from a higher layer, nor from
// another room of its own layer. Reads the sources, so it needs no build.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, posix, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = fileURLToPath(new URL('..', import.meta.url))

// Lowest first. A room is a folder of src/; src/index.ts is the room "index".
const LAYERS = [
  ['engine'], // the table: core, Tally, snapshots, the lock, input rules
  ['flush', 'serve', 'entries', 'schemas'], // the flusher; the /metrics server; the bundles' stand-ins for engine files; schemas layers above share (KafkaTally's row)
  ['messaging'], // the recorder of messaging metrics every client's adapter shares: what a send, a consumed and a handled message add to a row
  ['sinks', 'kafkajs', 'platformatic'], // where flushes go; the adapters of kafkajs and @platformatic/kafka
  ['index', 'confluent'], // the package's main entry; Confluent's KafkaJS API, through the kafkajs adapter

  ['cli'] // the wasm-tally command
]
const LAYER_OF = new Map(LAYERS.flatMap((rooms, layer) => rooms.map(room => [room, layer])))

/** The room of a path relative to the repository ("src/flush/flusher.ts" -> "flush"). */
function roomOf (path) {
  const parts = path.split('/')
  return parts.length === 2 ? parts[1].replace(/\.(d\.)?ts$/, '') : parts[1]
}

/** Relative module names a file refers to: imports, re-exports, import(), and new URL('x.js', import.meta.url) for workers. */
function referencesOf (text) {
  const names = ts.preProcessFile(text, true, false).importedFiles.map(f => f.fileName)
  for (const m of text.matchAll(/new URL\(\s*(['"])([^'"]+\.js)\1\s*,\s*import\.meta\.url\s*\)/g)) names.push(m[2])
  return names.filter(name => name.startsWith('./') || name.startsWith('../'))
}

/** Every import that breaks the layering, as "from -> to: why" lines. files: [{ path, text }], paths like "src/x/y.ts". */
function violations (files) {
  const out = []
  for (const { path, text } of files) {
    const from = roomOf(path)
    for (const name of referencesOf(text)) {
      const target = posix.normalize(posix.join(posix.dirname(path), name))
      if (!target.startsWith('src/')) { out.push(`${path} -> ${name}: outside src/`); continue }
      const to = roomOf(target)
      if (to === from) continue
      const [a, b] = [LAYER_OF.get(from), LAYER_OF.get(to)]
      if (b > a) out.push(`${path} -> ${name}: ${from} imports ${to}, a higher layer`)
      else if (b === a) out.push(`${path} -> ${name}: ${from} imports ${to}, another room of its layer`)
    }
  }
  return out
}

async function sources () {
  const files = []
  for (const entry of await readdir(join(root, 'src'), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
    const full = join(entry.parentPath ?? entry.path, entry.name)
    files.push({ path: relative(root, full).split(sep).join('/'), text: await readFile(full, 'utf8') })
  }
  return files
}

test('every file of src/ is in a room of a known layer', async () => {
  const files = await sources()
  assert.ok(files.length > 20, `found ${files.length} files`)
  const unplaced = files.filter(f => !LAYER_OF.has(roomOf(f.path))).map(f => f.path)
  assert.equal(unplaced, [], 'a new room must be given a layer here and in docs/ARCHITECTURE.md')
})

test('no import goes up a layer or across to another room of the same layer', async () => {
  const files = await sources()
  const found = violations(files)
  assert.equal(found, [], found.join('\n'))
  const edges = new Set()
  for (const f of files) for (const name of referencesOf(f.text)) edges.add(`${roomOf(f.path)} -> ${roomOf(posix.normalize(posix.join(posix.dirname(f.path), name)))}`)
  console.log(`  ${files.length} files, ${[...edges].filter(e => !/^(\w+) -> \1$/.test(e)).sort().join(', ')}`)
})

test('the check can fail: an engine file importing the CLI, a sink importing kafkajs', () => {
  const found = violations([
    { path: 'src/engine/tally.ts', text: "import { parseArgs } from '../cli/args.js'\n" },
    { path: 'src/sinks/kafka.ts', text: "export type { KafkaTally } from '../kafkajs/kafka-tally.js'\n" },
    { path: 'src/flush/flusher.ts', text: "const m = await import('../sinks/statsd.js')\n" },
    { path: 'src/kafkajs/pool.ts', text: "new Worker(new URL('../cli/simulated-producer-worker.js', import.meta.url))\n" },
    { path: 'src/cli/main.ts', text: "import { Tally } from '../index.js'\nimport { flushEvery } from '../flush/flusher.js'\n" }
  ])
  assert.equal(found.length, 4, found.join('\n'))
  assert.match(found[0], /engine imports cli, a higher layer/)
  assert.match(found[1], /sinks imports kafkajs, another room of its layer/)
})

test('bench/ and the shared helpers import nothing from test/', async () => {
  const bad = []
  for (const dir of ['bench', 'scripts']) {
    for (const entry of await readdir(join(root, dir), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !/\.(m?js|ts)$/.test(entry.name)) continue
      const full = join(entry.parentPath ?? entry.path, entry.name)
      const text = await readFile(full, 'utf8')
      const names = ts.preProcessFile(text, true, false).importedFiles.map(f => f.fileName)
      for (const name of names) {
        const target = relative(root, join(dirname(full), name)).split(sep).join('/')
        if (name.startsWith('.') && target.startsWith('test/')) bad.push(`${relative(root, full)} -> ${name}`)
      }
    }
  }
  assert.equal(bad, [], bad.join('\n'))
})

test.run()
