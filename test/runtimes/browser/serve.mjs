// The static server for the browser check: dist/bundles/, test/runtimes/ and
// the counts helper they import, from the package root, on 127.0.0.1, cross-origin
// isolated so pages and workers get SharedArrayBuffer.
import { fileURLToPath } from 'node:url'
import { serveDirectory } from '../../helpers/static-server.mjs'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const allowed = ['dist/bundles/', 'test/runtimes/', 'scripts/lib/counts.mjs']

/** Starts the server on a free port; resolves to { origin, close() }. */
export function serve () {
  return serveDirectory(root, { allowed })
}
