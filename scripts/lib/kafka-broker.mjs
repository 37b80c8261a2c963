// Getting a real Kafka broker, for the tests and the benchmarks that need one.
//
//   import { ensureBroker, stopBroker, restartBroker } from '../scripts/lib/kafka-broker.mjs' (from test/ or bench/);
//   const brokers = await ensureBroker(); // "127.0.0.1:9092"
//
// If KAFKA_BROKERS is set, that cluster is used as is. Otherwise the single-node
// broker of scripts/kafka-start.sh is started (or reused when it already runs).
// Failing to get a broker throws: tests that need Kafka never skip silently.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const START_SCRIPT = fileURLToPath(new URL('../kafka-start.sh', import.meta.url))
const STOP_SCRIPT = fileURLToPath(new URL('../kafka-stop.sh', import.meta.url))
const PID_FILE = fileURLToPath(new URL('../../.cache/kafka/broker.pid', import.meta.url))
const PORT_FILE = fileURLToPath(new URL('../../.cache/kafka/broker.port', import.meta.url))

/** Ports of the broker last started or stopped through this module. */
let lastPorts = null

function runScript (script, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    let child
    try {
      child = spawn('bash', [script], {
        cwd: ROOT,
        env: { ...process.env, ...extraEnv },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    } catch (err) {
      reject(err)
      return
    }
    let out = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk) => { out += chunk })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, out }))
  })
}

/** Ports of the broker started by scripts/kafka-start.sh, or null when none runs. */
function runningScriptBroker () {
  if (!existsSync(PID_FILE)) return null
  const pid = Number(readFileSync(PID_FILE, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 0) return null
  try {
    process.kill(pid, 0)
  } catch {
    return null
  }
  let port = null
  let controllerPort = null
  if (existsSync(PORT_FILE)) {
    [port, controllerPort] = readFileSync(PORT_FILE, 'utf8').trim().split(/\s+/).map(Number)
  }
  return { pid, port, controllerPort }
}

/**
 * Start the broker of scripts/kafka-start.sh (reusing it if it already runs).
 * @param {{ port?: number, controllerPort?: number, keepData?: boolean }} [opts]
 * @returns {Promise<string>} the brokers string, e.g. "127.0.0.1:9092"
 */
export async function startBroker (opts = {}) {
  const env = {}
  const port = opts.port ?? lastPorts?.port
  const controllerPort = opts.controllerPort ?? lastPorts?.controllerPort
  if (port) env.KAFKA_PORT = String(port)
  if (controllerPort) env.KAFKA_CONTROLLER_PORT = String(controllerPort)
  if (opts.keepData) env.KAFKA_KEEP_DATA = '1'

  let result
  try {
    result = await runScript(START_SCRIPT, env)
  } catch (err) {
    throw new Error(`Kafka broker could not be started: running scripts/kafka-start.sh failed: ${err.message}`)
  }
  if (result.code !== 0) {
    throw new Error(
      `Kafka broker could not be started: scripts/kafka-start.sh exited with ${result.code ?? result.signal} ` +
        '(see its messages on stderr; the broker log is .cache/kafka/server.log). ' +
        'Install Java 17+ and Maven, or set KAFKA_BROKERS to an existing cluster.'
    )
  }
  const lines = result.out.split('\n').map((l) => l.trim()).filter(Boolean)
  const match = /^KAFKA_BROKERS=(.+)$/.exec(lines.at(-1) ?? '')
  if (!match) {
    throw new Error(`Kafka broker could not be started: unexpected output of scripts/kafka-start.sh: ${JSON.stringify(result.out)}`)
  }
  const running = runningScriptBroker()
  if (running?.port) lastPorts = { port: running.port, controllerPort: running.controllerPort }
  return match[1]
}

/**
 * The brokers to test against: KAFKA_BROKERS when set, else the local broker
 * of scripts/kafka-start.sh, started if needed. Throws when none can be had.
 * @returns {Promise<string>}
 */
export async function ensureBroker () {
  const fromEnv = process.env.KAFKA_BROKERS?.trim()
  if (fromEnv) return fromEnv
  return startBroker()
}

function assertManaged (action) {
  const running = runningScriptBroker()
  const fromEnv = process.env.KAFKA_BROKERS?.trim()
  if (fromEnv && !(running?.port && fromEnv === `127.0.0.1:${running.port}`)) {
    throw new Error(
      `cannot ${action} the Kafka cluster at KAFKA_BROKERS=${fromEnv}: only the broker started by scripts/kafka-start.sh can be stopped or restarted`
    )
  }
  return running
}

/** Stop the broker of scripts/kafka-start.sh (harmless when none runs). */
export async function stopBroker () {
  const running = assertManaged('stop')
  if (running?.port) lastPorts = { port: running.port, controllerPort: running.controllerPort }
  const result = await runScript(STOP_SCRIPT)
  if (result.code !== 0) {
    throw new Error(`scripts/kafka-stop.sh exited with ${result.code ?? result.signal}`)
  }
}

/**
 * Stop the broker and start it again on the same ports: a broker outage.
 * By default the data (topics, committed offsets) survives, as in a real restart.
 * @param {{ keepData?: boolean, downMs?: number }} [opts] downMs: how long it stays down
 * @returns {Promise<string>} the brokers string
 */
export async function restartBroker ({ keepData = true, downMs = 0 } = {}) {
  const running = assertManaged('restart')
  const ports = running?.port
    ? { port: running.port, controllerPort: running.controllerPort }
    : lastPorts ?? {}
  await stopBroker()
  if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs))
  return startBroker({ ...ports, keepData })
}
