// The histogram index the core finds buckets with (assembly/histogram.ts): per
// histogram its scale, largest value, sum cell, bounds and a lookup table from
// a value's leading bits to the bounds below them. Built once, at create, from
// the schema; every thread reads it from the table's memory.
import { D_BOUNDS, D_KEY_LOW, D_MAX, D_SCALE, D_SHIFT, D_SUM_CELL, D_TABLE, D_TABLE_LAST } from './generated/constants.js'
import type { HistogramLayout, Schema } from './schema.js'

// The lookup table's most entries (one byte each): bounds crowded closer than
// this allows share an entry, and the core's scan past it stays exact.
const MOST_ENTRIES = 2048
// Mantissa bits the key may keep: 20 keeps the key inside the high 32 bits.
const MOST_MANTISSA_BITS = 20

const bits = new DataView(new ArrayBuffer(8))
/** The key of a value >= 0 with `m` mantissa bits: its f64 bits shifted right by 52 - m. */
function keyOf (v: number, m: number): number {
  bits.setFloat64(0, v, true)
  return bits.getUint32(4, true) >>> (20 - m)
}

interface Lookup { m: number, keyLow: number, table: Uint8Array }

/** The lookup for one histogram: the fewest mantissa bits that give each bound a key of its own, within MOST_ENTRIES. */
function lookupFor (bounds: readonly number[]): Lookup {
  // A bound of 0 (or below the first positive one) needs no key: the core's compare handles it.
  const positive = bounds.filter(b => b > 0)
  const lowest = positive[0] ?? 1
  const highest = positive[positive.length - 1] ?? 1
  let best = 0
  for (let m = 0; m <= MOST_MANTISSA_BITS; m++) {
    if (keyOf(highest, m) - keyOf(lowest, m) + 2 > MOST_ENTRIES) break
    best = m
    const keys = positive.map(b => keyOf(b, m))
    if (new Set(keys).size === keys.length) break
  }
  const keyLow = keyOf(lowest, best)
  const table = new Uint8Array(keyOf(highest, best) - keyLow + 2)
  // Entry k: the bounds whose keys are below keyLow + k (entry 0: none is counted).
  let below = 0
  for (let k = 1; k < table.length; k++) {
    while (below < bounds.length && keyOf(Math.max(bounds[below], 0), best) < keyLow + k) below++
    table[k] = below
  }
  return { m: best, keyLow, table }
}

const align8 = (n: number): number => (n + 7) & ~7

function descriptorBytes (h: HistogramLayout, lookup: Lookup): number {
  return align8(D_BOUNDS + 8 * (h.bounds.length + 1) + lookup.table.length)
}

/** The index's bytes for a schema (empty when it has no histograms). */
export function histogramIndex (schema: Schema): Uint8Array {
  const hists = schema.histograms
  if (hists.length === 0) return new Uint8Array(0)
  const lookups = hists.map(h => lookupFor(h.bounds))
  const head = align8(4 + 4 * hists.length)
  const offsets: number[] = []
  let size = head
  hists.forEach((h, j) => { offsets.push(size); size += descriptorBytes(h, lookups[j]) })
  const bytes = new Uint8Array(size)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, hists.length, true)
  hists.forEach((h, j) => {
    const at = offsets[j]
    const { m, keyLow, table } = lookups[j]
    view.setUint32(4 + 4 * j, at, true)
    view.setFloat64(at + D_SCALE, h.scale, true)
    view.setFloat64(at + D_MAX, h.max, true)
    view.setUint32(at + D_SUM_CELL, h.sumCell, true)
    view.setUint32(at + D_SHIFT, 52 - m, true)
    view.setInt32(at + D_KEY_LOW, keyLow, true)
    view.setUint32(at + D_TABLE_LAST, table.length - 1, true)
    const tableAt = D_BOUNDS + 8 * (h.bounds.length + 1)
    view.setUint32(at + D_TABLE, tableAt, true)
    h.bounds.forEach((b, i) => view.setFloat64(at + D_BOUNDS + 8 * i, b, true))
    view.setFloat64(at + D_BOUNDS + 8 * h.bounds.length, Infinity, true) // stops the core's scan
    bytes.set(table, at + tableAt)
  })
  return bytes
}

/** Each histogram's descriptor address, read from an index at `address`. */
export function descriptorAddresses (memory: WebAssembly.Memory, address: number, count: number): number[] {
  const view = new DataView(memory.buffer, address, 4 + 4 * count)
  return Array.from({ length: count }, (_, j) => address + view.getUint32(4 + 4 * j, true))
}
