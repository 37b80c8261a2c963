// Serving a prom-client registry at /metrics over node:http (sinks/prometheus re-exports it).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { register as defaultRegistry, type Registry } from 'prom-client'
import { describe } from '../engine/validate.js'

export interface ServeMetricsOptions {
  /** The registry to serve (default prom-client's global one). */
  registry?: Registry
  /** Port to listen on (default 9464; 0 picks a free one). */
  port?: number
  /** Interface to bind (default 127.0.0.1). */
  host?: string
  /** Path answered with the metrics (default /metrics). */
  path?: string
}

export interface MetricsServer {
  readonly server: Server
  readonly port: number
  /** The scrape address, e.g. http://127.0.0.1:9464/metrics */
  readonly url: string
  close (): Promise<void>
}

/** Stops listening and ends the open connections; resolves once the server has closed. */
function closeServer (server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close(error => { if (error) reject(error); else resolve() })
    server.closeAllConnections()
  })
}

const isRegistry = (value: unknown): value is Registry =>
  value !== null && typeof value === 'object' && typeof (value as Partial<Registry>).metrics === 'function'

/** The two call forms as one options object: serveMetrics(options), or the deprecated serveMetrics(registry?, options?). */
export function serveOptions (first: unknown, second: unknown): ServeMetricsOptions {
  if (second !== undefined || first === undefined || isRegistry(first)) {
    if (first !== undefined && !isRegistry(first)) throw new TypeError(`serveMetrics(registry, options) takes a prom-client Registry first, got ${describe(first)}; or call serveMetrics({ registry, port, host })`)
    if (second !== undefined && (second === null || typeof second !== 'object')) throw new TypeError(`serveMetrics options must be an object, got ${describe(second)}`)
    return { ...(second as ServeMetricsOptions | undefined), registry: first }
  }
  if (first === null || typeof first !== 'object') throw new TypeError(`serveMetrics takes one options object ({ registry, port, host, path }), got ${describe(first)}`)
  const options = first as ServeMetricsOptions
  if (options.registry !== undefined && !isRegistry(options.registry)) throw new TypeError(`registry must be a prom-client Registry, got ${describe(options.registry)}`)
  return options
}

/**
 * Listens on `host:port` and answers GET `path` with the registry in
 * Prometheus text format; close() stops it. A Prometheus sink made with its
 * table (`prometheusSink({ registry, tally })`) flushes the table at each scrape.
 */
export function serveMetrics (options?: ServeMetricsOptions): Promise<MetricsServer>
/** @deprecated Pass one options object: serveMetrics({ registry, port, host }). */
export function serveMetrics (registry: Registry | undefined, options?: Omit<ServeMetricsOptions, 'registry'>): Promise<MetricsServer>
export function serveMetrics (first?: unknown, second?: unknown): Promise<MetricsServer> {
  const options = serveOptions(first, second)
  const registry = options.registry ?? defaultRegistry
  const host = options.host ?? '127.0.0.1'
  const path = options.path ?? '/metrics'
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname !== path || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
      return
    }
    registry.metrics().then(
      body => { res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : body) },
      error => { res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`) }
    )
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 9464, host, () => {
      server.off('error', reject)
      const port = (server.address() as AddressInfo).port
      const shown = host.includes(':') ? `[${host}]` : host
      let closing: Promise<void> | undefined // a second close() (a finally block and a shutdown hook) waits for the first
      resolve({
        server,
        port,
        url: `http://${shown}:${port}${path}`,
        close: () => (closing ??= closeServer(server))
      })
    })
  })
}
