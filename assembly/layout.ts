// The table's layout in the shared linear memory. Every offset is derived from
// the header, so every instance that attaches computes the same addresses.
// Nothing here is a data segment: the table starts at TABLE_BASE, above the
// low region the compiler may use, and is written only at run time.

export const TABLE_BASE: usize = 1024;
export const MAGIC: u32 = 0x594c4154; // "TALY" little-endian
export const VERSION: u32 = 1;

// Header fields (one 64-byte line), offsets from TABLE_BASE.
export const H_MAGIC: usize = 0;
export const H_VERSION: usize = 4;
export const H_CAPACITY: usize = 8;
export const H_STRIPES: usize = 12;
export const H_DIR_SIZE: usize = 16;
export const H_ACTIVE: usize = 20;
export const H_LOCK: usize = 24; // u64: owner << 48 | lease deadline (ms)
export const H_EPOCH: usize = 32; // u64: snapshots taken
export const H_TOPICS: usize = 40; // u32: slot tickets handed out (may pass capacity)
export const H_TICKETS: usize = 44; // u32: instances attached
export const H_OVERFLOW_TOPICS: usize = 48; // u32: topics routed to the overflow row
export const H_TOTAL_BYTES: usize = 52; // u32: bytes from 0 to the end of the table
export const H_LAST_FLUSH: usize = 56; // u64: when the last snapshot or flush claim happened (ms)
export const HEADER_BYTES: usize = 64;

export const SCRATCH_SLOTS: u32 = 64;
export const SCRATCH_BYTES: usize = 320; // busy word, then key bytes at +64
export const SCRATCH_KEY: usize = 64;

export const ENTRY_BYTES: usize = 272; // state, slot, hash, len, key[256]
export const E_STATE: usize = 0;
export const E_SLOT: usize = 4;
export const E_HASH: usize = 8;
export const E_LEN: usize = 12;
export const E_KEY: usize = 16;
export const MAX_KEY: u32 = 255;

export const OUTCOMES: u32 = 2; // success, error
export const CELL_BYTES: usize = 8; // u64 counter

// Per-instance copies of the derived layout (globals are thread-local).
export let capacity: u32 = 0;
export let stripes: u32 = 0;
export let dirMask: u32 = 0;
export let scratchBase: usize = 0;
export let dirBase: usize = 0;
export let slotEntryBase: usize = 0;
export let stagingBase: usize = 0;
export let countersBase: usize = 0;
export let stripeBytes: usize = 0;
export let bufferBytes: usize = 0;
export let totalBytes: usize = 0;

function align64(n: usize): usize {
  return (n + 63) & ~(<usize>63);
}

function nextPow2(n: u32): u32 {
  let p: u32 = 1;
  while (p < n) p <<= 1;
  return p;
}

/** Derives every region's address from capacity and stripe count. */
export function derive(cap: u32, nStripes: u32): void {
  capacity = cap;
  stripes = nStripes;
  const dirSize = nextPow2(cap * 2);
  dirMask = dirSize - 1;
  scratchBase = TABLE_BASE + HEADER_BYTES;
  dirBase = align64(scratchBase + <usize>SCRATCH_SLOTS * SCRATCH_BYTES);
  slotEntryBase = align64(dirBase + <usize>dirSize * ENTRY_BYTES);
  stagingBase = align64(slotEntryBase + <usize>cap * 4);
  // One row per slot plus the overflow row, two outcomes each.
  const rowBytes = <usize>(cap + 1) * <usize>OUTCOMES * CELL_BYTES;
  countersBase = align64(stagingBase + rowBytes);
  stripeBytes = align64(rowBytes);
  bufferBytes = stripeBytes * <usize>nStripes;
  totalBytes = countersBase + 2 * bufferBytes;
}
