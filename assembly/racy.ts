// A deliberately broken engine, built only for the test suite: the writer does
// a plain read-modify-write and the snapshot reads then clears the live buffer
// with no swap. The stress harness must report the counts this loses.
export { bytesFor, maxTableBytes, create, attach, takeTicket, tableCapacity, tableStripes, tableId,
  epoch, pendingBatch, overflowTopics, registered, stripesInUse } from "./table";
export { scratchAcquire, scratchRelease, resolve, slotKey, slotKeyLength } from "./directory";
export { cell, claimFlush, peek, reduce, batchAck, take, pendingClear } from "./counters";
export { lockTry, lockRenew, lockRelease, lockDeadline, lockAddress } from "./lock";
import { TABLE_BASE, H_EPOCH, H_PENDING, OUTCOMES, CELL_BYTES, capacity, stagingBase } from "./layout";
import { registered, stripesInUse } from "./table";
import { cell } from "./counters";

export function add(cell0: usize, n: f64): void {
  store<u64>(cell0, load<u64>(cell0) + <u64>n);
}

export function inc(cell0: usize): void {
  store<u64>(cell0, load<u64>(cell0) + 1);
}

export function flip(nowMs: f64): f64 {
  return <f64>(atomic.add<u64>(TABLE_BASE + H_EPOCH, 1) + 1);
}

export function drain(): void {
  const used = stripesInUse();
  const n = registered();
  for (let slot: u32 = 0; slot <= n; slot++) {
    const row = slot == n ? capacity : slot;
    for (let o: u32 = 0; o < OUTCOMES; o++) {
      const staging = stagingBase + (<usize>row * <usize>OUTCOMES + <usize>o) * CELL_BYTES;
      for (let s: u32 = 0; s < used; s++) {
        const p = cell(s, row, o);
        const v = load<u64>(p);
        store<u64>(p, 0);
        store<u64>(staging, load<u64>(staging) + v);
      }
    }
  }
}

export function batchOpen(nowMs: f64): f64 {
  const pending = atomic.load<u64>(TABLE_BASE + H_PENDING);
  if (pending != 0) return <f64>pending;
  const e = flip(nowMs);
  drain();
  atomic.store<u64>(TABLE_BASE + H_PENDING, <u64>e);
  return e;
}
