// Serving a prom-client registry at /metrics over node:http (sinks/prometheus re-exports it).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { register as defaultRegistry, type Registry } from 'prom-client'
import { describe } from '../engine/validate.js'

export interface ServeMetricsOptions {
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

/** Listens on `host:port` and answers GET `path` with the registry in Prometheus text format. */
export function serveMetrics (registry: Registry = defaultRegistry, options: ServeMetricsOptions = {}): Promise<MetricsServer> {
  if (registry === null || typeof registry !== 'object' || typeof (registry as Partial<Registry>).metrics !== 'function') {
    throw new TypeError(`serveMetrics takes a prom-client Registry first (options second), got ${describe(registry)}`)
  }
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
      resolve({
        server,
        port,
        url: `http://${shown}:${port}${path}`,
        close: () => closeServer(server)
      })
    })
  })
}
