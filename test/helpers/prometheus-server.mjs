// A real Prometheus server (Debian's prometheus package) on 127.0.0.1 with a
// temporary data directory, scraping one target every second; its HTTP API;
// and Prometheus's histogram_quantile, computed here from bucket counts.
//
//   const prom = await startPrometheus('127.0.0.1:9464')   // fails when the binary is missing
//   await prom.scrapesAfter(Date.now(), 2); const v = await prom.query('up'); await prom.stop()
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const JOB = 'wasm-tally'
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

function freePort () {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** The binary's version line; throws, naming the package, when it cannot run. */
export function prometheusVersion () {
  const run = spawnSync('prometheus', ['--version'], { encoding: 'utf8' })
  if (run.error || run.status !== 0) {
    throw new Error(`the prometheus binary could not run (${run.error?.message ?? `exit ${run.status}`}): install Debian's prometheus package (.ci/run does)`)
  }
  return `${run.stdout}${run.stderr}`.split('\n')[0]
}

/** Starts Prometheus scraping http://<target>/metrics every second; resolves once it is ready. */
export async function startPrometheus (target) {
  prometheusVersion()
  const dir = await mkdtemp(join(tmpdir(), 'wasm-tally-prometheus-'))
  const port = await freePort()
  await writeFile(join(dir, 'prometheus.yml'), [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    `  - job_name: ${JOB}`,
    '    metrics_path: /metrics',
    '    static_configs:',
    `      - targets: ['${target}']`,
    ''
  ].join('\n'))
  const child = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn'
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr.on('data', d => { log = (log + d).slice(-4000) })
  const exited = new Promise(resolve => child.once('exit', (code, signal) => resolve(code ?? signal)))
  const base = `http://127.0.0.1:${port}`

  const api = async (path) => {
    const res = await fetch(base + path)
    const body = await res.json()
    if (body.status !== 'success') throw new Error(`${path}: ${JSON.stringify(body)}`)
    return body.data
  }

  const prom = {
    base,
    log: () => log,
    /** An instant query: [{ metric, value: number }]. */
    async query (promql) {
      const data = await api(`/api/v1/query?query=${encodeURIComponent(promql)}`)
      return data.result.map(r => ({ metric: r.metric, value: Number(r.value[1]) }))
    },
    /** Waits for `n` successful scrapes of the target that started after `since` (ms). */
    async scrapesAfter (since, n, timeoutMs = 30_000) {
      const seen = new Set()
      for (const end = Date.now() + timeoutMs; Date.now() < end;) {
        const { activeTargets } = await api('/api/v1/targets')
        const t = activeTargets.find(a => a.labels.job === JOB)
        if (t?.health === 'up' && Date.parse(t.lastScrape) > since) seen.add(t.lastScrape)
        if (t?.health === 'down') throw new Error(`Prometheus cannot scrape ${target}: ${t.lastError}`)
        if (seen.size >= n) return [...seen]
        await sleep(200)
      }
      throw new Error(`Prometheus did not scrape ${target} ${n} times within ${timeoutMs} ms; its log: ${log}`)
    },
    async stop () {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
      await rm(dir, { recursive: true, force: true })
    }
  }

  for (const end = Date.now() + 30_000; ;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${log}`)
    try {
      const res = await fetch(`${base}/-/ready`)
      await res.text()
      if (res.ok) return prom
    } catch {}
    if (Date.now() > end) { await prom.stop(); throw new Error(`prometheus did not get ready: ${log}`) }
    await sleep(100)
  }
}

/**
 * Prometheus's histogram_quantile over classic buckets: bounds (ascending,
 * finite) and non-cumulative counts with the +Inf bucket last. Linear
 * interpolation inside the bucket that holds the rank; the first bucket starts
 * at 0; a rank in the +Inf bucket answers the highest finite bound.
 */
export function histogramQuantile (q, bounds, counts) {
  const cumulative = []
  let c = 0
  for (const n of counts) cumulative.push(c += n)
  const observations = cumulative.at(-1)
  if (observations === 0) return NaN
  let rank = q * observations
  let b = cumulative.findIndex(n => n >= rank)
  if (b === -1 || b > bounds.length - 1) b = bounds.length // a rank in the +Inf bucket
  if (b === bounds.length) return bounds.at(-1)
  if (b === 0 && bounds[0] <= 0) return bounds[0]
  let start = 0
  let count = cumulative[b]
  if (b > 0) {
    start = bounds[b - 1]
    count -= cumulative[b - 1]
    rank -= cumulative[b - 1]
  }
  return start + (bounds[b] - start) * (rank / count)
}
