// The snapshot lock: one 64-bit word holding the owner (high 16 bits) and the
// lease deadline in milliseconds (low 48 bits), changed only by
// compare-and-swap. A holder that dies leaves a lease that expires, and the
// next flusher takes the lock over. A holder that is alive renews its lease
// while a sink takes its time, and before it acknowledges a batch.
//
// Why a takeover is safe:
// - Each instance keeps the exact word it wrote (`held`, thread-local). Renew
//   and release are compare-and-swaps against that word, so a holder whose
//   lease was taken over (the word changed) learns it, and never extends or
//   frees the new holder's lock.
// - A holder stalled past its lease may still run while the new one works:
//   two flushers at once. counters.ts shows why every move stays exact then,
//   and why its acknowledgement cannot clear a batch that is not its own.
// - Deadlines are wall-clock milliseconds, which every thread of a process
//   reads alike; 48 bits of them last until the year 10889.
import { TABLE_BASE, H_LOCK } from "./layout";
import { pausePoint, STEP_LOCK_CAS, STEP_RENEW_CAS, STEP_RELEASE_CAS } from "./pause";

export const LOCK_BUSY: i32 = 0;
export const LOCK_TAKEN: i32 = 1;
export const LOCK_RECOVERED: i32 = 2;

const DEADLINE_MASK: u64 = (1 << 48) - 1;
let held: u64 = 0;

function leaseWord(owner: u32, nowMs: f64, leaseMs: f64): u64 {
  return (<u64>(owner & 0xffff) << 48) | (<u64>(nowMs + leaseMs) & DEADLINE_MASK);
}

/** Tries to take the lock for `leaseMs` from `nowMs`. */
export function lockTry(owner: u32, nowMs: f64, leaseMs: f64): i32 {
  const word = TABLE_BASE + H_LOCK;
  const mine = leaseWord(owner, nowMs, leaseMs);
  const cur = atomic.load<u64>(word);
  pausePoint(STEP_LOCK_CAS, owner);
  if (cur == 0) {
    if (atomic.cmpxchg<u64>(word, 0, mine) == 0) { held = mine; return LOCK_TAKEN; }
    return LOCK_BUSY;
  }
  if (<f64>(cur & DEADLINE_MASK) < nowMs) {
    if (atomic.cmpxchg<u64>(word, cur, mine) == cur) { held = mine; return LOCK_RECOVERED; }
  }
  return LOCK_BUSY;
}

/** Extends this instance's lease to `nowMs + leaseMs`; false if it was taken over. */
export function lockRenew(owner: u32, nowMs: f64, leaseMs: f64): bool {
  if (held == 0) return false;
  const mine = leaseWord(owner, nowMs, leaseMs);
  pausePoint(STEP_RENEW_CAS, owner);
  if (atomic.cmpxchg<u64>(TABLE_BASE + H_LOCK, held, mine) != held) { held = 0; return false; }
  held = mine;
  return true;
}

/** Releases the lock if this instance still holds it; false if the lease was lost. */
export function lockRelease(): bool {
  const word = TABLE_BASE + H_LOCK;
  pausePoint(STEP_RELEASE_CAS, 0);
  const ok = held != 0 && atomic.cmpxchg<u64>(word, held, 0) == held;
  held = 0;
  atomic.notify(word);
  return ok;
}

/** The current lease deadline in ms since the epoch; 0 when the lock is free. */
export function lockDeadline(): f64 {
  return <f64>(atomic.load<u64>(TABLE_BASE + H_LOCK) & DEADLINE_MASK);
}

