// The counters: [buffer 0|1][stripe][slot][outcome] as 64-bit words, plus a
// staging row per slot where a snapshot collects what it drained.
//
// Writer:  b = load(active); add(counter[b][stripe][slot][outcome], n)
// Flusher (holding the lock): flip active, then move every word of the old
// buffer into staging with an atomic exchange, then take staging out with an
// atomic exchange. Each unit moves by one atomic instruction at a time, so it
// is in exactly one place: never lost, never counted twice.
import {
  TABLE_BASE, H_ACTIVE, H_EPOCH, H_LAST_FLUSH, OUTCOMES, CELL_BYTES,
  capacity, countersBase, stagingBase, stripeBytes, bufferBytes,
} from "./layout";
import { registered, stripesInUse } from "./table";

/** Address, in buffer 0, of a stripe's counter for a slot and outcome. */
export function cell(stripe: u32, slot: u32, outcome: u32): usize {
  return countersBase + <usize>stripe * stripeBytes
    + (<usize>slot * <usize>OUTCOMES + <usize>outcome) * CELL_BYTES;
}

/** The hot path: one atomic load of the active buffer, one atomic add. */
export function add(cell0: usize, n: f64): void {
  const b = <usize>atomic.load<u32>(TABLE_BASE + H_ACTIVE);
  atomic.add<u64>(cell0 + b * bufferBytes, <u64>n);
}

/** Adds one: the same as add(cell0, 1) without the number conversion. */
export function inc(cell0: usize): void {
  const b = <usize>atomic.load<u32>(TABLE_BASE + H_ACTIVE);
  atomic.add<u64>(cell0 + b * bufferBytes, 1);
}

/** Points writers at the other buffer; returns the one to drain. */
export function flip(nowMs: f64): u32 {
  const old = atomic.load<u32>(TABLE_BASE + H_ACTIVE);
  atomic.store<u32>(TABLE_BASE + H_ACTIVE, old ^ 1);
  atomic.add<u64>(TABLE_BASE + H_EPOCH, 1);
  atomic.store<u64>(TABLE_BASE + H_LAST_FLUSH, <u64>nowMs);
  return old;
}

/**
 * The table-wide flush turn: true for at most one caller per `intervalMs`,
 * across every thread, counting from the last snapshot or won claim.
 */
export function claimFlush(nowMs: f64, intervalMs: f64): bool {
  const word = TABLE_BASE + H_LAST_FLUSH;
  const last = atomic.load<u64>(word);
  if (nowMs - <f64>last < intervalMs) return false;
  return atomic.cmpxchg<u64>(word, last, <u64>nowMs) == last;
}

/**
 * Moves everything in `buffer` into the staging rows: stripe by stripe, each
 * stripe's rows in address order. A word moves by one exchange and one add,
 * with nothing in between that could be interrupted.
 */
export function drain(buffer: u32): void {
  const used = stripesInUse();
  const n = registered();
  const words = <usize>n * <usize>OUTCOMES;
  const overflowWord = <usize>capacity * <usize>OUTCOMES;
  for (let s: u32 = 0; s < used; s++) {
    const row = countersBase + <usize>buffer * bufferBytes + <usize>s * stripeBytes;
    for (let w: usize = 0; w < words; w++) moveWord(row + w * CELL_BYTES, stagingBase + w * CELL_BYTES);
    for (let o: usize = 0; o < <usize>OUTCOMES; o++) {
      moveWord(row + (overflowWord + o) * CELL_BYTES, stagingBase + (overflowWord + o) * CELL_BYTES);
    }
  }
}

// @ts-ignore: decorator
@inline function moveWord(from: usize, to: usize): void {
  if (atomic.load<u64>(from) != 0) atomic.add<u64>(to, atomic.xchg<u64>(from, 0));
}

/** Takes a staging word out (resets it); exact up to 2^53. */
export function take(slot: u32, outcome: u32): f64 {
  const staging = stagingBase + (<usize>slot * <usize>OUTCOMES + <usize>outcome) * CELL_BYTES;
  if (atomic.load<u64>(staging) == 0) return 0;
  return <f64>atomic.xchg<u64>(staging, 0);
}
