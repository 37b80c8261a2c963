// Every code block of README.md and docs/*.md, as written: each `js` block
// runs as an ES module, and each `ts` block type-checks under strict nodenext,
// in a fresh app with the packed tarball installed (npm pack, unpacked into
// node_modules; the optional peers linked from this repository). A block that
// names the broker (127.0.0.1:9092) runs against it. Blocks in other languages
// (sh, text, json, ...) are commands, output or configuration, and are not run;
// a js or ts block after a line `<!-- not run: why -->` is skipped, and the
// reasons are printed. Run `npm run build` first.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'
import { freshApp, root } from './helpers/packed.mjs'

const RUN = new Set(['js', 'mjs', 'javascript'])
const CHECK = new Set(['ts', 'typescript'])
const SKIP = /^<!--\s*not run:\s*(.+?)\s*-->$/
const BROKER = '127.0.0.1:9092'
const [major, minor] = process.versions.node.split('.').map(Number)
// @platformatic/kafka 2.x needs Node >= 22.22: before it, its 1.x line (the alias platformatic-kafka-1) under its name.
const PLATFORMATIC = major > 22 || (major === 22 && minor >= 22) ? '@platformatic/kafka' : 'platformatic-kafka-1'
const PEERS = ['kafkajs', 'prom-client', 'hot-shots', '@opentelemetry/api', '@opentelemetry/sdk-metrics', '@types/node', '@confluentinc/kafka-javascript', ['@platformatic/kafka', PLATFORMATIC]]

/** The fenced blocks of a Markdown file: { file, line, lang, code, skip }. */
export function blocksOf (file, text) {
  const lines = text.split('\n')
  const blocks = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(\S*)/.exec(lines[i])
    if (open === null) continue
    const [, indent, fence, lang] = open
    const body = []
    let j = i + 1
    while (j < lines.length && !lines[j].trimStart().startsWith(fence)) body.push(lines[j++].slice(indent.length))
    let k = i - 1
    while (k >= 0 && lines[k].trim() === '') k--
    const skip = k >= 0 ? SKIP.exec(lines[k].trim())?.[1] : undefined
    blocks.push({ file, line: i + 1, lang: lang.toLowerCase(), code: body.join('\n') + '\n', skip })
    i = j
  }
  return blocks
}

const files = ['README.md', ...(await readdir(join(root, 'docs'))).filter(f => f.endsWith('.md')).sort().map(f => `docs/${f}`)]
const blocks = []
for (const file of files) blocks.push(...blocksOf(file, await readFile(join(root, file), 'utf8')))
const runnable = blocks.filter(b => RUN.has(b.lang) && b.skip === undefined)
const typed = blocks.filter(b => CHECK.has(b.lang) && b.skip === undefined)

let app
test.before(async () => { app = await freshApp(PEERS) })
test.after(async () => { await app?.remove() })

test('the blocks: which run, which type-check, which are not run and why', () => {
  const others = new Map()
  for (const b of blocks) if (!RUN.has(b.lang) && !CHECK.has(b.lang)) others.set(b.lang || '(none)', (others.get(b.lang || '(none)') ?? 0) + 1)
  const skipped = blocks.filter(b => b.skip !== undefined)
  console.log(`  ${blocks.length} blocks in ${files.length} files: ${runnable.length} js run, ${typed.length} ts type-checked; not run by language: ${[...others].map(([l, n]) => `${l} ${n}`).join(', ')}`)
  for (const b of skipped) console.log(`  not run: ${b.file}:${b.line} (${b.lang}): ${b.skip}`)
  assert.ok(runnable.length >= 10, 'the README and docs hold runnable examples')
  assert.ok(skipped.length <= 8, `the list of skipped blocks stays short (${skipped.length})`)
})

for (const b of runnable) {
  test(`${b.file}:${b.line} runs`, async () => {
    let code = b.code
    if (code.includes(BROKER)) code = code.replaceAll(BROKER, (await ensureBroker()).split(',')[0])
    const name = `block-${b.file.replace(/\W/g, '-')}-${b.line}.mjs`
    await writeFile(join(app.dir, name), code)
    const out = spawnSync(process.execPath, [name], { cwd: app.dir, encoding: 'utf8', timeout: 90_000 })
    assert.is(out.status, 0, `${b.file}:${b.line} exited ${out.status ?? out.signal}:\n${code}\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}`)
  })
}

test(`the ${typed.length} ts blocks type-check (tsc --strict, nodenext)`, async () => {
  const names = []
  for (const b of typed) {
    const name = `typed-${b.file.replace(/\W/g, '-')}-${b.line}.mts`
    await writeFile(join(app.dir, name), b.code.includes('import ') || b.code.includes('export ') ? b.code : `${b.code}\nexport {}\n`)
    names.push(name)
  }
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const out = spawnSync(process.execPath, [tsc, '--strict', '--noEmit', '--target', 'es2022', '--lib', 'es2022,dom', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', ...names], { cwd: app.dir, encoding: 'utf8' })
  assert.is(out.status, 0, `${out.stdout}${out.stderr}`)
})

test.run()
