// Short export names for the core: the export section is rewritten after asc
// has compiled (names of up to 14 characters become one or two letters, which
// leaves over 300 of the module's 4.5 KiB for code). The host maps them back
// through src/engine/generated/export-names.ts; the .wat files keep the long ones.

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'

/** One short name per long name, in the names' sorted order: a, b, ... Z, aa, ab, ... */
export function shortNames (names) {
  const sorted = [...new Set(names)].sort()
  return new Map(sorted.map((name, i) => [name, i < LETTERS.length ? LETTERS[i] : LETTERS[Math.floor(i / LETTERS.length) - 1] + LETTERS[i % LETTERS.length]]))
}

function readU32 (bytes, at) {
  let value = 0
  let shift = 0
  for (;;) {
    const b = bytes[at++]
    value += (b & 0x7f) * 2 ** shift
    if ((b & 0x80) === 0) return [value, at]
    shift += 7
  }
}

function u32 (value) {
  const out = []
  do {
    let b = value & 0x7f
    value = Math.floor(value / 128)
    if (value !== 0) b |= 0x80
    out.push(b)
  } while (value !== 0)
  return out
}

const EXPORT_SECTION = 7

/** The names a module exports, in its export section's order. */
export function exportNames (wasm) {
  return WebAssembly.Module.exports(new WebAssembly.Module(wasm)).map(e => e.name)
}

/** The module with each export renamed through `rename` (a Map); every export must be in it. */
export function renameExports (wasm, rename) {
  const bytes = new Uint8Array(wasm)
  const out = [...bytes.subarray(0, 8)] // magic and version
  let at = 8
  while (at < bytes.length) {
    const id = bytes[at]
    const [size, start] = readU32(bytes, at + 1)
    const end = start + size
    if (id !== EXPORT_SECTION) {
      out.push(...bytes.subarray(at, end))
      at = end
      continue
    }
    let [count, p] = readU32(bytes, start)
    const body = u32(count)
    while (count-- > 0) {
      const [length, nameAt] = readU32(bytes, p)
      const name = new TextDecoder().decode(bytes.subarray(nameAt, nameAt + length))
      const short = rename.get(name)
      if (short === undefined) throw new Error(`export ${name} has no short name`)
      const kindAt = nameAt + length
      const [, after] = readU32(bytes, kindAt + 1) // kind (one byte), then the index
      body.push(...u32(short.length), ...new TextEncoder().encode(short), ...bytes.subarray(kindAt, after))
      p = after
    }
    if (p !== end) throw new Error('export section: bytes after its entries')
    out.push(EXPORT_SECTION, ...u32(body.length), ...body)
    at = end
  }
  return Uint8Array.from(out)
}
