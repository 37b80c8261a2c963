// Fails early, saying what to do, where shared WebAssembly memory is missing.
// Browsers give SharedArrayBuffer (and shared memories that can be posted to
// workers) only to cross-origin-isolated pages; without this check a table is
// created anyway and the user meets the browser's DataCloneError later.

/** The response headers that make a page cross-origin isolated. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp'
} as const

/** Throws an Error naming the COOP and COEP headers unless shared memory is available. */
export function assertSharedMemory (): void {
  // Only browsers define crossOriginIsolated; Node, Deno, Bun and workerd leave it undefined.
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated
  if (typeof SharedArrayBuffer !== 'undefined' && isolated !== false) return
  const where = isolated === false
    ? 'this page is not cross-origin isolated (crossOriginIsolated is false)'
    : 'this runtime has no SharedArrayBuffer'
  const headers = Object.entries(ISOLATION_HEADERS).map(([name, value]) => `  ${name}: ${value}`).join('\n')
  throw new Error(`wasm-tally needs shared WebAssembly memory, but ${where}. ` +
    `In a browser, serve the page and its worker scripts with these headers:\n${headers}\n` +
    'docs/RUNTIMES.md (in the package) shows how for Vite and for a plain Node server.')
}
