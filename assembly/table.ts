// Creating a table in fresh memory, attaching to an existing one, and the
// facts a host reads back. The host validates capacity and stripes first.
import {
  MAGIC, VERSION, H_MAGIC, H_VERSION, H_CAPACITY, H_STRIPES, H_DIR_SIZE, H_TICKETS,
  H_TOTAL_BYTES, H_EPOCH, H_TOPICS, H_OVERFLOW_TOPICS, TABLE_BASE,
  derive, dirMask, totalBytes, capacity, stripes,
} from "./layout";

export const ATTACH_OK: i32 = 0;
export const ATTACH_BAD_MAGIC: i32 = 1;
export const ATTACH_BAD_VERSION: i32 = 2;
export const ATTACH_BAD_SIZE: i32 = 3;

/** Bytes of linear memory a table of this shape needs (from address 0). */
export function bytesFor(cap: u32, nStripes: u32): f64 {
  derive(cap, nStripes);
  return <f64>totalBytes;
}

/** Writes the header of a new table into zeroed memory. */
export function create(cap: u32, nStripes: u32): void {
  derive(cap, nStripes);
  store<u32>(TABLE_BASE + H_CAPACITY, cap);
  store<u32>(TABLE_BASE + H_STRIPES, nStripes);
  store<u32>(TABLE_BASE + H_DIR_SIZE, dirMask + 1);
  store<u32>(TABLE_BASE + H_TOTAL_BYTES, <u32>totalBytes);
  store<u32>(TABLE_BASE + H_VERSION, VERSION);
  // The magic number goes last: a table is valid once it is there.
  atomic.store<u32>(TABLE_BASE + H_MAGIC, MAGIC);
}

/** Checks the header and adopts its layout. `memBytes` is the memory's size. */
export function attach(memBytes: f64): i32 {
  if (<f64>(TABLE_BASE + 64) > memBytes) return ATTACH_BAD_MAGIC;
  if (atomic.load<u32>(TABLE_BASE + H_MAGIC) != MAGIC) return ATTACH_BAD_MAGIC;
  if (load<u32>(TABLE_BASE + H_VERSION) != VERSION) return ATTACH_BAD_VERSION;
  const cap = load<u32>(TABLE_BASE + H_CAPACITY);
  const nStripes = load<u32>(TABLE_BASE + H_STRIPES);
  derive(cap, nStripes);
  if (<u32>totalBytes != load<u32>(TABLE_BASE + H_TOTAL_BYTES)) return ATTACH_BAD_SIZE;
  if (dirMask + 1 != load<u32>(TABLE_BASE + H_DIR_SIZE)) return ATTACH_BAD_SIZE;
  if (<f64>totalBytes > memBytes) return ATTACH_BAD_SIZE;
  return ATTACH_OK;
}

/** A unique ticket per attached instance: picks its stripe and lock owner id. */
export function takeTicket(): u32 {
  return atomic.add<u32>(TABLE_BASE + H_TICKETS, 1);
}

export function tableCapacity(): u32 { return capacity; }
export function tableStripes(): u32 { return stripes; }
export function epoch(): f64 { return <f64>atomic.load<u64>(TABLE_BASE + H_EPOCH); }
export function overflowTopics(): u32 { return atomic.load<u32>(TABLE_BASE + H_OVERFLOW_TOPICS); }

/** Registered slots (topics with a row of their own). */
export function registered(): u32 {
  const t = atomic.load<u32>(TABLE_BASE + H_TOPICS);
  return t < capacity ? t : capacity;
}

/** Stripes that any instance has written to so far. */
export function stripesInUse(): u32 {
  const t = atomic.load<u32>(TABLE_BASE + H_TICKETS);
  return t < stripes ? t : stripes;
}
