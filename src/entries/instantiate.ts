// What the bundles use in place of @assemblyscript/loader: the core imports
// only env.memory and exports only numbers (scripts/build-wasm.mjs checks
// both), so plain WebAssembly.instantiate is all the host needs, at a fraction
// of the loader's size.
export async function instantiate<T> (module: WebAssembly.Module, imports: WebAssembly.Imports): Promise<{ module: WebAssembly.Module, instance: WebAssembly.Instance, exports: T }> {
  const instance = await WebAssembly.instantiate(module, imports)
  return { module, instance, exports: instance.exports as unknown as T }
}

export function instantiateSync<T> (module: WebAssembly.Module, imports: WebAssembly.Imports): { module: WebAssembly.Module, instance: WebAssembly.Instance, exports: T } {
  const instance = new WebAssembly.Instance(module, imports)
  return { module, instance, exports: instance.exports as unknown as T }
}
