// The published types, as a strict consumer sees them: test/types-consumer/
// compiles with `tsc --strict --noEmit` against the packed tarball (npm pack,
// unpacked into a fresh app's node_modules), resolving 'wasm-tally' through
// the package's "exports" map, under Node resolution and under bundler
// resolution with each runtime's condition. typed.ts holds the snapshot types
// a schema gives (rows, share() to attach, flushEvery's callback, KafkaTally).
// Run `npm run build` first (the types are dist/*.d.ts).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { copyFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { freshApp, root } from './helpers/packed.mjs'

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const FILES = ['consumer.ts', 'typed.ts']

async function consumerDir ({ nodeTypes }) {
  // kafkajs and prom-client are the peers typed.ts imports the types of.
  const app = await freshApp(['kafkajs', 'prom-client', ...(nodeTypes ? ['@types/node'] : [])])
  for (const f of FILES) await copyFile(join(root, 'test', 'types-consumer', f), join(app.dir, f))
  return app
}

function compile (dir, flags, files = FILES) {
  const out = spawnSync(process.execPath, [tsc, '--strict', '--noEmit', '--target', 'es2022', '--lib', 'es2022,dom', ...flags, ...files.map(f => join(dir, f))],
    { cwd: dir, encoding: 'utf8' })
  return { code: out.status, output: (out.stdout + out.stderr).trim() }
}

const cases = [
  { name: 'Node (NodeNext)', nodeTypes: true, flags: ['--module', 'nodenext', '--moduleResolution', 'nodenext'] },
  ...['browser', 'deno', 'bun', 'workerd'].map(condition => ({
    name: `bundler, "${condition}" condition, no @types/node`,
    nodeTypes: false,
    flags: ['--module', 'esnext', '--moduleResolution', 'bundler', '--customConditions', condition]
  }))
]

for (const c of cases) {
  test(`the strict consumers compile: ${c.name}`, async () => {
    const app = await consumerDir(c)
    try {
      const { code, output } = compile(app.dir, c.flags)
      assert.is(code, 0, `tsc failed:\n${output}`)
      console.log(`  tsc --strict --noEmit (${FILES.join(', ')}), ${c.name}: ok`)
    } finally {
      await app.remove()
    }
  })
}

for (const file of FILES) {
  test(`${file}: every @ts-expect-error line is an error, once`, async () => {
    const app = await consumerDir({ nodeTypes: true })
    try {
      // Without its @ts-expect-error lines the file must fail to compile, once per line.
      const source = await readFile(join(app.dir, file), 'utf8')
      const expectations = source.split('\n').filter(line => line.trim().startsWith('// @ts-expect-error')).length
      assert.ok(expectations > 0)
      await writeFile(join(app.dir, file), source.replaceAll('// @ts-expect-error', '//'))
      const { code, output } = compile(app.dir, cases[0].flags, [file])
      assert.is.not(code, 0)
      const at = new RegExp(`${file.replace('.', '\\.')}\\((\\d+),\\d+\\): error TS`)
      const lines = new Set(output.split('\n').map(line => at.exec(line)?.[1]).filter(Boolean))
      assert.is(lines.size, expectations, output)
      console.log(`  ${file}: ${expectations} expected errors, each reported`)
    } finally {
      await app.remove()
    }
  })
}

test.run()
