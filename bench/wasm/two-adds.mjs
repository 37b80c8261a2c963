// The floor of a thread-safe histogram observation, for suite 8: two 64-bit
// atomic adds (a bucket's and the sum's) in one wasm call, bucket and units
// given. Beside it, what other designs would pay: the call alone, one atomic
// add (a design that counts a bucket and its sum in one word), and two plain
// adds (a writer that owns its stripe alone; NOT sound here: see variants()),
// and a whole observation with one packed add (the core's bucket and units,
// then count and units in one word; NOT sound either: see variants()).
// Not part of the core (it would cost the shipped module bytes): compiled
// here from source with the core's compiler and settings.
import { readFile } from 'node:fs/promises'
import asc from 'assemblyscript/asc'

/** Bits of a packed bucket word that hold units; the count is above them. */
export const PACKED_UNIT_BITS = 44

const SOURCE = `
import { inRange, unitsOf, bucketOf } from "./histogram";
export function onePacked(sum0: usize, hist: usize, v: f64): bool {
  if (!inRange(hist, v)) return false;
  atomic.add<u64>(sum0 + 8 * (2 + bucketOf(hist, v)), (<u64>1 << ${PACKED_UNIT_BITS}) + unitsOf(hist, v));
  return true;
}
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
 * (a call that does no work); onePacked (the core's range check, bucket and
 * units, as observe() finds them, then one atomic add of 2^44 + units to the
 * bucket's word: a bucket and its sum in one word, exact only while a
 * bucket gains under 2^20 observations and 2^44 units between two snapshots,
 * which nothing can enforce: a measurement, not a design).
 */
export async function variants (memory) {
  const core = name => readFile(new URL(`../../assembly/${name}`, import.meta.url), 'utf8')
  const sources = { 'input.ts': SOURCE, 'histogram.ts': await core('histogram.ts'), 'layout.ts': await core('layout.ts') }
  const { binary, stderr, error } = await asc.compileString(sources, {
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
