// The floor of a thread-safe histogram observation, for suite 8: two 64-bit
// atomic adds (a bucket's and the sum's) in one wasm call, bucket and units
// given. Not part of the core (it would cost the shipped module bytes):
// compiled here from source with the core's compiler and settings.
import asc from 'assemblyscript/asc'

const SOURCE = `
export function adds(sum0: usize, bucket: u32, units: f64): void {
  atomic.add<u64>(sum0 + 8 * (2 + <usize>bucket), 1);
  atomic.add<u64>(sum0 + 8, <u64>units);
}
`

/** The adds function over `memory` (a table's shared memory). */
export async function twoAdds (memory) {
  const { binary, stderr, error } = await asc.compileString(SOURCE, {
    optimizeLevel: 3,
    shrinkLevel: 0,
    noAssert: true,
    runtime: 'stub',
    enable: ['threads'],
    importMemory: true,
    sharedMemory: true,
    maximumMemory: 65536,
    noExportMemory: true,
    use: ['abort=']
  })
  if (error) throw new Error(`the two-adds floor did not compile: ${stderr.toString()}`)
  const { instance } = await WebAssembly.instantiate(binary, { env: { memory } })
  return instance.exports.adds
}
