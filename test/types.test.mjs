// The published types, as a strict consumer sees them: test/types-consumer/
// compiles with `tsc --strict --noEmit`, resolving 'wasm-tally' through the
// package's "exports" map (a node_modules link in a temporary directory), under
// Node resolution and under bundler resolution with each runtime's condition.
// Run `npm run build` first (the types are dist/*.d.ts).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

async function consumerDir ({ nodeTypes }) {
  const dir = await mkdtemp(join(tmpdir(), 'wasm-tally-types-'))
  await copyFile(join(root, 'test', 'types-consumer', 'consumer.ts'), join(dir, 'consumer.ts'))
  await mkdir(join(dir, 'node_modules', '@types'), { recursive: true })
  await symlink(root, join(dir, 'node_modules', 'wasm-tally'), 'dir')
  if (nodeTypes) await symlink(join(root, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir')
  return dir
}

function compile (dir, flags) {
  const out = spawnSync(process.execPath, [tsc, '--strict', '--noEmit', '--target', 'es2022', '--lib', 'es2022,dom', ...flags, join(dir, 'consumer.ts')],
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
  test(`the strict consumer compiles: ${c.name}`, async () => {
    const dir = await consumerDir(c)
    try {
      const { code, output } = compile(dir, c.flags)
      assert.is(code, 0, `tsc failed:\n${output}`)
      console.log(`  tsc --strict --noEmit, ${c.name}: ok`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
}

test('a wrong use is a type error', async () => {
  const dir = await consumerDir({ nodeTypes: true })
  try {
    // Without its @ts-expect-error lines the consumer must fail to compile, once per line.
    const { writeFile, readFile } = await import('node:fs/promises')
    const source = await readFile(join(dir, 'consumer.ts'), 'utf8')
    const expectations = source.split('\n').filter(line => line.trim().startsWith('// @ts-expect-error')).length
    await writeFile(join(dir, 'consumer.ts'), source.replaceAll('// @ts-expect-error', '//'))
    const { code, output } = compile(dir, cases[0].flags)
    assert.is.not(code, 0)
    const errors = output.split('\n').filter(line => /consumer\.ts\(\d+,\d+\): error TS/.test(line))
    assert.is(errors.length, expectations, output)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test.run()
