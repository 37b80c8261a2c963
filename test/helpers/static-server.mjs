// A static file server on 127.0.0.1 for browser tests: serves one directory,
// cross-origin isolated (COOP same-origin, COEP require-corp) unless told not
// to be, so a test can load the same page with and without SharedArrayBuffer.
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' }
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }

/**
 * Serves `dir` on a free port; resolves to { origin, close() }. With
 * `allowed`, only paths under those prefixes (relative to dir) are served.
 */
export function serveDirectory (dir, { isolated = true, allowed } = {}) {
  const server = createServer(async (request, response) => {
    // normalize() after a leading "/" cannot climb above it: no path leaves dir.
    const path = normalize('/' + decodeURIComponent(new URL(request.url, 'http://x').pathname))
    const headers = { 'Cache-Control': 'no-store', ...(isolated ? ISOLATION : {}) }
    const type = TYPES[extname(path)]
    try {
      if (type === undefined) throw new Error('not served')
      if (allowed !== undefined && !allowed.some(prefix => path.slice(1).startsWith(prefix))) throw new Error('not served')
      const body = await readFile(join(dir, path))
      response.writeHead(200, { ...headers, 'Content-Type': type }).end(body)
    } catch {
      response.writeHead(404, headers).end('not found')
    }
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      resolve({
        origin: `http://127.0.0.1:${port}`,
        close: () => new Promise(resolve => { server.closeAllConnections(); server.close(() => resolve()) })
      })
    })
  })
}
