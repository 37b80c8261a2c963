// Serves the demo on 127.0.0.1 (port from PORT, default 8080; PORT=0 picks a
// free one). Every response is cross-origin isolated (COOP + COEP), which the
// page needs for SharedArrayBuffer. Only files under demo/ are served.
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png'
}
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store'
}

function send (res, status, type, body) {
  res.writeHead(status, { ...ISOLATION, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

function resolve (url) {
  try {
    const path = decodeURIComponent(new URL(url, 'http://host').pathname)
    return normalize(here + (path === '/' ? 'index.html' : path.slice(1)))
  } catch {
    return ''
  }
}

const server = createServer(async (req, res) => {
  const file = resolve(req.url)
  const type = TYPES[extname(file)]
  if (!file.startsWith(here) || file.includes(`${sep}.`) || type === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
    return send(res, 404, 'text/plain; charset=utf-8', 'not found\n')
  }
  try {
    send(res, 200, type, await readFile(file))
  } catch {
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n')
  }
})

const port = Number(process.env.PORT ?? 8080)
server.listen(port, '127.0.0.1', () => {
  console.log(`wasm-tally demo: http://127.0.0.1:${server.address().port}/`)
})

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)))
