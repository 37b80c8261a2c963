// The topic directory: open addressing over a power-of-two number of entries,
// FNV-1a over the key bytes, linear probing. An entry is claimed by
// compare-and-swap on its state word (empty -> claiming -> ready), which also
// carries the key's hash from the moment of the claim. The host hands keys over
// through a scratch buffer it leases for the call.
//
// One topic, one row: a resolver that meets an entry being claimed waits only
// if the claim is for the same hash (it may be the same key); a claim for
// another hash cannot be its key, so it probes on at once. The wait is bounded
// (CLAIM_SPINS), so a claimer terminated mid-claim cannot wedge the directory;
// the price is that a claimer stalled past the bound, for the same hash, can
// see the waiter claim a second entry for the same key. Both rows are named by
// the key and drain like any other; the host merges rows of one name. When the
// table is full, such a second claim goes to the overflow row.
//
// Two pools, when a table reserves rows (H_RESERVED, a KafkaTally's error
// kinds): the claimer of a new entry is first admitted to its key's pool by an
// atomic add on that pool's counter (topics: capacity - reserved, internal
// keys: reserved), and only an admitted key takes a slot ticket. The pools'
// sizes sum to the capacity, so an admitted key always finds a ticket below
// it, and neither pool can take the other's rows in any interleaving. A key
// refused admission gets an entry all the same, ready with the overflow slot,
// so every resolver of that key agrees on it.
//
// Scratch buffers are leased like the snapshot lock (owner and deadline in one
// word, compare-and-swap): a thread terminated mid-registration frees its
// buffer when the lease runs out, and a holder that stalled past its lease
// learns it at release, so the host resolves the key again.
import {
  TABLE_BASE, H_SLOT_TICKETS, H_OVERFLOW_TOPICS, H_TOPIC_TICKETS, H_RESERVED_TICKETS, H_RESERVED, SCRATCH_SLOTS, SCRATCH_BYTES, SCRATCH_KEY,
  ENTRY_BYTES, E_STATE, E_SLOT, E_LEN, E_KEY, MAX_KEY,
  capacity, dirMask, scratchBase, dirBase, slotEntryBase,
} from "./layout";
import { pausePoint, STEP_DIR_PUBLISH, STEP_DIR_WAIT } from "./pause";

export const EMPTY: u64 = 0;
export const CLAIMING: u64 = 1;
export const READY: u64 = 2;
const STATE_MASK: u64 = 3;
const CLAIM_SPINS: u32 = 1 << 24;
const DEADLINE_MASK: u64 = (1 << 48) - 1;

// The lease word of the scratch buffer this instance holds (thread-local).
let scratchHeld: u64 = 0;

/**
 * Leases a scratch buffer for one key until `nowMs + leaseMs`: a free one, or
 * one whose holder's lease ran out (a thread terminated mid-registration).
 * Returns the key's address, 0 when every buffer is held (try again).
 */
export function scratchAcquire(owner: u32, nowMs: f64, leaseMs: f64): usize {
  const mine = (<u64>(owner & 0xffff) << 48) | (<u64>(nowMs + leaseMs) & DEADLINE_MASK);
  for (let i: u32 = 0; i < SCRATCH_SLOTS; i++) {
    const p = scratchBase + <usize>i * SCRATCH_BYTES;
    const cur = atomic.load<u64>(p);
    if (cur != 0 && <f64>(cur & DEADLINE_MASK) >= nowMs) continue;
    if (atomic.cmpxchg<u64>(p, cur, mine) == cur) {
      scratchHeld = mine;
      return p + SCRATCH_KEY;
    }
  }
  return 0;
}

/**
 * Returns the scratch buffer. False when its lease was taken over meanwhile:
 * the key may have been overwritten, so the host must discard what resolve
 * answered and resolve again.
 */
export function scratchRelease(key: usize): bool {
  const ok = atomic.cmpxchg<u64>(key - SCRATCH_KEY, scratchHeld, 0) == scratchHeld;
  scratchHeld = 0;
  return ok;
}

function fnv1a(p: usize, len: u32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: u32 = 0; i < len; i++) {
    h = (h ^ <u32>load<u8>(p + i)) * 0x01000193;
  }
  return h;
}

