// The floor of a thread-safe histogram observation, for suite 8: two 64-bit
// atomic adds (a bucket's and the sum's) in one wasm call, bucket and units
// given. Beside it, what other designs would pay: the call alone, one atomic
// add (a design that counts a bucket and its sum in one word), and two plain
// adds (a writer that owns its stripe alone; NOT sound here: see variants()).
// Not part of the core (it would cost the shipped module bytes): compiled
// here from source with the core's compiler and settings.
import asc from 'assemblyscript/asc'

const SOURCE = `
export function adds(sum0: usize, bucket: u32, units: f64): void {
  atomic.add<u64>(sum0 + 8 * (2 + <usize>bucket), 1);
  atomic.add<u64>(sum0 + 8, <u64>units);
}
export function oneAdd(sum0: usize, bucket: u32, units: f64): void {
  atomic.add<u64>(sum0 + 8 * (2 + <usize>bucket), 1);
}
export function plainAdds(sum0: usize, bucket: u32, units: f64): void {
  const at = sum0 + 8 * (2 + <usize>bucket);
  store<u64>(at, load<u64>(at) + 1);
  store<u64>(sum0 + 8, load<u64>(sum0 + 8) + <u64>units);
}
export function nothing(sum0: usize, bucket: u32, units: f64): void {}
`

/** The adds function over `memory` (a table's shared memory). */
export async function twoAdds (memory) {
  return (await variants(memory)).adds
}

/**
 * Every function over `memory`: adds (the floor), oneAdd (the bucket's add
 * only), plainAdds (two non-atomic read-add-writes: another thread may read a
 * 64-bit plain store torn, and may see the two stores in either order, which
 * the sum's carry cell cannot allow: a measurement, not a design) and nothing
 * (a call that does no work).
 */
export async function variants (memory) {
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
  return instance.exports
}
