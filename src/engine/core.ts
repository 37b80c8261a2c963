// The compiled core and its exports, as the host sees them. The module is
// instantiated once per thread over the one shared memory; each instance keeps
// its own copy of the layout in its globals.
import { instantiate, instantiateSync } from '@assemblyscript/loader'
import { TALLY_WASM_BASE64 } from './generated/tally-wasm.js'
import { ATTACH_BAD_MAGIC, ATTACH_BAD_SIZE, ATTACH_BAD_VERSION } from './generated/constants.js'
import { EXPORT_NAMES } from './generated/export-names.js'

export interface CoreExports {
  bytesFor (capacity: number, stripes: number, cells: number, schemaBytes: number, histBytes: number): number
  create (capacity: number, stripes: number, cells: number, schemaBytes: number, histBytes: number, id0: number, id1: number, reserved: number): number
  attach (memoryBytes: number): number
  takeTicket (): number
  tableCapacity (): number
  tableStripes (): number
  tableId (word: number): number
  tableRowCells (): number
  /** Where a region starts: REGION_SCHEMA, REGION_HIST, REGION_BATCH or REGION_BATCH_LIST. */
  address (region: number): number
  schemaLength (): number
  epoch (): number
  pendingBatch (): number
  overflowTopics (): number
  registered (): number
  stripesInUse (): number
  scratchAcquire (owner: number, nowMs: number, leaseMs: number): number
  scratchRelease (key: number): number
  /** `internal` (1) admits the key to the reserved rows only, 0 to the rest (one pool when the table reserves none). */
  resolve (key: number, length: number, internal: number): number
  slotKey (slot: number): number
  slotKeyLength (slot: number): number
  cell (stripe: number, slot: number, outcome: number): number
  add (cell: number, count: number): void
  inc (cell: number): void
  /** 1 when counted; 0 when the value is out of the histogram's range (nothing counted). */
  observe (sumCell: number, histogram: number, value: number): number
  /** Adds `a` at cell `cellA` and `b` at `cellB` (each skipped when 0), then observe(); its result (the adds are made either way). */
  addObserve (cellA: number, a: number, cellB: number, b: number, sumCell: number, histogram: number, value: number): number
  claimFlush (nowMs: number, intervalMs: number): number
  batchOpen (nowMs: number): number
  batchRows (): number
  batchBig (): number
  defer (sequence: number, slot: number, cell: number): number
  peek (slot: number, cell: number): number
  /** `sum` 1: the cell is the first of a histogram's sum (its two cells move together). */
  reduce (sequence: number, slot: number, cell: number, count: number, sum: number): number
  batchAck (sequence: number): number
  batchRename (sequence: number): number
  lockTry (owner: number, nowMs: number, leaseMs: number): number
  lockRenew (owner: number, nowMs: number, leaseMs: number): number
  lockRelease (): number
  lockDeadline (): number
}

/** What each of attach()'s failure statuses means. */
export const ATTACH_ERRORS: Record<number, string> = {
  [ATTACH_BAD_MAGIC]: 'the memory holds no wasm-tally table (magic number missing)',
  [ATTACH_BAD_VERSION]: 'the memory holds a wasm-tally table of another layout version',
  [ATTACH_BAD_SIZE]: 'the memory is smaller than the table its header describes, or the header is corrupt'
}

let compiled: Promise<WebAssembly.Module> | undefined

function decodeBase64 (text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text)
  const bytes = new Uint8Array(raw.length)
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i)
  return bytes
}

/** The core module, compiled once per thread from the bytes embedded in the host. */
export function coreModule (): Promise<WebAssembly.Module> {
  compiled ??= WebAssembly.compile(decodeBase64(TALLY_WASM_BASE64))
  return compiled
}

/** The exports under their names in assembly/ (the module carries one- and two-letter names to stay small). */
function named (exports: WebAssembly.Exports): CoreExports {
  const core: Record<string, unknown> = {}
  for (const name in EXPORT_NAMES) core[name] = exports[EXPORT_NAMES[name]]
  // A copy: the object its 38 keyed stores made is left in V8's dictionary
  // mode, where every `core.x` read is a hash lookup; the spread's is not.
  return { ...core } as unknown as CoreExports
}

/** The module's name for a core export (what WebAssembly.Module.exports lists). */
export function exportedAs (name: keyof CoreExports): string {
  return EXPORT_NAMES[name]
}

/** Instantiates the core over a memory with the AssemblyScript loader. */
export async function instantiateCore (module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<CoreExports> {
  const { instance } = await instantiate<Record<string, unknown>>(module, { env: { memory } })
  // The raw exports: numbers in, numbers out, no wrapper on the hot path.
  return named(instance.exports)
}

/**
 * The same, synchronously: the module is already compiled, and it is small
 * enough (under 4 KiB) for browsers to instantiate it on any thread.
 */
export function instantiateCoreSync (module: WebAssembly.Module, memory: WebAssembly.Memory): CoreExports {
  const { instance } = instantiateSync<Record<string, unknown>>(module, { env: { memory } })
  return named(instance.exports)
}
