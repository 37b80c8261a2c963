// The core for Cloudflare workerd, which cannot compile wasm from bytes at run
// time: the module is imported as a compiled WebAssembly.Module instead of
// decoded from the base64 the other builds embed. scripts/bundle.mjs swaps this
// file in for src/engine/core.ts in the workerd bundle.
import wasm from './tally.wasm'

export { ATTACH_ERRORS, exportedAs, instantiateCore, instantiateCoreSync, type CoreExports } from '../engine/core.js'

/** The core module, compiled by the runtime when it loaded the worker. */
export function coreModule (): Promise<WebAssembly.Module> {
  return Promise.resolve(wasm)
}
