// The topic directory: open addressing over a power-of-two number of entries,
// FNV-1a over the key bytes, linear probing. An entry is claimed by
// compare-and-swap on its state word (empty -> claiming -> ready). The host
// hands keys over through a scratch buffer it borrows for the call.
import {
  TABLE_BASE, H_TOPICS, H_OVERFLOW_TOPICS, SCRATCH_SLOTS, SCRATCH_BYTES, SCRATCH_KEY,
  ENTRY_BYTES, E_STATE, E_SLOT, E_HASH, E_LEN, E_KEY, MAX_KEY,
  capacity, dirMask, scratchBase, dirBase, slotEntryBase,
} from "./layout";

const EMPTY: u32 = 0;
const CLAIMING: u32 = 1;
const READY: u32 = 2;
// How long to wait for another thread to finish a claim before probing past
// it (a thread terminated mid-claim must not wedge the directory).
const CLAIM_SPINS: u32 = 1 << 24;

/** Borrows a scratch buffer for one key; 0 when all are busy (try again). */
export function scratchAcquire(): usize {
  for (let i: u32 = 0; i < SCRATCH_SLOTS; i++) {
    const p = scratchBase + <usize>i * SCRATCH_BYTES;
    if (atomic.cmpxchg<u32>(p, 0, 1) == 0) return p + SCRATCH_KEY;
  }
  return 0;
}

export function scratchRelease(key: usize): void {
  atomic.store<u32>(key - SCRATCH_KEY, 0);
}

function fnv1a(p: usize, len: u32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: u32 = 0; i < len; i++) {
    h = (h ^ <u32>load<u8>(p + i)) * 0x01000193;
  }
  return h;
}

function sameKey(entry: usize, key: usize, len: u32, h: u32): bool {
  if (load<u32>(entry + E_HASH) != h || load<u32>(entry + E_LEN) != len) return false;
  return memory.compare(entry + E_KEY, key, len) == 0;
}

/**
 * The slot of the key at `key` (`len` bytes), registering it on first sight.
 * Returns `capacity` (the overflow row) when the table is full.
 */
export function resolve(key: usize, len: u32): u32 {
  if (len == 0 || len > MAX_KEY) return capacity;
  const h = fnv1a(key, len);
  let i = h & dirMask;
  for (let probes: u32 = 0; probes <= dirMask; probes++) {
    const entry = dirBase + <usize>i * ENTRY_BYTES;
    let state = atomic.load<u32>(entry + E_STATE);
    if (state == EMPTY) {
      state = atomic.cmpxchg<u32>(entry + E_STATE, EMPTY, CLAIMING);
      if (state == EMPTY) return claim(entry, i, key, len, h);
    }
    if (state == CLAIMING) {
      let spins: u32 = 0;
      do {
        state = atomic.load<u32>(entry + E_STATE);
      } while (state == CLAIMING && ++spins < CLAIM_SPINS);
    }
    if (state == READY && sameKey(entry, key, len, h)) {
      return load<u32>(entry + E_SLOT);
    }
    i = (i + 1) & dirMask;
  }
  atomic.add<u32>(TABLE_BASE + H_OVERFLOW_TOPICS, 1);
  return capacity;
}

function claim(entry: usize, index: u32, key: usize, len: u32, h: u32): u32 {
  store<u32>(entry + E_HASH, h);
  store<u32>(entry + E_LEN, len);
  memory.copy(entry + E_KEY, key, len);
  const ticket = atomic.add<u32>(TABLE_BASE + H_TOPICS, 1);
  let slot = capacity;
  if (ticket < capacity) {
    slot = ticket;
    atomic.store<u32>(slotEntryBase + <usize>slot * 4, index + 1);
  } else {
    atomic.add<u32>(TABLE_BASE + H_OVERFLOW_TOPICS, 1);
  }
  store<u32>(entry + E_SLOT, slot);
  atomic.store<u32>(entry + E_STATE, READY);
  return slot;
}

/** Address of the key bytes of a registered slot, or 0 if not yet published. */
export function slotKey(slot: u32): usize {
  if (slot >= capacity) return 0;
  const index = atomic.load<u32>(slotEntryBase + <usize>slot * 4);
  if (index == 0) return 0;
  const entry = dirBase + <usize>(index - 1) * ENTRY_BYTES;
  if (atomic.load<u32>(entry + E_STATE) != READY) return 0;
  return entry + E_KEY;
}

export function slotKeyLength(slot: u32): u32 {
  const key = slotKey(slot);
  return key == 0 ? 0 : load<u32>(key - E_KEY + E_LEN);
}
