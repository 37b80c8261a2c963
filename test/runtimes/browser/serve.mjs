// A small static server for the browser check: serves dist/bundles/,
// test/runtimes/ and the counts helper they import from the package root on 127.0.0.1, cross-origin isolated
// (COOP same-origin, COEP require-corp) so pages and workers get SharedArrayBuffer.
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const allowed = ['dist/bundles/', 'test/runtimes/', 'scripts/lib/counts.mjs']
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' }

/** Starts the server on a free port; resolves to { origin, close() }. */
export function serve () {
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname)).replace(/^\/+/, '')
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store'
    }
    if (!allowed.some(prefix => path.startsWith(prefix)) || !(extname(path) in types)) {
      response.writeHead(404, headers).end('not found')
      return
    }
    try {
      const body = await readFile(root + path)
      response.writeHead(200, { ...headers, 'Content-Type': types[extname(path)] }).end(body)
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
