// A producer pool over a table that cannot hold everything instrumentProducer
// counts (a plain Tally: success and error) says so once for the pool, from
// its first worker, not once per worker thread; the counts are still exact.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureBroker } from '../scripts/lib/kafka-broker.mjs'

const dist = new URL('../dist/', import.meta.url).href

test('a pool of 4 workers over a plain Tally: one "does not count" warning, totals exact', async () => {
  const brokers = await ensureBroker()
  const topic = `pool-warning.${process.pid}-${Date.now()}`
  const script = `
    const { Tally } = await import('${dist}index.js')
    const { createProducerPool } = await import('${dist}kafkajs/index.js')
    const tally = await Tally.create({ capacity: 16 })
    const pool = await createProducerPool({ tally, workers: 4, kafka: { clientId: 'pool-warning', brokers: ${JSON.stringify(brokers.split(','))} } })
    for (let w = 0; w < 4; w++) await pool.send({ topic: '${topic}', messages: [{ value: 'a' }, { value: 'b' }] }, w)
    await pool.close()
    console.log(JSON.stringify(tally.snapshot().topics.get('${topic}')))
  `
  const dir = await mkdtemp(join(tmpdir(), 'wasm-tally-pool-'))
  await writeFile(join(dir, 'pool.mjs'), script)
  const out = spawnSync(process.execPath, [join(dir, 'pool.mjs')], { encoding: 'utf8', timeout: 120_000 })
  await rm(dir, { recursive: true, force: true })
  assert.is(out.status, 0, out.stderr)
  const warnings = out.stderr.split('\n').filter(line => line.includes('does not count'))
  assert.is(warnings.length, 1, `one warning for the pool, got:\n${out.stderr}`)
  assert.equal(JSON.parse(out.stdout.trim().split('\n').at(-1)), { success: 8, error: 0 })
  console.log(`  ${warnings[0].trim()}`)
})

test.run()
