// Runtimes that load .wasm files as modules (workerd, wrangler) hand over a compiled module.
declare module '*.wasm' {
  const module: WebAssembly.Module
  export default module
}
