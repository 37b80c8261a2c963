// Creating a table in fresh memory, attaching to an existing one, and the
// facts a host reads back. The host validates capacity and stripes first.
import {
  MAGIC, VERSION, H_MAGIC, H_VERSION, H_CAPACITY, H_STRIPES, H_DIR_SIZE, H_ROW_CELLS,
  H_SCHEMA_BYTES, H_HIST_BYTES, H_ATTACH_TICKETS, H_TOTAL_BYTES, H_TABLE_ID, H_EPOCH, H_PENDING, H_SLOT_TICKETS,
  H_OVERFLOW_TOPICS, H_RESERVED, TABLE_BASE, MAX_TABLE_BYTES, MAX_ROW_CELLS, MAX_SCHEMA_BYTES, MAX_HIST_BYTES,
  derive, dirMask, totalBytes, capacity, stripes, rowCells, schemaBase, schemaBytes, histBase, histBytes, histograms, batchBase, batchListBase,
} from "./layout";

export const ATTACH_OK: i32 = 0;
export const ATTACH_BAD_MAGIC: i32 = 1;
export const ATTACH_BAD_VERSION: i32 = 2;
export const ATTACH_BAD_SIZE: i32 = 3;

/** Bytes of linear memory a table of this shape needs (from address 0), exact past 4 GiB. */
export function bytesFor(cap: u32, nStripes: u32, cells: u32, schemaLength: u32, histLength: u32): f64 {
  derive(cap, nStripes, cells, schemaLength, histLength);
  return <f64>totalBytes;
}

/**
 * Writes the header of a new table into zeroed memory; false if the shape does
 * not fit. The host writes the schema text at address(REGION_SCHEMA) and the
 * histogram index at address(REGION_HIST) first.
 */
export function create(cap: u32, nStripes: u32, cells: u32, schemaLength: u32, histLength: u32, id0: u32, id1: u32, reserve: u32): bool {
  if (cells == 0 || cells > MAX_ROW_CELLS || schemaLength > MAX_SCHEMA_BYTES || histLength > MAX_HIST_BYTES) return false;
  derive(cap, nStripes, cells, schemaLength, histLength);
  if (totalBytes > MAX_TABLE_BYTES) return false;
  store<u32>(TABLE_BASE + H_CAPACITY, cap);
  store<u32>(TABLE_BASE + H_STRIPES, nStripes);
  store<u32>(TABLE_BASE + H_DIR_SIZE, dirMask + 1);
  store<u32>(TABLE_BASE + H_ROW_CELLS, cells);
  store<u32>(TABLE_BASE + H_SCHEMA_BYTES, schemaLength);
  store<u32>(TABLE_BASE + H_RESERVED, reserve);
  store<u32>(TABLE_BASE + H_HIST_BYTES, histLength);
  store<u64>(TABLE_BASE + H_TOTAL_BYTES, totalBytes);
  store<u32>(TABLE_BASE + H_TABLE_ID, id0);
  store<u32>(TABLE_BASE + H_TABLE_ID + 4, id1);
  store<u32>(TABLE_BASE + H_VERSION, VERSION);
  countHistograms();
  // The magic number goes last: a table is valid once it is there.
  atomic.store<u32>(TABLE_BASE + H_MAGIC, MAGIC);
  return true;
}

/** Checks the header and adopts its layout. `memBytes` is the memory's size. */
export function attach(memBytes: f64): i32 {
  if (<f64>(TABLE_BASE + 192) > memBytes) return ATTACH_BAD_MAGIC;
  if (atomic.load<u32>(TABLE_BASE + H_MAGIC) != MAGIC) return ATTACH_BAD_MAGIC;
  if (load<u32>(TABLE_BASE + H_VERSION) != VERSION) return ATTACH_BAD_VERSION;
  const cap = load<u32>(TABLE_BASE + H_CAPACITY);
  const nStripes = load<u32>(TABLE_BASE + H_STRIPES);
  const cells = load<u32>(TABLE_BASE + H_ROW_CELLS);
  const schemaLength = load<u32>(TABLE_BASE + H_SCHEMA_BYTES);
  const histLength = load<u32>(TABLE_BASE + H_HIST_BYTES);
  if (cells == 0 || cells > MAX_ROW_CELLS || schemaLength > MAX_SCHEMA_BYTES || histLength > MAX_HIST_BYTES) return ATTACH_BAD_SIZE;
  derive(cap, nStripes, cells, schemaLength, histLength);
  if (totalBytes != load<u64>(TABLE_BASE + H_TOTAL_BYTES)) return ATTACH_BAD_SIZE;
  if (dirMask + 1 != load<u32>(TABLE_BASE + H_DIR_SIZE)) return ATTACH_BAD_SIZE;
  if (<f64>totalBytes > memBytes) return ATTACH_BAD_SIZE;
  countHistograms();
  return ATTACH_OK;
}

/** Reads how many histograms the index describes (none without an index). */
function countHistograms(): void {
  histograms = histBytes == 0 ? 0 : load<u32>(histBase);
}

/** A unique ticket per attached instance: picks its stripe and lock owner id. */
export function takeTicket(): u32 {
  return atomic.add<u32>(TABLE_BASE + H_ATTACH_TICKETS, 1);
}

export function tableCapacity(): u32 { return capacity; }
export function tableRowCells(): u32 { return rowCells; }
// The regions address() names.
export const REGION_SCHEMA: u32 = 0; // the schema text
export const REGION_HIST: u32 = 1; // the histogram index (histogram.ts)
export const REGION_BATCH: u32 = 2; // the open batch: one f64 per cell, row after row, the overflow row at capacity
export const REGION_BATCH_LIST: u32 = 3; // the open batch's rows with counts (u32 slots, ascending)

/** Where a region starts (valid after create's derive, or attach): one export for four. */
export function address(region: u32): usize {
  return region == REGION_SCHEMA ? schemaBase : region == REGION_HIST ? histBase : region == REGION_BATCH ? batchBase : batchListBase;
}
export function schemaLength(): u32 { return schemaBytes; }

export function tableStripes(): u32 { return stripes; }
export function tableId(word: u32): u32 { return load<u32>(TABLE_BASE + H_TABLE_ID + (<usize>word & 1) * 4); }
export function epoch(): f64 { return <f64>atomic.load<u64>(TABLE_BASE + H_EPOCH); }
/** The pending batch's seq, 0 when none (PENDING's low bit names the base region). */
export function pendingBatch(): f64 { return <f64>(atomic.load<u64>(TABLE_BASE + H_PENDING) >> 1); }
export function overflowTopics(): u32 { return atomic.load<u32>(TABLE_BASE + H_OVERFLOW_TOPICS); }

/** Registered slots (topics with a row of their own). */
export function registered(): u32 {
  const t = atomic.load<u32>(TABLE_BASE + H_SLOT_TICKETS);
  return t < capacity ? t : capacity;
}

/** Stripes that any instance has written to so far. */
export function stripesInUse(): u32 {
  const t = atomic.load<u32>(TABLE_BASE + H_ATTACH_TICKETS);
  return t < stripes ? t : stripes;
}