function sameKey(entry: usize, key: usize, len: u32): bool {
  if (load<u32>(entry + E_LEN) != len) return false;
  return memory.compare(entry + E_KEY, key, len) == 0;
}

/**
 * The slot of the key at `key` (`len` bytes), registering it on first sight.
 * Returns `capacity` (the overflow row) when the table is full. With rows
 * reserved (a KafkaTally's error kinds), an `internal` key is admitted only
 * to the reserve and any other only to the rest, so neither pool can take
 * the other's rows.
 */
export function resolve(key: usize, len: u32, internal: bool): u32 {
  if (len == 0 || len > MAX_KEY) return capacity;
  const h = fnv1a(key, len);
  const claiming = (<u64>h << 32) | CLAIMING;
  const ready = (<u64>h << 32) | READY;
  let i = h & dirMask;
  for (let probes: u32 = 0; probes <= dirMask; probes++) {
    const entry = dirBase + <usize>i * ENTRY_BYTES;
    let state = atomic.load<u64>(entry + E_STATE);
    if (state == EMPTY) {
      state = atomic.cmpxchg<u64>(entry + E_STATE, EMPTY, claiming);
      if (state == EMPTY) return claim(entry, i, key, len, ready, internal);
    }
    if (state == claiming) {
      let spins: u32 = 0;
      do {
        state = atomic.load<u64>(entry + E_STATE);
        pausePoint(STEP_DIR_WAIT, i);
      } while (state == claiming && ++spins < CLAIM_SPINS);
    }
    if (state == ready && sameKey(entry, key, len)) {
      return load<u32>(entry + E_SLOT);
    }
    i = (i + 1) & dirMask;
  }
  // Every entry is taken (more than twice `capacity` distinct keys): overflow,
  // counted once per resolving thread (no entry is left to remember the key by).
  atomic.add<u32>(TABLE_BASE + H_OVERFLOW_TOPICS, 1);
  return capacity;
}

function claim(entry: usize, index: u32, key: usize, len: u32, ready: u64, internal: bool): u32 {
  store<u32>(entry + E_LEN, len);
  memory.copy(entry + E_KEY, key, len);
  // Admission to the key's pool first: the pools' sizes sum to the capacity,
  // so an admitted key always finds a slot ticket below it.
  let admitted = true;
  const reserved = load<u32>(TABLE_BASE + H_RESERVED); // written once, at create
  if (reserved != 0) {
    admitted = internal
      ? atomic.add<u32>(TABLE_BASE + H_RESERVED_TICKETS, 1) < reserved
      : atomic.add<u32>(TABLE_BASE + H_TOPIC_TICKETS, 1) < capacity - reserved;
  }
  const ticket = admitted ? atomic.add<u32>(TABLE_BASE + H_SLOT_TICKETS, 1) : capacity;
  let slot = capacity;
  if (ticket < capacity) {
    slot = ticket;
    atomic.store<u32>(slotEntryBase + <usize>slot * 4, index + 1);
  } else {
    // Counted once per key table-wide: later resolvers find this entry ready.
    atomic.add<u32>(TABLE_BASE + H_OVERFLOW_TOPICS, 1);
  }
  store<u32>(entry + E_SLOT, slot);
  pausePoint(STEP_DIR_PUBLISH, slot);
  atomic.store<u64>(entry + E_STATE, ready);
  return slot;
}

/** Address of the key bytes of a registered slot, or 0 if not yet published. */
export function slotKey(slot: u32): usize {
  if (slot >= capacity) return 0;
  const index = atomic.load<u32>(slotEntryBase + <usize>slot * 4);
  if (index == 0) return 0;
  const entry = dirBase + <usize>(index - 1) * ENTRY_BYTES;
  if ((atomic.load<u64>(entry + E_STATE) & STATE_MASK) != READY) return 0;
  return entry + E_KEY;
}

export function slotKeyLength(slot: u32): u32 {
  const key = slotKey(slot);
  return key == 0 ? 0 : load<u32>(key - E_KEY + E_LEN);
}
