// The table's layout in the shared linear memory. Every offset is derived from
// the header, so every instance that attaches computes the same addresses.
// Nothing here is a data segment: the table starts at TABLE_BASE, above the
// low region the compiler may use, and is written only at run time.

export const TABLE_BASE: usize = 1024;
export const MAGIC: u32 = 0x594c4154; // "TALY" little-endian
export const VERSION: u32 = 4;

// Header: two 64-byte lines, offsets from TABLE_BASE.
// Line 0 is written once, at create.
export const H_MAGIC: usize = 0;
export const H_VERSION: usize = 4;
export const H_CAPACITY: usize = 8;
export const H_STRIPES: usize = 12;
export const H_DIR_SIZE: usize = 16;
export const H_ROW_CELLS: usize = 20; // u32: counter cells per row
export const H_TOTAL_BYTES: usize = 24; // u64: bytes from 0 to the end of the table
export const H_TABLE_ID: usize = 32; // 2 x u32: random id, unique across processes
export const H_SCHEMA_BYTES: usize = 40; // u32: length of the schema text (JSON) after the scratch buffers
export const H_RESERVED: usize = 44; // u32: of the capacity, rows only internal keys may take (0: one pool for all)
export const H_HIST_BYTES: usize = 48; // u32: length of the histogram index (histogram.ts) after the schema text
// Line 1 is written by flushers and by registration.
export const H_LOCK: usize = 64; // u64: owner << 48 | lease deadline (ms)
export const H_EPOCH: usize = 72; // u64: batches formed so far; each formation's add names its batch
export const H_LAST_FLUSH: usize = 80; // u64: when the last snapshot or flush claim happened (ms)
export const H_PENDING: usize = 88; // u64: seq << 1 | base: the pending batch (0 = none) and the totals region that is its base
export const H_SLOT_TICKETS: usize = 96; // u32: slot tickets handed out (may pass capacity)
export const H_ATTACH_TICKETS: usize = 100; // u32: instances attached
export const H_OVERFLOW_TOPICS: usize = 104; // u32: topics that found the table full
export const H_TOPIC_TICKETS: usize = 108; // u32: topics admitted to their pool (with reserved rows; may pass it)
export const H_RESERVED_TICKETS: usize = 112; // u32: internal keys admitted to the reserve (may pass it)
// Writers read nothing in the header: their add goes straight to their counter.
export const HEADER_BYTES: usize = 128;

export const SCRATCH_SLOTS: u32 = 64;
export const SCRATCH_BYTES: usize = 320; // lease word (u64), then key bytes at +64
export const SCRATCH_KEY: usize = 64;

// A directory entry: state word (u64: key hash << 32 | state), slot, length, key.
export const ENTRY_BYTES: usize = 272;
export const E_STATE: usize = 0;
export const E_SLOT: usize = 8;
export const E_LEN: usize = 12;
export const E_KEY: usize = 16;
export const MAX_KEY: u32 = 255;

// The default row: success, error. A schema adds columns and histograms (the host
// lays them out); the core only sees a number of 64-bit cells per row.
export const DEFAULT_ROW_CELLS: u32 = 2;
export const MAX_ROW_CELLS: u32 = 1024;
export const MAX_SCHEMA_BYTES: u32 = 65536;
export const MAX_HIST_BYTES: u32 = 1 << 20;
export const OUTCOME_SUCCESS: u32 = 0; // the default row's first cell
export const OUTCOME_ERROR: u32 = 1; // its second
export const CELL_BYTES: usize = 8; // u64 counter

// The largest table a wasm32 memory can address.
export const MAX_TABLE_BYTES: u64 = 4294967296; // 65536 pages of 64 KiB

// Per-instance copies of the derived layout (globals are thread-local).
export let capacity: u32 = 0;
export let stripes: u32 = 0;
export let rowCells: u32 = 0;
export let schemaBytes: u32 = 0;
export let dirMask: u32 = 0;
export let scratchBase: usize = 0;
export let schemaBase: usize = 0;
export let histBytes: u32 = 0;
export let histBase: usize = 0; // the histogram index: bounds and bucket lookup tables (histogram.ts)
export let histograms: u32 = 0; // how many it describes (read from it at create and attach)
export let dirBase: usize = 0;
export let slotEntryBase: usize = 0;
export let totalsBase: usize = 0; // region 0 of the totals; region 1 follows at regionBytes
export let batchBase: usize = 0; // the open batch, one f64 per cell, for the host to read
export let batchListBase: usize = 0; // the open batch's rows with counts, u32 slots
export let regionBytes: usize = 0;
export let countersBase: usize = 0;
export let stripeBytes: usize = 0;
// u64, computed without wrap-around: a shape past 4 GiB is refused, not truncated.
export let totalBytes: u64 = 0;

function align64(n: u64): u64 {
  return (n + 63) & ~(<u64>63);
}

function nextPow2(n: u64): u64 {
  let p: u64 = 1;
  while (p < n) p <<= 1;
  return p;
}

/**
 * Derives every region's address from the table's shape. Sizes are summed in
 * 64 bits; the addresses are only valid when totalBytes fits.
 */
export function derive(cap: u32, nStripes: u32, cells: u32, schemaLength: u32, histLength: u32): void {
  capacity = cap;
  stripes = nStripes;
  rowCells = cells;
  schemaBytes = schemaLength;
  histBytes = histLength;
  const dirSize = nextPow2(<u64>cap * 2);
  dirMask = <u32>(dirSize - 1);
  const scratch = <u64>(TABLE_BASE + HEADER_BYTES);
  const schema = align64(scratch + <u64>SCRATCH_SLOTS * SCRATCH_BYTES);
  const hist = align64(schema + <u64>schemaLength);
  const dir = align64(hist + <u64>histLength);
  const slotEntries = align64(dir + dirSize * ENTRY_BYTES);
  // One row per slot plus the overflow row, `cells` 64-bit words each, in each
  // of: the two totals regions, the batch, and every stripe's counters; the
  // batch's list of rows with counts (a u32 per slot) before the counters.
  const region = align64(<u64>(cap + 1) * <u64>cells * CELL_BYTES);
  const totals = align64(slotEntries + <u64>cap * 4);
  const batch = totals + 2 * region;
  const list = batch + region;
  const counters = align64(list + <u64>cap * 4);
  totalBytes = counters + region * <u64>nStripes;
  scratchBase = <usize>scratch;
  schemaBase = <usize>schema;
  histBase = <usize>hist;
  dirBase = <usize>dir;
  slotEntryBase = <usize>slotEntries;
  totalsBase = <usize>totals;
  batchBase = <usize>batch;
  batchListBase = <usize>list;
  regionBytes = <usize>region;
  countersBase = <usize>counters;
  stripeBytes = <usize>region;
}
